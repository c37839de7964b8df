"""A person's name read into its parts (surname, given names, patronymic), and when two
patronymics are two fathers'.

Two patronymics are compared by their stems: without their endings, which all look alike
("Andreevich" and "Sergeevich" share "-eevich"; "Andre" and "Serge" do not). Two callers ask,
with two bars, and unifying them would change which people stay apart:
- matching against the registry compares the stems as folded (fathers_differ_as_spelled): a
  reporter spells the registered person's patronymic near enough to the registry's;
- grouping the corpus compares them loosely folded (fathers_differ_loosely), with the bar for
  two given names (a patronymic is the father's given name): machine translation spells one
  father far apart ("Radschapovitsch", "Rajapovich").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from pipeline.names.person.folding import fold, fold_token, loose_given
from pipeline.names.person.given_names import GIVEN_GROUP, gender

# Patronymic stems (rapidfuzz ratio) as folded less alike than this are two fathers.
FATHERS_DIFFER_AS_SPELLED = 75
# Two given names (or two fathers' names) loosely folded less alike than this are two names
# ("Natan" / "Anton").
GIVEN_CONFLICT = 60
# Given names this similar (loosely folded) may be one name: "Gafur" / "Gofur".
GIVEN_SIMILARITY = 75


@dataclass(frozen=True)
class PersonName:
    surname: str  # folded
    given: tuple[str, ...]  # folded, first given name first
    patronymic: str = ""


PATRONYMIC_ENDING = re.compile(r"(ovi[tʧ]|evi[tʧ]|ovna|evna|i[tʧ]na|ovi[tʧ]|ivna|ogli|ogl[iy]|kizi)$")
# Patronymics that are no surname ("Gazogli" may be one: -ogly is also a surname's ending).
_SLAVIC_PATRONYMIC = re.compile(r"..[oe](vi[tʧ]|vna)$")
_SUFFIXES = {"jr", "sr", "ii", "iii", "ir"}  # "ir": "JR" folded (j is i)


def _stem(patronymic: str) -> str:
    return PATRONYMIC_ENDING.sub("", patronymic)


def fathers_differ_as_spelled(a: str, b: str) -> bool:
    """Two patronymics of two fathers, their stems compared as folded."""
    return fuzz.ratio(_stem(a), _stem(b)) < FATHERS_DIFFER_AS_SPELLED


def fathers_differ_loosely(a: str, b: str) -> bool:
    """Two patronymics of two fathers: their stems, loosely spelled, are nothing alike
    ("Andreevich" / "Grigoryevich"; "Radschapovitsch" and "Rajapovich" are one father)."""
    return fuzz.ratio(loose_given(_stem(a)), loose_given(_stem(b))) < GIVEN_CONFLICT


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
    if misplaced and not any(PATRONYMIC_ENDING.search(t) for t in given_tokens):
        surname_tokens, given_tokens = given_tokens[:1], given_tokens[1:] + surname_tokens
    patronymics = [t for t in surname_tokens[1:] + given_tokens if PATRONYMIC_ENDING.search(t) and len(t) > 5]
    surname_tokens = [surname_tokens[0]] + [t for t in surname_tokens[1:] if t not in patronymics] if surname_tokens else []
    given_tokens = [t for t in given_tokens if t not in patronymics]
    if not surname_tokens:
        return None
    return PersonName(" ".join(surname_tokens), tuple(given_tokens), patronymics[0] if patronymics else "")


@lru_cache(maxsize=1 << 14)
def given_relation(a: str, b: str) -> int:
    """How two given names relate: 1 they may be one person's name (the same name or group,
    a short form "Zakhar" / "Zakhary", an initial, or spelling habits apart "Gafur" / "Gofur"),
    -1 they are two names (Alexander and Alexei, two known names; or nothing alike), 0 neither."""
    a, b = fold_token(a), fold_token(b)
    if a == b:
        return 1
    group_a, group_b = GIVEN_GROUP.get(a), GIVEN_GROUP.get(b)
    if group_a is not None and group_b is not None:
        return 1 if group_a == group_b else -1
    if gender(a) and gender(b):
        return -1  # two names our lists or morphology know, of no one group: "Miroslava", "Yaroslava"
    shorter, longer = sorted((a, b), key=len)
    if longer.startswith(shorter):
        extra = longer[len(shorter) :]
        if len(shorter) > 1 and len(extra) <= 2 and extra[0] in "aeiouy":
            return 0  # a woman's name or a case of a name nobody listed: "Dadar", "Dadara", "Dadaroi"
        return 1 if len(shorter) == 1 or len(shorter) >= 4 else 0
    score = fuzz.ratio(loose_given(a), loose_given(b))
    return 1 if score >= GIVEN_SIMILARITY and len(shorter) >= 4 else -1 if score < GIVEN_CONFLICT else 0
