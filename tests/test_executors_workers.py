"""The local executor's worker processes: the dataset is the one a single process publishes, a
killed run leaves no worker behind and resumes, and `local.workers` is checked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.config import ConfigError, RunConfig, load_config
from pipeline.executors.resume import completed_shards
from pipeline.executors.workers import worker_count
from pipeline.run import run_pipeline
from pipeline.step import Step
from tests.conftest import ROOT, tiny_config
from tests.test_resume import make_corpus


def _config(tmp_path: Path, name: str, corpus: Path, workers: int | str) -> Path:
    return tiny_config(
        tmp_path / f"{name}.yaml",
        {},
        name="corpus",
        input=corpus,
        output=tmp_path / name,
        quiet=True,
        translate={"enabled": False, "batch_documents": 3},  # chunks of 3 documents go round
        publish={"shard_rows": 5},
        local={"workers": workers},
    )


def _published(dataset: Path) -> dict[str, Any]:
    """Everything a run publishes that does not name its folder or its timings."""
    report = json.loads((dataset / "run_report.json").read_text())
    del report["seconds"]
    for stage in report["stages"].values():
        del stage["seconds"]
    return {
        "shards": {path.name: pq.read_table(path).to_pylist() for path in sorted((dataset / "data").iterdir())},
        "names": (dataset / "names.csv").read_text(),
        "charts": {path.name: path.read_bytes() for path in sorted((dataset / "charts").iterdir())},
        "report": report,
    }


def test_two_workers_publish_what_one_process_publishes(tmp_path: Path, raw_copy: Path) -> None:
    (raw_copy / "broken.jsonl").write_text('{"text": "A line about Put\' Domoj."}\nnot json\n')
    (raw_copy / "empty.txt").write_text("")
    for workers in (1, 2):
        run_pipeline(load_config(_config(tmp_path, f"w{workers}", raw_copy, workers)))
    one, two = (_published(tmp_path / f"w{workers}" / "corpus") for workers in (1, 2))
    assert two == one
    assert len(one["shards"]) == 5 and sum(map(len, one["shards"].values())) == 22
    assert [item["source"] for item in one["report"]["documents"]["skipped"]] == ["broken.jsonl", "empty.txt"]
    assert one["report"]["names"]["mentions_applied"] > 0  # the workers' stats reached the report


class _Model(Step):
    name = "model"

    @property
    def wants_actor(self) -> bool:
        return True


def test_auto_is_one_worker_per_cpu_or_one_where_a_step_holds_a_model() -> None:
    cpus = len(os.sched_getaffinity(0))
    assert worker_count(RunConfig(name="x"), [Step()]) == cpus
    assert worker_count(RunConfig(name="x"), [Step(), _Model()]) == 1  # translation uses every core already
    assert worker_count(RunConfig(name="x", local={"workers": 3}), [_Model()]) == 3


def test_auto_starts_no_more_workers_than_the_memory_available_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.executors import workers

    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    gib = 1024**3
    for available, expected in [(None, 64), (100 * gib, 64), (4 * gib, 10), (1 * gib, 2), (gib // 10, 1)]:
        monkeypatch.setattr(workers, "memory_available", lambda available=available: available)
        assert worker_count(RunConfig(name="x"), [Step()]) == expected, available
    monkeypatch.setattr(workers, "memory_available", lambda: gib // 10)
    assert worker_count(RunConfig(name="x", local={"workers": 8}), [Step()]) == 8  # a number given is kept


def test_memory_available_reads_a_plausible_figure() -> None:
    from pipeline.executors.workers import memory_available

    available = memory_available()
    assert available is None or 0 < available < 1 << 50


@pytest.mark.parametrize("value", [0, -1, "2", True, 1.5, "many"])
def test_workers_must_be_a_count_or_auto(tmp_path: Path, value: object) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"name: x\nlocal:\n  workers: {json.dumps(value)}\n")
    with pytest.raises(ConfigError, match=r"local\.workers \(line 3\): .*use a whole number, 1 or more, or auto"):
        load_config(config)


def test_workers_leave_the_config_hash_alone() -> None:
    assert RunConfig(name="x", local={"workers": 2}).content_hash() == RunConfig(name="x").content_hash()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_killed_run_leaves_no_worker_and_resumes(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "raw", 600)
    run_pipeline(load_config(_config(tmp_path, "whole", corpus, 1)))
    killed = _config(tmp_path, "killed", corpus, 2)
    staging = tmp_path / "killed" / ".corpus.partial"
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(killed)], cwd=ROOT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None and not completed_shards(staging):
        time.sleep(0.005)
    workers = _children(process.pid)
    assert process.poll() is None and len(workers) >= 2, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]
    resumed = run_pipeline(load_config(killed)).report
    assert 0 < resumed["documents"]["resumed"] < 600
    assert _published(tmp_path / "killed" / "corpus")["shards"] == _published(tmp_path / "whole" / "corpus")["shards"]
