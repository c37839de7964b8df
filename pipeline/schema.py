"""What every stage shares: the record (see DESIGN.md, "Record schema"). The stage itself, a
step, is pipeline/step.py's."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


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
    # Which published text the offsets point into: `text_en` (for `text_en_normalized`) or
    # `title_en` for a headline; `text` or `title` for a name found in the source text (a
    # Russian or Thai document lists its names even where nothing was translated).
    field: str = "text_en"


@dataclass
class Document:
    id: str
    source: str
    text: str
    paragraphs: list[Paragraph]
    url: str | None = None
    title: str | None = None
    title_en: str | None = None  # the title in English, its names canonical (as text_en_normalized)
    published: str | None = None  # ISO date (YYYY-MM-DD); a date in the parquet
    outlet: str | None = None
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
    # Not published either: lines of site furniture ingest dropped, for the run report.
    furniture_lines: int = 0
    # Not published: the title as a paragraph of its own, so that it is detected and translated
    # as the body is (its text_en, normalized, becomes `title_en`).
    title_paragraph: Paragraph | None = None
    # Not published: the input file the document came from (its `source` unless it is one record
    # of an archive, "crawl.warc.gz#<record id>"), for resuming by file; and the format read.
    input_file: str = ""
    input_format: str = ""

    def to_record(self) -> dict[str, Any]:
        """Everything, for passing documents between processes (Ray batches)."""
        return asdict(self)

    def to_row(self) -> dict[str, Any]:
        """The published columns, built by hand: dataclasses.asdict deep-copies every nested
        value and cost a tenth of a run. A test holds this to asdict's fields and values."""
        return {
            "id": self.id,
            "source": self.source,
            "text": self.text,
            "paragraphs": [{"text": p.text, "lang": p.lang, "lang_score": p.lang_score, "text_en": p.text_en} for p in self.paragraphs],
            "url": self.url,
            "title": self.title,
            "title_en": self.title_en,
            "published": dt.date.fromisoformat(self.published) if self.published else None,
            "outlet": self.outlet,
            "lang": self.lang,
            "lang_score": self.lang_score,
            "text_en": self.text_en,
            "text_en_normalized": self.text_en_normalized,
            "names": [
                {
                    "entity_id": n.entity_id,
                    "canonical": n.canonical,
                    "variant": n.variant,
                    "start": n.start,
                    "end": n.end,
                    "method": n.method,
                    "score": n.score,
                    "field": n.field,
                }
                for n in self.names
            ],
            "translation_model": self.translation_model,
            "pipeline_version": self.pipeline_version,
            "config_hash": self.config_hash,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Document:
        record = dict(record)
        record["paragraphs"] = [Paragraph(**p) for p in record["paragraphs"]]
        record["names"] = [NameMention(**n) for n in record["names"]]
        record["name_records"] = list(record.get("name_records") or [])
        if record.get("title_paragraph") is not None:
            record["title_paragraph"] = Paragraph(**record["title_paragraph"])
        return cls(**record)


PARAGRAPH_SEPARATOR = "\n\n"


def document_id(source: str, text: str, part: str = "") -> str:
    """Stable id: the same source path, part (e.g. JSONL line) and text give the same id."""
    digest = hashlib.sha256(f"{source}\x00{part}\x00{text}".encode()).hexdigest()
    return digest[:16]


COLUMN_MEANINGS = {
    "id": "stable id: a hash of the source path (and JSONL line) and the text, the same on every run",
    "source": "path of the raw file relative to the input folder",
    "url": "the article's address found in the file, unwrapped from proxies (null where absent)",
    "title": "the headline found in the file (null where absent); a text file's headline is also the first line of `text`",
    "title_en": "the headline in English: translated with the body's models, cache and name protection, English ones as they were, every known spelling of a name replaced by its canonical name (null where there is no title)",
    "published": "publication date found in the file: a date line, byline or page metadata (null where absent; never a date the body mentions)",
    "outlet": "the publisher: a known outlet's name (The Moscow Times, RFE/RL, DW, ...), else the site name, the title suffix or the URL's registered domain (null where none)",
    "lang": "language of the document (ISO 639-1), `und` where unsure",
    "lang_score": "confidence of `lang`, 0..1",
    "text": "original text, paragraphs separated by a blank line",
    "text_en": "English text: translated paragraphs; English paragraphs and those with nothing to translate (a link, a number) as they were",
    "text_en_normalized": "`text_en` with every known spelling of a name replaced by its canonical name",
    "names": "name mentions: entity id, canonical name, spelling found, offsets into the text `field` names (`text_en` for `text_en_normalized`, `title_en` for the headline; `text` and `title` for names found in the source text, which is never rewritten), method and score",
    "paragraphs": "per paragraph: original text, language, confidence and English text",
    "translation_model": "model id@revision that translated the document (null where nothing was translated)",
    "pipeline_version": "version of the pipeline that made the row",
    "config_hash": "hash of the run config settings that shape the rows",
}

# The name table's columns (config `names`, and names.csv for review).
NAME_TABLE_MEANINGS = {
    "variant": "a spelling found (a Russian name found by NER: in the nominative)",
    "canonical": "the registry's canonical name, or the one proposed for a discovered group",
    "entity_id": "the registry's id, or a proposed group's (`new-` and its canonical romanized)",
    "method": "how the spelling was found: `exact`, `known-variant`, a fuzzy method, `native-unsure`, `discovered`",
    "score": "how sure the match is, 0..1 (0 for a discovered name)",
    "count": "mentions of the spelling",
    "documents": "documents that mention it",
    "example": "one context of it",
    "status": "`known`, `auto`, `pending`, `new` (the run's); `accepted`, `rejected`, `not_a_name` (a reviewer's)",
    "type": "person, place, organisation or media (empty where nobody knows)",
    "reason": "why the spelling is in its group (`transliteration key`, `same article full form`, `acronym defined in <source>`, "
    "`exonym list`, `corpus merge (<rule>)`, `registry variant`, ...); for the reviewer: `names apply` ignores it",
}
