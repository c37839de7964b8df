"""Acronyms a document defines: "Фонд борьбы с коррупцией (ФБК)", "Federal Security Service (FSB)".

The acronym in brackets right after a name of several words is that name in this document:
every place the document writes it takes the full name's group key, so the name table sees the
acronym as a spelling of the full name (and, across the corpus, joins the acronym written
alone elsewhere to the one full name the corpus defined it as: `grouping.acronym_links`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.names.entity import PERSON
from pipeline.names.grouping.keys import Discovered, looks_like_person
from pipeline.names.grouping.reasons import ACRONYM_DEFINED

# The acronym in brackets, after a closing quote if the name was quoted.
_DEFINED = re.compile(r"[»\"”']?\s*\(\s*([A-ZА-ЯЁ][A-ZА-ЯЁ&]{1,9})\s*\)")


def _defines(name: str, acronym: str) -> bool:
    """An acronym of a name: it opens with the name's first letter and is no longer than its
    words allow ("ФБК" for "Фонд борьбы с коррупцией"; "FSB", Russian letters, for "Federal
    Security Service"). A person is no acronym's expansion."""
    words = name.strip("«»\"“”'").split()
    if len(words) < 2 or looks_like_person(words):
        return False
    return words[0][:1].casefold() == acronym[:1].casefold() and len(acronym) <= len(words) + 1


def link_acronyms(text: str, found: list[Discovered]) -> list[Discovered]:
    """The document's names, each place that writes an acronym the document defined carrying the
    full name's key and canonical (the acronym in brackets itself included, found or not)."""
    definitions: dict[str, Discovered] = {}
    for name in found:
        if name.kind == PERSON or " " not in text[name.start : name.end]:
            continue
        match = _DEFINED.match(text, name.end)
        if match and _defines(text[name.start : name.end], match.group(1)):
            acronym = match.group(1)
            if acronym in definitions and definitions[acronym].key != name.key:
                definitions[acronym] = replace(name, key="")  # defined twice, two ways: neither
            else:
                definitions.setdefault(acronym, name)
    definitions = {acronym: full for acronym, full in definitions.items() if full.key}
    if not definitions:
        return found
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in sorted(definitions, key=len, reverse=True)) + r")(?!\w)")
    out = [name for name in found if text[name.start : name.end] not in definitions]
    taken = [(name.start, name.end) for name in out]
    for match in pattern.finditer(text):
        start, end = match.span()
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue  # inside a longer name ("ФБК" of "Фонд ФБК России")
        full = definitions[match.group()]
        out.append(Discovered(start, end, match.group(), full.canonical, full.kind, full.key, ACRONYM_DEFINED))
    return sorted(out, key=lambda name: name.start)
