"""Registry names in their native script (Cyrillic, Thai) in original text.

A regex finds candidates (Russian words with any case ending, Thai with or without spaces);
Russian morphology then decides whether each candidate really is the registered name:

- a word of a name must be a form of the registered word (pymorphy3 lemmas): "буряты" (the
  people) is not "Бурятия", "пути" is "путь";
- a capitalised registered word needs a capitalised word in the text: "вёрстка" (page layout) is
  not the outlet "Вёрстка";
- a person's surname must agree in gender with the person, and a given name before it must be
  the person's: "Юлия Навальная" is not Alexei Navalny, "Анна Свердлина" not Grigory Sverdlin.

A match the morphology cannot settle ("Свердлина" alone is his genitive or a woman's name; a
common-word name at the start of a sentence without quotes) is returned with `sure=False`: the
translate stage leaves it to the model and the name table lists it as pending.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from pipeline import scripts
from pipeline.lang import get_language
from pipeline.langid.rules import word_zipf
from pipeline.names.morphology import russian_morphology
from pipeline.names.person.surnames import parse_surname

if TYPE_CHECKING:
    from pipeline.names.entity import Entity

# Russian case and number endings of nouns and adjectives: candidates only, morphology decides.
_RUSSIAN_ENDINGS = sorted((ending for row in get_language("ru").rows("case_endings.txt") for ending in row), key=len, reverse=True)
_RUSSIAN_VOWEL_TAIL = re.compile(r"[аяоеёыиьйую]{1,2}$")
_CYRILLIC_LETTER = f"[{scripts.RUSSIAN_LETTERS}]"
_CYRILLIC = re.compile(_CYRILLIC_LETTER)
# A maximal run of Cyrillic letters, case-insensitive like the forms' pattern and its lookbehind:
# each run starts where that lookbehind lets a Cyrillic form start.
_CYRILLIC_RUN = re.compile(f"{_CYRILLIC_LETTER}+", re.IGNORECASE)
_THAI = scripts.THAI
_NATIVE_LETTER = scripts.NATIVE
_OPENING_QUOTES = "«\"“„'‘"
# Tags of words that are names in their own right (not common nouns that a name borrows).
_PROPER_TAGS = {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr"}


@lru_cache(maxsize=50_000)
def _parses(word: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """(lemma, grammemes) of every reading pymorphy3 gives a word."""
    return tuple((parse.normal_form.replace("ё", "е"), frozenset(parse.tag.grammemes)) for parse in russian_morphology().parse(word))


def _lemmas(word: str) -> set[str]:
    return {lemma for lemma, _ in _parses(word)}


@lru_cache(maxsize=50_000)  # pure, and the registered words are asked about in every document
def _is_dictionary_word(word: str) -> bool:
    return bool(russian_morphology().word_is_known(word.lower()))


def _given_name(word: str) -> tuple[str, str] | None:
    """(lemma, gender) when the word reads as a capitalised Russian given name."""
    if not word[:1].isupper():
        return None
    for lemma, grammemes in _parses(word):
        if "Name" in grammemes:
            return lemma, "f" if "femn" in grammemes else "m"
    return None


# --- the matcher ----------------------------------------------------------------------------


def _e_or_yo(text: str) -> str:
    """Russian writes ё as е more often than not: either matches either."""
    return "".join("[её]" if char in "её" else re.escape(char) for char in text)


def _russian_word_pattern(word: str) -> str:
    if len(word) <= 3 or word.isupper():
        return _e_or_yo(word)
    stem = _RUSSIAN_VOWEL_TAIL.sub("", word)
    if len(stem) < 3:
        stem = word[:3]
    return f"{_e_or_yo(stem)}(?:{'|'.join(_RUSSIAN_ENDINGS)})?"


def native_pattern(form: str) -> str:
    """A regex for a native form: Russian words in any case ending; Thai with or without spaces."""
    if _THAI.search(form):
        return r"\s*".join(re.escape(word) for word in form.split())
    words = re.findall(r"\w+", form)
    if _CYRILLIC.search(form):
        inner = r"[\s.,]+".join(_russian_word_pattern(word) for word in words)
        return f"(?<!{_CYRILLIC_LETTER}){inner}(?!{_CYRILLIC_LETTER})"
    return r"\b" + r"[\s.,]+".join(re.escape(word) for word in words) + r"\b"


def _native_head(form: str) -> str:
    """The start of `native_pattern(form)`: its assertion and the first two letters of the first
    word, which every form of that word begins with (Russian stems are at least three letters).
    Cyrillic heads leave out their assertion: they are tried only where a Cyrillic word starts."""
    if _THAI.search(form):
        return re.escape(form.split()[0][:2])
    words = re.findall(r"\w+", form)
    if not words:
        return ""  # matches everywhere: every position stays a candidate
    if _CYRILLIC.search(form):
        return _e_or_yo(words[0][:2])
    return r"\b" + re.escape(words[0][:2])


@dataclass(frozen=True)
class NativeMatch:
    start: int
    end: int
    entity: Entity
    sure: bool = True  # False: morphology cannot tell; not protected, listed as pending


@dataclass(frozen=True)
class _Form:
    entity: Entity
    words: tuple[str, ...]


def _person_gender(entity: Entity) -> str:
    for form in entity.native:
        words = form.split()
        if len(words) >= 2 and (given := _given_name(words[0])):
            return given[1]
    surname = next((form.split()[-1] for form in entity.native if _CYRILLIC.search(form)), "")
    return "f" if re.search(r"(ова|ева|ина|ая)$", surname) else "m"


def _native_surnames(entities: list[Entity]) -> list[tuple[str, Entity]]:
    """Russian surnames alone, for the people no one else in the registry shares them with."""
    owners: dict[str, set[str]] = {}
    for entity in entities:
        if entity.is_person:
            for form in entity.native:
                words = form.split()
                if len(words) >= 2 and _CYRILLIC.search(words[-1]) and len(words[-1]) >= 3:
                    owners.setdefault(words[-1], set()).add(entity.id)
    by_id = {entity.id: entity for entity in entities}
    return [(surname, by_id[next(iter(ids))]) for surname, ids in owners.items() if len(ids) == 1]


class NativeMatcher:
    """Finds native forms of registry entities in original text; the longest match wins."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        entities = list(entities)
        self.people = [entity for entity in entities if entity.is_person]
        self.forms = [(form, entity) for entity in entities for form in entity.native] + _native_surnames(entities)
        # Longer forms first, so "Free Buryatia"'s native form wins over "Buryatia"'s.
        self.forms.sort(key=lambda item: len(item[0]), reverse=True)
        self.by_group = {f"n{number}": _Form(entity, tuple(re.findall(r"\w+", form))) for number, (form, entity) in enumerate(self.forms)}

    @cached_property
    def genders(self) -> dict[str, str]:
        """Each person's gender, by Russian morphology (loaded on the first native text)."""
        return {entity.id: _person_gender(entity) for entity in self.people}

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Every form, each its own group. Compiled on the first text with native letters (a
        quarter of a second for our registry): a run of English text alone never needs it."""
        alternatives = [f"(?P<n{number}>{native_pattern(form)})" for number, (form, _) in enumerate(self.forms)]
        # Case-insensitive only to find candidates; capitalisation is checked word by word.
        return re.compile("|".join(alternatives), re.IGNORECASE)

    @cached_property
    def heads(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """Where a match can start. The big pattern above, tried at every position of a text,
        cost a fifth of a run; tried only at these starts it gives the same matches as its
        finditer. A Cyrillic form matches only where a Cyrillic word starts (its lookbehind),
        so its head is tried there alone (the first pattern); other heads are looked for
        everywhere (the second)."""
        cyrillic: set[str] = set()
        other: set[str] = set()
        for form, _ in self.forms:
            head = _native_head(form)
            starts_a_word = bool(_CYRILLIC.search(form)) and bool(_CYRILLIC_RUN.match(head[:1]))
            (cyrillic if starts_a_word else other).add(head)
        cyrillic_heads = re.compile("|".join(sorted(cyrillic)), re.IGNORECASE) if cyrillic else None
        other_starts = re.compile(f"(?=(?:{'|'.join(sorted(other))}))", re.IGNORECASE) if other else None
        return cyrillic_heads, other_starts

    def _starts(self, text: str) -> list[int]:
        """Every position where a native form can start (and some where none does)."""
        found: set[int] = set()
        cyrillic_heads, other_starts = self.heads
        if cyrillic_heads is not None:
            found.update(run.start() for run in _CYRILLIC_RUN.finditer(text) if cyrillic_heads.match(text, run.start()))
        if other_starts is not None:
            found.update(start.start() for start in other_starts.finditer(text))
        return sorted(found)

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        """What `self.pattern.finditer(text)` gives: leftmost first, none overlapping."""
        end = 0
        for start in self._starts(text):
            if start < end:
                continue
            match = self.pattern.match(text, start)
            if match is not None:
                end = match.end()
                yield match

    def find(self, text: str) -> list[NativeMatch]:
        if not self.forms or not _NATIVE_LETTER.search(text):
            return []
        matches = []
        for match in self._matches(text):
            group = match.lastgroup
            assert group is not None
            verdict = self._verdict(text, match.start(), match.end(), self.by_group[group])
            if verdict is not None:
                matches.append(NativeMatch(match.start(), match.end(), self.by_group[group].entity, verdict))
        return matches

    def _verdict(self, text: str, start: int, end: int, form: _Form) -> bool | None:
        """True: the name; False: maybe the name; None: not the name."""
        if _THAI.search(form.words[0]):
            return True
        words = re.findall(r"\w+", text[start:end])
        if len(words) != len(form.words):
            return None
        for word, registered in zip(words, form.words):
            if registered[:1].isupper() and not word[:1].isupper():
                return None  # a common word, not the name
        if form.entity.is_person:
            return self._person_verdict(text, start, words, form)
        for word, registered in zip(words, form.words):
            if _is_dictionary_word(registered) and not _lemmas(word) & _lemmas(registered):
                return None  # "буряты" is not a form of "Бурятия"
        # "Путь домой был долгим" at the start of a sentence: the way home, or the group?
        return not (_sentence_start(text, start) and not _quoted(text, start) and _could_be_words(text, end, form))

    def _person_verdict(self, text: str, start: int, words: list[str], form: _Form) -> bool | None:
        gender = self.genders.get(form.entity.id, "m")
        registered_surname = form.words[-1]
        surname = parse_surname(registered_surname, gender)
        readings = surname.readings(words[-1]) if _CYRILLIC.search(registered_surname) else "mf"
        if gender not in readings:
            return None  # another gender, or the whole family: not this person
        registered_given = _given_name(form.words[0]) if len(form.words) > 1 else None
        if len(words) > 1:
            given = _given_name(words[0])
            if registered_given and (given is None or given[0] != registered_given[0]):
                return None
            return True
        # A surname alone: the given name before it, if any, must be this person's.
        before = _word_before(text, start)
        if before and (given := _given_name(before)):
            entity_given = next((_given_name(f.split()[0]) for f in form.entity.native if len(f.split()) > 1), None)
            if entity_given is None or given[0] != entity_given[0]:
                return None
            return True
        return readings.replace("p", "") == gender


# --- a name that opens a sentence ---------------------------------------------------------------

# Words this frequent (Zipf, pipeline/lang/ru/word_frequencies.txt: one in 10,000 words) are everyday
# words: two of them may be an ordinary phrase at the start of a sentence ("Путь домой").
_EVERYDAY_ZIPF = 4.0
_NEXT_WORD = re.compile(r"[ \t\u00a0]*[»\"”']?[ \t\u00a0]*([а-яё]+)")


@lru_cache(maxsize=1)
def _copulas() -> frozenset[str]:
    return get_language("ru").words("copulas.txt")


def _everyday(word: str) -> bool:
    """A common word that is no proper name ("путь", "домой"; not "Бурятия", not "лесом")."""
    lowered = word.lower().replace("ё", "е")
    if any(_PROPER_TAGS & grammemes for _, grammemes in _parses(word)) or not _is_dictionary_word(lowered):
        return False
    return (word_zipf(lowered, "ru") or 0.0) >= _EVERYDAY_ZIPF


def _could_be_words(text: str, end: int, form: _Form) -> bool:
    """Could a registered form that opens a sentence be ordinary words there? Not when it has
    more than two words ("Совет матерей и жён"), not when a word of it is rare or a proper name
    ("Идите лесом", "Свободная Бурятия"), not when a verb that agrees with it follows ("Путь
    домой провёл акцию"; a link verb does not count: "Путь домой был долгим" stays unsure)."""
    if len(form.words) > 2 or not all(_everyday(word) for word in form.words):
        return False
    return not _agreeing_verb_follows(text, end, form)


def _agreeing_verb_follows(text: str, end: int, form: _Form) -> bool:
    match = _NEXT_WORD.match(text, end)
    if match is None:
        return False
    head = next((g for word in form.words for _, g in _parses(word) if {"NOUN", "nomn"} <= g), None)
    genders = {"masc", "femn", "neut"} & head if head else {"masc", "femn", "neut"}
    for lemma, grammemes in _parses(match.group(1)):
        if "VERB" not in grammemes or lemma in _copulas():
            continue
        if "past" in grammemes and ("plur" in grammemes or genders & grammemes):
            return True
        if "3per" in grammemes:
            return True
    return False


def _word_before(text: str, start: int) -> str | None:
    """The word right before `start`, if only spaces separate them (no punctuation, no line break)."""
    match = re.search(r"(\w+)[ \t\u00a0]+$", text[max(0, start - 40) : start])
    return match.group(1) if match else None


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\u00a0" + _OPENING_QUOTES)
    return not before or before[-1] in ".!?\n…"


def _quoted(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] in _OPENING_QUOTES
