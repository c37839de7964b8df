"""Unicode script ranges, one set for every stage: what is Cyrillic, Thai, Latin text."""

from __future__ import annotations

import re

CYRILLIC_BLOCK = "\u0400-\u04ff"
THAI_BLOCK = "\u0e00-\u0e7f"
LATIN_LETTERS = "a-zA-Z\u00c0-\u024f"
RUSSIAN_LETTERS = "а-яёА-ЯЁ"

CYRILLIC = re.compile(f"[{CYRILLIC_BLOCK}]")
THAI = re.compile(f"[{THAI_BLOCK}]")
LATIN = re.compile(f"[{LATIN_LETTERS}]")
# Text in a script that translation and the registry's native forms are about.
NATIVE = re.compile(f"[{CYRILLIC_BLOCK}{THAI_BLOCK}]")

# Web addresses, e-mail addresses and markup tags left in a text ("<strong>Мінск.</strong>"
# from a social-media export): Latin in any language, and nothing for a model to translate.
ADDRESS_OR_MARKUP = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|</?[a-z][^<>]{0,200}>", re.IGNORECASE)


def has_words(text: str) -> bool:
    """Whether a letter of any script is left once addresses and markup are taken out."""
    return any(char.isalpha() for char in ADDRESS_OR_MARKUP.sub(" ", text))
