"""The local executor: documents stream through the stages in one process."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

from pipeline.chain import stamp
from pipeline.config import RunConfig
from pipeline.schema import Document, Stage

T = TypeVar("T")


class _Timer:
    """Seconds spent producing items, upstream work included."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        iterator = iter(items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds += time.perf_counter() - start
                return
            self.seconds += time.perf_counter() - start
            yield item


def progress_bars_wanted(quiet: bool) -> bool:
    """Bars only on a terminal: in a redirected log their cursor moves and redraws are garbage."""
    return not quiet and sys.stderr.isatty()


def _bar(stream: Iterable[Document], stage: Stage, position: int) -> Iterator[Document]:
    return iter(tqdm(stream, desc=f"{stage.name:<9}", unit="doc", position=position, leave=False, file=sys.stderr, dynamic_ncols=True))


def _plain_line(stream: Iterable[Document], stage: Stage, started: float) -> Iterator[Document]:
    """One plain line when the stage has let its last document through: what a log can hold."""
    count = 0
    for document in stream:
        count += 1
        yield document
    elapsed = time.perf_counter() - started
    print(f"progress: {stage.name} done, {count} documents, at {elapsed:.1f}s", file=sys.stderr, flush=True)


def run_stages(stages: list[Stage], config: RunConfig) -> dict[str, float]:
    """Stream documents through the stages; return the exclusive seconds of each stage.

    Progress: bars on a terminal, one plain line per stage otherwise, nothing when quiet.
    """
    bars = progress_bars_wanted(config.quiet)
    started = time.perf_counter()
    timers = [_Timer() for _ in stages]
    stream: Iterable[Document] = ()
    for position, (stage, timer) in enumerate(zip(stages, timers)):
        stream = stage.run(stream)
        if stage.name == "ingest":
            stream = stamp(stream, config.content_hash())
        stream = timer.wrap(stream)
        if bars:
            stream = _bar(stream, stage, position)
        elif not config.quiet:
            stream = _plain_line(stream, stage, started)
    for _ in stream:
        pass
    inclusive = [timer.seconds for timer in timers]
    return {stage.name: round(inclusive[i] - (inclusive[i - 1] if i else 0.0), 3) for i, stage in enumerate(stages)}
