"""Runs a config end to end: build the chain, run it on an executor, publish, report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.chain import Chain, build_steps
from pipeline.config import RunConfig
from pipeline.executors.barrier import Executed
from pipeline.executors.local import run_local
from pipeline.publish import NothingToPublish, hold_output, push_to_hub
from pipeline.publish.swap import check_target, recover_interrupted_swap
from pipeline.report import build_report
from pipeline.step import Step


@dataclass
class RunResult:
    report: dict[str, Any]
    output: Path | None = None
    stages: list[Step] = field(default_factory=list)


def run_pipeline(config: RunConfig) -> RunResult:
    """Run the config; OutputLocked if another run is writing the same dataset, or (OutputNotOurs)
    if something a run of ours did not make is where the dataset goes.

    The registry and the models are loaded first: a bad one stops the run before it touches the
    output folder. Then the output is held before the staging folder is looked at, since
    resuming deletes a staging folder it cannot use, and another run's could look like one.
    """
    started = time.perf_counter()
    chain = build_steps(config, load_models=config.executor == "local")
    with hold_output(config.output, config.name):
        # Before any work: a folder there that is not ours is never replaced (OutputNotOurs).
        recover_interrupted_swap(config.output / config.name)
        check_target(config.output / config.name)
        return _run_holding_the_output(config, chain, started)


def _execute(config: RunConfig, chain: Chain) -> Executed:
    if config.executor == "ray":
        from pipeline.executors.ray import run_on_ray

        return run_on_ray(chain, config)
    return run_local(chain, config)


def _run_holding_the_output(config: RunConfig, chain: Chain, started: float) -> RunResult:
    executed = _execute(config, chain)
    report = build_report(chain.steps, executed, config, time.perf_counter() - started)
    try:
        output = chain.sink.finalize(report)
    except NothingToPublish:
        executed.completions.forget()
        raise
    executed.completions.forget()
    if config.publish.push_to_hub:
        assert config.publish.repo_id  # the config refuses push_to_hub without it
        report["pushed_to"] = push_to_hub(output, config.publish.repo_id, config.publish.private)
    return RunResult(report=report, output=output, stages=chain.steps)
