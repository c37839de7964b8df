"""A run killed with SIGKILL and started again finishes the work left and gives the same dataset."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest

from pipeline.executors.resume import completed_shards, completions_folder
from tests.conftest import ROOT, run_in_process, tiny_config
from tests.test_end_to_end import run_cli

SENTENCES = [
    "Жёны мобилизованных из движения «Путь домой» снова пришли к Кремлю в субботу номер {n}.",
    "ภรรยาทหารรัสเซียกลุ่มปุต โดมอย เรียกร้องให้สามีกลับบ้าน ครั้งที่ {n}",
    "The wives of Put' Domoj came to the Kremlin again on Saturday number {n}.",
]


def make_corpus(folder: Path, files: int) -> Path:
    folder.mkdir()
    for n in range(files):
        (folder / f"doc-{n:04d}.txt").write_text(
            SENTENCES[n % 3].format(n=n) + "\n\n" + SENTENCES[(n + 1) % 3].format(n=n), encoding="utf-8"
        )
    return folder


def config(tmp_path: Path, name: str, corpus: Path, tiny_models: dict[str, Path]) -> Path:
    return tiny_config(
        tmp_path / f"{name}.yaml",
        tiny_models,
        name="corpus",
        input=corpus,
        output=tmp_path / name,
        quiet=True,
        translate={"batch_documents": 8},
        publish={"shard_rows": 4},
    )


def rows(folder: Path) -> list[dict]:
    return sorted(datasets.load_dataset(str(folder), split="train").to_list(), key=lambda row: row["id"])


@pytest.mark.slow
def test_kill_and_resume_gives_the_uninterrupted_dataset(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    corpus = make_corpus(tmp_path / "raw", 120)
    whole = run_in_process("run", str(config(tmp_path, "whole", corpus, tiny_models)))  # what the killed run must end as
    assert whole.returncode == 0, whole.stderr
    whole_report = json.loads((tmp_path / "whole" / "corpus" / "run_report.json").read_text())

    killed_config = config(tmp_path, "killed", corpus, tiny_models)
    staging = tmp_path / "killed" / ".corpus.partial"
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(killed_config)], cwd=ROOT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if len(completed_shards(staging)) >= 3:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "killed" / "corpus").exists()  # never a half-written dataset
    shards = [record["shard"] for record in completed_shards(staging)]
    finished = sum(shard["rows"] for shard in shards)
    assert len(shards) >= 3 and all(shard["rows"] == 4 for shard in shards)  # one document a file, 4 a shard

    resumed = run_cli("run", str(killed_config))
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((tmp_path / "killed" / "corpus" / "run_report.json").read_text())
    assert report["documents"]["resumed"] == finished < 120 and report["documents"]["published"] == 120
    assert report["stages"]["ingest"]["files_resumed"] == finished and report["documents"]["files"] == 120
    assert report["stages"]["translate"]["sentences"] < whole_report["stages"]["translate"]["sentences"]
    assert rows(tmp_path / "killed" / "corpus") == rows(tmp_path / "whole" / "corpus")
    whole_names = (tmp_path / "whole" / "corpus" / "names.csv").read_text()
    assert (tmp_path / "killed" / "corpus" / "names.csv").read_text() == whole_names
    assert not staging.exists() and not completions_folder(staging).exists()


@pytest.mark.slow
def test_two_runs_give_identical_rows(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    corpus = make_corpus(tmp_path / "raw", 9)
    first = config(tmp_path, "first", corpus, tiny_models)
    second = config(tmp_path, "second", corpus, tiny_models)
    # Two processes (each with its own string hashing: no output may follow a set's order), one of
    # them this one, whose caches are warm from earlier tests (no output may follow a cache either).
    assert run_cli("run", str(first)).returncode == 0
    assert run_in_process("run", str(second)).returncode == 0
    assert rows(tmp_path / "first" / "corpus") == rows(tmp_path / "second" / "corpus")


def test_a_file_changed_since_the_interruption_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.config import load_config
    from pipeline.publish import stage as publish
    from pipeline.run import run_pipeline

    corpus = make_corpus(tmp_path / "raw", 6)
    config = load_config(
        tiny_config(
            tmp_path / "c.yaml",
            {},
            name="corpus",
            input=corpus,
            output=tmp_path / "out",
            quiet=True,
            translate={"enabled": False},
            publish={"shard_rows": 1},
        )
    )

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed before the end")

    with monkeypatch.context() as patch:
        patch.setattr(publish, "write_parquet", crash)  # the shards are written, finalize is not
        with pytest.raises(KeyboardInterrupt):
            run_pipeline(config)
    assert run_pipeline(config).report["documents"]["resumed"] == 6  # nothing changed: all taken over

    with monkeypatch.context() as patch:
        patch.setattr(publish, "write_parquet", crash)
        with pytest.raises(KeyboardInterrupt):
            run_pipeline(config)
    (corpus / "doc-0002.txt").write_text("The wives of Put' Domoj came back on Sunday, changed.", encoding="utf-8")
    report = run_pipeline(config).report
    assert report["documents"]["resumed"] == 0  # a changed file: the interrupted run is not trusted
    texts = {row["source"]: row["text"] for row in rows(tmp_path / "out" / "corpus")}
    assert texts["doc-0002.txt"] == "The wives of Put' Domoj came back on Sunday, changed."


@pytest.mark.slow
def test_ctrl_c_stops_with_one_message_and_the_same_command_resumes(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    corpus = make_corpus(tmp_path / "raw", 120)
    interrupted = config(tmp_path, "interrupted", corpus, tiny_models)
    staging = tmp_path / "interrupted" / ".corpus.partial"
    stderr_file = tmp_path / "stderr.txt"
    with stderr_file.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(interrupted)], cwd=ROOT, stderr=stderr)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if completed_shards(staging):
                break
            time.sleep(0.02)
        assert process.poll() is None, "the run finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130
    message = stderr_file.read_text()
    assert message == f"interrupted: the finished shards are kept in {staging}; run the same command again to resume\n"
    assert not (tmp_path / "interrupted" / "corpus").exists()
    finished = sum(record["shard"]["rows"] for record in completed_shards(staging))

    resumed = run_in_process("run", str(interrupted))  # the same command, here (the killed run above resumes in a process)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((tmp_path / "interrupted" / "corpus" / "run_report.json").read_text())
    assert report["documents"]["resumed"] == finished > 0 and report["documents"]["published"] == 120
    assert report["stages"]["ingest"]["files_resumed"] == finished  # those files are not read again


HOLDER = """
import sys
from pathlib import Path
from pipeline.publish import hold_output
with hold_output(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()  # holds the output until the test closes stdin or kills it
"""


def _quick_run_config(tmp_path: Path, output: Path) -> Path:
    from tests.conftest import REGISTRY, write_config

    corpus = make_corpus(tmp_path / "in", 3)
    text = f"name: locked\ninput: {corpus}\noutput: {output}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n"
    return write_config(tmp_path / "locked.yaml", text)


def test_a_second_run_into_a_held_output_stops_and_a_killed_holders_lock_is_taken_over(tmp_path: Path) -> None:
    output = tmp_path / "out"
    config_file = _quick_run_config(tmp_path, output)
    assert run_in_process("run", str(config_file), "--quiet").returncode == 0
    published = rows(output / "locked")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(output), "locked"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        second = run_in_process("run", str(config_file))  # the holder is another process
        assert second.returncode == 2 and second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert second.stderr.startswith(
            f"error: {config_file}: output: {output / 'locked'} is being written by another run (pid {holder.pid} on "
        )
        assert ", started 20" in second.stderr and "--output" in second.stderr
        assert rows(output / "locked") == published and not (output / ".locked.partial").exists()
    finally:
        holder.kill()  # as a killed run: no chance to clean up
        holder.wait()
    assert (output / ".locked.lock").exists()  # the stale lock file is still there
    third = run_in_process("run", str(config_file), "--quiet")
    assert third.returncode == 0, third.stderr
    assert rows(output / "locked") == published


def test_a_running_run_holds_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.config import load_config
    from pipeline.publish import Publish
    from pipeline.run import run_pipeline

    output = tmp_path / "out"
    config_file = _quick_run_config(tmp_path, output)
    finalize = Publish.finalize
    during: list[subprocess.CompletedProcess[str]] = []

    def finalize_after_a_second_run(self: Publish, report: dict[str, object]) -> Path:
        during.append(run_cli("run", str(config_file), "--quiet"))  # a real second process, while this run holds it
        return finalize(self, report)

    monkeypatch.setattr(Publish, "finalize", finalize_after_a_second_run)
    result = run_pipeline(load_config(config_file))
    (second,) = during
    assert second.returncode == 2 and f"(pid {os.getpid()} on " in second.stderr
    assert result.report["documents"]["published"] == 3 and len(rows(output / "locked")) == 3
