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
            out.append((str(parse.normal_form), genders, "Fixd" not in grammemes, tag, "plur" in grammemes))
    if not out:  # a surname morphology knows only as an adjective ("Фафалской"): a surname of that gender
        for parse in russian_morphology().parse(word):
            grammemes = parse.tag.grammemes
            genders = next((found for grammeme, found in _GENDERS.items() if grammeme in grammemes), None)
            if "ADJF" in grammemes and genders:
                out.append((str(parse.normal_form), genders, True, "Surn", False))
    # A family in the plural ("Зорумаловым": to the Zorumalovs) has both genders: one person's
    # reading, where there is one, says more ("Зорумаловым": him).
    singular = [reading for reading in out if not reading[-1]]
    return tuple(reading[:-1] for reading in singular or out)


def genders(word: str) -> frozenset[str]:
    """The genders some reading of a written word as a name gives it; empty where morphology
    does not know it as a name (a foreign or made-up word: either)."""
    return frozenset(gender for _, found, _, _ in _readings(word) for gender in found)


def is_given_name_only(word: str) -> bool:
    """A word morphology reads as a given name and never as a surname ("Мария", "Юлию")."""
    tags = {tag for _, _, _, tag in _readings(word)}
    return "Name" in tags and "Surn" not in tags


def declines_by_gender(word: str) -> bool:
    """A name's form that is a man's in one case and a woman's in another ("Назарбаева",
    "Яровой", "Иванова", "Александра"): the two people have two nominatives, and the form alone
    says not whose."""
    names = [found for _, found, declines, tag in _readings(word) if tag in ("Surn", "Name") and declines]
    return any(found == {MAN} for found in names) and any(found == {WOMAN} for found in names)


def surname_lemma(word: str) -> str:
    """The dictionary form morphology gives a surname's readings ("Назарбаевой": "назарбаев"),
    or the word folded to lower case."""
    return next((lemma for lemma, _, _, tag in _readings(word) if tag == "Surn"), word.casefold())


def given_lemmas(word: str, gender: str = "") -> frozenset[str]:
    """The given names a written word may be a case of ("Юлию": Юлия's accusative, Юлий's
    dative), or only those of one gender."""
    return frozenset(lemma for lemma, found, _, tag in _readings(word) if tag == "Name" and (not gender or gender in found))


def name_gender(words: list[str]) -> frozenset[str]:
    """The genders a person's name of several words leaves: those every word that morphology
    knows allows ("Дариги Назарбаевой": a woman); empty where the words disagree or none is known."""
    left = frozenset({MAN, WOMAN})
    for word in words:
        found = genders(word)
        if found:
            left &= found
    if not left and words:  # a given name morphology guessed ("Дадаре") against the surname's ending
        left = surname_genders(words[-1])
    return left if len(left) == 1 else frozenset()


def surname_genders(word: str) -> frozenset[str]:
    """The genders a word's readings as a surname give it ("Фафаровой": a woman's)."""
    return frozenset(gender for _, found, _, tag in _readings(word) if tag == "Surn" for gender in found)


@cache
def _titles() -> dict[str, str]:
    return {title: gender for gender, *titles in get_language("ru").rows("titles_by_gender.txt") for title in titles}


@cache
def title_gender(word: str) -> str:
    """The gender a Russian title says in any of its cases ("госпожи": "f"), "" for any other word."""
    word = word.casefold()
    found = _titles().get(word, "")
    return found or next((_titles()[p.normal_form] for p in russian_morphology().parse(word) if p.normal_form in _titles()), "")
