"""The record schema every stage shares (see DESIGN.md, "Record schema")."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import datasets


@dataclass
class Paragraph:
    text: str
    lang: str = "und"
    lang_score: float = 0.0
    text_en: str = ""


@dataclass
class NameMention:
    entity_id: str
    canonical: str
    variant: str
    start: int
    end: int
    method: str
    score: float


@dataclass
class Document:
    id: str
    source: str
    text: str
    paragraphs: list[Paragraph]
    url: str | None = None
    title: str | None = None
    published: str | None = None
    lang: str = "und"
    lang_score: float = 0.0
    text_en: str = ""
    text_en_normalized: str = ""
    names: list[NameMention] = field(default_factory=list)
    translation_model: str | None = None
    pipeline_version: str = ""
    config_hash: str = ""
    # Travels between stages but is not published: what normalize saw, for the name table.
    name_records: list[dict[str, Any]] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """Everything, for passing documents between processes (Ray batches)."""
        return asdict(self)

    def to_row(self) -> dict[str, Any]:
        """The published columns."""
        row = asdict(self)
        del row["name_records"]
        return row

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Document:
        record = dict(record)
        record["paragraphs"] = [Paragraph(**p) for p in record["paragraphs"]]
        record["names"] = [NameMention(**n) for n in record["names"]]
        record["name_records"] = list(record.get("name_records") or [])
        return cls(**record)


PARAGRAPH_SEPARATOR = "\n\n"


def document_id(source: str, text: str, part: str = "") -> str:
    """Stable id: the same source path, part (e.g. JSONL line) and text give the same id."""
    digest = hashlib.sha256(f"{source}\x00{part}\x00{text}".encode()).hexdigest()
    return digest[:16]


def _string() -> datasets.Value:
    return datasets.Value("string")


FEATURES = datasets.Features(
    {
        "id": _string(),
        "source": _string(),
        "url": _string(),
        "title": _string(),
        "published": _string(),
        "lang": _string(),
        "lang_score": datasets.Value("float32"),
        "text": _string(),
        "text_en": _string(),
        "text_en_normalized": _string(),
        "names": datasets.List(
            {
                "entity_id": _string(),
                "canonical": _string(),
                "variant": _string(),
                "start": datasets.Value("int32"),
                "end": datasets.Value("int32"),
                "method": _string(),
                "score": datasets.Value("float32"),
            }
        ),
        "paragraphs": datasets.List(
            {
                "text": _string(),
                "lang": _string(),
                "lang_score": datasets.Value("float32"),
                "text_en": _string(),
            }
        ),
        "translation_model": _string(),
        "pipeline_version": _string(),
        "config_hash": _string(),
    }
)

# What each published column means (the dataset card lists it beside the type).
COLUMN_MEANINGS = {
    "id": "stable id: a hash of the source path (and JSONL line) and the text, the same on every run",
    "source": "path of the raw file relative to the input folder",
    "url": "the article's address found in the file (null where absent)",
    "title": "the headline found in the file (null where absent)",
    "published": "publication date YYYY-MM-DD found in the file (null where absent; never guessed from the body)",
    "lang": "language of the document (ISO 639-1), `und` where unsure",
    "lang_score": "confidence of `lang`, 0..1",
    "text": "original text, paragraphs separated by a blank line",
    "text_en": "English text: translated paragraphs, English paragraphs as they were",
    "text_en_normalized": "`text_en` with every known spelling of a name replaced by its canonical name",
    "names": "name mentions: entity id, canonical name, spelling found, offsets into `text_en_normalized`, method and score",
    "paragraphs": "per paragraph: original text, language, confidence and English text",
    "translation_model": "model id@revision that translated the document (null where nothing was translated)",
    "pipeline_version": "version of the pipeline that made the row",
    "config_hash": "hash of the run config settings that shape the rows",
}

NAME_TABLE_FEATURES = datasets.Features(
    {
        "variant": _string(),
        "canonical": _string(),
        "entity_id": _string(),
        "method": _string(),
        "score": datasets.Value("float32"),
        "count": datasets.Value("int32"),
        "documents": datasets.Value("int32"),
        "example": _string(),
        "status": _string(),
    }
)
