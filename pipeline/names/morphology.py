"""Russian morphology: one pymorphy3 analyser for the process, shared by every names module.

Built on first use: it loads its dictionaries (a second, tens of megabytes), which a run
without Russian text never needs.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def russian_morphology() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()
