"""Registry names in running text: the spans of a text that spell a registered entity.

The text is cut into word tokens; runs of capitalised words (with the connectors a name may hold)
are looked up in the registry index (pipeline.names.matching.index), longest first, and a word before
a registered surname must be the person's own given name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pipeline.names.entity import Entity
from pipeline.names.matching.index import PHRASE_SCORE, NameIndex, Token, word_shape, word_tokens
from pipeline.names.person.folding import fold, fold_token
from pipeline.names.person.given_names import given_names_agree, is_common_english, title_gender
from pipeline.names.person.person_name import PATRONYMIC_ENDING, parse_person

# Lower-case words that may stand inside a name: "Council of Mothers and Wives".
_CONNECTORS = {"of", "and", "the", "for", "i", "na", "s", "&"}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    entity: Entity
    method: str
    score: float
    applied: bool  # False: a candidate for review, left as it is in the text


# What stands between two tokens: nothing but spaces; punctuation (a full stop, comma, dash,
# quote); a line break. A name never spans a line break, and spans punctuation only where a
# registered spelling has it.
_JOINED, _PUNCTUATION, _BREAK = 0, 1, 2


def _gaps(text: str, tokens: list[Token]) -> list[int]:
    """gaps[i]: what separates token i from token i - 1 (a break before the first)."""
    gaps = [_BREAK]
    for previous, token in zip(tokens, tokens[1:]):
        between = text[previous.end : token.start]
        if "\n" in between or "\r" in between:
            gaps.append(_BREAK)
        elif not between.strip(" \t\u00a0'’ʹʼ`´"):
            gaps.append(_JOINED)  # spaces, or the apostrophe of "Put' Domoi"
        elif between.strip() == "." and len(text[previous.start : previous.end]) == 1 and text[previous.start].isupper():
            gaps.append(_JOINED)  # an initial: "A. Navalny"
        else:
            gaps.append(_PUNCTUATION)
    return gaps


def find_mentions(text: str, index: NameIndex, auto_threshold: float, review_threshold: float) -> list[Mention]:
    """Registry names in English text, paragraph by paragraph (see _find_mentions).

    No mention crosses a line break, and nothing in a paragraph depends on another one, so the
    mentions of a short paragraph seen before (a dateline, a repeated story) are kept.
    """
    mentions: list[Mention] = []
    offset = 0
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= 1000:
            found: Iterable[Mention] = _paragraph_mentions(paragraph, index, auto_threshold, review_threshold)
        else:
            found = _find_mentions(paragraph, index, auto_threshold, review_threshold)
        mentions += [replace(m, start=m.start + offset, end=m.end + offset) if offset else m for m in found]
        offset += len(paragraph) + 2
    return _settle_bare_surnames(text, mentions)


# Before a surname, a capitalised word that names nobody: "Later Krivenko", "Mrs Tsukanova".
_WORD_BEFORE = r"([^\W\d_][\w'’-]*)[ \t]+"


def _settle_bare_surnames(text: str, mentions: list[Mention]) -> list[Mention]:
    """A registered person named by surname alone is not taken for that person where the text
    names somebody else by the same surname ("her sister Evdokia Tsukanova", "his wife Zlata
    Krivenko"): the bare surname could be either, and is left as written, for review."""
    full_given: dict[str, set[str]] = {}
    for mention in mentions:
        person = parse_person(mention.text) if mention.applied and mention.entity.is_person else None
        if person and person.given:
            full_given.setdefault(mention.entity.id, set()).update(person.given)
    settled = []
    for mention in mentions:
        person = parse_person(mention.text) if mention.applied and mention.entity.is_person else None
        if person and not person.given and not _only_this_person(text, mention.text, full_given.get(mention.entity.id, set())):
            mention = replace(mention, applied=False)
        settled.append(mention)
    return settled


def _only_this_person(text: str, surname: str, given: set[str]) -> bool:
    """Every capitalised word standing before the surname in the text is a given name the text
    gives the person (`given`, from their full mentions), a title or an everyday word."""
    for match in re.finditer(_WORD_BEFORE + re.escape(surname) + r"(?!\w)", text):
        word = match.group(1)
        if title_gender(word) or is_common_english(word):
            continue
        if not any(given_names_agree(fold_token(word.casefold()), known) > 0.0 for known in given):
            return False
    return True


@lru_cache(maxsize=2048)
def _paragraph_mentions(paragraph: str, index: NameIndex, auto_threshold: float, review_threshold: float) -> tuple[Mention, ...]:
    return tuple(_find_mentions(paragraph, index, auto_threshold, review_threshold))


def _find_mentions(text: str, index: NameIndex, auto_threshold: float, review_threshold: float) -> list[Mention]:
    """Registry names in English text: known spellings first (longest wins), then unknown ones.

    Known spellings and their transliteration keys are matched first, longest span first over
    the whole text, so "Svobodnaya Buryatiya" (Free Buryatia) wins over "Buryatiya". Unknown
    spellings are then looked for in runs of capitalised words that nothing covers yet; those
    scoring at least `auto_threshold` are applied, those between the thresholds are returned for
    review but not applied. No mention crosses a line break or a sentence end.
    """
    tokens = word_tokens(text)
    gaps = _gaps(text, tokens)
    taken = [False] * len(tokens)
    mentions: list[Mention] = []

    def add(i: int, n: int, entity: Entity, method: str, score: float, applied: bool) -> None:
        span = text[tokens[i].start : tokens[i + n - 1].end]
        if index.is_rejected(span, entity.id):
            return
        mentions.append(Mention(tokens[i].start, tokens[i + n - 1].end, span, entity, method, score, applied))
        if applied:
            for j in range(i, i + n):
                taken[j] = True

    for i, n, entity, method, score, as_registered in sorted(_known_spans(text, tokens, gaps, index), key=lambda item: (-item[1], item[0])):
        if not any(taken[i : i + n]):
            add(i, n, entity, method, score if as_registered else PHRASE_SCORE, as_registered)

    for run in _capitalised_runs(tokens, gaps, taken):
        _match_run(text, tokens, gaps, run, index, auto_threshold, review_threshold, taken, add)
    mentions.sort(key=lambda mention: mention.start)
    return mentions


def _known_spans(text: str, tokens: list[Token], gaps: list[int], index: NameIndex) -> Iterator[tuple[int, int, Entity, str, float, bool]]:
    """(first token, token count, entity, method, score, written as registered) of every
    registered spelling in the text; an ordinary English phrase ("get lost") that is not written
    with its registered capitals nor in quotes is no sure mention (see _as_registered)."""
    for i, first in enumerate(tokens):
        punctuated = False
        key = ""
        for n in range(1, min(index.max_tokens, len(tokens) - i) + 1):
            if n > 1:
                if gaps[i + n - 1] == _BREAK:
                    break
                punctuated |= gaps[i + n - 1] == _PUNCTUATION
            key = f"{key} {tokens[i + n - 1].key}" if n > 1 else first.key  # the span's keys, joined
            if n > 1 and key not in index.prefixes and fold(key) not in index.prefixes:
                break  # no registered spelling starts with these words
            if punctuated and key not in index.punctuated and fold(key) not in index.punctuated:
                continue
            found = index.exact.get(key)
            if found and (n > 1 or first.capitalised):
                yield i, n, found[0], found[1], 1.0, _as_registered(text, tokens[i : i + n], key, index)
                continue
            if not first.capitalised:
                continue
            ids = index.folded.get(fold(key))
            if n > 1 and ids and len(ids) == 1:
                yield i, n, index.entities[next(iter(ids))], "transliteration", 0.97, _as_registered(text, tokens[i : i + n], key, index)
                continue
            # A surname alone; but a capitalised word right before it may be a given name: then
            # the whole name is judged below, by the person matcher.
            after_capital = i > 0 and gaps[i] == _JOINED and tokens[i - 1].capitalised
            person = index.surname_only(first.key) if n == 1 and not after_capital else None
            if person and not ((title := _title_before(text, tokens, i)) and index.word_before_conflicts(title, person)):
                yield i, 1, person, "known-variant", 0.95, True


_OPENING = "\"“«‘'„"
_CLOSING = "\"”»’'“"


def _as_registered(text: str, span: list[Token], key: str, index: NameIndex) -> bool:
    """A registered spelling made of common English words is a name only where it is written
    with the capitals it was registered with, or in quotes: "told them to get lost" is English."""
    shapes = index.phrases.get(key) or index.phrases.get(fold(key))
    if not shapes:
        return True
    start, end = span[0].start, span[-1].end
    if start > 0 and text[start - 1] in _OPENING and text[end : end + 1] in tuple(_CLOSING):
        return True
    return tuple(word_shape(text[token.start : token.end]) for token in span) in shapes


def _title_before(text: str, tokens: list[Token], i: int) -> str:
    """The word before token i when it is a title of a gender, written "Mrs Krivenko" or "Mrs. Krivenko"."""
    if i == 0 or text[tokens[i - 1].end : tokens[i].start].strip(" .") or "\n" in text[tokens[i - 1].end : tokens[i].start]:
        return ""
    word = text[tokens[i - 1].start : tokens[i - 1].end]
    return word if title_gender(word) else ""


def _capitalised_runs(tokens: list[Token], gaps: list[int], taken: list[bool]) -> list[list[int]]:
    """Runs of capitalised, not yet matched tokens (lower-case connectors allowed inside).

    A run ends at any punctuation or line break: a name is not cut across sentences.
    """
    runs: list[list[int]] = []
    current: list[int] = []
    for i, token in enumerate(tokens):
        if current and gaps[i] != _JOINED:
            runs.append(current)
            current = []
        inside = current and token.key in _CONNECTORS and i + 1 < len(tokens) and tokens[i + 1].capitalised and gaps[i + 1] == _JOINED
        if not taken[i] and (token.capitalised or inside):
            current.append(i)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _match_run(
    text: str,
    tokens: list[Token],
    gaps: list[int],
    run: list[int],
    index: NameIndex,
    auto: float,
    review: float,
    taken: list[bool],
    add: Any,
) -> None:
    """Longest sub-spans of the run first; each token goes to at most one mention."""
    for n in range(min(len(run), 5), 0, -1):
        for offset in range(len(run) - n + 1):
            span_tokens = run[offset : offset + n]
            if (
                any(taken[i] for i in span_tokens)
                or tokens[span_tokens[0]].key in _CONNECTORS
                or tokens[span_tokens[-1]].key in _CONNECTORS
            ):
                continue
            first, last = tokens[span_tokens[0]], tokens[span_tokens[-1]]
            plain_words = not any(tokens[i].key in _CONNECTORS for i in span_tokens)
            found = index.resolve(text[first.start : last.end], person_like=plain_words and 2 <= n <= 3, in_text=True)
            before = span_tokens[0] - 1
            joined = before >= 0 and gaps[span_tokens[0]] == _JOINED
            word_before = text[tokens[before].start : tokens[before].end] if joined else _title_before(text, tokens, span_tokens[0])
            if found and n == 1 and word_before and index.word_before_conflicts(word_before, found.entity):
                continue
            span_key = " ".join(tokens[i].key for i in span_tokens)
            if found and not _as_registered(text, [tokens[i] for i in span_tokens], span_key, index):
                continue  # an ordinary phrase ("GET LOST"), listed for review above
            if found and n == 1 and joined and PATRONYMIC_ENDING.search(fold_token(tokens[before].key)):
                continue  # "Pavel Nikolaevich Orlov": the full name was judged above; his surname alone is not
            if found and found.score >= review:
                add(span_tokens[0], n, found.entity, found.method, found.score, found.score >= auto and found.automatic)
