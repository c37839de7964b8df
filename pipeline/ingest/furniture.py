"""Site furniture in text dumps: navigation, share buttons, banners, comment forms, donation appeals.

Two signals. A line a site repeats on every page (menus, banners, footers) is found by counting
lines across the documents of one outlet: what repeats in many of them is not article text. A
short list of phrases catches furniture in an outlet we have only one article of.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from pipeline.lang import languages_with
from pipeline.scripts import single_spaced

# Lines longer than this are paragraphs, never furniture, and are not counted.
MAX_FURNITURE_CHARS = 160
# A line repeated in at least this share of an outlet's documents (and in min_documents) is furniture.
REPEATED_SHARE = 0.3

_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•·>|]+)\s*")
# A short list of phrases per language (pipeline/lang/<code>/furniture.txt): navigation, share
# buttons, banners, appeals, comment forms and footers.
_PHRASES = [phrase for language in languages_with("furniture.txt") for phrase in language.lines("furniture.txt")]
_PHRASE = re.compile("|".join(f"(?:{p})" for p in _PHRASES), re.IGNORECASE)


def line_key(line: str) -> str:
    """What two copies of a furniture line share: no list marker, case or spacing differences."""
    return single_spaced(_LIST_MARKER.sub("", line)).casefold()


def is_furniture_phrase(line: str) -> bool:
    if len(line) > 3 * MAX_FURNITURE_CHARS:  # a paragraph: not worth the regular expressions
        return False
    key = line_key(line)
    return bool(key) and len(key) <= 2 * MAX_FURNITURE_CHARS and _PHRASE.fullmatch(key) is not None


def countable_keys(lines: Iterable[str]) -> set[str]:
    """The distinct short lines of one document, as keys for the repeated-line count."""
    return {key for line in lines if len(line) <= 2 * MAX_FURNITURE_CHARS and (key := line_key(line)) and len(key) <= MAX_FURNITURE_CHARS}


class RepeatedLines:
    """Counts short lines across the documents of each group (an outlet); lines that repeat are furniture."""

    def __init__(self, min_documents: int) -> None:
        self.min_documents = min_documents
        self.documents: Counter[str] = Counter()
        self.lines: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._found: dict[str, frozenset[str]] = {}

    def add(self, group: str, keys: set[str]) -> None:
        self.documents[group] += 1
        self.lines[group].update(keys)
        self._found.pop(group, None)

    def furniture(self, group: str) -> frozenset[str]:
        """Lines in at least min_documents documents of the group and in REPEATED_SHARE of them."""
        if group not in self._found:
            needed = max(self.min_documents, REPEATED_SHARE * self.documents[group])
            self._found[group] = frozenset(key for key, count in self.lines[group].items() if count >= needed)
        return self._found[group]
