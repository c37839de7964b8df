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


def run_stages(stages: list[Stage], config: RunConfig) -> dict[str, float]:
    """Stream documents through the stages; return the exclusive seconds of each stage."""
    timers = [_Timer() for _ in stages]
    stream: Iterable[Document] = ()
    for position, (stage, timer) in enumerate(zip(stages, timers)):
        stream = stage.run(stream)
        if stage.name == "ingest":
            stream = stamp(stream, config.content_hash())
        stream = timer.wrap(stream)
        stream = tqdm(
            stream,
            desc=f"{stage.name:<9}",
            unit="doc",
            position=position,
            leave=False,
            disable=config.quiet,
            file=sys.stderr,
            dynamic_ncols=True,
        )
    for _ in stream:
        pass
    inclusive = [timer.seconds for timer in timers]
    return {stage.name: round(inclusive[i] - (inclusive[i - 1] if i else 0.0), 3) for i, stage in enumerate(stages)}
