"""The Ray executor: the same stages, run with Ray Data's map_batches on a cluster or a local Ray.

Ray Data reads the input files; detect, translate and normalize run as pools of actors that
each build their stage once (translation actors load their model once, and ask for GPUs when
`ray.gpus_per_actor` says so); the driver writes the same shards, card and report as the local
executor, in the same order, so both give identical datasets. Install with
`pip install -e ".[ray]"`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig
from pipeline.schema import Document
from pipeline.stages.base import Stage
from pipeline.stages.ingest import Ingest, UnreadableFile, read_documents


def _empty_stats() -> str:
    return json.dumps([])


class ReadFiles:
    """Ray Data flat_map: one input file to its documents (or a row saying why it was skipped)."""

    def __init__(self, config_json: str) -> None:
        self.config = RunConfig.model_validate_json(config_json)
        self.config_hash = self.config.content_hash()

    def __call__(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        from pipeline.run import stamp

        path = Path(row["path"])
        source = path.relative_to(self.config.input).as_posix()
        rows = []
        ingest = self.config.ingest
        for item in read_documents(path, self.config.input, ingest.max_file_bytes, ingest.legacy_encodings):
            if isinstance(item, UnreadableFile):
                rows.append(
                    {"doc": "", "skip": json.dumps({"source": source, "reason": str(item), "stage": "ingest"}), "stats": _empty_stats()}
                )
            else:
                document = next(stamp([item], self.config_hash))
                rows.append({"doc": json.dumps(document.to_record(), ensure_ascii=False), "skip": "", "stats": _empty_stats()})
        return rows


class RunStage:
    """Ray Data map_batches callable: one stage, built once per actor, over a batch of documents."""

    def __init__(self, config_json: str, stage_name: str) -> None:
        from pipeline.run import STAGE_BUILDERS, load_run_registry

        config = RunConfig.model_validate_json(config_json)
        self.stage: Stage = STAGE_BUILDERS[stage_name](config, load_run_registry(config))

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        docs, skips, stats = list(batch["doc"]), list(batch["skip"]), [json.loads(s) for s in batch["stats"]]
        positions = [i for i, doc in enumerate(docs) if doc]
        before = Counter(self.stage.counters)
        started = time.perf_counter()
        outputs = list(self.stage.run(Document.from_record(json.loads(docs[i])) for i in positions))
        seconds = time.perf_counter() - started
        for position, document in zip(positions, outputs, strict=True):
            docs[position] = json.dumps(document.to_record(), ensure_ascii=False)
        delta = Counter(self.stage.counters)
        delta.subtract(before)
        if stats:
            stats[0].append({"stage": self.stage.name, "seconds": seconds, "counters": dict(+delta)})
        return {"doc": docs, "skip": skips, "stats": [json.dumps(s) for s in stats]}


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
    context.enable_progress_bars = not config.quiet
    config_json = config.model_dump_json()
    files = [path for path in ingest.files() if path.relative_to(config.input).as_posix() not in ingest.already_done]
    ingest.counters["files"] += len(files)
    ingest.counters["files_resumed"] += len(ingest.files()) - len(files)
    if not files:
        return {stage.name: 0.0 for stage in stages}

    workers = max(1, int(ray.available_resources().get("CPU", 1)))
    dataset: ray.data.Dataset = ray.data.from_items(
        [{"path": str(path)} for path in files], override_num_blocks=min(len(files), workers * 4)
    )
    pool = ray.data.ActorPoolStrategy(min_size=1, max_size=workers)
    dataset = dataset.flat_map(ReadFiles, fn_constructor_kwargs={"config_json": config_json}, compute=pool)
    batch = config.translate.batch_documents
    for name in ("detect", "translate", "normalize"):
        if name == "translate":  # each actor loads the model once; GPUs when the config asks
            size = config.ray.translation_actors
            compute, gpus = ray.data.ActorPoolStrategy(min_size=size, max_size=size), config.ray.gpus_per_actor or None
        else:
            compute, gpus = ray.data.ActorPoolStrategy(min_size=1, max_size=workers), None
        dataset = dataset.map_batches(
            RunStage,
            fn_constructor_kwargs={"config_json": config_json, "stage_name": name},
            batch_size=batch,
            compute=compute,
            num_gpus=gpus,
            batch_format="numpy",
        )

    seconds: defaultdict[str, float] = defaultdict(float)

    def documents() -> Iterator[Document]:
        for row in dataset.iter_rows():
            for entry in json.loads(row["stats"]):
                seconds[entry["stage"]] += entry["seconds"]
                by_name[entry["stage"]].counters.update(entry["counters"])
            if row["skip"]:
                item = json.loads(row["skip"])
                ingest.skipped.append(item)
            else:
                ingest.counters["documents"] += 1
                yield Document.from_record(json.loads(row["doc"]))

    started = time.perf_counter()
    for _ in publish.run(documents()):
        pass
    wall = time.perf_counter() - started
    # Workers' seconds overlap in time; publish gets what the driver spent beyond them.
    seconds["publish"] = max(0.0, wall - sum(seconds.values()))
    return {stage.name: round(seconds[stage.name], 3) for stage in stages}
