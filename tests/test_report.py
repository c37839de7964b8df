"""The run summary printed at the end of a run: counts, stages, languages, names, skipped files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.report import format_report
from tests.conftest import REGISTRY, run_in_process, write_config


def _report(skipped: list[dict[str, str]], resumed: int = 0) -> dict[str, Any]:
    return {
        "name": "news",
        "documents": {
            "files": 4,
            "read": 5,
            "published": 3,
            "resumed": resumed,
            "skipped": skipped,
            "ignored": [],
            "ignored_by_extension": {},
        },
        "languages": {"documents": {"en": 2, "ru": 1}, "paragraphs": {"en": 4, "ru": 3, "und": 1}},
        "names": {"table_rows": 7, "mentions_applied": 9, "mentions_pending": 2},
        "stages": {
            "ingest": {"seconds": 0.01, "documents": 5, "files": 4},
            "detect": {"seconds": 0.25},
            "publish": {"seconds": 1.5, "documents": 3},
        },
        "seconds": 2.345,
    }


def test_the_summary_lists_every_skipped_file_with_its_reason() -> None:
    skipped = [
        {"source": "empty.txt", "reason": "empty file", "stage": "ingest"},
        {"source": "lines.jsonl", "reason": "line 2: not valid JSON (Expecting value)", "stage": "ingest"},
    ]
    assert format_report(_report(skipped)).splitlines() == [
        "run news: 5 read, 3 published, 2 skipped, 2.3s",
        "",
        "stage       seconds  counts",
        "ingest         0.01  documents=5, files=4",
        "detect         0.25  ",
        "publish        1.50  documents=3",
        "",
        "language   documents paragraphs",
        "en                 2          4",
        "ru                 1          3",
        "und                0          1",
        "",
        "names: 7 (variant, entity) pairs, 9 mentions replaced, 2 pending review",
        "",
        "skipped:",
        "  empty.txt: empty file",
        "  lines.jsonl: line 2: not valid JSON (Expecting value)",
    ]


def test_the_summary_without_skipped_files_has_no_skipped_section() -> None:
    summary = format_report(_report([], resumed=2))
    assert summary.splitlines()[0] == "run news: 5 read, 3 published, 0 skipped, 2 taken over from an interrupted run, 2.3s"
    assert "skipped:" not in summary and summary.endswith("2 pending review")


def test_a_run_prints_the_skipped_files_in_its_summary(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text("The wives of mobilised men went to the Kremlin again on Saturday morning.\n")
    (raw / "empty.txt").write_text("")
    config = write_config(
        tmp_path / "c.yaml",
        f"name: ds\ninput: {raw}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    result = run_in_process("run", str(config))  # not --quiet: the summary goes to stderr
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[-4:] == ["skipped:", "  empty.txt: empty file", "", f"published: {tmp_path / 'out' / 'ds'}"]
    assert "run ds: 2 read, 1 published, 1 skipped, " in result.stderr  # after what is left of the progress bars


def test_pending_review_counts_the_rows_of_names_csv_native_unsure_included(published: Path) -> None:
    import json

    from pipeline.names.table.spreadsheet import read_table

    report = json.loads((published / "run_report.json").read_text(encoding="utf-8"))
    rows = read_table(published / "names.csv")[1]
    pending = [row for row in rows if row["status"] == "pending"]
    assert any(row["method"] == "native-unsure" for row in pending)  # the rows the old count left out
    assert report["names"]["table_statuses"]["pending"] == len(pending)
    new = sum(row["status"] == "new" for row in rows)
    assert f"{len(pending)} pending review, {new} in proposed new groups" in format_report(report)
