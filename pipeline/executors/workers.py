"""The local executor's worker processes: the document steps run in `local.workers` processes
forked from the run's own, which reads, stages and publishes.

The reader's documents go to the workers in chunks of `translate.batch_documents` (the batch a
Ray stage gets), round the workers, a few chunks ahead; each worker runs every document step over
its chunk with the steps' own `run(documents, rank, world_size)` and sends back the documents and
each step's stats of the chunk. The chunks come back in the order they went out, and the sink
stages them as they come: the same shards, rows and report as one process gives. Chunks rather
than files go round because a file can hold thousands of documents (a JSON Lines dump, an
archive): a few files would keep one worker busy while another waits.

The run's own process loads no model: each worker loads what its steps load on their first
documents (natasha's tagger: ~0.7 s and ~90 MB a worker), so that no process's memory holds the
models and the corpus's staging at once (the peak of one process is what a machine must have).
A corpus of one chunk starts no worker. A forked worker has the steps as the run built them
(nothing is pickled); a step that holds a model (`wants_actor`: translation) is built again in
each worker, as a Ray actor builds it, since a model's threads do not survive a fork. Where
processes cannot be forked (Windows), the steps run in the run's own process.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

from pipeline.chain import build_step, stamp
from pipeline.config import RunConfig
from pipeline.executors.batches import StatsEntry
from pipeline.executors.memory import release_document_memory
from pipeline.schema import Document
from pipeline.step import Reader, Sink, Step

# Chunks sent to each worker ahead of the one the sink waits for: enough that none waits for work.
CHUNKS_AHEAD = 2

T = TypeVar("T")

# What a run shows of a stream of documents passing a step (a bar, log lines, or nothing).
Progress = Callable[[Iterable[Document], Step], Iterable[Document]]


class Timer:
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


# What one worker may come to hold (measured: ~260 MB at 100,000 documents), with room to spare:
# "auto" starts no more workers than the memory available keeps in RAM.
WORKER_BYTES = 400 * 1024 * 1024


def memory_available() -> int | None:
    """Bytes the kernel says new processes can take without swapping (Linux), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def worker_count(config: RunConfig, steps: list[Step]) -> int:
    """The processes to run the document steps in: the config's number, or for "auto" one per
    CPU this process may use (no more than the memory available holds), or one where a step
    holds a model (it already uses every core)."""
    workers = config.local.workers
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if workers != "auto":
        return workers
    if any(step.wants_actor for step in steps):
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = memory_available()
    return cpus if memory is None else max(1, min(cpus, memory // WORKER_BYTES))


# In a worker: its document steps, its rank and the number of workers.
_steps: list[Step] = []
_rank = 0
_world_size = 1


def _die_with_parent() -> None:
    """Linux: the kernel kills the worker when the run's process dies (a SIGKILL leaves no one to
    stop it), so that no worker keeps working, or holding the output's lock, after the run."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _start_worker(steps: list[Step], config: RunConfig, ranks: Any, world_size: int) -> None:
    global _steps, _rank, _world_size
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the run's process to report
    _die_with_parent()
    with ranks.get_lock():
        _rank, ranks.value = ranks.value, ranks.value + 1
    _world_size = world_size
    _steps = [build_step(config, step.name) if step.wants_actor else step for step in steps]


def run_steps(steps: list[Step], documents: list[Document], rank: int, world_size: int) -> tuple[list[Document], list[StatsEntry]]:
    """Every document step over a chunk, one after the other; the stats and seconds of each."""
    entries: list[StatsEntry] = []
    for step in steps:
        step.stats = step.new_stats()
        started = time.perf_counter()
        documents = list(step.run(documents, rank, world_size))
        entries.append((step.name, time.perf_counter() - started, step.stats))
    return documents, entries


def _run_chunk(documents: list[Document]) -> tuple[list[Document], list[StatsEntry]]:
    return run_steps(_steps, documents, _rank, _world_size)


def document_chunks(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    for document in documents:
        chunk.append(document)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_in_workers(
    reader: Reader,
    steps: list[Step],
    sink: Sink,
    config: RunConfig,
    workers: int,
    progress: Progress = lambda stream, step: stream,
) -> dict[str, float]:
    """Read here, run the document steps in `workers` processes, stage here (`progress` sees the
    documents read and those on their way to the sink); the seconds of each step (the workers' added up: they
    overlap in time)."""
    seconds: defaultdict[str, float] = defaultdict(float)
    by_name = {step.name: step for step in steps}
    context = multiprocessing.get_context("fork")
    ranks = context.Value("i", 0)

    def merge(documents: list[Document], entries: list[StatsEntry]) -> list[Document]:
        for name, spent, stats in entries:
            seconds[name] += spent
            by_name[name].stats.merge(stats)
        return documents

    def in_order() -> Generator[Document, None, None]:
        read = progress(stamp(reader.run(), config.content_hash()), reader)
        chunks = document_chunks(reading.wrap(read), config.translate.batch_documents)
        first = list(itertools.islice(chunks, workers))  # no more processes than chunks
        if not first:
            return
        if len(first) == 1:  # one chunk: not worth a worker process
            kept = [step.stats for step in steps]
            done = run_steps(steps, first[0], 0, 1)
            for step, stats in zip(steps, kept):
                step.stats = stats
            yield from merge(*done)
            return
        processes = len(first)
        release_document_memory()  # the reader's pre-pass (furniture lines) is garbage: not forked into every worker
        pending: deque[AsyncResult[tuple[list[Document], list[StatsEntry]]]] = deque()
        with context.Pool(processes, initializer=_start_worker, initargs=(steps, config, ranks, processes)) as pool:
            for chunk in itertools.chain(first, chunks):
                pending.append(pool.apply_async(_run_chunk, (chunk,)))
                if len(pending) > processes * CHUNKS_AHEAD:
                    yield from merge(*pending.popleft().get())
            while pending:
                yield from merge(*pending.popleft().get())

    reading, waiting = Timer(), Timer()
    started = time.perf_counter()
    stream = in_order()
    try:
        for _ in sink.run(progress(waiting.wrap(stream), sink)):
            pass
    finally:
        stream.close()  # whatever stopped the sink (Ctrl-C) stops the workers now
    seconds[reader.name] = reading.seconds
    seconds[sink.name] = max(0.0, time.perf_counter() - started - waiting.seconds)
    return {step.name: round(seconds[step.name], 3) for step in [reader, *steps, sink]}
