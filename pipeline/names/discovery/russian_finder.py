"""Names in Russian source text: natasha's NER (PER, LOC, ORG), each span put in the nominative
with pymorphy3 and romanized with iuliia's Wikipedia scheme ("Андрея Курочкина" -> "Andrey
Kurochkin"): the scheme English-language media and Wikipedia use, so the proposal reads as
readers expect, and it keeps ё as "yo" ("Zhuravlyov"), which the transliteration key folds.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from pipeline import scripts
from pipeline.names.discovery.coreference import surname_alone
from pipeline.names.entity import ORGANISATION, PERSON, PLACE
from pipeline.names.grouping.keys import Discovered, discovered, exonym, key_and_reason, looks_like_person
from pipeline.names.morphology import russian_morphology
from pipeline.names.ner import Span, ner_spans
from pipeline.names.person import russian_gender

_NER_TYPES = {"PER": PERSON, "LOC": PLACE, "ORG": ORGANISATION}


# Two or more capitals, then at most a case ending in small letters.
_ACRONYM = re.compile(r"^([А-ЯЁ]{2,})(?:а|у|ом|е|ы|ов|ам|ами|ах)?$")


def _nominative_word(word: str, wanted: set[str], gender: str | None) -> str:
    """One word in the nominative, of the given gender (or "plur") where it has one: "Власовой" -> "Власова"."""
    if "-" in word:
        return "-".join(_nominative_word(part, wanted, gender) for part in word.split("-"))
    if _ACRONYM.match(word):  # "США", "МИДа": an acronym keeps its letters, loses a case ending
        return _ACRONYM.sub(r"\1", word)
    parses = russian_morphology().parse(word)
    fits = [p for p in parses if wanted & set(p.tag.grammemes)] or [p for p in parses if {"NOUN", "ADJF"} & set(p.tag.grammemes)]
    if "Name" in wanted:  # one person's name: "Дадары" is Дадара's genitive, not Дадар's plural
        fits = [p for p in fits if "plur" not in p.tag.grammemes]
        if not fits:
            return word  # a family ("Царнаевы"), or a name morphology knows only as a plural ("Фафолин")
    if any("Fixd" in p.tag.grammemes for p in fits):
        return word  # indeclinable in one of its readings ("Тиффани", "Гёте"): as written, not a guessed stem
    if gender:
        fits = [p for p in fits if gender in p.tag.grammemes or "ms-f" in p.tag.grammemes] or fits
    if not fits or "nomn" in fits[0].tag.grammemes:
        return word
    inflected = fits[0].inflect({"nomn"} | ({"sing"} if "plur" not in fits[0].tag.grammemes else set()))
    if inflected is None:
        return word
    form = str(inflected.word)
    return form[:1].upper() + form[1:] if word[:1].isupper() else form


def nominative(text: str, kind: str) -> str:
    """A name in the nominative: a person's words agree with the given name's gender; of an
    organisation's name only the words up to its head noun change ("Совета матерей" -> "Совет матерей")."""
    words = text.split()
    if kind == PERSON:
        # The surname's ending says a gender better than a given name morphology may only guess
        # ("Дадаре Фафаровой" is a woman's, whatever "Дадаре" is).
        said = russian_gender.surname_genders(words[-1])
        gender = {frozenset({russian_gender.MAN}): "masc", frozenset({russian_gender.WOMAN}): "femn"}.get(said) or next(
            (
                g
                for w in words
                for p in russian_morphology().parse(w)[:3]
                if "Name" in p.tag.grammemes
                for g in ("masc", "femn")
                if g in p.tag.grammemes
            ),
            None,
        )
        return " ".join(_nominative_word(word, {"Name", "Surn", "Patr"}, gender) for word in words)
    head = next((index for index, word in enumerate(words) if _is_noun(word)), None)
    # The words before the head noun agree with its gender ("Следственного комитета" ->
    # "Следственный комитет", not the neuter "Следственное"), and it with their number
    # ("Вооружённые силы", not "сила").
    plural = head is not None and any(_plural_adjective(word) for word in words[:head])
    gender = "plur" if plural else _gender(words[head]) if head is not None else None
    last = head if head is not None else len(words) - 1
    out = [_nominative_word(word, {"Geox", "Orgn", "NOUN", "ADJF", "PRTF"}, gender) for word in words[: last + 1]]
    return " ".join(out + words[len(out) :])


def _plural_adjective(word: str) -> bool:
    """An adjective or participle in the plural ("Вооружённых", "Соединённых")."""
    grammemes = russian_morphology().parse(word)[0].tag.grammemes
    return "plur" in grammemes and bool({"ADJF", "PRTF"} & grammemes)


def _is_noun(word: str) -> bool:
    return any("NOUN" in p.tag.grammemes for p in russian_morphology().parse(word)[:1])


def _gender(noun: str) -> str | None:
    """The gender of a noun in the singular ("комитета": masc); none in the plural, where
    adjectives have none ("сил")."""
    tag = russian_morphology().parse(noun)[0].tag
    return next((g for g in ("masc", "femn", "neut") if g in tag.grammemes), None) if "sing" in tag.grammemes else None


def romanize(text: str) -> str:
    import iuliia

    return exonym(str(iuliia.WIKIPEDIA.translate(text)))  # "Москва": "Moscow", not "Moskva"


@lru_cache(maxsize=65536)
def russian_forms(spelling: str, kind: str) -> tuple[str, str, str, str]:
    """Nominative, romanization, group key and its reason of one spelling: pure functions of it,
    and names repeat across documents, so each spelling pays for pymorphy3 and iuliia once."""
    native = nominative(spelling, kind)
    canonical = romanize(native)
    return native, canonical, *key_and_reason(canonical, kind)


def russian_names(text: str, spans: list[Span] | None = None) -> list[Discovered]:
    """Names natasha's NER finds in Russian text, each with its romanized nominative; names in
    Latin letters as written. `spans`: the text's NER spans where they were found already (with
    other texts': `ner_spans` tags many at once)."""
    if not text.strip():
        return []
    found = []
    for start, stop, ner_type in _within_lines(text, ner_spans([text])[0] if spans is None else spans):
        kind = _NER_TYPES.get(ner_type)
        bracket = _BRACKET_AT_END.search(text, start, stop)
        if bracket and bracket.start() > start:
            stop = bracket.start()  # "Фонд борьбы с коррупцией (ФБК)": the name, then its acronym
        spelling = text[start:stop]
        if kind is None:
            continue
        if not scripts.CYRILLIC.search(spelling):
            # A name in Latin letters (Microsoft, Forbes, "David Souter"): kept as written, a
            # person where it opens with a given name we know (natasha often calls them ORG).
            kind = PERSON if looks_like_person(spelling.split()) else kind
            found.append(discovered(start, stop, spelling, spelling, kind))
            continue
        native, canonical, key, reason = russian_forms(spelling, kind)
        found.append(Discovered(start, stop, native, canonical, kind, key, reason))
    return found


def _within_lines(text: str, spans: list[Span]) -> list[Span]:
    """NER's spans cut at line breaks: no name runs from one line to the next, and NER reads a
    headline, a caption and a first sentence as one ("Рауль Кастро\nФидель Кастро": two people)."""
    out = []
    for start, stop, ner_type in spans:
        for line in _LINE.finditer(text, start, stop):
            out.append((line.start(), line.end(), ner_type))
    return out


_LINE = re.compile(r"\S(?:[^\n]*\S)?")
_BRACKET_AT_END = re.compile(r"\s*\([^()]*\)$")
_CAPITALISED = re.compile(r"(?<![\w-])[А-ЯЁ][а-яё]+(?![\w-])")


def other_forms(text: str, found: list[Discovered]) -> list[Discovered]:
    """A one-word name found once is the same name in its other cases elsewhere in the document
    ("Россия" found, "России" missed): a capitalised word any of whose parses has the found
    nominative as its normal form, where no name was found."""
    by_normal = {d.text.casefold(): d for d in found if " " not in d.text and scripts.CYRILLIC.search(d.text)}
    surnames: dict[str, Discovered] = {}
    for d in found:  # a person's surname alone ("Путин" for "Владимир Путин"): whose, coreference decides
        surname = d.text.split()[-1]
        if d.kind == PERSON and " " in d.text and len(surname) > 4 and scripts.CYRILLIC.search(surname):
            surnames.setdefault(surname.casefold(), d)
    if not by_normal and not surnames:
        return found
    taken = [(d.start, d.end) for d in found]
    more = []
    for match in _CAPITALISED.finditer(text):
        start, end = match.span()
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        name = next((by_normal[n] for n in _normal_forms(match.group()) if n in by_normal), None)
        if name is not None:
            more.append(replace(name, start=start, end=end))
            continue
        full = next((surnames[n] for n in _normal_forms(match.group()) if n in surnames), None)
        if full is not None:
            more.append(surname_alone(full, start, end, match.group()))
    return sorted(found + more, key=lambda d: d.start) if more else found


@lru_cache(maxsize=1 << 16)
def _normal_forms(word: str) -> frozenset[str]:
    return frozenset(parse.normal_form for parse in russian_morphology().parse(word))
