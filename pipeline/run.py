"""Runs a config end to end: build the chain, run it on an executor, publish, report."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.chain import build_stages
from pipeline.config import RunConfig
from pipeline.executors.local import run_stages
from pipeline.ingest import Ingest
from pipeline.publish import Publish, hold_output, push_to_hub
from pipeline.publish.swap import check_target, recover_interrupted_swap
from pipeline.report import build_report
from pipeline.schema import Stage


@dataclass
class RunResult:
    report: dict[str, Any]
    output: Any = None
    stages: list[Stage] = field(default_factory=list)


def input_stamps(files: list[Path], root: Path) -> dict[str, list[int]]:
    """Size and modification time of each input file: what tells a resumed run a file changed."""
    stamps = {}
    for path in files:
        with contextlib.suppress(OSError):  # vanished since listing: ingest will report it
            status = path.stat()
            stamps[path.relative_to(root).as_posix()] = [status.st_size, status.st_mtime_ns]
    return stamps


def run_pipeline(config: RunConfig) -> RunResult:
    """Run the config; OutputLocked if another run is writing the same dataset, or (OutputNotOurs)
    if something a run of ours did not make is where the dataset goes.

    The registry and the models are loaded first: a bad one stops the run before it touches the
    output folder. Then the output is held before the staging folder is looked at, since
    resuming deletes a staging folder it cannot use, and another run's could look like one.
    """
    started = time.perf_counter()
    stages = build_stages(config)
    with hold_output(config.output, config.name):
        # Before any work: a folder there that is not ours is never replaced (OutputNotOurs).
        recover_interrupted_swap(config.output / config.name)
        check_target(config.output / config.name)
        return _run_holding_the_output(config, stages, started)


def _run_holding_the_output(config: RunConfig, stages: list[Stage], started: float) -> RunResult:
    ingest, publish = stages[0], stages[-1]
    assert isinstance(ingest, Ingest) and isinstance(publish, Publish)
    ingest.already_done = publish.resume(input_stamps(ingest.files(), config.input))
    if config.executor == "ray":
        from pipeline.executors.ray import run_stages_on_ray

        seconds = run_stages_on_ray(stages, config)
    else:
        seconds = run_stages(stages, config)
    report = build_report(stages, config, seconds, time.perf_counter() - started)
    output = publish.finalize(report)
    if config.publish.push_to_hub:
        assert config.publish.repo_id  # the config refuses push_to_hub without it
        report["pushed_to"] = push_to_hub(output, config.publish.repo_id, config.publish.private)
    return RunResult(report=report, output=output, stages=stages)
