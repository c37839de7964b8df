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
