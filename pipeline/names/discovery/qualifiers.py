"""What the words around a name say of which entity it is, in Russian text.

- Quotes: a name NER types an organisation and the text writes in quotes («Милан», «Бавария»)
  is the club or the company, not the place of its spelling (pipeline.names.grouping.quoted).
- A place after a body: NER finds "Верховного суда США" as two names, "Верховный суд" and
  "США". The body named with a place is that place's body, another entity than the same body
  named with another place or with none: its key is that of the whole ("Верховный суд США"),
  while its span stays its own and the place keeps its mention. Russian news names its own
  country's bodies with or without it: "ФНС России" keeps the key of the bare "ФНС". A body
  every country has ("МВД", kept to its article alone: pipeline.names.discovery.per_article)
  named with Russia, whatever the text calls it (России, РФ), is Russia's across the corpus:
  "МВД России".
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from pipeline import scripts
from pipeline.names.discovery.per_article import is_generic_body
from pipeline.names.discovery.russian_finder import russian_forms
from pipeline.names.entity import ORGANISATION, PLACE
from pipeline.names.grouping.keys import Discovered, key_and_reason
from pipeline.names.grouping.quoted import quoted_key
from pipeline.names.morphology import russian_morphology

LANGUAGE = "ru"  # the texts this module reads
_OPENING, _CLOSING = '«"„“', '»"“”'
# What lies between a body's name and the place that says whose it is: a space.
_GAP = re.compile(r"[ \u00a0]{1,2}")


def _quoted(text: str, start: int, end: int) -> bool:
    return start > 0 and end < len(text) and text[start - 1] in _OPENING and text[end] in _CLOSING


def mark_quoted(text: str, found: list[Discovered]) -> list[Discovered]:
    """The names found, each organisation written in quotes with the key of a quoted name."""
    return [replace(d, key=quoted_key(d.key)) if d.kind == ORGANISATION and _quoted(text, d.start, d.end) else d for d in found]


@cache
def _home_key() -> str:
    """The group key of the country whose news the Russian text most likely is (CLDR's likely
    territory of the language, through Babel): Russia, whatever the text calls it (exonyms.txt)."""
    from babel import Locale
    from babel.core import get_global

    territory = get_global("likely_subtags")[LANGUAGE].split("_")[-1]
    return key_and_reason(Locale("en").territories[territory], PLACE)[0]


@cache
def _home_genitive() -> str:
    """That country's name in the genitive, as a body's name carries it: "России"."""
    from babel import Locale
    from babel.core import get_global

    territory = get_global("likely_subtags")[LANGUAGE].split("_")[-1]
    name = Locale(LANGUAGE).territories[territory]
    inflected = russian_morphology().parse(name)[0].inflect({"gent"})
    return str(inflected.word).capitalize() if inflected else name


def _of_a_place(word: str) -> bool:
    """A place's last word as it follows a body's name: in the genitive ("Израиля"), or a word
    that does not decline ("США", "Огайо")."""
    if word.isupper():
        return True
    return any({"gent", "Fixd"} & set(parse.tag.grammemes) for parse in russian_morphology().parse(word))


def name_bodies_by_place(text: str, found: list[Discovered]) -> list[Discovered]:
    """The names found, each organisation that the text names with a place right after it
    ("Верховного суда" + "США") carrying the key, spelling and canonical of the two together."""
    places = {d.start: d for d in found if d.kind == PLACE}
    out = []
    for d in found:
        gap = _GAP.match(text, d.end) if d.kind == ORGANISATION and scripts.CYRILLIC.search(d.text) else None
        after = places.get(gap.end()) if gap else None
        place = _whose(d, after, text) if after else None
        if place is not None:
            native, canonical, key, reason = russian_forms(f"{text[d.start : d.end]} {place}", ORGANISATION)
            d = replace(d, text=native, canonical=canonical, key=key, reason=reason)
        out.append(d)
    return out


def _whose(body: Discovered, place: Discovered, text: str) -> str | None:
    """The place as the body's name carries it ("США", "Израиля"; Russia as "России"), or None
    where it says nothing of whose the body is: a place in another case than the genitive, or
    Russia after a body no other country names so ("ФНС России" is the bare "ФНС")."""
    written = text[place.start : place.end]
    if not _of_a_place(written.split()[-1]):
        return None
    if place.key != _home_key():
        return written
    return _home_genitive() if is_generic_body(body.text) else None
