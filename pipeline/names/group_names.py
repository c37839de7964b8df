"""Group names: the corpus-wide step. Once every document is staged, the name records of all of
them make the name table, whose proposed groups merge what no single document could see; each
staged shard is then rewritten with its mentions under the corpus's groups (and, with
`normalize.apply_proposals`, its English texts with the groups' canonicals).

It reads the shards' name records in shard order, an interrupted run's shards first, so the table
comes out as if the documents had streamed through once.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import RunConfig
from pipeline.files import atomic_target
from pipeline.names.table import NameTable, regroup_mentions
from pipeline.step import StagedDataset, Step, StepContext, StepKind, StepStats, register_step

# Rows rewritten at a time: a whole shard's table is some 150 MB.
ROW_BATCH = 256
# (name in `names`, column of the text it points into); the source texts (`text`, `title`) are
# the user's and never change: their mentions take the corpus's ids and canonicals only.
FIELDS = (("title_en", "title_en"), ("text_en", "text_en_normalized"), ("title", "title"), ("text", "text"))
REWRITTEN = ("title_en", "text_en_normalized")


@dataclass
class GroupStats(StepStats):
    table: list[dict[str, Any]] = field(default_factory=list)
    # Publish did this work before it was a step: the report keeps the stages it had.
    in_stages: ClassVar[bool] = False

    def report_sections(self) -> dict[str, dict[str, Any]]:
        statuses = Counter(row["status"] for row in self.table)
        # Rows per status, as names.csv has them: what the reviewer has to look at.
        return {"names": {"table_rows": len(self.table), "table_statuses": dict(sorted(statuses.items()))}}


@register_step
class GroupNames(Step):
    name = "group_names"
    kind: ClassVar[StepKind] = "corpus"
    stats: GroupStats

    def __init__(self, apply_proposals: bool = False) -> None:
        super().__init__()
        self.apply_proposals = apply_proposals

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> GroupNames:
        return cls(config.normalize.apply_proposals)

    def new_stats(self) -> GroupStats:
        return GroupStats(self.name)

    def run_corpus(self, staged: StagedDataset) -> None:
        table = NameTable()
        for shard in staged.shards:
            with shard.names.open(encoding="utf-8") as lines:
                for line in lines:
                    document_id, records = json.loads(line)
                    table.add(document_id, records)
        staged.name_table = self.stats.table = table.rows()
        if any(row["status"] == "new" for row in staged.name_table):
            for shard in staged.shards:
                self._regroup_shard(shard.file, shard.rewritten, table)

    def _regroup_shard(self, shard: Path, rewritten: Path, table: NameTable) -> None:
        """The shard with its documents' proposed names as the corpus grouped them (see
        `regroup_mentions`), a batch of rows at a time, in the shard's own schema."""
        source = pq.ParquetFile(shard)
        schema = source.schema_arrow
        with atomic_target(rewritten) as temporary, pq.ParquetWriter(temporary, schema) as writer:
            for batch in source.iter_batches(batch_size=ROW_BATCH):
                rows = batch.to_pylist()
                for row in rows:
                    row["names"] = self._regroup_row(row, table)
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))

    def _regroup_row(self, row: dict[str, Any], table: NameTable) -> list[dict[str, Any]]:
        """One row's mentions regrouped; the English texts rewritten where proposals apply."""
        regrouped = []
        for field_name, column in FIELDS:
            names = [name for name in row["names"] if name["field"] == field_name]
            if not names or row[column] is None:
                regrouped += names
                continue
            rewrite = self.apply_proposals and column in REWRITTEN
            text, names = regroup_mentions(row[column], names, table, rewrite, row["id"])
            if rewrite:
                row[column] = text
            regrouped += names
        return regrouped
