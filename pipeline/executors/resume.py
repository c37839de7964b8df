"""Resuming, the executors' side (as datatrove's `completions/`): a record per completed shard.

The sink tells the executor of each shard it completes; the executor writes the shard's record,
with the config hash and the size and modification time of the shard's input files, into
`<staging>-completions/`. A run started again with the same config takes over the shards whose
records all still hold (files there, inputs unchanged): the reader skips their files and the
sink continues after them. Otherwise the staging folder is cleared and the run starts afresh.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.files import write_text_atomically
from pipeline.step import Reader, Sink, StepStats


def completions_folder(staging: Path) -> Path:
    """Beside the staging folder, not in it: nothing of it is ever published."""
    return staging.with_name(staging.name + "-completions")


def completed_shards(staging: Path) -> list[dict[str, Any]]:
    """The records of the shards completed so far, in shard order (what a test or Ctrl-C reads)."""
    records = []
    for path in sorted(completions_folder(staging).glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def input_stamps(reader: Reader) -> dict[str, list[int]]:
    """Size and modification time of each input file: what tells a resumed run a file changed."""
    stamps = {}
    for path in reader.files():
        with contextlib.suppress(OSError):  # vanished since listing: the reader will report it
            status = path.stat()
            stamps[reader.source_of(path)] = [status.st_size, status.st_mtime_ns]
    return stamps


@dataclass
class ResumeStats(StepStats):
    """What the run took over from an interrupted one: its part of the report."""

    documents: int = 0
    # Paragraphs per language of the shards taken over: the run report counts the whole run.
    paragraphs: Counter[str] = field(default_factory=Counter)

    def report_sections(self) -> dict[str, dict[str, Any]]:
        return {
            "documents": {"read": self.documents, "resumed": self.documents},
            "languages": {"paragraphs": self.paragraphs},
        }


class Completions:
    """The completion records of one run's shards: what it takes over, and what it completes."""

    def __init__(self, sink: Sink, config_hash: str, stamps: dict[str, list[int]]) -> None:
        self.sink = sink
        self.staging = sink.staging
        self.folder = completions_folder(sink.staging)
        self.config_hash = config_hash
        self.stamps = stamps
        self.stats = ResumeStats("resume")
        self.taken_over: list[dict[str, Any]] = []
        self.recorded = 0  # records there are

    def _usable(self, record: Any) -> bool:
        if not isinstance(record, dict) or record.get("config_hash") != self.config_hash:
            return False
        shard = record.get("shard")
        return (
            isinstance(shard, dict)
            and isinstance(shard.get("sources"), list)
            and self.sink.keeps(shard)
            and all(record.get("stamps", {}).get(source) == self.stamps.get(source) for source in shard["sources"])
        )

    def take_over(self) -> list[dict[str, Any]]:
        """The shards of an interrupted run of the same config, or none (and a clean slate)."""
        records = completed_shards(self.staging)
        if not records or not all(self._usable(record) for record in records):
            self.clear()
            return []
        self.taken_over = [record["shard"] for record in records]
        self.recorded = len(records)
        for shard in self.taken_over:
            self.stats.documents += shard["rows"]
            self.stats.paragraphs.update(shard.get("paragraphs", {}))
        return self.taken_over

    def record(self, shard: dict[str, Any]) -> None:
        """A shard is complete: its record, written atomically, makes it one to take over."""
        stamps = {source: self.stamps.get(source) for source in shard["sources"]}
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"config_hash": self.config_hash, "shard": shard, "stamps": stamps}
        # Numbered in the order the sink completed them: the order they are taken over in.
        write_text_atomically(self.folder / f"{self.recorded:05d}.json", json.dumps(record, ensure_ascii=False))
        self.recorded += 1

    def clear(self) -> None:
        """A clean slate: no staged shard, no record."""
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.forget()

    def forget(self) -> None:
        """The records, once the dataset is published (or there was nothing to publish)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def resume(reader: Reader, sink: Sink, config_hash: str) -> Completions:
    """Hand an interrupted run's shards to the sink and their files to the reader; from now on
    record each shard the sink completes."""
    completions = Completions(sink, config_hash, input_stamps(reader))
    if shards := completions.take_over():
        sink.take_over(shards)
        reader.take_over({source for shard in shards for source in shard["sources"]})
    sink.on_shard = completions.record
    return completions
