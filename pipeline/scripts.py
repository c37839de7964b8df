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
