"""The Ray executor: the same steps, run with Ray Data on a cluster or a local Ray.

Ray Data spreads the input files over workers, a task a file: each reads its file with the
chain's reader (shipped from the driver, its listing done) and runs the document steps over
each chunk of its documents in the same task (each worker process builds the steps once, by
name), up to a step that wants an actor (it loads a model: translation), which runs as a pool of
actors (each loads the model once, with GPUs when `ray.gpus_per_actor` says so); the steps after
it run as tasks again. The driver stages the documents with the sink in the same order as the
local executor, then runs the corpus steps, so both give identical datasets. Documents travel
between stages as Arrow tables of the full record (executors/batches.py); each batch's stats
ride back with its rows. Install with `pip install -e ".[ray]"`.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.chain import Chain, build_step, stamp
from pipeline.config import RunConfig
from pipeline.executors.barrier import Executed, run_corpus_steps
from pipeline.executors.batches import from_table, pack, to_table, unpack
from pipeline.executors.local import progress_bars_wanted
from pipeline.executors.resume import resume
from pipeline.executors.workers import Timer, document_chunks, run_steps
from pipeline.schema import Document
from pipeline.step import Reader, Step

# A document step as a Ray worker builds it: its name, and the module that registers it.
StepName = tuple[str, str]


def read_and_run(
    batch: pa.Table, reader: Reader, config_hash: str, rows: int, config_json: str, steps: list[StepName]
) -> Iterator[pa.Table]:
    """Ray Data map_batches: input files to tables of their documents, each chunk of `rows`
    documents already through `steps` (the document steps up to the first that wants an actor),
    a file's last table with a row of the reader's stats of the file (what it skipped, left out,
    counted). Reading and the steps in one task: Ray Data hands nothing between them, and a
    document is turned into an Arrow row once.

    A generator: Ray takes the tables as they come, so an archive's pages never all sit in memory.
    """
    built = [_task_step(config_json, name, module) for name, module in steps]
    for path in batch.column("path").to_pylist():
        reader.stats = reader.new_stats()
        reading = Timer()
        done: pa.Table | None = None
        for chunk in document_chunks(reading.wrap(stamp(reader.read_file(Path(path)), config_hash)), rows):
            if done is not None:
                yield done
            documents, entries = run_steps(built, chunk, 0, 1)
            done = to_table(documents, [pack(entries)] + [b""] * (len(documents) - 1))
        last = to_table([None], [pack([(reader.name, reading.seconds, reader.stats)])])
        yield last if done is None else pa.concat_tables([done, last])


def _built(config_json: str, name: str, module: str) -> Step:
    """The step as the driver's chain has it; its module imported first, so that a step
    registered outside the package is known here too."""
    importlib.import_module(module)
    return build_step(RunConfig.model_validate_json(config_json), name)


def _apply(steps: list[Step], batch: pa.Table) -> pa.Table:
    """Run steps over a batch; their stats and seconds ride along on the batch's first row."""
    documents, stats = from_table(batch)
    positions = [i for i, document in enumerate(documents) if document is not None]
    outputs, entries = run_steps(steps, [document for document in documents if document is not None], 0, 1)
    for position, document in zip(positions, outputs, strict=True):
        documents[position] = document
    if stats:
        stats[0] = pack(unpack(stats[0]) + entries)
    return to_table(documents, stats)


# Steps run as Ray tasks are built once per worker process and kept here.
_TASK_STEPS: dict[tuple[str, str], Step] = {}


def _task_step(config_json: str, name: str, module: str) -> Step:
    key = (config_json, name)
    if key not in _TASK_STEPS:
        _TASK_STEPS[key] = _built(config_json, name, module)
    return _TASK_STEPS[key]


def run_steps_task(batch: pa.Table, config_json: str, steps: list[StepName]) -> pa.Table:
    """Ray Data map_batches task for steps that need no actor (those after an actor's)."""
    return _apply([_task_step(config_json, name, module) for name, module in steps], batch)


class StepActor:
    """Ray Data map_batches actor: builds its step (loads its model) once, then runs batches."""

    def __init__(self, config_json: str, name: str, module: str) -> None:
        self.step = _built(config_json, name, module)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return _apply([self.step], batch)


def _start_ray(config: RunConfig) -> None:
    import ray

    if config.quiet:
        logging.getLogger("ray").setLevel(logging.ERROR)
    if not ray.is_initialized():
        ray.init(
            address=config.ray.address,
            num_cpus=config.ray.num_cpus if not config.ray.address else None,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR if config.quiet else logging.INFO,
        )
    if config.quiet:
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # the same shards as the local executor
    context.enable_progress_bars = progress_bars_wanted(config.quiet)


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


def _documents_dataset(chain: Chain, config: RunConfig, files: list[Path]) -> Any:
    """The Ray dataset of the documents of `files` after every document step."""
    import ray

    config_json = config.model_dump_json()
    workers = max(1, int(ray.available_resources().get("CPU", 1)))
    items = [{"path": str(path)} for path in files]
    # A task a file, up to a few per CPU, so that one long file does not keep the others waiting.
    dataset: ray.data.Dataset = ray.data.from_items(items, override_num_blocks=min(len(files), workers * 16))
    batch = config.translate.batch_documents
    segments = _segments(chain.document_steps)
    first = segments.pop(0) if segments and not segments[0][0].wants_actor else []
    read = partial(
        read_and_run, reader=chain.reader, config_hash=config.content_hash(), rows=batch, config_json=config_json, steps=_names(first)
    )
    dataset = dataset.map_batches(read, batch_size=1, batch_format="pyarrow")
    for segment in segments:
        step = segment[0]
        if not step.wants_actor:
            task = partial(run_steps_task, config_json=config_json, steps=_names(segment))
            dataset = dataset.map_batches(task, batch_size=batch, batch_format="pyarrow")
            continue
        # Actors hold their CPU while they live: on a one-CPU Ray they must not, or the tasks of
        # the other steps could never be scheduled.
        size = config.ray.translation_actors
        dataset = dataset.map_batches(
            StepActor,
            fn_constructor_kwargs={"config_json": config_json, "name": step.name, "module": type(step).__module__},
            batch_size=batch,
            compute=ray.data.ActorPoolStrategy(min_size=size, max_size=size),
            num_cpus=1.0 if workers > 1 else 0.0,
            num_gpus=config.ray.gpus_per_actor or None,
            batch_format="pyarrow",
        )
    return dataset


def run_on_ray(chain: Chain, config: RunConfig) -> Executed:
    """Resume; read and run the document steps on Ray; stage with the sink and run the corpus
    steps in the driver."""
    _start_ray(config)
    reader, sink = chain.reader, chain.sink
    completions = resume(reader, sink, config.content_hash())
    if not completions.taken_over:
        reader.take_over(set())  # the Ray report has always counted the files taken over, none too
    reader.prepare()
    files = reader.files_to_read()
    streamed = [step for step in chain.steps if step.kind != "corpus"]
    seconds: defaultdict[str, float] = defaultdict(float)
    by_name = {step.name: step for step in streamed}

    def documents() -> Iterator[Document]:
        if not files:
            return
        for batch in _documents_dataset(chain, config, files).iter_batches(batch_size=None, batch_format="pyarrow"):
            batch_documents, batch_stats = from_table(batch)
            for document, packed in zip(batch_documents, batch_stats, strict=True):
                for name, spent, stats in unpack(packed):
                    seconds[name] += spent
                    by_name[name].stats.merge(stats)
                if document is not None:
                    yield document

    started = time.perf_counter()
    for _ in sink.run(documents()):
        pass
    wall = time.perf_counter() - started
    # Workers' seconds overlap in time; the sink gets what the driver spent beyond them.
    seconds[sink.name] = max(0.0, wall - sum(seconds.values()))
    timed = {step.name: round(seconds[step.name], 3) for step in streamed}
    return Executed(timed | run_corpus_steps(chain), completions)
