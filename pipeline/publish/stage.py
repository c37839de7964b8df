"""Publish: write the documents as a Hugging Face dataset in the Hub layout, atomically.

<output>/<name>/README.md            dataset card (YAML header with configs, languages, license)
<output>/<name>/data/*.parquet       the documents, with explicit datasets.Features
<output>/<name>/names/*.parquet      the name table (config "names"), also as names.csv
<output>/<name>/run_report.json      what the run did, skipped and how long it took

Everything is written to a hidden staging folder first and renamed into place at the end, so
an interrupted run never leaves a half-written dataset where a complete one stood. The executor
records each shard as it is completed (pipeline/executors/resume.py) and hands an interrupted
run's shards back (`take_over`); corpus steps (grouping names) rewrite them after the barrier.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.files import atomic_target
from pipeline.names.table.spreadsheet import write_table
from pipeline.publish.card import CardInfo, dataset_card
from pipeline.publish.charts import write_charts
from pipeline.publish.features import DOCUMENT_SCHEMA, NAME_TABLE_COLUMNS, NAME_TABLE_SCHEMA
from pipeline.publish.swap import check_target, dataset_lock, keep_unapplied_review, swap_into_place, table_digest
from pipeline.schema import Document
from pipeline.step import Sink, StagedDataset, StagedShard, StepContext, StepStats, register_step


class NothingToPublish(Exception):
    """A run with no document to publish: the dataset already in place is left as it was."""


def staging_folder(output: Path, name: str) -> Path:
    """Where a run writes its shards before the dataset is moved into place (and resumes from)."""
    return output / f".{name}.partial"


def write_parquet(rows: list[dict[str, Any]], path: Path, schema: pa.Schema) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    with atomic_target(path) as temporary:
        pq.write_table(table, temporary)


@dataclass
class StagedRows:
    """Documents as a shard takes them, made where the documents are (a Ray worker), so that the
    process that stages them only writes: their rows (an Arrow table of DOCUMENT_SCHEMA) and, for
    each, its line of name records and what the shard counts of it."""

    rows: pa.Table
    names: list[str]
    files: list[str]
    languages: list[str]
    formats: list[str]
    paragraphs: list[list[str]]

    @classmethod
    def of(cls, documents: list[Document]) -> StagedRows:
        return cls(
            rows=pa.Table.from_pylist([document.to_row() for document in documents], schema=DOCUMENT_SCHEMA),
            names=[json.dumps([document.id, document.name_records], ensure_ascii=False) for document in documents],
            files=[input_file(document) for document in documents],
            languages=[document.lang for document in documents],
            formats=[document.input_format or UNKNOWN_FORMAT for document in documents],
            paragraphs=[[paragraph.lang for paragraph in document.paragraphs] for document in documents],
        )


class _ShardWriter:
    """One shard in the making: rows go to parquet a row group at a time, so memory stays flat.

    A row comes as a document's (`add`) or as one of a batch's rows made elsewhere (`add_staged`);
    a row group is written the same either way, whole."""

    ROW_GROUP = 256

    def __init__(self, folder: Path, file: str) -> None:
        self.folder, self.file = folder, file
        self.writer = pq.ParquetWriter(folder / f"{file}.partial", DOCUMENT_SCHEMA)
        self.names = (folder / f"{names_file(file)}.partial").open("w", encoding="utf-8")
        self.buffer: list[dict[str, Any]] = []
        # Rows of staged batches not written yet: (table, first row, end), in order.
        self.pieces: list[tuple[pa.Table, int, int]] = []
        self.pending = 0
        self.rows = 0
        self.sources: list[str] = []
        self.languages: Counter[str] = Counter()
        self.paragraphs: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()

    def add(self, document: Document) -> None:
        self.buffer.append(document.to_row())
        names = json.dumps([document.id, document.name_records], ensure_ascii=False)
        paragraphs = [paragraph.lang for paragraph in document.paragraphs]
        self._count(names, input_file(document), document.lang, document.input_format or UNKNOWN_FORMAT, paragraphs)

    def add_staged(self, batch: StagedRows, row: int) -> None:
        if self.pieces and self.pieces[-1][0] is batch.rows and self.pieces[-1][2] == row:
            self.pieces[-1] = (batch.rows, self.pieces[-1][1], row + 1)
        else:
            self.pieces.append((batch.rows, row, row + 1))
        self._count(batch.names[row], batch.files[row], batch.languages[row], batch.formats[row], batch.paragraphs[row])

    def _count(self, names: str, source: str, language: str, format_: str, paragraphs: list[str]) -> None:
        self.pending += 1
        if self.pending >= self.ROW_GROUP:
            self._write()
        self.names.write(names + "\n")
        if not self.sources or self.sources[-1] != source:
            self.sources.append(source)
        self.languages[language] += 1
        self.formats[format_] += 1
        self.paragraphs.update(paragraphs)
        self.rows += 1

    def _write(self) -> None:
        if self.pieces:  # one contiguous table, as the rows of documents make: the same bytes
            table = pa.concat_tables(rows.slice(start, end - start) for rows, start, end in self.pieces).combine_chunks()
        else:
            table = pa.Table.from_pylist(self.buffer, schema=DOCUMENT_SCHEMA)
        self.writer.write_table(table)
        self.buffer, self.pieces, self.pending = [], [], 0

    def close(self) -> dict[str, Any]:
        """Finish both files and give them their names; return the shard's completion entry."""
        if self.pending:
            self._write()
        self.writer.close()
        self.names.close()
        os.replace(self.folder / f"{self.file}.partial", self.folder / self.file)
        os.replace(self.folder / f"{names_file(self.file)}.partial", self.folder / names_file(self.file))
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


def names_file(shard_file: str) -> str:
    """The name records of a shard's documents, kept beside it until the run is complete."""
    return shard_file.replace(".parquet", ".names.jsonl")


@dataclass
class PublishStats(StepStats):
    languages: Counter[str] = field(default_factory=Counter)
    # Documents published per input format (pdf, warc, ...), taken-over shards' too: report and card.
    formats: Counter[str] = field(default_factory=Counter)

    def report_sections(self) -> dict[str, dict[str, Any]]:
        return {
            "documents": {"published": self.counters["documents"], "formats": dict(sorted(self.formats.items()))},
            "languages": {"documents": dict(sorted(self.languages.items()))},
        }


@register_step
class Publish(Sink):
    """Streams documents into parquet shards in a staging folder; `finalize` moves it into place.

    Shards end at file boundaries, so that an interrupted run's shards can be taken over whole:
    the files in them are not read again, and the shards come out exactly as an uninterrupted
    run would have written them.
    """

    name = "publish"
    stats: PublishStats

    def __init__(self, output: Path, info: CardInfo, shard_rows: int) -> None:
        super().__init__()
        self.target = output / info.name
        self._staging = staging_folder(output, info.name)
        self.info = info
        self.shard_rows = shard_rows
        self.shards: list[dict[str, Any]] = []
        self._shard: _ShardWriter | None = None  # the one being written
        self._staged: StagedDataset | None = None

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> Publish:
        """The card tells of the models the translate step said it uses (none without it)."""
        info = CardInfo(
            name=config.name,
            license=config.publish.license,
            pretty_name=config.publish.pretty_name,
            pipeline_version=__version__,
            config_hash=config.content_hash(),
            models=context.shared.get("translation.models", {}),
            tiny_models=context.shared.get("translation.tiny_models", []),
            path=(config.output / config.name).as_posix(),
            repo_id=config.publish.repo_id if config.publish.push_to_hub else None,
            detect=config.detect,
            translate=config.translate,
            normalize=config.normalize,
        )
        return cls(config.output, info, config.publish.shard_rows)

    def new_stats(self) -> PublishStats:
        return PublishStats(self.name)

    @property
    def staging(self) -> Path:
        return self._staging

    def take_over(self, shards: list[dict[str, Any]]) -> None:
        for shard in shards:
            self.shards.append(shard)
            self.stats.languages.update(shard["languages"])
            self.stats.formats.update(shard.get("formats", {}))
            self.counters["documents"] += shard["rows"]

    def keeps(self, shard: dict[str, Any]) -> bool:
        data = self.staging / "data"
        return (data / shard["file"]).exists() and (data / names_file(shard["file"])).exists()

    def _finish(self, shard: _ShardWriter) -> None:
        entry = shard.close()
        self.shards.append(entry)
        if self.on_shard is not None:
            self.on_shard(entry)

    def _new_shard(self) -> _ShardWriter:
        (self.staging / "data").mkdir(parents=True, exist_ok=True)
        return _ShardWriter(self.staging / "data", f"shard-{len(self.shards):05d}.parquet")

    def _shard_for(self, source: str, language: str, format_: str) -> _ShardWriter:
        """The shard the next document (from input file `source`) goes to; counted."""
        # A file's documents (an archive's pages) stay in one shard: resuming goes by file.
        if self._shard and source != self._shard.sources[-1] and self._shard.rows >= self.shard_rows:
            self._finish(self._shard)
            self._shard = None
        if self._shard is None:
            self._shard = self._new_shard()
        self.stats.languages[language] += 1
        self.stats.formats[format_] += 1
        self.counters["documents"] += 1
        return self._shard

    def _finish_last(self) -> None:
        if self._shard or not self.shards:
            self._finish(self._shard or self._new_shard())
        self._shard = None

    def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        for document in documents:
            self._shard_for(input_file(document), document.lang, document.input_format or UNKNOWN_FORMAT).add(document)
            yield document
        self._finish_last()

    def prepare(self, documents: list[Document]) -> StagedRows:
        return StagedRows.of(documents)

    def run_prepared(self, batches: Iterable[StagedRows]) -> Iterator[int]:
        for batch in batches:
            for row, source in enumerate(batch.files):
                self._shard_for(source, batch.languages[row], batch.formats[row]).add_staged(batch, row)
            yield len(batch.files)
        self._finish_last()

    def staged(self) -> StagedDataset:
        if self._staged is None:
            data = self.staging / "data"
            shards = [StagedShard(data / shard["file"], data / names_file(shard["file"])) for shard in self.shards]
            for shard in shards:  # an interrupted run's corpus steps wrote these: they write them again
                shard.rewritten.unlink(missing_ok=True)
            self._staged = StagedDataset(self.staging, shards)
        return self._staged

    def _nothing_to_publish(self, report: dict[str, Any]) -> NothingToPublish:
        shutil.rmtree(self.staging, ignore_errors=True)
        documents = report.get("documents", {})
        skipped = documents.get("skipped", [])
        first = f" (first: {skipped[0]['source']}: {skipped[0]['reason']})" if skipped else ""
        kept = f"{self.target} was left as it was" if self.target.exists() else "nothing was written"
        found = f"{documents.get('files', 0)} input files, {len(skipped)} skipped as bad input{first}"
        if ignored := documents.get("ignored_by_extension"):
            counts = ", ".join(f"{extension} {count}" for extension, count in ignored.items())
            found += f", {sum(ignored.values())} other files ignored ({counts}; ingest.extensions says what is read)"
        return NothingToPublish(f"no documents to publish ({found}); {kept}")

    def finalize(self, report: dict[str, Any]) -> Path:
        """Name table, card and report into staging, then swap staging for the old dataset.

        The shards keep their staged names until the name table, card and charts are written, so
        a run killed there still resumes from them. A run with no document replaces nothing:
        NothingToPublish; nor does one whose target is not a dataset of ours: OutputNotOurs.
        """
        if not self.counters["documents"]:
            raise self._nothing_to_publish(report)
        staged = self.staged()
        name_table = staged.name_table or []
        (self.staging / "names").mkdir(exist_ok=True)
        if name_table:
            write_parquet(name_table, self.staging / "names" / "train-00000-of-00001.parquet", NAME_TABLE_SCHEMA)
        # Opened in spreadsheets: no cell may start a formula (the parquet table keeps raw text).
        write_table(self.staging / "names.csv", list(NAME_TABLE_COLUMNS), name_table)
        # The shards as published: the corpus steps' rewritten ones where there are.
        files = [shard.current for shard in staged.shards]
        write_charts(self.staging, files)
        translated = report.get("stages", {}).get("translate", {})
        self.info.untranslated = {key.split(".", 1)[1]: count for key, count in translated.items() if key.startswith("untranslated.")}
        stats = self.stats
        card = dataset_card(self.info, stats.languages, self.counters["documents"], len(name_table), self.staging, stats.formats, files)
        (self.staging / "README.md").write_text(card, encoding="utf-8")
        count = len(staged.shards)
        for index, shard in enumerate(staged.shards):
            os.replace(shard.current, self.staging / "data" / f"train-{index:05d}-of-{count:05d}.parquet")
            shard.file.unlink(missing_ok=True)  # where a corpus step rewrote it
            shard.names.unlink()
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
