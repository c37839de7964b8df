"""What the words around a name say of which entity it is, in Russian text.

- Quotes: a name NER types an organisation and the text writes in quotes («Милан», «Бавария»)
  is the club or the company, not the place of its spelling (pipeline.names.grouping.quoted).
- A place after a body: NER finds "Верховного суда США" as two names, "Верховный суд" and
  "США". The body named with a place is that place's body, another entity than the same body
  named with another place or with none: its key is that of the whole ("Верховный суд США"),
  while its span stays its own and the place keeps its mention.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.names.entity import ORGANISATION
from pipeline.names.grouping.keys import Discovered
from pipeline.names.grouping.quoted import quoted_key

_OPENING, _CLOSING = "«\"„“", "»\"“”"


def _quoted(text: str, start: int, end: int) -> bool:
    return start > 0 and end < len(text) and text[start - 1] in _OPENING and text[end] in _CLOSING


def mark_quoted(text: str, found: list[Discovered]) -> list[Discovered]:
    """The names found, each organisation written in quotes with the key of a quoted name."""
    return [replace(d, key=quoted_key(d.key)) if d.kind == ORGANISATION and _quoted(text, d.start, d.end) else d for d in found]
