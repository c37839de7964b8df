"""Matching name spellings to registry entities: exact keys, transliteration keys, fuzzy scores.

Spellings are compared by their transliteration keys (pipeline.names.folding). Person names are compared by surname first, then given name (with equivalents such as
Gregory/Grigory), so people who share a surname stay apart. Fuzzy scores come from rapidfuzz,
only among candidates that share a block (first letter of the key), so matching scales.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from pipeline.names.entity import Entity, variant_key
from pipeline.names.folding import fold, fold_token, transliterate
from pipeline.names.given_names import (
    EQUIVALENT,
    GIVEN_GROUP,
    gender,
    given_names_agree,
    is_common_english,
    is_given_name,
    title_gender,
)

__all__ = ["GIVEN_GROUP", "NameIndex", "fold", "fold_token", "given_names_agree", "transliterate"]


@dataclass(frozen=True)
class PersonName:
    surname: str  # folded
    given: tuple[str, ...]  # folded, first given name first
    patronymic: str = ""


_PATRONYMIC = re.compile(r"(ovi[tʧ]|evi[tʧ]|ovna|evna|i[tʧ]na|ovi[tʧ]|ivna|ogli|ogl[iy]|kizi)$")
# Patronymics that are no surname ("Gazogli" may be one: -ogly is also a surname's ending).
_SLAVIC_PATRONYMIC = re.compile(r"..[oe](vi[tʧ]|vna)$")
_SUFFIXES = {"jr", "sr", "ii", "iii", "ir"}  # "ir": "JR" folded (j is i)


def patronymics_conflict(a: str, b: str) -> bool:
    """Two patronymics of different fathers: compared without their endings, which all look alike
    ("Andreevich" and "Sergeevich" share "-eevich"; "Andre" and "Serge" do not)."""
    stem_a, stem_b = _PATRONYMIC.sub("", a), _PATRONYMIC.sub("", b)
    return fuzz.ratio(stem_a, stem_b) < 75


def parse_person(text: str) -> PersonName | None:
    """'SURNAME, Given Patronymic' or 'Given [Patronymic] Surname', folded.

    A patronymic is recognised by its ending wherever it stands ("MARKELOV, Anatolyevich
    Vitalii", "ZALEVSKI DENISOVICH, Andrei"); "Jr." and the like are dropped.
    """
    if "," in text:
        surname_part, _, given_part = text.partition(",")
        surname_tokens = fold(surname_part).split()
        given_tokens = fold(given_part).split()
    else:
        tokens = fold(text).split()
        surname_tokens, given_tokens = tokens[-1:], tokens[:-1]
    surname_tokens = [t for t in surname_tokens if t not in _SUFFIXES]
    given_tokens = [t for t in given_tokens if t not in _SUFFIXES]
    # The patronymic in the surname's place: "ANATOLYEVICH, Vorobyov Stanislav".
    misplaced = len(surname_tokens) == 1 and len(given_tokens) >= 2 and _SLAVIC_PATRONYMIC.search(surname_tokens[0])
    if misplaced and not any(_PATRONYMIC.search(t) for t in given_tokens):
        surname_tokens, given_tokens = given_tokens[:1], given_tokens[1:] + surname_tokens
    patronymics = [t for t in surname_tokens[1:] + given_tokens if _PATRONYMIC.search(t) and len(t) > 5]
    surname_tokens = [surname_tokens[0]] + [t for t in surname_tokens[1:] if t not in patronymics] if surname_tokens else []
    given_tokens = [t for t in given_tokens if t not in patronymics]
    if not surname_tokens:
        return None
    return PersonName(" ".join(surname_tokens), tuple(given_tokens), patronymics[0] if patronymics else "")


@dataclass(frozen=True)
class Resolution:
    entity: Entity
    method: str  # exact, known-variant, transliteration, fuzzy
    score: float
    # False: never applied without review, whatever the score ("Krivenkov" is not "Krivenko").
    automatic: bool = True


_PUNCTUATED = re.compile(r"\w[^\w\s'’ʹʼ-]+\s*\w|\w\s+[^\w\s]+\s+\w")

# A registered spelling that is an ordinary English phrase, not written as registered ("get
# lost"): listed for review at most, never applied.
PHRASE_SCORE = 0.85
# How much an exactly agreeing surname (or given name) lifts a near miss in the other part.
_LIFT = 0.12
# A word before a surname that agrees less than this with the person's given name is another
# person's name: an initial (0.93) and a short form (0.94) fit, another name's spelling does not.
_GIVEN_FITS = 0.9


def _surname_blocks(surname: str) -> tuple[str, str]:
    """Blocks for fuzzy lookup: a near-miss spelling keeps its first letter or its ending."""
    return "^" + surname[:1], surname[-3:] + "$"


class NameIndex:
    """All spellings of all registry entities, indexed for exact, folded and fuzzy lookup."""

    def __init__(self, entities: Iterable[Entity], rejected: Iterable[tuple[str, str]] = ()) -> None:
        self.rejected = set(rejected)
        self.entities = {entity.id: entity for entity in entities}
        self._rejected_folds = {(fold(key), entity_id) for key, entity_id in self.rejected}
        self._rejected_groups = {entity_id for _, entity_id in self.rejected if entity_id not in self.entities}
        self._rejected_people: dict[str, list[PersonName]] = defaultdict(list)
        for key, entity_id in self.rejected:
            if entity_id in self.entities and self.entities[entity_id].type == "person" and (person := parse_person(key)):
                self._rejected_people[entity_id].append(person)
        # Spellings with punctuation between their words ("Citizen. Army. Law"): only these
        # may match across a full stop or comma in running text.
        self.punctuated: set[str] = set()
        self.exact: dict[str, tuple[Entity, str]] = {}
        self.folded: dict[str, set[str]] = defaultdict(set)
        self.persons: dict[str, list[tuple[Entity, PersonName]]] = defaultdict(list)
        self.person_surnames_by_block: dict[str, set[str]] = defaultdict(set)
        self.forms_by_block: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
        for entity in self.entities.values():
            self.exact[variant_key(entity.canonical)] = (entity, "exact")
            for spelling in (*entity.variants, *entity.native):
                self.exact.setdefault(variant_key(spelling), (entity, "known-variant"))
            for spelling in (entity.canonical, *entity.variants, *entity.native):
                key = fold(spelling)
                self.folded[key].add(entity.id)
                if _PUNCTUATED.search(spelling):
                    self.punctuated.update((variant_key(spelling), key))
                if entity.type == "person":
                    person = parse_person(transliterate(spelling.casefold()) if not spelling.isascii() else spelling)
                    if person:
                        self.persons[person.surname].append((entity, person))
                else:
                    self.forms_by_block[(key[:1], len(key.split()))].append((key, entity.id))
        for surname in self.persons:
            for block in _surname_blocks(surname):
                self.person_surnames_by_block[block].add(surname)
        self._blocks_as_lists = {block: sorted(names) for block, names in self.person_surnames_by_block.items()}
        # Registered spellings made of common English words ("Get Lost", "The Way Home movement"):
        # their keys (and transliteration keys) -> the shapes of their words as registered.
        self.phrases: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for entity in self.entities.values():
            for spelling in (entity.canonical, *entity.variants) if entity.type != "person" else ():
                words = _tokens(spelling)
                if spelling.isascii() and words and all(is_common_english(spelling[w.start : w.end]) for w in words):
                    key = " ".join(word.key for word in words)
                    shape = tuple(_shape(spelling[w.start : w.end]) for w in words)
                    self.phrases[key].add(shape)
                    self.phrases[fold(key)].add(shape)
        self.max_tokens = max((len(key.split()) for key in self.exact), default=1)
        # Every word-prefix of a registered key and of a folded one: a span whose key is in
        # neither can grow into no registered spelling, so the search from its first token stops.
        self.prefixes = {key.rsplit(" ", n)[0] for key in (*self.exact, *self.folded) for n in range(key.count(" ") + 1)}
        self._unique_surnames = {s: {e.id for e, _ in people} for s, people in self.persons.items()}
        self._surnames_exact: dict[str, set[str]] = defaultdict(set)
        for entity in self.entities.values():
            if entity.type == "person":
                for spelling in (entity.canonical, *entity.variants):
                    self._surnames_exact[variant_key(spelling).split()[-1]].add(entity.id)

    def is_rejected(self, variant: str, entity_id: str) -> bool:
        """A reviewer rejected this pairing: the spelling, or its transliteration key, or the
        same person's name ("Sergey Krivenkov" after "Later Sergey Krivenkov" was rejected)."""
        if (variant_key(variant), entity_id) in self.rejected or (fold(variant), entity_id) in self._rejected_folds:
            return True
        if entity_id in self._rejected_groups:
            return True  # a proposed group a reviewer rejected: none of its spellings returns
        query = parse_person(variant) if entity_id in self._rejected_people else None
        if query is None:
            return False
        own_surnames = {person.surname for people in self.persons.values() for entity, person in people if entity.id == entity_id}
        for rejected in self._rejected_people[entity_id]:
            if rejected.surname != query.surname:
                continue
            if query.given and rejected.given:
                if any(given_names_agree(q, r) > 0.0 for q in query.given for r in rejected.given):
                    return True
            elif not query.given and (not rejected.given or rejected.surname not in own_surnames):
                return True  # the surname alone, when the rejection was about the surname
        return False

    def surname_only(self, key: str, folded: bool = False) -> Entity | None:
        """The one registry person with this surname (a surname-only mention), if only one.

        Without `folded`, the surname must be spelled as the registry spells it.
        """
        ids = self._unique_surnames.get(fold(key)) if folded else self._surnames_exact.get(key)
        if ids and len(ids) == 1 and len(key) >= 4:
            return self.entities[next(iter(ids))]
        return None

    def word_before_conflicts(self, word: str, entity: Entity) -> bool:
        """True when the capitalised word right before a person's surname says it is someone else:
        a given name that is not the person's, known to our lists or not ("Aleksandr Sverdlin",
        "Irina Krivenko"), or a title of the other gender ("Mrs Krivenko")."""
        person = parse_person(entity.canonical)
        given = person.given[0] if person and person.given else ""
        if title := title_gender(word):
            return bool(given) and gender(given) in ("m", "f") and gender(given) != title
        if not is_given_name(word):
            return False  # "Yesterday Krivenko": a common word, not part of the name
        return not given or given_names_agree(fold_token(variant_key(word)), given) < _GIVEN_FITS

    def _fuzzy_surnames(self, surname: str) -> list[tuple[str, float]]:
        found: dict[str, float] = {}
        for block in _surname_blocks(surname):
            for name, score, _ in process.extract(
                surname, self._blocks_as_lists.get(block, []), scorer=fuzz.ratio, score_cutoff=80, limit=5
            ):
                if name != surname:
                    found[name] = score / 100
        return list(found.items())

    def _score_people(
        self, query: PersonName, candidates: list[tuple[float, Entity, PersonName]], in_text: bool = False
    ) -> dict[str, tuple[float, Entity]]:
        scored: dict[str, tuple[float, Entity]] = {}
        for surname_score, entity, person in candidates:
            if in_text and not all(_given_word_fits(word, person.given) for word in query.given):
                continue  # "Yesterday Grigori Sverdlyn": a word before the name is not part of it
            if query.given and person.given:
                # The first given names, or any pair when the order differs ("Oskar Anselm").
                given_score = max(given_names_agree(q, k) for q in query.given for k in person.given)
                if given_names_agree(query.given[0], person.given[0]) == 0.0 and given_score < 1.0:
                    continue
            elif query.given or person.given:
                given_score = 0.9  # one side has no given name: only the surname speaks
            else:
                given_score = 1.0
            if query.patronymic and person.patronymic and patronymics_conflict(query.patronymic, person.patronymic):
                continue
            # One part agreeing exactly is evidence of its own: it lifts a near miss in the other;
            # but not another name's spelling ("George" for Yuri): that stays for review.
            if given_score == EQUIVALENT:
                score = surname_score * given_score
            elif surname_score == 1.0:
                score = min(1.0, given_score + _LIFT) if given_score < 0.93 else given_score
            elif given_score >= 0.93:
                score = min(0.97, surname_score + _LIFT) * given_score
            else:
                score = surname_score * given_score
            if score > scored.get(entity.id, (0.0, entity))[0]:
                scored[entity.id] = (score, entity)
        return scored

    def resolve_person(self, text: str, in_text: bool = False) -> Resolution | None:
        """The registry person a name refers to. `in_text`: every given-name word must fit.

        A surname that only resembles the registered one is another surname ("Krivenkov" is
        not "Krivenko"): such a match is never applied without review.
        """
        query = parse_person(text)
        if query is None:
            return None
        exact = [(1.0, entity, person) for entity, person in self.persons.get(query.surname, [])]
        scored = self._score_people(query, exact, in_text)
        same_surname = bool(scored)
        if not scored:
            fuzzy = [
                (score, entity, person)
                for surname, score in self._fuzzy_surnames(query.surname)
                for entity, person in self.persons[surname]
            ]
            scored = self._score_people(query, fuzzy, in_text)
        if not scored:
            return None
        ranked = sorted(scored.values(), key=lambda item: item[0], reverse=True)
        if len(ranked) > 1 and ranked[1][0] >= ranked[0][0] - 0.02:
            return None  # two people fit as well: leave it to a person
        score, entity = ranked[0]
        exact_surname = score >= 0.9 and query.surname in self.persons
        method = "transliteration" if exact_surname and score >= 0.97 else "fuzzy"
        return Resolution(entity, method, round(score, 4), automatic=same_surname)

    def resolve(self, text: str, person_like: bool = True, in_text: bool = False) -> Resolution | None:
        """The entity a standalone name refers to, with how it was found and how sure.

        `in_text`: the name was cut from running text, so words around it may have come along.
        """
        key = variant_key(text)
        if key in self.exact:
            entity, method = self.exact[key]
            return Resolution(entity, method, 1.0)
        folded = fold(text)
        ids = self.folded.get(folded)
        if ids and len(ids) == 1:
            return Resolution(self.entities[next(iter(ids))], "transliteration", 0.97)
        if person_like and (resolution := self.resolve_person(text, in_text)):
            return resolution
        tokens = len(folded.split())
        if tokens == 1 and (person := self.surname_only(key, folded=True)):
            return Resolution(person, "transliteration", 0.95)
        if tokens == 1 and len(folded) < 6:
            return None  # short single words are too easily alike
        best: Resolution | None = None
        for count in {tokens - 1, tokens, tokens + 1} - {0}:
            forms = self.forms_by_block.get((folded[:1], count), [])
            if count == tokens:
                found = process.extractOne(folded, [key for key, _ in forms], scorer=fuzz.ratio, score_cutoff=75)
            else:
                # Another word count: compared without spaces, so that only a split or joined
                # word ("Putdomoi") scores high, never a word too many ("Later Put Domoi").
                joined = folded.replace(" ", "")
                found = process.extractOne(joined, [key.replace(" ", "") for key, _ in forms], scorer=fuzz.ratio, score_cutoff=75)
            if found:
                _, score, index = found
                if best is None or score / 100 > best.score:
                    best = Resolution(self.entities[forms[index][1]], "fuzzy", round(score / 100, 4))
        if best and tokens == 1 and best.score < 0.88:
            return None
        return best


def _given_word_fits(word: str, given: tuple[str, ...]) -> bool:
    """A word before a surname belongs to the name: a given name, short form or initial of it."""
    if not given:
        return word in GIVEN_GROUP  # the registry knows only the surname: a real given name
    return any(given_names_agree(word, known) > 0.0 for known in given)


# --- names in running text -------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_](?:[\w'’ʹʼ-]*[^\W_])?")
_POSSESSIVE = re.compile(r"['’]s$")
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


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    key: str
    capitalised: bool


# What stands between two tokens: nothing but spaces; punctuation (a full stop, comma, dash,
# quote); a line break. A name never spans a line break, and spans punctuation only where a
# registered spelling has it.
_JOINED, _PUNCTUATION, _BREAK = 0, 1, 2


# variant_key of one word, kept: the same words come back in every document.
_word_key = lru_cache(maxsize=1 << 16)(variant_key)


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        start, end, word = match.start(), match.end(), match.group()
        if _POSSESSIVE.search(word) and len(word) > 3:
            end -= 2
            word = word[:-2]
        # Digits start names too ("7x7"), but a bare number never does.
        tokens.append(_Token(start, end, _word_key(word), word[:1].isupper() or (word[:1].isdigit() and not word.isdigit())))
    return tokens


def _gaps(text: str, tokens: list[_Token]) -> list[int]:
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
    return mentions


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
    tokens = _tokens(text)
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


def _known_spans(text: str, tokens: list[_Token], gaps: list[int], index: NameIndex) -> Iterator[tuple[int, int, Entity, str, float, bool]]:
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


def _shape(word: str) -> str:
    """How a word is written: upper case, capitalised or lower case."""
    return "U" if len(word) > 1 and word.isupper() else "C" if word[:1].isupper() else "l"


_OPENING = "\"“«‘'„"
_CLOSING = "\"”»’'“"


def _as_registered(text: str, span: list[_Token], key: str, index: NameIndex) -> bool:
    """A registered spelling made of common English words is a name only where it is written
    with the capitals it was registered with, or in quotes: "told them to get lost" is English."""
    shapes = index.phrases.get(key) or index.phrases.get(fold(key))
    if not shapes:
        return True
    start, end = span[0].start, span[-1].end
    if start > 0 and text[start - 1] in _OPENING and text[end : end + 1] in tuple(_CLOSING):
        return True
    return tuple(_shape(text[token.start : token.end]) for token in span) in shapes


def _title_before(text: str, tokens: list[_Token], i: int) -> str:
    """The word before token i when it is a title of a gender, written "Mrs Krivenko" or "Mrs. Krivenko"."""
    if i == 0 or text[tokens[i - 1].end : tokens[i].start].strip(" .") or "\n" in text[tokens[i - 1].end : tokens[i].start]:
        return ""
    word = text[tokens[i - 1].start : tokens[i - 1].end]
    return word if title_gender(word) else ""


def _capitalised_runs(tokens: list[_Token], gaps: list[int], taken: list[bool]) -> list[list[int]]:
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
    tokens: list[_Token],
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
            if found and n == 1 and joined and _PATRONYMIC.search(fold_token(tokens[before].key)):
                continue  # "Pavel Nikolaevich Orlov": the full name was judged above; his surname alone is not
            if found and found.score >= review:
                add(span_tokens[0], n, found.entity, found.method, found.score, found.score >= auto and found.automatic)
