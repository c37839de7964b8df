"""The folding every text gets at ingest."""

from __future__ import annotations

import re
import unicodedata

from pipeline.scripts import fold_text, single_spaced


def test_fold_text_drops_every_format_character_and_nothing_else() -> None:
    """The format characters' class is written as ranges: each code point is checked against
    the definition (Unicode category Cf), all planes, once with a letter on either side."""
    kept, dropped = [], []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        (dropped if unicodedata.category(char) == "Cf" else kept).append(char)
    every = "".join(kept)
    assert fold_text("a".join(dropped)) == "a" * (len(dropped) - 1)
    assert fold_text(every) == unicodedata.normalize("NFC", every)
    assert fold_text("Ва\u200bся\u00ad \ud800") == "Вася \ufffd"


def test_single_spaced_is_the_regex_collapse_on_every_code_point() -> None:
    every = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    assert [char for char in every if char.isspace() != bool(re.fullmatch(r"\s", char))] == []
    text = "\x1c a\u3000\u3000b \t\n c\x85" + "".join(every[:0x3100])
    assert single_spaced(text) == re.sub(r"\s+", " ", text).strip()
