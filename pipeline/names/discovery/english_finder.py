"""Proper-name spans in English text, found by rule (no English NER model installs here): runs
of capitalised words with their particles, titles and nationality adjectives left outside,
months, days and other frequent capitalised words never a name on their own, and a
sentence-initial word kept only when the document also writes it capitalised mid-sentence.
"""

from __future__ import annotations

import re

from pipeline.lang import get_language
from pipeline.names.entity import PERSON
from pipeline.names.grouping.keys import Discovered, discovered, looks_like_person

# Word lists of pipeline/lang/en/: capitalised words that are not names, or not names on their
# own; the titles and nationality adjectives written before a name; the particles inside one.
_ENGLISH = get_language("en")
_TITLES = _ENGLISH.words("name_titles.txt")
_NATIONALITIES = _ENGLISH.words("nationalities.txt")
_NOT_NAMES = _ENGLISH.words("not_names.txt")
_PARTICLES = _ENGLISH.words("name_particles.txt")
_SHORT_NOT_NAMES = _ENGLISH.words("short_not_names.txt")
# A word: letters (with inner apostrophes, hyphens, and the dots and slashes of "RFE/RL",
# "Siberia.Realities", "U.S."), "St." before a name, or letters and digits ("7x7", "UNITED24").
_WORD = re.compile(r"St\.\s(?=[A-Z])[^\W\d_][\w'’-]*|(?:[A-Z]\.){2,}|\d+[a-z]\d+|[^\W\d_][\w'’-]*(?:[./][^\W\d_][\w'’-]*)*")
_POSSESSIVE = re.compile(r"['’]s$|['’]$")
_CONTRACTION = re.compile(r"I['’]\w+")
# A lower-case ending after a hyphen: "Kremlin-backed", "Warhol-like" name Kremlin and Warhol.
_LOWER_SUFFIX = re.compile(r"(?:-[a-z][\w'’]*)+$")
# The unions _names_in_run asks about, made once rather than for every word it looks at.
_TITLES_AND_NATIONALITIES = _TITLES | _NATIONALITIES
_NOT_FIRST = _TITLES | _NATIONALITIES | _NOT_NAMES
_NOT_LAST = _PARTICLES | _NOT_NAMES
# More capitalised words than a name has: a title-case headline, not a name.
MAX_NAME_WORDS = 4


_SENTENCE_END = re.compile(r"[.!?]['\"’”»)]*\s+$|^\s*$|\n\s*$|[:;]\s+$|[«\"“(]\s*$")


def _sentence_initial(text: str, start: int) -> bool:
    return bool(_SENTENCE_END.search(text[max(0, start - 4) : start])) or start == 0


def english_names(text: str) -> list[Discovered]:
    """Proper-name spans in English text, found by rule."""
    words = []
    for match in _WORD.finditer(text):
        word = _LOWER_SUFFIX.sub("", _POSSESSIVE.sub("", match.group()))  # "Russia's" is Russia
        if word and not _CONTRACTION.fullmatch(match.group()):  # "I'm" is no name
            words.append((match.start(), match.start() + len(word), word))
    capitalised_mid_sentence = {word.casefold() for start, _, word in words if word[:1].isupper() and not _sentence_initial(text, start)}
    found = []
    run: list[tuple[int, int, str]] = []
    for index, (start, end, word) in enumerate(words + [(len(text), len(text), "")]):
        # Only spaces between, or the apostrophe of a soft sign ("Put' Domoj"; not "Russians' ").
        gap = text[run[-1][1] : start] if run else "."
        joined = bool(run) and (
            not gap.strip(" ") or (gap.rstrip(" ") in ("'", "’") and gap != gap.rstrip(" ") and not run[-1][2].endswith("s"))
        )
        particle = word.casefold() in _PARTICLES and joined and index + 1 < len(words) and words[index + 1][2][:1].isupper()
        # "and" joins the parts of one name only after "of" ("Council of Mothers and Wives"),
        # not two names ("Buryatia and Tyva").
        particle = particle and (word.casefold() != "and" or any(w.casefold() == "of" for _, _, w in run))
        if word[:1].isupper() and (not run or joined) or (particle and run):
            run.append((start, end, word))
            continue
        found += _names_in_run(text, run, capitalised_mid_sentence)
        run = [(start, end, word)] if word[:1].isupper() else []
    # One word said over and over ("On On On", "Ве Ве Ве"): a machine translation stuck, not a name.
    found = [name for name in found if len(set(name.text.casefold().split())) > 1 or " " not in name.text]
    return _with_quoted_names(text, found)


# A name in quotes whose later words are not capitalised: a channel, outlet or movement
# transliterated from Russian ("Put' domoi" Telegram channel).
_QUOTED = re.compile(r"[\"“«]([A-Z][\w'’]*(?:\s[a-z][\w'’]*){1,2})[\"”»]")


# Frequent English words that are no part of a transliterated name.
_ENGLISH_LOWER = _ENGLISH.words("lower_words.txt")
_ENGLISH_ENDING = re.compile(r"(ing|ed|ly|tion|ness|ment|ful|less|ous|[^s]s)$")


def _with_quoted_names(text: str, found: list[Discovered]) -> list[Discovered]:
    quoted = []
    for match in _QUOTED.finditer(text):
        start, end = match.span(1)
        words = match.group(1).split()
        if words[0].casefold().rstrip("'’") in _NOT_NAMES | _TITLES | _NATIONALITIES or any(
            w.casefold() in _PARTICLES | _NOT_NAMES | _ENGLISH_LOWER or _ENGLISH_ENDING.search(w) for w in words[1:]
        ):
            continue  # "Thank you", "Stop the war", "Go home": English words, not a name
        span = text[start:end]
        quoted.append(discovered(start, end, span, span, None))
    if not quoted:
        return found
    kept = [d for d in found if not any(q.start <= d.start and d.end <= q.end for q in quoted)]
    return sorted(kept + quoted, key=lambda d: d.start)


def _names_in_run(text: str, run: list[tuple[int, int, str]], capitalised_mid_sentence: set[str]) -> list[Discovered]:
    if len(run) >= 3 and run[0][2] == "The" and not _sentence_initial(text, run[0][0]):
        # A capital "The" mid-sentence is part of the name that follows: "told The Moscow Times".
        found = _names_in_run(text, run[1:], capitalised_mid_sentence)
        if found and found[0].start == run[1][0]:
            first = text[run[0][0] : found[0].end]
            found[0] = discovered(run[0][0], found[0].end, first, first, found[0].kind)
        return found
    # Titles and nationality adjectives before a name are not part of it ("Russian President").
    while run and (run[0][2].casefold().rstrip(".") in _NOT_FIRST):
        run = run[1:]
    while run and run[0][2].casefold() in _PARTICLES:
        run = run[1:]
    while run and run[-1][2].casefold() in _NOT_LAST:
        run = run[:-1]
    if not run:
        return []
    # A title inside a run ends one name and starts the next: "Buryatia Governor Aleksei Tsydenov".
    for index, (_, _, word) in enumerate(run[1:], start=1):
        if word.casefold().rstrip(".") in _TITLES_AND_NATIONALITIES:
            return _names_in_run(text, run[:index], capitalised_mid_sentence) + _names_in_run(text, run[index:], capitalised_mid_sentence)
    if sum(1 for _, _, word in run if word[:1].isupper()) > MAX_NAME_WORDS:
        return []  # a title-case headline
    # "Alexei Tsydenov of Buryatia": a person, then a place, not one name.
    for index, (_, _, word) in enumerate(run):
        if word.casefold() in _PARTICLES and looks_like_person([w for _, _, w in run[:index]]):
            return _names_in_run(text, run[:index], capitalised_mid_sentence) + _names_in_run(
                text, run[index + 1 :], capitalised_mid_sentence
            )
    start, end = run[0][0], run[-1][1]
    words = [word for _, _, word in run]
    if len(words) == 1:
        word = words[0]
        # Two letters make a name only in capitals: "UK", "EU", "LA"; not "Jo", "TV".
        if len(word) < 2 or (len(word) == 2 and (not word.isupper() or word.casefold() in _SHORT_NOT_NAMES)):
            return []
        if _sentence_initial(text, start) and word.casefold() not in capitalised_mid_sentence:
            return []  # "Members said": any sentence may start with a capital
    span = text[start:end]
    kind = PERSON if looks_like_person(words) else None
    return [discovered(start, end, span, span, kind)]
