"""The person-name model (pipeline.names.person): a name read into its parts, the two bars for
"two fathers", surnames' gender forms and the loose folds."""

from __future__ import annotations

import pytest

from pipeline.names.person.folding import fold, loose_given, loose_surname
from pipeline.names.person.person_name import PersonName, fathers_differ_as_spelled, fathers_differ_loosely, parse_person
from pipeline.names.person.surnames import parse_surname


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Andrei Kurochkin", PersonName("kuroʧkin", ("andrei",))),
        ("MARKELOV, Anatolyevich Vitalii", PersonName("markelov", ("vitali",), "anatoleviʧ")),
        ("ANATOLYEVICH, Vorobyov Stanislav", PersonName("vorobev", ("stanislav",), "anatoleviʧ")),
        ("Andrey Grigoryevich Guryev", PersonName("gurev", ("andrei",), "grigoreviʧ")),
    ],
)
def test_a_name_is_read_into_surname_given_names_and_patronymic(text: str, expected: PersonName) -> None:
    assert parse_person(text) == expected


def test_patronymics_of_two_fathers_differ_by_either_bar() -> None:
    for a, b in [("Andreevich", "Sergeevich"), ("Andreevich", "Grigoryevich")]:
        assert fathers_differ_as_spelled(fold(a), fold(b)) and fathers_differ_loosely(fold(a), fold(b))
    assert not fathers_differ_as_spelled(fold("Andreevich"), fold("Andreyevich"))


def test_machine_translations_spellings_of_one_father_are_one_only_loosely() -> None:
    """Why grouping compares loosely: "Radschapovitsch" and "Rajapovich" are one father,
    though as spelled (what matching against the registry compares) they are two."""
    a, b = fold("Radschapovitsch"), fold("Rajapovich")
    assert fathers_differ_as_spelled(a, b)
    assert not fathers_differ_loosely(a, b)


def test_loose_folds_join_spelling_habits() -> None:
    assert loose_surname("Dolhopolov") == loose_surname("Dolgopolov")
    assert loose_surname("Sakouline") == loose_surname("Sakulin")
    assert loose_given("Akhmed") == loose_given("Ahmed") == loose_given("Achmed")
    assert loose_given("Alimzhan") == loose_given("Alimzan")


def test_a_surname_form_says_which_genders_it_can_be() -> None:
    tsukanova = parse_surname("Цуканова", "f")
    assert (tsukanova.stem, tsukanova.kind) == ("цуканов", "possessive")
    assert tsukanova.readings("Цуканову") == "mf"  # his dative or her accusative
    assert tsukanova.readings("Цукановы") == "p"  # a family
    assert tsukanova.readings("Цуканов") == "m"
    navalny = parse_surname("Навальный", "m")
    assert (navalny.readings("Навальная"), navalny.readings("Навальные"), navalny.readings("Навального")) == ("f", "p", "m")
    assert parse_surname("Шевченко", "m").readings("Шевченко") == "mf"  # fixed: one form for both
    assert tsukanova.readings("Цукерман") == ""
