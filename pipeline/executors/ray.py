"""The Ray executor: the same steps, run with Ray Data on a cluster or a local Ray.

Ray Data spreads the input files over workers, which read them with the chain's reader (shipped
from the driver, its listing done); each document step runs as Ray tasks (each worker process
builds the step once, by name), or as a pool of actors where the step wants one (it loads a
model: each actor loads it once, with GPUs when `ray.gpus_per_actor` says so). The driver
stages the documents with the sink in the same order as the local executor, then runs the corpus
steps, so both give identical datasets. Each batch's stats ride back with its rows. Install with
`pip install -e ".[ray]"`.
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import pickle
import time
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.chain import Chain, build_step, stamp
from pipeline.config import RunConfig
from pipeline.executors.barrier import Executed, run_corpus_steps
from pipeline.executors.local import progress_bars_wanted
from pipeline.executors.resume import resume
from pipeline.schema import Document
from pipeline.step import Reader, Step, StepStats

# A step's stats from a worker: (step name, seconds, stats), pickled, in a row's `stats`.
StatsEntry = tuple[str, float, StepStats]


def _pack(entries: list[StatsEntry]) -> str:
    return base64.b64encode(pickle.dumps(entries)).decode("ascii")


def _unpack(packed: str) -> list[StatsEntry]:
    entries: list[StatsEntry] = pickle.loads(base64.b64decode(packed))  # noqa: S301 - our own workers' rows
    return entries


def read_file(row: dict[str, Any], reader: Reader, config_hash: str) -> Iterator[dict[str, Any]]:
    """Ray Data flat_map: one input file to its documents, then a row with the reader's stats
    of that file (what it skipped, left out, counted).

    A generator: Ray takes the rows as they come, so an archive's pages never all sit in memory.
    """
    reader.stats = reader.new_stats()
    started = time.perf_counter()
    for document in stamp(reader.read_file(Path(row["path"])), config_hash):
        yield {"doc": json.dumps(document.to_record(), ensure_ascii=False), "stats": _pack([])}
    yield {"doc": "", "stats": _pack([(reader.name, time.perf_counter() - started, reader.stats)])}


def _built(config_json: str, name: str, module: str) -> Step:
    """The step as the driver's chain has it; its module imported first, so that a step
    registered outside the package is known here too."""
    importlib.import_module(module)
    return build_step(RunConfig.model_validate_json(config_json), name)


def _apply(step: Step, batch: dict[str, Any]) -> dict[str, list[str]]:
    """Run one step over a batch; its stats and seconds ride along on the batch's first row."""
    docs, stats = list(batch["doc"]), list(batch["stats"])
    positions = [i for i, doc in enumerate(docs) if doc]
    step.stats = step.new_stats()
    started = time.perf_counter()
    outputs = list(step.run(Document.from_record(json.loads(docs[i])) for i in positions))
    seconds = time.perf_counter() - started
    for position, document in zip(positions, outputs, strict=True):
        docs[position] = json.dumps(document.to_record(), ensure_ascii=False)
    if stats:
        stats[0] = _pack(_unpack(stats[0]) + [(step.name, seconds, step.stats)])
    return {"doc": docs, "stats": stats}


# Steps run as Ray tasks are built once per worker process and kept here.
_TASK_STEPS: dict[tuple[str, str], Step] = {}


def run_step_task(batch: dict[str, Any], config_json: str, name: str, module: str) -> dict[str, list[str]]:
    """Ray Data map_batches task for a step that needs no actor."""
    key = (config_json, name)
    if key not in _TASK_STEPS:
        _TASK_STEPS[key] = _built(config_json, name, module)
    return _apply(_TASK_STEPS[key], batch)


class StepActor:
    """Ray Data map_batches actor: builds its step (loads its model) once, then runs batches."""

    def __init__(self, config_json: str, name: str, module: str) -> None:
        self.step = _built(config_json, name, module)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        return _apply(self.step, batch)


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


def _documents_dataset(chain: Chain, config: RunConfig, files: list[Path]) -> Any:
    """The Ray dataset of the documents of `files` after every document step."""
    import ray

    config_json = config.model_dump_json()
    workers = max(1, int(ray.available_resources().get("CPU", 1)))
    items = [{"path": str(path)} for path in files]
    dataset: ray.data.Dataset = ray.data.from_items(items, override_num_blocks=min(len(files), workers * 4))
    dataset = dataset.flat_map(partial(read_file, reader=chain.reader, config_hash=config.content_hash()))
    batch = config.translate.batch_documents
    for step in chain.document_steps:
        where: dict[str, Any] = {"config_json": config_json, "name": step.name, "module": type(step).__module__}
        if not step.wants_actor:
            dataset = dataset.map_batches(partial(run_step_task, **where), batch_size=batch, batch_format="numpy")
            continue
        # Actors hold their CPU while they live: on a one-CPU Ray they must not, or the tasks of
        # the other steps could never be scheduled.
        size = config.ray.translation_actors
        dataset = dataset.map_batches(
            StepActor,
            fn_constructor_kwargs=where,
            batch_size=batch,
            compute=ray.data.ActorPoolStrategy(min_size=size, max_size=size),
            num_cpus=1.0 if workers > 1 else 0.0,
            num_gpus=config.ray.gpus_per_actor or None,
            batch_format="numpy",
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
        for row in _documents_dataset(chain, config, files).iter_rows():
            for name, spent, stats in _unpack(row["stats"]):
                seconds[name] += spent
                by_name[name].stats.merge(stats)
            if row["doc"]:
                yield Document.from_record(json.loads(row["doc"]))

    started = time.perf_counter()
    for _ in sink.run(documents()):
        pass
    wall = time.perf_counter() - started
    # Workers' seconds overlap in time; the sink gets what the driver spent beyond them.
    seconds[sink.name] = max(0.0, wall - sum(seconds.values()))
    timed = {step.name: round(seconds[step.name], 3) for step in streamed}
    return Executed(timed | run_corpus_steps(chain), completions)
