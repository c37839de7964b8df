"""The local executor: documents stream through the steps, the document steps in this process or
in `local.workers` processes (executors/workers.py), then the corpus steps run on what was staged."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator

from tqdm import tqdm

from pipeline.chain import Chain, stamp
from pipeline.config import RunConfig
from pipeline.executors.barrier import Executed, run_corpus_steps
from pipeline.executors.memory import release_document_memory
from pipeline.executors.resume import resume
from pipeline.executors.workers import Progress, Timer, run_in_workers, worker_count
from pipeline.schema import Document
from pipeline.step import Step


def progress_bars_wanted(quiet: bool) -> bool:
    """Bars only on a terminal: in a redirected log their cursor moves and redraws are garbage."""
    return not quiet and sys.stderr.isatty()


def _bar(stream: Iterable[Document], stage: Step, position: int) -> Iterator[Document]:
    return iter(tqdm(stream, desc=f"{stage.name:<9}", unit="doc", position=position, leave=False, file=sys.stderr, dynamic_ncols=True))


# A redirected log of a long run gets a line this often (documents stream through every stage at
# once, so the stages' "done" lines all come at the very end).
PROGRESS_SECONDS = 30.0


class _PlainLines:
    """Progress for a log: every PROGRESS_SECONDS a line with each stage's count and the rate of
    documents through the chain, and one line when a stage has let its last document through."""

    def __init__(self, stages: list[Step], started: float) -> None:
        self.started = self.last_line = started
        self.counts = {stage.name: 0 for stage in stages}

    def count(self, stream: Iterable[Document], stage: Step) -> Iterator[Document]:
        for document in stream:
            self.counts[stage.name] += 1
            now = time.perf_counter()
            if now - self.last_line >= PROGRESS_SECONDS:
                self.last_line = now
                self._periodic(now)
            yield document
        elapsed = time.perf_counter() - self.started
        print(f"progress: {stage.name} done, {self.counts[stage.name]} documents, at {elapsed:.1f}s", file=sys.stderr, flush=True)

    def _periodic(self, now: float) -> None:
        elapsed = now - self.started
        counts = ", ".join(f"{name} {count}" for name, count in self.counts.items())
        through = list(self.counts.values())[-1]
        print(f"progress: at {elapsed:.1f}s: {counts} documents; {through / elapsed:.2f} documents/s through", file=sys.stderr, flush=True)


def run_local(chain: Chain, config: RunConfig) -> Executed:
    """Resume, stream every document through the chain's steps (the document steps in worker
    processes where `local.workers` asks for more than one), then run its corpus steps."""
    completions = resume(chain.reader, chain.sink, config.content_hash())
    workers = worker_count(config, chain.document_steps)
    if workers > 1:
        seconds = run_in_workers(
            chain.reader, chain.document_steps, chain.sink, config, workers, _progress([chain.reader, chain.sink], config)
        )
    else:
        seconds = stream_steps([step for step in chain.steps if step.kind != "corpus"], config)
    release_document_memory()
    seconds |= run_corpus_steps(chain)
    release_document_memory()  # what the corpus steps read back: publish draws its charts after them
    return Executed(seconds, completions)


def _progress(stages: list[Step], config: RunConfig) -> Progress:
    """With worker processes, progress is that of the documents read and of those reaching the
    sink (the steps between run elsewhere)."""
    if progress_bars_wanted(config.quiet):
        positions = {stage.name: position for position, stage in enumerate(stages)}
        return lambda stream, stage: _bar(stream, stage, positions[stage.name])
    if not config.quiet:
        return _PlainLines(stages, time.perf_counter()).count
    return lambda stream, stage: stream


def stream_steps(stages: list[Step], config: RunConfig) -> dict[str, float]:
    """Stream documents through the steps, the first one's stamped; the exclusive seconds of each.

    Progress: bars on a terminal; otherwise plain lines, one per stage when it is done and one
    every PROGRESS_SECONDS with counts and rate; nothing when quiet.
    """
    bars = progress_bars_wanted(config.quiet)
    started = time.perf_counter()
    lines = _PlainLines(stages, started)
    timers = [Timer() for _ in stages]
    stream: Iterable[Document] = ()
    for position, (stage, timer) in enumerate(zip(stages, timers)):
        stream = stage.run(stream)
        if position == 0:  # what the reader made
            stream = stamp(stream, config.content_hash())
        stream = timer.wrap(stream)
        if bars:
            stream = _bar(stream, stage, position)
        elif not config.quiet:
            stream = lines.count(stream, stage)
    for _ in stream:
        pass
    inclusive = [timer.seconds for timer in timers]
    return {stage.name: round(inclusive[i] - (inclusive[i - 1] if i else 0.0), 3) for i, stage in enumerate(stages)}
