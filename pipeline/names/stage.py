"""Normalize: every spelling of a registry name in text_en becomes its canonical name.

Known spellings are replaced everywhere; unknown ones found by transliteration-aware similarity
are replaced when they score at least `auto_threshold` and listed as `pending` for review when
they score between the two thresholds. Every (variant, entity) pair seen in a document, native
forms in the original text included, is attached to it as a name record; the publish step folds
those into the name table that people review.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.config import NormalizeConfig
from pipeline.names.matching import Mention, NameIndex, find_mentions
from pipeline.names.registry import Registry
from pipeline.schema import Document, NameMention, Stage

EXAMPLE_CONTEXT = 60
# A native form that morphology cannot confirm: listed for review, never applied.
UNSURE_SCORE = 0.85


def _example(text: str, start: int, end: int) -> str:
    left = max(0, start - EXAMPLE_CONTEXT)
    right = min(len(text), end + EXAMPLE_CONTEXT)
    return ("…" if left else "") + " ".join(text[left:right].split()) + ("…" if right < len(text) else "")


def normalize_text(text: str, mentions: list[Mention]) -> tuple[str, list[NameMention]]:
    """Replace applied mentions by canonical names; offsets point into the new text."""
    parts: list[str] = []
    names: list[NameMention] = []
    position = 0
    length = 0
    for mention in mentions:
        if not mention.applied or mention.start < position:
            continue
        before = text[position : mention.start]
        parts.append(before)
        length += len(before)
        canonical = mention.entity.canonical
        names.append(
            NameMention(mention.entity.id, canonical, mention.text, length, length + len(canonical), mention.method, mention.score)
        )
        parts.append(canonical)
        length += len(canonical)
        position = mention.end
    parts.append(text[position:])
    return "".join(parts), names


def _record(variant: str, entity_id: str, canonical: str, method: str, score: float, applied: bool, example: str) -> dict[str, Any]:
    return {
        "variant": variant,
        "entity_id": entity_id,
        "canonical": canonical,
        "method": method,
        "score": score,
        "applied": applied,
        "example": example,
    }


class Normalize(Stage):
    name = "normalize"

    def __init__(self, config: NormalizeConfig, registry: Registry | None) -> None:
        super().__init__()
        self.config = config
        self.registry = registry
        self.index = NameIndex(registry.entities.values(), registry.rejected) if registry else None

    @classmethod
    def from_config(cls, config: NormalizeConfig, registry: Registry | None) -> Normalize:
        return cls(config, registry if config.enabled else None)

    def normalize_document(self, document: Document) -> Document:
        if self.index is None or self.registry is None:
            document.text_en_normalized = document.text_en
            return document
        mentions = find_mentions(document.text_en, self.index, self.config.auto_threshold, self.config.review_threshold)
        document.text_en_normalized, document.names = normalize_text(document.text_en, mentions)
        records = []
        for mention in mentions:
            example = _example(document.text_en, mention.start, mention.end)
            records.append(
                _record(mention.text, mention.entity.id, mention.entity.canonical, mention.method, mention.score, mention.applied, example)
            )
            self.counters["mentions_applied" if mention.applied else "mentions_pending"] += 1
        for native in self.registry.native_matcher.find(document.text):
            variant = document.text[native.start : native.end]
            if not self.index.is_rejected(variant, native.entity.id):
                example = _example(document.text, native.start, native.end)
                if native.sure:
                    records.append(_record(variant, native.entity.id, native.entity.canonical, "known-variant", 1.0, True, example))
                    self.counters["native_forms"] += 1
                else:  # morphology could not tell ("Свердлина" alone): the translation decided
                    records.append(
                        _record(variant, native.entity.id, native.entity.canonical, "native-unsure", UNSURE_SCORE, False, example)
                    )
                    self.counters["native_forms_unsure"] += 1
        document.name_records = records
        return document

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            yield self.normalize_document(document)
