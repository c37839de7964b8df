"""Publishing never deletes what is not ours, never leaves no dataset, never drops a review (issue 26)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import RunConfig
from pipeline.names import apply_review
from pipeline.run import run_pipeline
from tests.conftest import RAW, REGISTRY, run_in_process, write_config


def is_our_dataset(folder: Path, name: str) -> bool:
    """A whole published dataset: its report names the run, and its data is there."""
    report = folder / "run_report.json"
    return report.is_file() and json.loads(report.read_text(encoding="utf-8"))["name"] == name and any((folder / "data").glob("*.parquet"))


GOOD = "date 2023-01-01\nThe wives of mobilised men went to the Kremlin again on Saturday morning.\n"


def _config(tmp_path: Path, input_folder: Path, **changes: Any) -> RunConfig:
    data: dict[str, Any] = {
        "name": "ds",
        "input": input_folder,
        "output": tmp_path / "out",
        "quiet": True,
        "translate": {"enabled": False},
        "normalize": {"registry": tmp_path / "names.yaml"},
    }
    data.update(changes)
    if not (tmp_path / "names.yaml").exists():
        shutil.copyfile(REGISTRY, tmp_path / "names.yaml")
    return RunConfig.model_validate(data)


@pytest.fixture
def english(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    shutil.copytree(RAW / "en", folder)
    return folder


def test_an_unrelated_folder_where_the_dataset_goes_is_never_replaced(tmp_path: Path) -> None:
    # Before: the folder was renamed aside and deleted, with the user's files in it.
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(GOOD)
    theirs = tmp_path / "out" / "ds"
    theirs.mkdir(parents=True)
    (theirs / "thesis.docx").write_text("three years of work")
    config = write_config(
        tmp_path / "c.yaml", f"name: ds\ninput: {tmp_path / 'raw'}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\n"
    )
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 2, result.stderr
    assert "did not publish" in result.stderr and "Traceback" not in result.stderr
    assert (theirs / "thesis.docx").read_text() == "three years of work"
    assert sorted(path.name for path in theirs.iterdir()) == ["thesis.docx"]


def test_a_dataset_of_ours_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(GOOD)
    run_pipeline(_config(tmp_path, tmp_path / "raw"))
    (tmp_path / "raw" / "b.txt").write_text(GOOD.replace("wives", "mothers"))
    result = run_pipeline(_config(tmp_path, tmp_path / "raw"))
    assert result.report["documents"]["published"] == 2 and is_our_dataset(tmp_path / "out" / "ds", "ds")


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    # Before: the second run ingested its own dataset card (out/ds/README.md) as a document.
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD)
    for _ in range(2):
        result = run_pipeline(_config(tmp_path, folder, output=folder / "out"))
    assert result.report["documents"]["published"] == 1
    assert [item["source"] for item in result.report["documents"]["ignored"]] == ["out/"]


def _edit_first_open_row(table: Path, status: str) -> dict[str, str]:
    with table.open(newline="", encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    row = next(row for row in rows if row["status"] in ("new", "pending", "auto"))
    row["status"] = status
    with table.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return row


def test_a_rerun_keeps_a_names_csv_with_decisions_not_yet_applied(tmp_path: Path, english: Path) -> None:
    # Before: the rerun wrote a fresh names.csv over the reviewer's edits, silently.
    run_pipeline(_config(tmp_path, english))
    table = tmp_path / "out" / "ds" / "names.csv"
    row = _edit_first_open_row(table, "rejected")
    edited = table.read_bytes()
    result = run_pipeline(_config(tmp_path, english))
    kept_name = result.report["names"]["unapplied_review_kept"]
    kept = tmp_path / "out" / kept_name
    assert kept.read_bytes() == edited
    assert row["variant"] in kept.read_text(encoding="utf-8")
    report = json.loads((tmp_path / "out" / "ds" / "run_report.json").read_text(encoding="utf-8"))
    assert report["names"]["unapplied_review_kept"] == kept_name


def test_a_rerun_keeps_nothing_when_the_table_is_unchanged_or_applied(tmp_path: Path, english: Path) -> None:
    run_pipeline(_config(tmp_path, english))
    result = run_pipeline(_config(tmp_path, english))  # unchanged since the run wrote it
    assert "unapplied_review_kept" not in result.report["names"]
    table = tmp_path / "out" / "ds" / "names.csv"
    _edit_first_open_row(table, "rejected")
    apply_review(table, tmp_path / "names.yaml")  # applied: the registry has the decision
    result = run_pipeline(_config(tmp_path, english))
    assert "unapplied_review_kept" not in result.report["names"]
    assert not list((tmp_path / "out").glob("*.csv"))


def test_a_run_killed_at_the_swap_leaves_a_whole_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: the old dataset was renamed aside, then the new one into place: killed between the
    # two renames, there was no dataset at all.
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(GOOD)
    run_pipeline(_config(tmp_path, tmp_path / "raw"))
    (tmp_path / "raw" / "b.txt").write_text(GOOD.replace("wives", "mothers"))
    staging = tmp_path / "out" / ".ds.partial"
    real_replace, real_rename = os.replace, os.rename

    def killed(source: Any, target: Any) -> None:
        if Path(source) == staging:
            raise KeyboardInterrupt  # killed just before the new dataset moves in
        real_replace(source, target)

    def killed_rename(source: Any, target: Any) -> None:
        if Path(source) == staging:
            raise KeyboardInterrupt
        real_rename(source, target)

    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(os, "rename", killed_rename)
    with contextlib.suppress(KeyboardInterrupt):
        run_pipeline(_config(tmp_path, tmp_path / "raw"))
    monkeypatch.undo()
    assert is_our_dataset(tmp_path / "out" / "ds", "ds")


def test_where_no_exchange_exists_the_next_run_mends_a_killed_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.publish.swap as swap

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(GOOD)
    run_pipeline(_config(tmp_path, tmp_path / "raw"))
    monkeypatch.setattr(swap, "_exchange", lambda first, second: False)
    staging, real_replace = tmp_path / "out" / ".ds.partial", os.replace

    def killed(source: Any, target: Any) -> None:
        if Path(source) == staging:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(_config(tmp_path, tmp_path / "raw"))
    monkeypatch.setattr(os, "replace", real_replace)
    assert not (tmp_path / "out" / "ds").exists() and list((tmp_path / "out").glob(".ds.old-*"))
    result = run_pipeline(_config(tmp_path, tmp_path / "raw"))
    assert result.report["documents"]["published"] == 1
    assert is_our_dataset(tmp_path / "out" / "ds", "ds") and not list((tmp_path / "out").glob(".ds.old-*"))


def test_a_resumed_runs_report_counts_the_whole_run(tmp_path: Path, english: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: after a resume, languages.paragraphs counted only what was read after it.
    from pipeline.publish import stage as publish

    (tmp_path / "whole").mkdir()
    whole = run_pipeline(_config(tmp_path / "whole", english)).report
    config = _config(tmp_path, english, publish={"shard_rows": 1})

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed before the end")

    with monkeypatch.context() as patch:
        patch.setattr(publish, "write_parquet", crash)  # every shard written, finalize not
        with pytest.raises(KeyboardInterrupt):
            run_pipeline(config)
    resumed = run_pipeline(config).report
    assert resumed["documents"]["resumed"] == whole["documents"]["published"]
    assert resumed["languages"] == whole["languages"]
