"""A person's gender as Russian writes it, from pymorphy3's full parse set (never its first guess).

"Назарбаева" is Nursultan Nazarbayev in the genitive and his daughter Dariga in the nominative;
"Яровой" is a man in the nominative and Irina Yarovaya in the genitive; "Назарбаевой" is only a
woman, "Трампа" only a man; "Обама", "Кастро" (indeclinable) either. A form that one gender
only reads never joins a name of the other, and a form both genders read joins only where its
document decides which (pipeline.names.discovery.coreference).
"""

from __future__ import annotations

from functools import cache

from pipeline.lang import get_language
from pipeline.names.morphology import russian_morphology

MAN, WOMAN = "m", "f"
_GENDERS = {"masc": frozenset({MAN}), "femn": frozenset({WOMAN}), "ms-f": frozenset({MAN, WOMAN})}
_PERSON_TAGS = frozenset({"Surn", "Name", "Patr"})


@cache
def _readings(word: str) -> tuple[tuple[str, frozenset[str], bool, str], ...]:
    """(normal form, genders, declines, name tag) of each reading of a written word as a person's name."""
    out = []
    for parse in russian_morphology().parse(word):
        grammemes = parse.tag.grammemes
        tag = next((tag for tag in ("Surn", "Name", "Patr") if tag in grammemes), None)
        genders = next((found for grammeme, found in _GENDERS.items() if grammeme in grammemes), None)
        if tag and genders:
            out.append((str(parse.normal_form), genders, "Fixd" not in grammemes, tag))
    return tuple(out)


def genders(word: str) -> frozenset[str]:
    """The genders some reading of a written word as a name gives it; empty where morphology
    does not know it as a name (a foreign or made-up word: either)."""
    return frozenset(gender for _, found, _, _ in _readings(word) for gender in found)


def is_given_name_only(word: str) -> bool:
    """A word morphology reads as a given name and never as a surname ("Мария", "Юлию")."""
    tags = {tag for _, _, _, tag in _readings(word)}
    return "Name" in tags and "Surn" not in tags


def declines_by_gender(word: str) -> bool:
    """A surname's form that is a man's in one case and a woman's in another ("Назарбаева",
    "Яровой", "Иванова"): the two people have two nominatives, and the form alone says not whose."""
    surnames = [(found, declines) for _, found, declines, tag in _readings(word) if tag == "Surn" and declines]
    return any(found == {MAN} for found, _ in surnames) and any(found == {WOMAN} for found, _ in surnames)


def surname_lemma(word: str) -> str:
    """The dictionary form morphology gives a surname's readings ("Назарбаевой": "назарбаев"),
    or the word folded to lower case."""
    return next((lemma for lemma, _, _, tag in _readings(word) if tag == "Surn"), word.casefold())


def given_lemmas(word: str) -> frozenset[str]:
    """The given names a written word may be a case of ("Юлию": Юлия's accusative, Юлий's dative)."""
    return frozenset(lemma for lemma, _, _, tag in _readings(word) if tag == "Name")


def name_gender(words: list[str]) -> frozenset[str]:
    """The genders a person's name of several words leaves: those every word that morphology
    knows allows ("Дариги Назарбаевой": a woman); empty where the words disagree or none is known."""
    left = frozenset({MAN, WOMAN})
    for word in words:
        found = genders(word)
        if found:
            left &= found
    return left if left != {MAN, WOMAN} else frozenset()


@cache
def _titles() -> dict[str, str]:
    return {title: gender for gender, *titles in get_language("ru").rows("titles_by_gender.txt") for title in titles}


def title_gender(word: str) -> str:
    """The gender a Russian title says in any of its cases ("госпожи": "f"), "" for any other word."""
    word = word.casefold()
    found = _titles().get(word, "")
    return found or next((_titles()[p.normal_form] for p in russian_morphology().parse(word) if p.normal_form in _titles()), "")
