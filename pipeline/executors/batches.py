"""Documents as Arrow tables between Ray stages: one typed column per field of the full record
(`Document.to_record`, the unpublished fields too). The name records are a JSON string: their
keys vary by kind. The steps' stats of a batch travel beside it (executors/ray.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from pipeline.schema import Document
from pipeline.step import StepStats

# A step's stats from a worker: (step name, seconds, stats).
StatsEntry = tuple[str, float, StepStats]

_PARAGRAPH = pa.struct([("text", pa.string()), ("lang", pa.string()), ("lang_score", pa.float64()), ("text_en", pa.string())])
_MENTION = pa.struct(
    [
        ("entity_id", pa.string()),
        ("canonical", pa.string()),
        ("variant", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("method", pa.string()),
        ("score", pa.float64()),
        ("field", pa.string()),
    ]
)
RECORD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("text", pa.string()),
        ("paragraphs", pa.list_(_PARAGRAPH)),
        ("url", pa.string()),
        ("title", pa.string()),
        ("title_en", pa.string()),
        ("published", pa.string()),
        ("outlet", pa.string()),
        ("lang", pa.string()),
        ("lang_score", pa.float64()),
        ("text_en", pa.string()),
        ("text_en_normalized", pa.string()),
        ("names", pa.list_(_MENTION)),
        ("translation_model", pa.string()),
        ("pipeline_version", pa.string()),
        ("config_hash", pa.string()),
        ("name_records", pa.string()),
        ("furniture_lines", pa.int64()),
        ("title_paragraph", _PARAGRAPH),
        ("input_file", pa.string()),
        ("input_format", pa.string()),
    ]
)


def _row(document: Document) -> dict[str, Any]:
    """`Document.to_record` without its deep copies (they were most of a batch's conversion):
    Arrow reads the fields and keeps nothing of the objects."""
    title = document.title_paragraph
    return vars(document) | {
        "paragraphs": [vars(paragraph) for paragraph in document.paragraphs],
        "names": [vars(mention) for mention in document.names],
        "name_records": json.dumps(document.name_records, ensure_ascii=False),
        "title_paragraph": vars(title) if title is not None else None,
    }


def to_table(documents: Iterable[Document]) -> pa.Table:
    return pa.Table.from_pylist([_row(document) for document in documents], schema=RECORD_SCHEMA)


def from_table(table: pa.Table) -> list[Document]:
    documents = []
    for row in table.to_pylist():
        row["name_records"] = json.loads(row["name_records"])
        documents.append(Document.from_record(row))
    return documents
