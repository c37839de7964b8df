"""The Ray executor on a local 2-CPU Ray gives exactly the local executor's dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_in_process, tiny_config
from tests.test_end_to_end import run_cli
from tests.test_resume import rows

pytest.importorskip("ray")


def _config(tmp_path: Path, executor: str, raw: Path, tiny_models: dict[str, Path]) -> Path:
    return tiny_config(
        tmp_path / f"{executor}.yaml",
        tiny_models,
        name="parity",
        input=raw,
        output=tmp_path / executor,
        quiet=True,
        executor=executor,
        ray={"num_cpus": 2},
        translate={"max_new_tokens": 12, "batch_documents": 4},
        publish={"shard_rows": 5},
    )


@pytest.mark.slow
def test_ray_output_is_identical_to_local_output(tmp_path: Path, raw_copy: Path, tiny_models: dict[str, Path]) -> None:
    (raw_copy / "broken.jsonl").write_text('{"text": "A line about Put\' Domoj."}\nnot json\n')
    (raw_copy / "empty.txt").write_text("")
    for executor, run in (("local", run_in_process), ("ray", run_cli)):  # Ray in a process of its own, as a user starts it
        result = run("run", str(_config(tmp_path, executor, raw_copy, tiny_models)))
        assert result.returncode == 0, result.stderr[-3000:]
    local, ray = tmp_path / "local" / "parity", tmp_path / "ray" / "parity"
    assert rows(ray) == rows(local) and len(rows(local)) == 22
    assert (ray / "names.csv").read_text() == (local / "names.csv").read_text()
    shards = [f"train-0000{i}-of-00005.parquet" for i in range(5)]  # 22 documents, 5 a shard, whole files
    assert [p.name for p in sorted((ray / "data").iterdir())] == [p.name for p in sorted((local / "data").iterdir())] == shards
    local_report, ray_report = (json.loads((folder / "run_report.json").read_text()) for folder in (local, ray))
    assert (
        ray_report["documents"]["skipped"]
        == local_report["documents"]["skipped"]
        == [
            {"source": "broken.jsonl", "reason": "line 2: not valid JSON (Expecting value)", "stage": "ingest"},
            {"source": "empty.txt", "reason": "empty file", "stage": "ingest"},
        ]
    )
    assert ray_report["stages"]["translate"]["sentences"] == local_report["stages"]["translate"]["sentences"] > 0


def test_a_redirected_log_gets_lines_while_a_long_stage_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Not everything at the end: a line with counts and rate comes while documents still stream."""
    import time
    from collections.abc import Iterable, Iterator

    from pipeline.config import RunConfig
    from pipeline.executors import local
    from pipeline.schema import Document
    from pipeline.step import Step

    monkeypatch.setattr(local, "PROGRESS_SECONDS", 0.05)
    monkeypatch.setattr(local, "progress_bars_wanted", lambda quiet: False)
    produced: list[int] = []
    said_while: list[int] = []

    class Source(Step):
        name = "read"

        def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
            for number in range(6):
                time.sleep(0.03)
                produced.append(number)
                yield Document(id=str(number), source=f"{number}.txt", text="x", paragraphs=[])

    class Slow(Step):
        name = "work"

        def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
            for document in documents:
                if "progress: at " in capsys.readouterr().err:
                    said_while.append(len(produced))
                yield document

    local.stream_steps([Source(), Slow()], RunConfig(name="x", quiet=False))
    assert said_while and min(said_while) < 6  # a line came before the last document was read


@pytest.mark.slow  # starts Ray: ~20 s of the fast set's time
def test_ray_reads_pdf_and_web_archives_as_the_local_executor_does(tmp_path: Path) -> None:
    from tests.conftest import REGISTRY, write_config
    from tests.test_readers import FIXTURES, write_warc

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "report.pdf").write_bytes((FIXTURES / "report.pdf").read_bytes())
    (raw / "scanned.pdf").write_bytes((FIXTURES / "scanned.pdf").read_bytes())
    write_warc(raw / "crawl.warc.gz", 6, extras=True)
    reports = {}
    for executor, run in (("local", run_in_process), ("ray", run_cli)):
        config = write_config(
            tmp_path / f"{executor}.yaml",
            f"name: docs\ninput: {raw}\noutput: {tmp_path / executor}\nexecutor: {executor}\nquiet: true\n"
            f"ray:\n  num_cpus: 2\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
        )
        result = run("run", str(config))
        assert result.returncode == 0, result.stderr[-3000:]
        reports[executor] = json.loads((tmp_path / executor / "docs" / "run_report.json").read_text())["documents"]
    assert rows(tmp_path / "ray" / "docs") == rows(tmp_path / "local" / "docs") and len(rows(tmp_path / "local" / "docs")) == 8
    for key in ("formats", "skipped", "left_out"):
        assert reports["ray"][key] == reports["local"][key]
    assert reports["ray"]["formats"] == {"pdf": 1, "warc": 7} and reports["ray"]["skipped"][0]["source"] == "scanned.pdf"
    assert reports["ray"]["left_out"]["crawl.warc.gz"]["request record (only response records hold pages)"] == 6


def test_documents_cross_ray_stages_as_arrow_tables_unchanged() -> None:
    from pipeline.executors.batches import RECORD_SCHEMA, from_table, to_table
    from pipeline.schema import Document, NameMention, Paragraph

    full = Document(
        id="a1",
        source="x/a.jsonl",
        text="Путь домой\n\nЖёны",
        paragraphs=[Paragraph("Путь домой", "ru", 0.93, "The way home"), Paragraph("Жёны", "ru", 1.0, "")],
        url=None,
        title="Путь домой",
        published="2023-11-07",
        names=[NameMention("Q1", "Put' Domoj", "Put Domoj", 4, 13, "registry", 0.97, "title_en")],
        name_records=[{"variant": "Путь", "entity_id": None}, {"kind": "ner", "score": 0.5, "spans": [[1, 2]]}],
        furniture_lines=3,
        title_paragraph=Paragraph("Путь домой", "ru", 0.9, "The way home"),
        input_file="a.jsonl",
        input_format="jsonl",
    )
    bare = Document(id="b2", source="b.txt", text="", paragraphs=[])
    table = to_table([full, bare])
    assert table.schema == RECORD_SCHEMA and table.num_rows == 2
    assert from_table(table) == [full, bare]
    assert set(RECORD_SCHEMA.names) == set(Document.__dataclass_fields__)
