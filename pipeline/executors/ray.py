"""The Ray executor: the same stages, run with Ray Data's map_batches on a cluster or a local Ray.

Ray Data reads the input files; detect and normalize run as Ray tasks (each worker process
builds its stage once), translate as a pool of actors that load their model once and ask for
GPUs when `ray.gpus_per_actor` says so; the driver writes the same shards, card and report as
the local executor, in the same order, so both give identical datasets. Install with
`pip install -e ".[ray]"`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.chain import STAGE_BUILDERS, load_run_registry, stamp
from pipeline.config import RunConfig
from pipeline.executors.local import progress_bars_wanted
from pipeline.ingest import DEFAULT_EXTENSIONS, Ingest, LeftOut, UnreadableFile, read_documents
from pipeline.ingest.stage import source_name
from pipeline.schema import Document, Stage

# The key of a skip row that carries the counts of a file's parts left out, not a skipped file.
LEFT_OUT = "left_out"


def _empty_stats() -> str:
    return json.dumps([])


def read_files(row: dict[str, Any], config_json: str, repeated: dict[str, frozenset[str]]) -> Iterator[dict[str, Any]]:
    """Ray Data flat_map: one input file to its documents (or a row saying why it was skipped).

    A generator: Ray takes the rows as they come, so an archive's pages never all sit in memory.
    The parts left out (an archive's request records) come last, one row of counts per file.
    """
    config = RunConfig.model_validate_json(config_json)
    path = Path(row["path"])
    source = source_name(path, config.input)
    ingest = config.ingest
    extensions = DEFAULT_EXTENSIONS if ingest.extensions is None else ingest.extensions
    left_out: Counter[str] = Counter()
    items = read_documents(
        path, config.input, ingest.max_file_bytes, ingest.legacy_encodings, repeated, ingest.follow_external_links, extensions
    )
    for item in items:
        if isinstance(item, UnreadableFile):
            skip = json.dumps({"source": source, "reason": str(item), "stage": "ingest"})
            yield {"doc": "", "skip": skip, "stats": _empty_stats()}
        elif isinstance(item, LeftOut):
            left_out[item.reason] += 1
        else:
            document = next(stamp([item], config.content_hash()))
            yield {"doc": json.dumps(document.to_record(), ensure_ascii=False), "skip": "", "stats": _empty_stats()}
    if left_out:
        yield {"doc": "", "skip": json.dumps({"source": source, LEFT_OUT: dict(left_out)}), "stats": _empty_stats()}


def _build_stage(config_json: str, stage_name: str) -> Stage:
    config = RunConfig.model_validate_json(config_json)
    return STAGE_BUILDERS[stage_name](config, load_run_registry(config))


def _apply(stage: Stage, batch: dict[str, Any]) -> dict[str, list[str]]:
    """Run one stage over a batch; its counters and seconds ride along on the batch's first row."""
    docs, skips, stats = list(batch["doc"]), list(batch["skip"]), [json.loads(s) for s in batch["stats"]]
    positions = [i for i, doc in enumerate(docs) if doc]
    before = Counter(stage.counters)
    started = time.perf_counter()
    outputs = list(stage.run(Document.from_record(json.loads(docs[i])) for i in positions))
    seconds = time.perf_counter() - started
    for position, document in zip(positions, outputs, strict=True):
        docs[position] = json.dumps(document.to_record(), ensure_ascii=False)
    delta = Counter(stage.counters)
    delta.subtract(before)
    if stats:
        stats[0].append({"stage": stage.name, "seconds": seconds, "counters": dict(+delta)})
    return {"doc": docs, "skip": skips, "stats": [json.dumps(s) for s in stats]}


# Stages run as Ray tasks are built once per worker process and kept here.
_TASK_STAGES: dict[tuple[str, str], Stage] = {}


def run_stage_task(batch: dict[str, Any], config_json: str, stage_name: str) -> dict[str, list[str]]:
    """Ray Data map_batches task for the light stages (detect, normalize)."""
    key = (config_json, stage_name)
    if key not in _TASK_STAGES:
        _TASK_STAGES[key] = _build_stage(config_json, stage_name)
    return _apply(_TASK_STAGES[key], batch)


class TranslationActor:
    """Ray Data map_batches actor: loads the translation model once, then translates batches."""

    def __init__(self, config_json: str) -> None:
        self.stage = _build_stage(config_json, "translate")

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        return _apply(self.stage, batch)


def run_stages_on_ray(stages: list[Stage], config: RunConfig) -> dict[str, float]:
    """Run detect, translate and normalize on Ray; ingest's listing and publish stay in the driver."""
    import ray

    ingest, publish = stages[0], stages[-1]
    assert isinstance(ingest, Ingest)
    by_name = {stage.name: stage for stage in stages}
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
    config_json = config.model_dump_json()
    listed = ingest.files()
    files = [path for path in listed if source_name(path, config.input) not in ingest.already_done]
    ingest.counters["files"] += len(files)
    ingest.counters["files_resumed"] += len(listed) - len(files)
    if not files:
        return {stage.name: 0.0 for stage in stages}

    workers = max(1, int(ray.available_resources().get("CPU", 1)))
    dataset: ray.data.Dataset = ray.data.from_items(
        [{"path": str(path)} for path in files], override_num_blocks=min(len(files), workers * 4)
    )
    dataset = dataset.flat_map(partial(read_files, config_json=config_json, repeated=ingest.repeated()))
    batch = config.translate.batch_documents
    dataset = dataset.map_batches(
        partial(run_stage_task, config_json=config_json, stage_name="detect"), batch_size=batch, batch_format="numpy"
    )
    # Translation actors hold their CPU while they live: on a one-CPU Ray they must not, or the
    # tasks of the other stages could never be scheduled. Each actor loads the model once.
    size = config.ray.translation_actors
    dataset = dataset.map_batches(
        TranslationActor,
        fn_constructor_kwargs={"config_json": config_json},
        batch_size=batch,
        compute=ray.data.ActorPoolStrategy(min_size=size, max_size=size),
        num_cpus=1.0 if workers > 1 else 0.0,
        num_gpus=config.ray.gpus_per_actor or None,
        batch_format="numpy",
    )
    dataset = dataset.map_batches(
        partial(run_stage_task, config_json=config_json, stage_name="normalize"), batch_size=batch, batch_format="numpy"
    )

    seconds: defaultdict[str, float] = defaultdict(float)

    def documents() -> Iterator[Document]:
        for row in dataset.iter_rows():
            for entry in json.loads(row["stats"]):
                seconds[entry["stage"]] += entry["seconds"]
                by_name[entry["stage"]].counters.update(entry["counters"])
            if row["skip"]:
                item = json.loads(row["skip"])
                if LEFT_OUT in item:
                    for reason, count in item[LEFT_OUT].items():
                        ingest.note_left_out(item["source"], reason, count)
                else:
                    ingest.skipped.append(item)
            else:
                ingest.counters["documents"] += 1
                document = Document.from_record(json.loads(row["doc"]))
                ingest.note_furniture(document)
                yield document

    started = time.perf_counter()
    for _ in publish.run(documents()):
        pass
    wall = time.perf_counter() - started
    # Workers' seconds overlap in time; publish gets what the driver spent beyond them.
    seconds["publish"] = max(0.0, wall - sum(seconds.values()))
    return {stage.name: round(seconds[stage.name], 3) for stage in stages}
