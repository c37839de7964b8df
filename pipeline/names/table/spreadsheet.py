"""CSV cells that people open in a spreadsheet: neutralized on the way out, read back unchanged.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: text from a news article must never do that ("CSV injection",
OWASP). Such a cell is written with a single quote in front, which spreadsheets show as text;
reading strips exactly that quote again. A text that already begins with quotes before one of
those characters gets one more, so every text comes back as it was.

Tables are written in UTF-8 with a byte order mark (without it Excel shows Cyrillic and Thai as
mojibake) and read back in whatever a spreadsheet saved: UTF-8, UTF-16 ("Unicode text"), or
the legacy code page of its locale (Windows-1251 in Russian, 1252 in Western, 874 in Thai).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.files import atomic_target

_ESCAPED = re.compile(r"'*[=+\-@\t\r]")
_DELIMITERS = ",;\t"


def escape_cell(text: str) -> str:
    """The cell as written: a quote in front of text a spreadsheet would run as a formula."""
    return "'" + text if _ESCAPED.match(text) else text


def unescape_cell(text: str) -> str:
    """The text of a cell escape_cell wrote (or a person typed): the added quote removed."""
    return text[1:] if text.startswith("'") and _ESCAPED.match(text, 1) else text


def sniff_delimiter(header_line: str) -> str:
    """`,`, `;` or tab, from the header line (spreadsheets in many locales save with `;`)."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def decode_table(data: bytes) -> tuple[str, str]:
    """A saved table's text and its encoding: a byte order mark's, else UTF-8, else the legacy
    code page that reads most like text (charset_normalizer), Windows-1252 when none does."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding  # strict: a damaged file is refused, not guessed at
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # A name table is short and mostly ASCII: a statistical detector guesses wrong on a few
    # Cyrillic words, while odd words show a wrong code page at once ("Ñîâåò" for "Совет").
    readings = [(data.decode(encoding, errors="replace"), encoding) for encoding in LEGACY_ENCODINGS]
    return min(readings, key=lambda reading: _odd_words(reading[0]))


# The code pages spreadsheets save CSV in, in the locales our readers work in (first wins a tie).
LEGACY_ENCODINGS = ("cp1251", "cp1252", "cp874")
_WORD = re.compile(r"[^\W\d_]+")
_SCRIPTS = (
    ("latin", re.compile(r"[A-Za-z\u00c0-\u024f]")),
    ("cyrillic", re.compile(r"[\u0400-\u04ff]")),
    ("thai", re.compile(r"[\u0e00-\u0e7f]")),
)
_ACCENTED = re.compile(r"[\u00c0-\u024f]")
_CYRILLIC_LOWER_UPPER = re.compile(r"[а-яё][А-ЯЁ]")
_NOT_RUSSIAN = re.compile(r"[\u0400-\u04ff]")  # narrowed below to the letters Russian does not use
_RUSSIAN = re.compile(r"[А-яЁё]")
# Signs a name table has no use for, that Thai bytes become in Windows-1251 or 1252.
_ODD_SIGNS = re.compile("[¡¢£¤¥¦§¨©ª¬®¯±²³´µ¶·¸¹º¼½¾¿]")
# A Thai vowel or tone mark with no consonant (or mark) before it, a leading vowel with no
# consonant after it: what Cyrillic bytes read as Windows-874 give.
_THAI_STRAY = re.compile(
    r"(?<![\u0e01-\u0e2e\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]|[\u0e40-\u0e44](?![\u0e01-\u0e2e])"
)


def _odd_words(text: str) -> int:
    """Words no real text has: scripts mixed in one word, more accented letters than plain ones
    (Cyrillic read as Windows-1252), letters of no script we read, a capital after a small
    Cyrillic letter, Cyrillic letters Russian does not use; Thai marks with nothing to sit on;
    signs like `§` and `¶` (Thai read as Windows-1251 or 1252)."""
    odd = len(_ODD_SIGNS.findall(text)) + len(_THAI_STRAY.findall(text))
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        scripts = {name for name, pattern in _SCRIPTS if pattern.search(word)}
        unknown = any(not any(pattern.match(char) for _, pattern in _SCRIPTS) for char in word)
        accented = len(_ACCENTED.findall(word))
        odd += (
            len(scripts) != 1
            or unknown
            or (accented > 1 and 2 * accented > len(word))
            or bool(_CYRILLIC_LOWER_UPPER.search(word))
            or any(_NOT_RUSSIAN.match(char) and not _RUSSIAN.match(char) for char in word)
        )
    return odd


# --- the one reader and the one writer of name tables -----------------------------------------


def read_saved_table(path: Path) -> tuple[list[str], list[dict[str, str]], str]:
    """A saved table's columns, its rows (cells as they were before escape_cell; cells past the
    header's dropped, missing ones empty), and the encoding it was saved in (any above, any
    delimiter)."""
    text, encoding = decode_table(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    rows = [{key: unescape_cell(value or "") for key, value in row.items() if key is not None} for row in reader]
    return list(reader.fieldnames or []), rows, encoding


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A name table's columns and rows (see read_saved_table)."""
    columns, rows, _ = read_saved_table(path)
    return columns, rows


def _csv_line(cells: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def row_line(columns: list[str], row: dict[str, Any]) -> str:
    """One row as write_table writes it: the cells of `columns` in order (missing ones empty),
    text escaped so that no cell starts a formula."""
    return _csv_line(escape_cell(value) if isinstance(value, str) else value for value in (row.get(column, "") for column in columns))


def write_table(path: Path, columns: list[str], rows: Iterable[dict[str, Any]], lines: Iterable[str] | None = None) -> None:
    """Write a name table for spreadsheets, atomically, in UTF-8 with a byte order mark.
    `lines`: the rows already formatted by row_line (a caller that keeps them), instead of `rows`."""
    with atomic_target(path) as temporary, temporary.open("w", newline="", encoding="utf-8-sig") as handle:
        handle.write(_csv_line(columns))
        handle.writelines(lines if lines is not None else (row_line(columns, row) for row in rows))
