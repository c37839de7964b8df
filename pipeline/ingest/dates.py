"""Publication dates written by people: "July 12, 2022", "20 ноября 2023, 14:30", "12.07.2022",
"9 ธันวาคม 2566" (Thai dates count Buddhist-era years), ISO timestamps. Read by dateparser."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import TYPE_CHECKING

from pipeline import scripts

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

_MONTH = r"[A-Za-zА-Яа-яЁё\u0e00-\u0e7f][A-Za-zА-Яа-яЁё\u0e00-\u0e7f.]{1,11}"
_TIME = r"(?:,?\s*(?:в\s+|at\s+)?\d{1,2}:\d{2}(?::\d{2})?)?"
_CANDIDATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    rf"|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}\b{_TIME}"
    rf"|\b\d{{1,2}}\s+{_MONTH}\s+(?:พ\.ศ\.\s*)?\d{{4}}\b(?:\s*г(?:ода|\.))?{_TIME}"
    rf"|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b{_TIME}"
)
_YEAR = re.compile(r"\b(\d{4})\b")
_BUDDHIST_ERA_OFFSET = 543
# Dates outside these years are not the publication date of a news article we read.
_FIRST_YEAR, _LAST_YEAR = 1990, 2100


_CYRILLIC = re.compile(f"[{scripts.CYRILLIC_BLOCK}]")
_THAI = re.compile(f"[{scripts.THAI_BLOCK}]")


@cache
def _parser(language: str) -> DateDataParser:
    from dateparser.date import DateDataParser  # here: a run whose dates are all ISO does not import it

    return DateDataParser(
        languages=[language],
        settings={"STRICT_PARSING": True, "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False},
    )


def _language(text: str) -> str:
    """The script of the month name says the language: one locale to try is several times faster."""
    return "ru" if _CYRILLIC.search(text) else "th" if _THAI.search(text) else "en"


def _common_era(text: str) -> str:
    """Thai dates usually count Buddhist-era years: 2566 BE is 2023 CE."""
    return _YEAR.sub(lambda m: str(int(m.group(1)) - _BUDDHIST_ERA_OFFSET) if int(m.group(1)) > 2400 else m.group(1), text)


# No written date is longer ("Wednesday, 20 November 2023, 14:30 GMT+03:00" is 44): dateparser's
# time grows with the string, and a 200 KB `published` value took a minute.
MAX_DATE_CHARS = 100


def parse_date(text: str) -> dt.date | None:
    """The calendar date a string names (time and zone dropped), or None if it names none surely."""
    if len(text) > MAX_DATE_CHARS and len(text.strip()) > MAX_DATE_CHARS:
        return None
    cleaned = _common_era(text.replace("พ.ศ.", " ")).strip()
    if iso := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", cleaned):
        try:
            parsed = dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    else:
        found = _parser(_language(cleaned)).get_date_data(cleaned).date_obj
        if found is None:
            return None
        parsed = found.date()
    return parsed if _FIRST_YEAR <= parsed.year <= _LAST_YEAR else None


def find_date(line: str) -> tuple[dt.date, str] | None:
    """A date written in the line and what is left of the line around it."""
    for match in _CANDIDATE.finditer(line):
        if (date := parse_date(match.group(0))) is not None:
            return date, (line[: match.start()] + " " + line[match.end() :]).strip()
    return None
