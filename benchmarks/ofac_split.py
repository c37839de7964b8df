"""The OFAC held-out slice: person groups that no rule, list or test of ours names.

Chosen by a hash of the group id (sha256 with a salt of its own, a quarter of the groups), picked
before anyone looked at its names; then any group whose surname is written anywhere in our code,
word lists, configs or test fixtures is put back with the tuned ones, so that nothing was tuned on
a held-out name. Only counts are printed, never the names of the slice.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SALT = "issue-20 held-out slice"
# Where a rule, list or test could name a person: code, hand-written word lists, configs, fixtures.
SOURCES = [
    "pipeline/**/*.py",
    "pipeline/lang/*/given_name_spellings.txt",
    "tests/**/*.py",
    "tests/fixtures/*.json",
    "benchmarks/*.py",
    "configs/*.yaml",
]


def hashed_out(group_id: str) -> bool:
    return int(hashlib.sha256(f"{SALT}:{group_id}".encode()).hexdigest(), 16) % 4 == 0


@cache
def code_words() -> frozenset[str]:
    words: set[str] = set()
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            words.update(re.findall(r"[^\W\d_]{4,}", path.read_text(encoding="utf-8").casefold()))
    return frozenset(words)


def surname_words(name: str) -> list[str]:
    surname = name.partition(",")[0] if "," in name else name.rsplit(" ", 1)[-1]
    return re.findall(r"[^\W\d_]{4,}", surname.casefold())


def held_out_groups(names_by_group: dict[str, list[str]]) -> tuple[set[str], int]:
    """(the held-out group ids, how many hashed-out groups were put back because our code names them)."""
    hashed = {group for group in names_by_group if hashed_out(group)}
    named = {group for group in hashed if any(word in code_words() for name in names_by_group[group] for word in surname_words(name))}
    return hashed - named, len(named)
