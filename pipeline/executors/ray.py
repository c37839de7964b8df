"""The Ray executor: the same steps, run as Ray tasks on a cluster or a local Ray.

A task a file: each reads its file with the chain's reader (shipped from the driver, its listing
done) and runs the document steps over each chunk of `translate.batch_documents` of its
documents, up to a step that wants an actor (it loads a model: translation), yielding each chunk
as it is done (a Ray generator: an archive's pages never all sit in memory). A step that wants
an actor runs in a pool of actors (each loads the model once, with GPUs when
`ray.gpus_per_actor` says so), the steps after it as tasks again; a chunk goes from one stage to
the next by reference, never through the driver. Each worker process builds the steps it runs
once, by name. The last stage of a chunk makes its documents ready to stage (`Sink.prepare`: the
sink's rows), so the driver, which stages the chunks in the local executor's order and then runs
the corpus steps, mostly writes: both executors give identical datasets. Between stages
documents are Arrow tables of the full record (executors/batches.py); each chunk carries the
stats of the steps that ran on it.

Plain tasks rather than Ray Data: on a small machine Ray Data's import (pandas, in the driver
and in every worker) and its streaming executor, which runs in the driver, cost more than it
gave. Install with `pip install -e ".[ray]"`.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline.chain import Chain, build_step, stamp
from pipeline.config import RunConfig
from pipeline.executors.barrier import Executed, run_corpus_steps
from pipeline.executors.batches import StatsEntry, from_table, to_table
from pipeline.executors.local import progress_bars_wanted
from pipeline.executors.resume import Completions, resume
from pipeline.executors.workers import Timer, document_chunks, run_steps
from pipeline.schema import Document
from pipeline.step import Reader, Sink, Step

# A step as a Ray worker builds it: its name, and the module that registers it.
StepName = tuple[str, str]
# A chunk between stages: its documents (an Arrow table; after the last stage, what the sink's
# `prepare` made of them) and the stats of every step that ran on them.
Chunk = tuple[Any, list[StatsEntry]]

# Files read at once, per CPU: a long file does not keep the others waiting.
FILES_PER_CPU = 2
# Chunks on their way through the stages before the driver waits for the oldest.
CHUNKS_IN_FLIGHT = 64


def _built(config_json: str, name: str, module: str) -> Step:
    """The step as the driver's chain has it; its module imported first, so that a step
    registered outside the package is known here too."""
    importlib.import_module(module)
    return build_step(RunConfig.model_validate_json(config_json), name)


# Steps run in tasks are built once per worker process and kept here.
_TASK_STEPS: dict[tuple[str, str], Step] = {}


def _task_steps(config_json: str, names: list[StepName]) -> list[Step]:
    for name, module in names:
        if (config_json, name) not in _TASK_STEPS:
            _TASK_STEPS[config_json, name] = _built(config_json, name, module)
    return [_TASK_STEPS[config_json, name] for name, _ in names]


def _done(documents: list[Document], entries: list[StatsEntry], config_json: str, sink: StepName | None) -> Chunk:
    """A chunk for the next stage, or (`sink` given: this was the last) for the sink."""
    if sink is None:
        return to_table(documents), entries
    built = _task_steps(config_json, [sink])[0]
    assert isinstance(built, Sink)
    return built.prepare(documents), entries


def read_file(
    path: str, reader: Reader, config_hash: str, rows: int, config_json: str, steps: list[StepName], sink: StepName | None
) -> Iterator[Chunk]:
    """A file's documents in chunks of `rows`, each through `steps` (the document steps up to the
    first that wants an actor); the last chunk also carries the reader's stats of the file (what
    it skipped, left out, counted), and comes, empty, even from a file that gave no document."""
    built = _task_steps(config_json, steps)
    reader.stats = reader.new_stats()
    reading = Timer()
    done: Chunk | None = None
    for chunk in document_chunks(reading.wrap(stamp(reader.read_file(Path(path)), config_hash)), rows):
        if done is not None:
            yield done
        done = _done(*run_steps(built, chunk, 0, 1), config_json, sink)
    documents, entries = done or _done([], [], config_json, sink)
    yield documents, entries + [(reader.name, reading.seconds, reader.stats)]


def _apply(steps: list[Step], chunk: Chunk, config_json: str, sink: StepName | None) -> Chunk:
    table, entries = chunk
    documents, more = run_steps(steps, from_table(table), 0, 1)
    return _done(documents, entries + more, config_json, sink)


def run_chunk(chunk: Chunk, config_json: str, steps: list[StepName], sink: StepName | None) -> Chunk:
    """A task: steps that need no actor (those after an actor's) over a chunk."""
    return _apply(_task_steps(config_json, steps), chunk, config_json, sink)


class StepActor:
    """An actor: builds its step (loads its model) once, then runs it over chunks."""

    def __init__(self, config_json: str, name: str, module: str) -> None:
        self.step = _built(config_json, name, module)

    def run(self, chunk: Chunk, config_json: str, sink: StepName | None) -> Chunk:
        return _apply([self.step], chunk, config_json, sink)


# A Ray this module started, shutting down (see `run_on_ray`).
_stopping: list[threading.Thread] = []


def _start_ray(config: RunConfig) -> bool:
    """Start a local Ray, or join the cluster at `ray.address`; False if Ray was up already."""
    import ray

    while _stopping:  # a run before this one, in this process: its Ray is gone first
        _stopping.pop().join()
    if config.quiet:
        logging.getLogger("ray").setLevel(logging.ERROR)
    if ray.is_initialized():
        return False
    ray.init(
        address=config.ray.address,
        num_cpus=config.ray.num_cpus if not config.ray.address else None,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR if config.quiet else logging.INFO,
    )
    return True


def _segments(steps: list[Step]) -> list[list[Step]]:
    """The document steps in runs: each step that wants an actor alone, the others together."""
    segments: list[list[Step]] = []
    for step in steps:
        if step.wants_actor or not segments or segments[-1][0].wants_actor:
            segments.append([step])
        else:
            segments[-1].append(step)
    return segments


def _names(steps: list[Step]) -> list[StepName]:
    return [(step.name, type(step).__module__) for step in steps]


def _chunks(chain: Chain, config: RunConfig, files: list[Path]) -> Iterator[Chunk]:
    """Every chunk of the documents of `files` after every document step, in the order of the
    files and of the documents in each (the order the local executor stages them in)."""
    import ray

    config_json = config.model_dump_json()
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    segments = _segments(chain.document_steps)
    first = segments.pop(0) if segments and not segments[0][0].wants_actor else []
    sink = _names([chain.sink])[0]
    # Actors hold their CPU while they live: on a one-CPU Ray they must not, or no task could run.
    actor = ray.remote(StepActor).options(num_cpus=1.0 if cpus > 1 else 0.0, num_gpus=config.ray.gpus_per_actor or None)
    pools: list[list[Any]] = [
        [actor.remote(config_json, segment[0].name, type(segment[0]).__module__) for _ in range(config.ray.translation_actors)]
        if segment[0].wants_actor
        else []
        for segment in segments
    ]
    run = ray.remote(run_chunk)

    def through_the_rest(chunk: Any, number: int) -> Any:
        for position, (segment, pool) in enumerate(zip(segments, pools)):
            last = sink if position == len(segments) - 1 else None
            if pool:
                chunk = pool[number % len(pool)].run.remote(chunk, config_json, last)
            else:
                chunk = run.remote(chunk, config_json, _names(segment), last)
        return chunk

    reader = ray.put(chain.reader)
    read = ray.remote(read_file)
    waiting = iter(files)
    reading: deque[Any] = deque()

    def read_next() -> None:
        for path in waiting:
            reading.append(
                read.remote(
                    str(path),
                    reader,
                    config.content_hash(),
                    config.translate.batch_documents,
                    config_json,
                    _names(first),
                    None if segments else sink,
                )
            )
            return

    for _ in range(cpus * FILES_PER_CPU):
        read_next()
    in_flight: deque[Any] = deque()
    number = 0
    while reading:
        for chunk in reading.popleft():
            in_flight.append(through_the_rest(chunk, number))
            number += 1
            while in_flight and (len(in_flight) > CHUNKS_IN_FLIGHT or ray.wait([in_flight[0]], timeout=0)[0]):
                yield ray.get(in_flight.popleft())
        read_next()
    while in_flight:
        yield ray.get(in_flight.popleft())


def _input(chain: Chain, config: RunConfig) -> tuple[Completions, list[Path]]:
    """Resume, and the files left to read (the reader's work over all of them done first)."""
    completions = resume(chain.reader, chain.sink, config.content_hash())
    if not completions.taken_over:
        chain.reader.take_over(set())  # the Ray report has always counted the files taken over, none too
    chain.reader.prepare()
    return completions, chain.reader.files_to_read()


def run_on_ray(chain: Chain, config: RunConfig) -> Executed:
    """Resume and list the input while Ray starts (in another thread: Ray starts in the main
    one, where it can see to signals); read and run the document steps on Ray; stage with the
    sink and run the corpus steps in the driver. A Ray started here is shut down as soon as the
    last document is staged, in a thread of its own, while the corpus steps and publishing run:
    the interpreter waits for that thread before it exits (its own shutdown of Ray would come
    after, and wait half a second more)."""
    import ray

    with ThreadPoolExecutor(1, thread_name_prefix="input") as listing:
        listed = listing.submit(_input, chain, config)
        started = _start_ray(config)
        completions, files = listed.result()
    sink = chain.sink
    streamed = [step for step in chain.steps if step.kind != "corpus"]
    seconds: defaultdict[str, float] = defaultdict(float)
    by_name = {step.name: step for step in streamed}

    def prepared() -> Iterator[Any]:
        for batch, entries in _chunks(chain, config, files) if files else ():
            for name, spent, stats in entries:
                seconds[name] += spent
                by_name[name].stats.merge(stats)
            yield batch

    began = time.perf_counter()
    try:
        with tqdm(desc=f"{sink.name:<9}", unit="doc", file=sys.stderr, disable=not progress_bars_wanted(config.quiet)) as bar:
            for staged in sink.run_prepared(prepared()):
                bar.update(staged)
    finally:
        if started:
            _stopping.append(threading.Thread(target=ray.shutdown, name="ray.shutdown"))
            _stopping[-1].start()
    wall = time.perf_counter() - began
    # Workers' seconds overlap in time; the sink gets what the driver spent beyond them.
    seconds[sink.name] = max(0.0, wall - sum(seconds.values()))
    timed = {step.name: round(seconds[step.name], 3) for step in streamed}
    return Executed(timed | run_corpus_steps(chain), completions)
