"""What every stage is: a named step with one `run` over an iterator of documents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from pipeline.schema import Document


class Stage:
    """A step of the chain. It counts what it did and lists what it had to skip, with why."""

    name = "stage"

    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.skipped: list[dict[str, str]] = []

    def skip(self, source: str, reason: str) -> None:
        self.skipped.append({"source": source, "reason": reason, "stage": self.name})

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        raise NotImplementedError
