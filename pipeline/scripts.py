"""Unicode script ranges, one set for every stage: what is Cyrillic, Thai, Latin text; and the
one folding every text gets at ingest (NFC, no invisible characters, no lone surrogates)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from pipeline.lang import TARGET, all_languages, get_language

CYRILLIC_BLOCK = "\u0400-\u04ff"
THAI_BLOCK = "\u0e00-\u0e7f"
LATIN_LETTERS = "a-zA-Z\u00c0-\u024f"
RUSSIAN_LETTERS = "а-яёА-ЯЁ"

# The letters of each script a language's folder (pipeline/lang/) may declare.
LETTERS = {"cyrillic": CYRILLIC_BLOCK, "thai": THAI_BLOCK, "latin": LATIN_LETTERS}

CYRILLIC = re.compile(f"[{CYRILLIC_BLOCK}]")
THAI = re.compile(f"[{THAI_BLOCK}]")
LATIN = re.compile(f"[{LATIN_LETTERS}]")


def _native_letters() -> str:
    """The letters of the scripts the languages with a folder write, but the target language's."""
    declared = {language.script for language in all_languages()} - {get_language(TARGET).script}
    return "".join(letters for script, letters in LETTERS.items() if script in declared)


# Text in a script that translation and the registry's native forms are about: Cyrillic and Thai.
NATIVE = re.compile(f"[{_native_letters()}]")

# Web addresses, e-mail addresses and markup tags left in a text ("<strong>Мінск.</strong>"
# from a social-media export): Latin in any language, and nothing for a model to translate.
# Every part of an e-mail address is bounded (as RFC 5321 bounds it) and none may hold an "@":
# with `\S+@\S+\.\w+` each start in a long token rescanned the rest of it, cubic on
# "a@a@a@..." (16 KB took 20 minutes). Now each start costs at most a few hundred steps.
ADDRESS_OR_MARKUP = re.compile(r"(?:https?://|www\.)\S+|[^\s@]{1,64}@[^\s@]{1,253}\.\w{1,63}|</?[a-z][^<>]{0,200}>", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")


# Unicode puts its format characters in planes 0, 1 and 14 (planes 3 to 13 hold none, 15 and 16
# are private use): looking there alone takes a sixth of the time of looking at every code point,
# a tenth of a second of every start (tests/test_scripts.py checks both give the same characters).
FORMAT_CHARACTER_PLANES = (range(0x00000, 0x20000), range(0xE0000, 0xF0000))


def format_characters(planes: Iterable[range]) -> list[str]:
    return [chr(code) for plane in planes for code in plane if unicodedata.category(chr(code)) == "Cf"]


@cache
def _invisible(astral: bool) -> re.Pattern[str]:
    """Format characters (Unicode category Cf): zero-width space and joiners, soft hyphen, bidi
    controls, byte order mark. They print as nothing, so two spellings that look the same differ.
    Those of the first plane, or (`astral`) those beyond it: a class of first-plane characters
    alone is looked up in a table, several times faster on every text."""
    chars = [char for char in format_characters(FORMAT_CHARACTER_PLANES) if (char > "\uffff") == astral]
    return re.compile("[" + "".join(_ranges(chars)) + "]")


def _ranges(chars: list[str]) -> list[str]:
    """Sorted characters as the parts of a regex class, each run of consecutive ones as a range:
    a class of 163 single characters, some outside the first plane, cost 400 ns a character of
    text; as its 21 ranges it costs a fourteenth of that."""
    runs: list[list[int]] = []
    for code in map(ord, chars):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return [re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else "") for first, last in runs]


def fold_text(text: str) -> str:
    """Text as every stage may take it: lone surrogates (which no file may hold: a JSON escape can
    make one) become U+FFFD, invisible format characters go, and the rest is NFC, so that a
    decomposed "й" or "ó" is the same string as the composed one a registry spelling has."""
    text = _invisible(astral=False).sub("", _SURROGATE.sub("\ufffd", text))
    if text and max(text) > "\uffff":  # a character beyond the first plane
        text = _invisible(astral=True).sub("", text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def single_spaced(text: str) -> str:
    """Every run of white space as one space, none at either end: what `re.sub(r"\\s+", " ",
    text).strip()` gives (str.split's white space is re's `\\s`, tests/test_scripts.py checks
    every code point), at half the cost."""
    return " ".join(text.split())


def has_words(text: str) -> bool:
    """Whether a letter of any script is left once addresses and markup are taken out."""
    return any(char.isalpha() for char in ADDRESS_OR_MARKUP.sub(" ", text))
