"""CSV cells that people open in a spreadsheet: neutralized on the way out, read back unchanged.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: text from a news article must never do that ("CSV injection",
OWASP). Such a cell is written with a single quote in front, which spreadsheets show as text;
reading strips exactly that quote again. A text that already begins with quotes before one of
those characters gets one more, so every text comes back as it was.
"""

from __future__ import annotations

import csv
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


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A name table's columns and rows, cells as they were before escape_cell (any delimiter)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        delimiter = sniff_delimiter(handle.readline())
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=delimiter)
        rows = [{key: unescape_cell(value or "") for key, value in row.items() if key is not None} for row in reader]
        return list(reader.fieldnames or []), rows


def write_table(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write a name table for spreadsheets, atomically: no cell may start a formula."""
    with atomic_target(path) as temporary, temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({key: escape_cell(value) if isinstance(value, str) else value for key, value in row.items()} for row in rows)
