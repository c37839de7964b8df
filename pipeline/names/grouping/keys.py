"""Group keys and proposed ids of names nobody registered: pure functions of a spelling.

Every mention gets a group key that is a pure function of its spelling (the transliteration
key, and for people the given-name group and the surname), so the same person or place gets the
same proposed id in every document and on every executor, and a Russian name meets the English
spelling the translation gave it ("Андрей Курочкин", "Andrei Kurochkin", "Andrej Kurotchkin").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

from pipeline.lang import languages_with
from pipeline.names.entity import PERSON, variant_key
from pipeline.names.grouping.quoted import NAME_KEY, QUOTED_ID_END, QUOTED_KEY
from pipeline.names.grouping.reasons import EXONYM_LIST, GIVEN_NAME_GROUP, LEGAL_FORM, TERRITORY_NAMES, TRANSLITERATION_KEY
from pipeline.names.person.folding import fold, fold_token
from pipeline.names.person.given_names import GIVEN_GROUP, name_of_group
from pipeline.names.person.person_name import parse_person


@dataclass(frozen=True)
class Discovered:
    start: int
    end: int
    text: str  # as written in the text
    canonical: str  # the proposed canonical form (romanized, nominative for Russian)
    kind: str | None  # person, place, organisation, or None when the text does not say
    key: str  # the group key
    reason: str = TRANSLITERATION_KEY  # why it has that key (pipeline.names.grouping.reasons)
    # Its group is its document's alone unless the corpus says otherwise: a body named without
    # its country ("Сенат"), a surname or given name alone that no full form of its document explains.
    per_article: bool = False
    # ... and no other document's name may join it: whose it is, not even the corpus can say (two
    # people of its article fit it, or its gender is undecided: pipeline.names.discovery.coreference).
    undecided: bool = False

    @property
    def entity_id(self) -> str:
        return proposed_id(self.key)


def discovered(start: int, end: int, text: str, canonical: str, kind: str | None) -> Discovered:
    """A name found in text, with the group key of its canonical and why it has that key."""
    key, reason = key_and_reason(canonical, kind)
    return Discovered(start, end, text, canonical, kind, key, reason)


# --- group keys and ids ------------------------------------------------------------------------

_READABLE = str.maketrans({"ɕ": "shch", "ʃ": "sh", "ʒ": "zh", "ʧ": "ch"})


def looks_like_person(words: list[str]) -> bool:
    """Two or three words starting with a given name we know ("Andrei Kurochkin")."""
    return 2 <= len(words) <= 3 and fold_token(words[0].casefold()) in GIVEN_GROUP


def group_key(name: str, kind: str | None) -> str:
    """The same key for the spellings of one name: people by given-name group and surname."""
    return key_and_reason(name, kind)[0]


def key_and_reason(name: str, kind: str | None) -> tuple[str, str]:
    """The group key of a name, and what made it (pipeline.names.grouping.reasons): the
    transliteration key, a given name's group, a legal form left out, an exonym."""
    if kind == PERSON or (kind is None and looks_like_person(name.split())):
        person = parse_person(name)  # "Given Surname" or "SURNAME, Given Patronymic"
        if person and person.given:
            folded_given = fold_token(person.given[0])
            given = name_of_group(folded_given)  # by its Russian standard form: "Vladimir", not "Uladzimir"
            reason = TRANSLITERATION_KEY if given == folded_given else GIVEN_NAME_GROUP
            return f"p {given} {person.surname}", reason
    folded = fold(name)
    key = _without_legal_forms(folded)
    reason = TRANSLITERATION_KEY if key == folded else LEGAL_FORM
    if key in _EXONYM_BY_KEY:
        reason = EXONYM_LIST if key in _LISTED_EXONYMS else TERRITORY_NAMES
        key = fold(_EXONYM_BY_KEY[key])
    elif _ACRONYM.match(name):
        key = variant_key(name)  # each letter of an acronym counts: ВВС is not ВС, nor СССР "СР"
    return "n " + key.removeprefix("the "), reason  # "The Moscow Times" is "Moscow Times"


# An acronym, romanized: capitals, each perhaps with the small letters that romanize one Russian
# letter ("SShA", "ZhKKh", "YuAR", "TsSKA"); two capitals at least.
_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})(?:[A-Z](?:h|s|hch|[aeou])?)+$")


def _legal_forms() -> tuple[frozenset[str], tuple[str, ...]]:
    """(folded legal forms, folded leading words) of every language's list; the Russian ones
    romanized first, as the Russian finder's spellings reach the key."""
    import iuliia

    forms: set[str] = set()
    leads: set[str] = set()
    for language in languages_with("legal_forms.txt"):
        for line in language.lines("legal_forms.txt"):
            kind, _, phrase = line.partition(" ")
            if kind in ("form", "lead"):
                folded = fold(str(iuliia.WIKIPEDIA.translate(phrase.strip())))
                (forms if kind == "form" else leads).add(folded)
    return frozenset(forms), tuple(sorted(leads, key=len, reverse=True))


_LEGAL_FORMS, _LEADING = _legal_forms()


def _without_legal_forms(key: str) -> str:
    """A folded name without the legal form at its ends or the "Republic of" at its start."""
    words = key.split()
    while len(words) > 1 and words[0] in _LEGAL_FORMS:
        words.pop(0)
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    key = " ".join(words)
    lead = next((lead for lead in _LEADING if key.startswith(lead + " ")), None)
    return key[len(lead) + 1 :] if lead else key


# Russian places that English writes otherwise: the romanization (and other spellings) -> the
# English exonym, which is the proposed canonical and gives the group key ("Moskva" is Moscow).
# Each language's list: pipeline/lang/<code>/exonyms.txt.
EXONYMS = {
    english.strip(): [spelling.strip() for spelling in spellings.split("|")]
    for language in languages_with("exonyms.txt")
    for english, _, spellings in (line.partition(" = ") for line in language.lines("exonyms.txt"))
}


def _territories() -> dict[str, str]:
    """Country and territory names of CLDR (through Babel), in Russian (romanized, as the Russian
    finder's spellings reach the key) and in English -> the English name: "Germaniya",
    "Germany" -> Germany. Names with a bracket or a dash ("Myanmar (Burma)", "Congo - Kinshasa")
    are CLDR's disambiguations, not what news writes: left out."""
    import iuliia
    from babel import Locale

    english, russian = Locale("en").territories, Locale("ru").territories
    names: dict[str, str] = {}
    for code, name in english.items():
        if not code.isalpha() or any(mark in name + russian.get(code, "") for mark in ("(", " - ", "о-в", "SAR")):
            continue
        name = name.replace("&", "and")
        for spelling in (name, str(iuliia.WIKIPEDIA.translate(russian.get(code, "")))):
            if spelling:
                names.setdefault(fold(spelling), name)
    return names


# The hand list first (it says "Great Britain" and "USA" as English news does), then CLDR's.
_EXONYM_BY_KEY = {fold(spelling): english for english, spellings in EXONYMS.items() for spelling in [english, *spellings]}
_LISTED_EXONYMS = frozenset(_EXONYM_BY_KEY)
_EXONYM_BY_KEY |= {key: english for key, english in _territories().items() if key not in _EXONYM_BY_KEY}


def exonym(name: str) -> str:
    """The English exonym of a romanized Russian place name, else the name: "Moskva" -> "Moscow"."""
    return _EXONYM_BY_KEY.get(fold(name), name)


# An exonym's folded key reads badly as an id ("mostsov"): its id is the exonym itself.
_EXONYM_BY_ITS_KEY = {fold(english): english.lower() for english in {*EXONYMS, *_EXONYM_BY_KEY.values()}}


def proposed_id(key: str) -> str:
    """A stable id of a group key, the same in every document: "new-andrei-kurochkin",
    "new-moscow"; a name in quotes "new-milan-org" (grouping.quoted). The name table's groups
    show readable_id instead (a key drops letters)."""
    if key.startswith(QUOTED_KEY):
        return proposed_id(NAME_KEY + key.removeprefix(QUOTED_KEY)) + QUOTED_ID_END
    readable = _EXONYM_BY_ITS_KEY.get(key[2:]) if key.startswith(NAME_KEY) else None
    return f"new-{_slug(readable or key[2:].translate(_READABLE))}"


def readable_id(canonical: str, fallback: str, taken: Container[str] = ()) -> str:
    """The id of a proposed group as people read it: its canonical romanized (iuliia's Wikipedia
    scheme, as discovery romanizes Russian) and slugged: "new-rossiyskaya-federatsiya", where its
    key reads "rosiskaia federatsia"; `fallback` where nothing of it is Latin. Unique among `taken`:
    a second group of that name is "...-2"."""
    import iuliia

    latin = unicodedata.normalize("NFKD", str(iuliia.WIKIPEDIA.translate(canonical)).translate(_PLAIN_LATIN))
    slug = _slug("".join(char for char in latin if not unicodedata.combining(char)).lower())
    return unique_id(f"new-{slug}" if slug else fallback, taken)


def unique_id(base: str, taken: Container[str]) -> str:
    """`base`, or where an entity has it already, "base-2", "base-3", ..."""
    entity_id, number = base, 2
    while entity_id in taken:
        entity_id, number = f"{base}-{number}", number + 1
    return entity_id


# Latin letters that no accent folding makes ASCII ("Straße": "strasse").
_PLAIN_LATIN = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "ł": "l", "Ł": "L", "đ": "d", "ı": "i"})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
