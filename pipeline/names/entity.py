"""A registry entity and the spelling key every matcher compares by."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pipeline.scripts import fold_text

# The entity types, named once: a person's name has parts (pipeline.names.person), the others are
# compared whole.
PERSON, PLACE, ORGANISATION, MEDIA = "person", "place", "organisation", "media"
ENTITY_TYPES = (ORGANISATION, PERSON, PLACE, MEDIA)
_APOSTROPHES = "'’‘ʹʼ`´"
_QUOTES = '«»"“”„'


@dataclass(frozen=True)
class Entity:
    id: str
    canonical: str
    type: str
    native: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def is_person(self) -> bool:
        return self.type == PERSON


# Pure and called for every word of every document: words repeat, so a cache saves most calls.
# 32,768 spellings (~10 MB): what 10,000 distinct documents fill; more only grew the memory of a
# long run (a span with a number in it comes once), not its hits.
@lru_cache(maxsize=1 << 15)
def variant_key(text: str) -> str:
    """Case, apostrophe marks, quotes, hyphens and spacing do not make a different spelling; nor do
    characters that print as nothing (a zero-width space, a soft hyphen) or composition (NFD)."""
    text = unicodedata.normalize("NFKC", fold_text(text)).casefold().replace("ё", "е")
    text = "".join(" " if char in "-‐‑–—_./,&" else "" if char in _APOSTROPHES + _QUOTES else char for char in text)
    return " ".join(text.split())
