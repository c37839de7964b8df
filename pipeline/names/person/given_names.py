"""Given names: which spellings are one name, a name's gender, and whether a word is a given name.

Three word lists, data files in pipeline/lang/:
- ru/given_name_spellings.txt: our spelling groups, one name per line. A spelling belongs to one
  name, so the groups are not transitive: Yuri and Georgy are two names though English writes both
  "George" (such a spelling is an equivalent, proposed for review, never applied).
- ru/given_names.txt: the Russian given names pymorphy3 knows, with their gender ("Irina",
  "Svetlana", "Ivanna"), so a name missing from our groups is still a name, and a woman's name.
  (Any language's given_names.txt counts the same.)
- en/words.txt: common English words ("Yesterday", "Minister"): a capitalised word before a
  surname that is none of these is taken for a given name, known to us or not.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from rapidfuzz import fuzz

from pipeline.lang import get_language, languages_with
from pipeline.names.person.folding import fold_token

# A match through a spelling of another name ("George" for Yuri): listed for review, never applied.
EQUIVALENT = 0.85


def _lines(code: str, name: str) -> list[list[str]]:
    return get_language(code).rows(name)


def _groups() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, set[str]]]:
    """(folded spelling -> its name's key, key -> the name as written, key -> gender,
    folded spelling -> keys of the other names it may stand for)."""
    group: dict[str, str] = {}
    names: dict[str, str] = {}
    genders: dict[str, str] = {}
    equivalents: dict[str, set[str]] = defaultdict(set)
    for words in _lines("ru", "given_name_spellings.txt"):
        cut = words.index("~") if "~" in words else len(words)
        gender, first, *spellings = words[:cut]
        key = fold_token(first)
        names.setdefault(key, first)
        genders[key] = gender
        for spelling in (first, *spellings):
            folded = fold_token(spelling)
            if group.setdefault(folded, key) != key:
                equivalents[folded].add(key)  # listed under two names: it belongs to the first
        for spelling in words[cut + 1 :]:
            equivalents[fold_token(spelling)].add(key)
    return group, names, genders, dict(equivalents)


GIVEN_GROUP, GIVEN_NAMES, _GROUP_GENDER, _EQUIVALENTS = _groups()


@cache
def _russian_genders() -> dict[str, str]:
    """Folded Russian given name -> its genders ("m", "f" or "fm")."""
    genders: dict[str, set[str]] = defaultdict(set)
    for gender, *words in (row for language in languages_with("given_names.txt") for row in language.rows("given_names.txt")):
        for word in words:
            genders[fold_token(word)].update(gender)
    return {word: "".join(sorted(found)) for word, found in genders.items()}


@cache
def common_english_words(zipf: float) -> frozenset[str]:
    """English words at least this frequent (Zipf): "free", "new" (5.5 and over); not the
    given names wordfreq also counts ("bill" 5.2, "steve" 4.7)."""
    return frozenset(word for frequency, *words in _lines("en", "words.txt") if float(frequency) >= zipf for word in words)


@cache
def place_words() -> frozenset[str]:
    """First words of English place names that no given name is ("New", "North", "Saint")."""
    return frozenset(word for words in _lines("en", "place_words.txt") for word in words)


@cache
def _english_words() -> frozenset[str]:
    return frozenset(word for _, *words in _lines("en", "words.txt") for word in words)


@cache
def _titles() -> dict[str, str]:
    return {title: gender for gender, *titles in _lines("en", "titles_by_gender.txt") for title in titles}


def name_of_group(folded: str) -> str:
    """The name a folded spelling belongs to, as our list writes it ("Uladzimir": "vladimir");
    the spelling itself when it is in no group."""
    key = GIVEN_GROUP.get(folded)
    return GIVEN_NAMES[key] if key is not None else folded


def gender(folded: str) -> str:
    """ "m", "f", "fm" (either) or "" (not known) of a folded given name."""
    key = GIVEN_GROUP.get(folded)
    if key is not None:
        return _GROUP_GENDER[key]
    return _russian_genders().get(folded, "")


def title_gender(word: str) -> str:
    """The gender a title says ("Mrs": "f"), "" for any other word."""
    return _titles().get(word.casefold().rstrip("."), "")


def is_given_name(word: str) -> bool:
    """A capitalised word right before a surname is a given name: one we or pymorphy3 know, or
    any word that is not a common English word ("Irina", "Zlata"; not "Yesterday", "Minister")."""
    folded = fold_token(word.casefold())
    if folded in GIVEN_GROUP or folded in _russian_genders():
        return True
    return word.casefold() not in _english_words() and not title_gender(word)


def is_common_english(word: str) -> bool:
    return word.casefold() in _english_words()


_FEMININE_ENDINGS = ("a", "ia", "na")


def _genders_differ(a: str, b: str) -> bool:
    """A man's and a woman's name: by their known genders, or one is the other with a feminine
    ending ("Ivan" / "Ivanna", "Stanislav" / "Stanislava")."""
    gender_a, gender_b = gender(a), gender(b)
    if len(gender_a) == 1 and len(gender_b) == 1 and gender_a != gender_b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return not shorter.endswith("a") and any(longer == shorter + ending for ending in _FEMININE_ENDINGS)


def given_names_agree(query: str, known: str) -> float:
    """0..1: how well two folded given names agree (0 when they are different names).

    The same name (or a spelling of it in our groups) agrees; two names of our groups, or a
    man's and a woman's name, never do; a spelling of another name that may stand for this one
    scores EQUIVALENT (review only); then short forms, initials and near spellings of names
    we do not know.
    """
    if query == known:
        return 1.0
    group_q, group_k = GIVEN_GROUP.get(query), GIVEN_GROUP.get(known)
    if group_q is not None and group_q == group_k:
        return 0.98
    if group_k in _EQUIVALENTS.get(query, ()) or group_q in _EQUIVALENTS.get(known, ()):
        return EQUIVALENT
    if (group_q is not None and group_k is not None) or _genders_differ(query, known):
        return 0.0
    shorter, longer = sorted((query, known), key=len)
    if len(shorter) >= 3 and longer.startswith(shorter):
        return 0.94  # a short form: "Zakhar" of "Zakhary", "Kakha" of "Kakhaber"
    if len(shorter) == 1 and longer.startswith(shorter):
        return 0.93  # an initial
    score = fuzz.ratio(query, known) / 100
    return score if score >= 0.8 else 0.0
