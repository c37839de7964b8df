"""The published columns: parquet schemas carrying the Hugging Face features metadata the loader reads.

Built with pyarrow alone: importing `datasets` for its column types cost every run about 1.5 s
and 140 MB before the first document. A test holds these schemas to what `datasets.Features`
makes of the same types, metadata included.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

# A column's type: a datasets dtype name, or a list of records ([{field: dtype}]).
ColumnType = str | list[dict[str, str]]

DOCUMENT_COLUMNS: dict[str, ColumnType] = {
    "id": "string",
    "source": "string",
    "url": "string",
    "outlet": "string",
    "title": "string",
    "title_en": "string",
    "published": "date32",
    "lang": "string",
    "lang_score": "float32",
    "text": "string",
    "text_en": "string",
    "text_en_normalized": "string",
    "names": [
        {
            "entity_id": "string",
            "canonical": "string",
            "variant": "string",
            "start": "int32",
            "end": "int32",
            "method": "string",
            "score": "float32",
            "field": "string",
        }
    ],
    "paragraphs": [{"text": "string", "lang": "string", "lang_score": "float32", "text_en": "string"}],
    "translation_model": "string",
    "pipeline_version": "string",
    "config_hash": "string",
}

NAME_TABLE_COLUMNS: dict[str, ColumnType] = {
    "variant": "string",
    "canonical": "string",
    "entity_id": "string",
    "method": "string",
    "score": "float32",
    "count": "int32",
    "documents": "int32",
    "example": "string",
    "status": "string",
    "type": "string",
    "reason": "string",
}

_ARROW_TYPES = {"string": pa.string(), "int32": pa.int32(), "float32": pa.float32(), "date32": pa.date32()}


def _arrow_type(kind: ColumnType) -> pa.DataType:
    if isinstance(kind, str):
        return _ARROW_TYPES[kind]
    return pa.list_(pa.struct([(name, _ARROW_TYPES[dtype]) for name, dtype in kind[0].items()]))


def _feature(kind: ColumnType) -> dict[str, Any]:
    """The column as `datasets.Features.to_dict()` writes it (Value, and List of a dict)."""
    if isinstance(kind, str):
        return {"dtype": kind, "_type": "Value"}
    return {"feature": {name: _feature(dtype) for name, dtype in kind[0].items()}, "_type": "List"}


def arrow_schema(columns: dict[str, ColumnType]) -> pa.Schema:
    features = {"info": {"features": {name: _feature(kind) for name, kind in columns.items()}}}
    return pa.schema([(name, _arrow_type(kind)) for name, kind in columns.items()], metadata={"huggingface": json.dumps(features)})


def describe(kind: ColumnType) -> str:
    """A column's type in words, for the dataset card: `string`, `list of {text: string, ...}`."""
    if isinstance(kind, str):
        return kind
    return "list of {" + ", ".join(f"{name}: {dtype}" for name, dtype in kind[0].items()) + "}"


DOCUMENT_SCHEMA = arrow_schema(DOCUMENT_COLUMNS)
NAME_TABLE_SCHEMA = arrow_schema(NAME_TABLE_COLUMNS)
