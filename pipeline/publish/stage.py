"""Publish: write the documents as a Hugging Face dataset in the Hub layout, atomically.

<output>/<name>/README.md            dataset card (YAML header with configs, languages, license)
<output>/<name>/data/*.parquet       the documents, with explicit datasets.Features
<output>/<name>/names/*.parquet      the name table (config "names"), also as names.csv
<output>/<name>/run_report.json      what the run did, skipped and how long it took

Everything is written to a hidden staging folder first and renamed into place at the end, so
an interrupted run never leaves a half-written dataset where a complete one stood.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.files import atomic_target, write_text_atomically
from pipeline.names.table import NameTable, regroup_mentions
from pipeline.names.table.spreadsheet import write_table
from pipeline.publish.card import CardInfo, dataset_card
from pipeline.publish.charts import write_charts
from pipeline.publish.features import DOCUMENT_SCHEMA, NAME_TABLE_COLUMNS, NAME_TABLE_SCHEMA
from pipeline.publish.swap import check_target, dataset_lock, keep_unapplied_review, swap_into_place, table_digest
from pipeline.schema import Document, Stage

PROGRESS_FILE = "progress.json"


class NothingToPublish(Exception):
    """A run with no document to publish: the dataset already in place is left as it was."""


def staging_folder(output: Path, name: str) -> Path:
    """Where a run writes its shards before the dataset is moved into place (and resumes from)."""
    return output / f".{name}.partial"


def write_parquet(rows: list[dict[str, Any]], path: Path, schema: pa.Schema) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    with atomic_target(path) as temporary:
        pq.write_table(table, temporary)


class _ShardWriter:
    """One shard in the making: rows go to parquet a row group at a time, so memory stays flat."""

    ROW_GROUP = 256

    def __init__(self, folder: Path, file: str) -> None:
        self.folder, self.file = folder, file
        self.writer = pq.ParquetWriter(folder / f"{file}.partial", DOCUMENT_SCHEMA)
        self.names = (folder / f"{_names_file(file)}.partial").open("w", encoding="utf-8")
        self.buffer: list[dict[str, Any]] = []
        self.rows = 0
        self.sources: list[str] = []
        self.languages: Counter[str] = Counter()
        self.paragraphs: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()

    def add(self, document: Document) -> None:
        self.buffer.append(document.to_row())
        if len(self.buffer) >= self.ROW_GROUP:
            self._write()
        self.names.write(json.dumps([document.id, document.name_records], ensure_ascii=False) + "\n")
        if not self.sources or self.sources[-1] != input_file(document):
            self.sources.append(input_file(document))
        self.languages[document.lang] += 1
        self.formats[document.input_format or UNKNOWN_FORMAT] += 1
        self.paragraphs.update(paragraph.lang for paragraph in document.paragraphs)
        self.rows += 1

    def _write(self) -> None:
        self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=DOCUMENT_SCHEMA))
        self.buffer = []

    def close(self) -> dict[str, Any]:
        """Finish both files and give them their names; return the shard's progress entry."""
        if self.buffer:
            self._write()
        self.writer.close()
        self.names.close()
        os.replace(self.folder / f"{self.file}.partial", self.folder / self.file)
        os.replace(self.folder / f"{_names_file(self.file)}.partial", self.folder / _names_file(self.file))
        return {
            "file": self.file,
            "rows": self.rows,
            "sources": self.sources,
            "languages": dict(self.languages),
            "paragraphs": dict(self.paragraphs),
            "formats": dict(self.formats),
        }


# The format of a document built by hand (a test's, a Ray row of an older run): none recorded.
UNKNOWN_FORMAT = "unknown"


def input_file(document: Document) -> str:
    """The input file a document came from: what resuming takes over or reads again, whole."""
    return document.input_file or document.source


def _names_file(shard_file: str) -> str:
    """The name records of a shard's documents, kept beside it until the run is complete."""
    return shard_file.replace(".parquet", ".names.jsonl")


class Publish(Stage):
    """Streams documents into parquet shards in a staging folder; `finalize` moves it into place.

    Shards end at file boundaries and are listed in progress.json as they are written, so a run
    that was killed can `resume`: the files already in shards are not read again, and the
    shards come out exactly as an uninterrupted run would have written them.
    """

    name = "publish"

    def __init__(self, output: Path, info: CardInfo, shard_rows: int, apply_proposals: bool = False) -> None:
        super().__init__()
        self.apply_proposals = apply_proposals
        self.target = output / info.name
        self.staging = staging_folder(output, info.name)
        self.info = info
        self.shard_rows = shard_rows
        self.languages: Counter[str] = Counter()
        # Documents published per input format (pdf, warc, ...), resumed shards' too: report and card.
        self.formats: Counter[str] = Counter()
        self.table = NameTable()
        self.shards: list[dict[str, Any]] = []
        self.resumed_documents = 0
        # Paragraphs per language of the shards taken over: the run report counts the whole run.
        self.resumed_paragraphs: Counter[str] = Counter()
        self.input_stamps: dict[str, list[int]] = {}

    def resume(self, input_stamps: dict[str, list[int]] | None = None) -> set[str]:
        """Sources published by an interrupted run of the same config; otherwise start afresh.

        `input_stamps` (source -> [size, mtime_ns]) of the files now: a shard whose files have
        changed since it was written is not taken over.
        """
        self.input_stamps = input_stamps or {}
        state = None
        with contextlib.suppress(OSError, ValueError):
            state = json.loads((self.staging / PROGRESS_FILE).read_text(encoding="utf-8"))
        usable = (
            isinstance(state, dict)
            and state.get("config_hash") == self.info.config_hash
            and all((self.staging / "data" / shard["file"]).exists() for shard in state.get("shards", []))
            and all((self.staging / "data" / _names_file(shard["file"])).exists() for shard in state.get("shards", []))
            and all(
                shard.get("stamps", {}).get(source) == self.input_stamps.get(source)
                for shard in state.get("shards", [])
                for source in shard["sources"]
            )
        )
        if not usable:
            if self.staging.exists():
                shutil.rmtree(self.staging)
            return set()
        assert isinstance(state, dict)
        for shard in state["shards"]:
            self.shards.append(shard)
            self.languages.update(shard["languages"])
            with (self.staging / "data" / _names_file(shard["file"])).open(encoding="utf-8") as lines:
                for line in lines:
                    document_id, records = json.loads(line)
                    self.table.add(document_id, records)
            self.counters["documents"] += shard["rows"]
            self.resumed_documents += shard["rows"]
            self.resumed_paragraphs.update(shard.get("paragraphs", {}))
            self.formats.update(shard.get("formats", {}))
        return {source for shard in self.shards for source in shard["sources"]}

    def _finish(self, shard: _ShardWriter) -> None:
        entry = shard.close()
        entry["stamps"] = {source: self.input_stamps.get(source) for source in entry["sources"]}
        self.shards.append(entry)
        progress = {"config_hash": self.info.config_hash, "shards": self.shards}
        write_text_atomically(self.staging / PROGRESS_FILE, json.dumps(progress, ensure_ascii=False))

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        (self.staging / "data").mkdir(parents=True, exist_ok=True)
        shard: _ShardWriter | None = None
        for document in documents:
            # A file's documents (an archive's pages) stay in one shard: resuming goes by file.
            if shard and input_file(document) != shard.sources[-1] and shard.rows >= self.shard_rows:
                self._finish(shard)
                shard = None
            if shard is None:
                shard = _ShardWriter(self.staging / "data", f"shard-{len(self.shards):05d}.parquet")
            shard.add(document)
            self.table.add(document.id, document.name_records)
            self.languages[document.lang] += 1
            self.formats[document.input_format or UNKNOWN_FORMAT] += 1
            self.counters["documents"] += 1
            yield document
        if shard or not self.shards:
            self._finish(shard or _ShardWriter(self.staging / "data", f"shard-{len(self.shards):05d}.parquet"))

    def _regroup_shard(self, shard: Path, final: Path) -> None:
        """The shard with its documents' proposed names as the corpus grouped them (see
        `regroup_mentions`): written once the whole name table is known.

        A row group at a time, as the shard was written: a whole shard's table is some 150 MB.
        """
        with atomic_target(final) as temporary, pq.ParquetWriter(temporary, DOCUMENT_SCHEMA) as writer:
            for batch in pq.ParquetFile(shard).iter_batches(batch_size=_ShardWriter.ROW_GROUP):
                rows = batch.to_pylist()
                for row in rows:
                    row["names"] = self._regroup_row(row)
                writer.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA))
        shard.unlink()

    def _regroup_row(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """One row's mentions regrouped; the English texts rewritten where proposals apply. The
        source texts (`text`, `title`) are the user's and never change: their mentions take the
        corpus's ids and canonicals only."""
        regrouped = []
        for field, column in (("title_en", "title_en"), ("text_en", "text_en_normalized"), ("title", "title"), ("text", "text")):
            names = [name for name in row["names"] if name["field"] == field]
            if not names or row[column] is None:
                regrouped += names
                continue
            rewrite = self.apply_proposals and column in ("title_en", "text_en_normalized")
            text, names = regroup_mentions(row[column], names, self.table, rewrite)
            if rewrite:
                row[column] = text
            regrouped += names
        return regrouped

    def finalize(self, report: dict[str, Any]) -> Path:
        """Name table, card and report into staging, then swap staging for the old dataset.

        The shards keep their progress names until the name table, card and charts are written, so
        a run killed there still resumes from them. A run with no document replaces nothing:
        NothingToPublish; nor does one whose target is not a dataset of ours: OutputNotOurs.
        """
        if not self.counters["documents"]:
            shutil.rmtree(self.staging, ignore_errors=True)
            documents = report.get("documents", {})
            skipped = documents.get("skipped", [])
            first = f" (first: {skipped[0]['source']}: {skipped[0]['reason']})" if skipped else ""
            kept = f"{self.target} was left as it was" if self.target.exists() else "nothing was written"
            found = f"{documents.get('files', 0)} input files, {len(skipped)} skipped as bad input{first}"
            if ignored := documents.get("ignored_by_extension"):
                counts = ", ".join(f"{extension} {count}" for extension, count in ignored.items())
                found += f", {sum(ignored.values())} other files ignored ({counts}; ingest.extensions says what is read)"
            raise NothingToPublish(f"no documents to publish ({found}); {kept}")
        name_table = self.table.rows()
        (self.staging / "names").mkdir(exist_ok=True)
        if name_table:
            write_parquet(name_table, self.staging / "names" / "train-00000-of-00001.parquet", NAME_TABLE_SCHEMA)
        # Opened in spreadsheets: no cell may start a formula (the parquet table keeps raw text).
        write_table(self.staging / "names.csv", list(NAME_TABLE_COLUMNS), name_table)
        write_charts(self.staging)
        translated = report.get("stages", {}).get("translate", {})
        self.info.untranslated = {key.split(".", 1)[1]: count for key, count in translated.items() if key.startswith("untranslated.")}
        card = dataset_card(self.info, self.languages, self.counters["documents"], len(name_table), self.staging, self.formats)
        (self.staging / "README.md").write_text(card, encoding="utf-8")
        (self.staging / PROGRESS_FILE).unlink()
        count = len(self.shards)
        proposals = any(row["status"] == "new" for row in name_table)
        for index, shard in enumerate(self.shards):
            final = self.staging / "data" / f"train-{index:05d}-of-{count:05d}.parquet"
            if proposals:
                self._regroup_shard(self.staging / "data" / shard["file"], final)
            else:
                (self.staging / "data" / shard["file"]).rename(final)
            (self.staging / "data" / _names_file(shard["file"])).unlink()
        # What makes the folder recognizably ours (swap.is_our_dataset), whoever built the report.
        report.setdefault("name", self.info.name)
        report.setdefault("pipeline_version", self.info.pipeline_version)
        report.setdefault("config_hash", self.info.config_hash)
        # What the run wrote: a names.csv that differs later was edited by a reviewer.
        report.setdefault("names", {})["table_sha256"] = table_digest(self.staging / "names.csv")
        registry = self.info.normalize.registry
        # Under the lock the review page saves under: a save lands in the old dataset before the
        # swap (and is kept, if not applied) or in the new one after it, never in between.
        with dataset_lock(registry):
            check_target(self.target)
            if unapplied := keep_unapplied_review(self.target, registry):
                report["names"]["unapplied_review_kept"] = unapplied.name
            (self.staging / "run_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            swap_into_place(self.staging, self.target)
        return self.target
