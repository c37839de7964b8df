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

from pipeline.config import NormalizeConfig, RunConfig
from pipeline.lang import TARGET, find_language
from pipeline.names.discovery import english_names, ner_spans, russian_names
from pipeline.names.grouping.keys import Discovered
from pipeline.names.grouping.reasons import in_document
from pipeline.names.matching.index import NameIndex
from pipeline.names.matching.mentions import Mention, find_mentions
from pipeline.names.ner import Span
from pipeline.names.registry import Registry, load_registry
from pipeline.names.table import NATIVE_UNSURE
from pipeline.schema import Document, NameMention
from pipeline.scripts import CYRILLIC
from pipeline.step import Step, StepContext, StepStats, register_step

EXAMPLE_CONTEXT = 60
# Documents whose Russian text is tagged together (natasha's network is cheaper on many texts
# at once), within this many characters of text held at a time.
NER_DOCUMENTS = 64
NER_CHARACTERS = 1_000_000
# A native form that morphology cannot confirm: listed for review, never applied.
UNSURE_SCORE = 0.85


def has_source_finder(lang: str) -> bool:
    """Whether names are found in this language's source text: its folder declares the NER the
    Russian finder (natasha's) runs; the names of any other language are found in translation."""
    language = find_language(lang)
    return language is not None and language.ner == "natasha"


def _example(text: str, start: int, end: int) -> str:
    left = max(0, start - EXAMPLE_CONTEXT)
    right = min(len(text), end + EXAMPLE_CONTEXT)
    return ("…" if left else "") + " ".join(text[left:right].split()) + ("…" if right < len(text) else "")


def normalize_text(text: str, mentions: list[Mention], field: str = "text_en") -> tuple[str, list[NameMention]]:
    """Replace applied mentions by canonical names; offsets point into the new text (of `field`)."""
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
            NameMention(mention.entity.id, canonical, mention.text, length, length + len(canonical), mention.method, mention.score, field)
        )
        parts.append(canonical)
        length += len(canonical)
        position = mention.end
    parts.append(text[position:])
    return "".join(parts), names


def _record(
    variant: str, entity_id: str, canonical: str, method: str, score: float, applied: bool, example: str, kind: str | None = None
) -> dict[str, Any]:
    return {
        "variant": variant,
        "entity_id": entity_id,
        "canonical": canonical,
        "method": method,
        "score": score,
        "applied": applied,
        "example": example,
        "type": kind,
    }


def _discovery(found: Discovered, source: str) -> dict[str, Any]:
    """What a discovered name's record says of its grouping: why it has its key, and (only where
    so) that its group is its document's unless the corpus joins it (the name table reads it)."""
    return (
        {"reason": in_document(found.reason, source)}
        | ({"per_article": True} if found.per_article else {})
        | ({"undecided": True} if found.undecided else {})
    )


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _shift(position: int, mentions: list[Mention]) -> int:
    """A text_en offset in text_en_normalized: each replacement before it moved the text."""
    applied = [m for m in mentions if m.applied]
    return position + sum(len(m.entity.canonical) - (m.end - m.start) for m in applied if m.end <= position)


def run_registry(config: RunConfig, context: StepContext) -> Registry | None:
    """The run's names registry, loaded once for the steps that use it: none where normalize is
    off and no registry file is there (translation then protects no name)."""

    def load() -> Registry | None:
        registry = config.normalize.registry
        if registry is None:
            return Registry(entities={}) if config.normalize.enabled else None
        if config.normalize.enabled or registry.exists():
            return load_registry(registry)
        return None

    found: Registry | None = context.once("names.registry", load)
    return found


class NormalizeStats(StepStats):
    def report_sections(self) -> dict[str, dict[str, Any]]:
        """Mentions applied, pending, discovered, native forms: the report's `names`."""
        return {"names": dict(sorted(self.counters.items()))}


@register_step
class Normalize(Step):
    name = "normalize"

    def __init__(self, config: NormalizeConfig, registry: Registry | None) -> None:
        super().__init__()
        self.config = config
        self.registry = registry
        self.index = NameIndex(registry.entities.values(), registry.rejected) if registry else None
        self._translated = False  # whether the English text being normalized is a translation
        self._source = ""  # the source of the document being normalized (the reasons name it)
        self._spans: dict[str, list[Span]] = {}  # NER spans of the Russian texts of the documents at hand

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> Normalize:
        return cls.from_config(config.normalize, run_registry(config, context))

    def new_stats(self) -> StepStats:
        return NormalizeStats(self.name)

    @classmethod
    def from_config(cls, config: NormalizeConfig, registry: Registry | None) -> Normalize:
        return cls(config, registry if config.enabled else None)

    def normalize_document(self, document: Document) -> Document:
        title = document.title_paragraph
        if self.index is None or self.registry is None:
            document.text_en_normalized = document.text_en
            document.title_en = title.text_en if title else None
            return document
        russian = any(has_source_finder(p.lang) for p in document.paragraphs)
        self._source = document.source
        self._translated = any(p.text_en and p.text_en != p.text and p.lang != TARGET for p in document.paragraphs)
        document.text_en_normalized, document.names, records = self._normalize_field(
            document.text_en, document.text, russian, ("text_en", "text")
        )
        if title is not None:
            # A text file's headline opens `text`, where its source names were already seen.
            source = "" if document.text.startswith(title.text) else title.text
            self._translated = bool(title.text_en) and title.text_en != title.text and title.lang != TARGET
            document.title_en, names, title_records = self._normalize_field(
                title.text_en, source, has_source_finder(title.lang), ("title_en", "title")
            )
            document.names = names + document.names
            records = title_records + records
        document.name_records = records
        return document

    def _normalize_field(
        self, text_en: str, source: str, russian: bool, fields: tuple[str, str]
    ) -> tuple[str, list[NameMention], list[dict[str, Any]]]:
        """One English text (the body or the title) normalized, its mentions, and the name records
        of it and of its source text (native forms; Russian names found by NER). `fields`: the
        columns the offsets of mentions point into, in the English text and in the source text
        (a Russian document lists its names even where nothing was translated)."""
        assert self.index is not None and self.registry is not None
        field, source_field = fields
        mentions = find_mentions(text_en, self.index, self.config.auto_threshold, self.config.review_threshold)
        mentions = [mention for mention in mentions if not self.registry.is_not_a_name(mention.text)]
        normalized, names = normalize_text(text_en, mentions, field)
        records = []
        for mention in mentions:
            example = _example(text_en, mention.start, mention.end)
            kind = mention.entity.type
            records.append(
                _record(
                    mention.text, mention.entity.id, mention.entity.canonical, mention.method, mention.score, mention.applied, example, kind
                )
            )
            self.counters["mentions_applied" if mention.applied else "mentions_pending"] += 1
        natives = self.registry.native_matcher.find(source) if source else []
        for native in natives:
            variant = source[native.start : native.end]
            if not self.index.is_rejected(variant, native.entity.id) and not self.registry.is_not_a_name(variant):
                example = _example(source, native.start, native.end)
                kind = native.entity.type
                if native.sure or self.registry.is_confirmed(variant, native.entity.id):
                    records.append(_record(variant, native.entity.id, native.entity.canonical, "known-variant", 1.0, True, example, kind))
                    names.append(
                        NameMention(
                            native.entity.id, native.entity.canonical, variant, native.start, native.end, "known-variant", 1.0, source_field
                        )
                    )
                    self.counters["native_forms"] += 1
                else:  # morphology could not tell ("Свердлина" alone): the translation decided
                    records.append(
                        _record(variant, native.entity.id, native.entity.canonical, NATIVE_UNSURE, UNSURE_SCORE, False, example, kind)
                    )
                    self.counters["native_forms_unsure"] += 1
        if self.config.discover:
            records += self._discover(text_en, source, russian, fields, names, mentions, [(n.start, n.end) for n in natives])
        names.sort(key=lambda name: (name.field != field, name.start))
        return normalized, names, records

    def _discover(
        self,
        text_en: str,
        source: str,
        russian: bool,
        fields: tuple[str, str],
        names: list[NameMention],
        mentions: list[Mention],
        native_spans: list[tuple[int, int]],
    ) -> list[dict[str, Any]]:
        """Names the registry does not know, with proposed ids; listed, never applied here (with
        apply_proposals, publishing applies them once the corpus's groups are known)."""
        assert self.index is not None and self.registry is not None
        field, source_field = fields
        records = []
        taken = [(m.start, m.end) for m in mentions]
        for found in english_names(text_en):
            if _overlaps(found.start, found.end, taken) or self.index.is_rejected(found.text, found.entity_id):
                continue
            if self.registry.is_not_a_name(found.text):
                continue
            if self.index.resolve(found.text, in_text=True):
                continue  # a registered name the matcher left for review: not a new one
            example = _example(text_en, found.start, found.end)
            record = _record(found.text, found.entity_id, found.canonical, "discovered", 0.0, False, example, found.kind)
            record |= _discovery(found, self._source)
            # A translation's English spelling ("Bill Gates" for "Билл Гейтс") is the better canonical.
            records.append(record | {"translated": True} if self._translated else record)
            start = _shift(found.start, mentions)
            names.append(
                NameMention(found.entity_id, found.canonical, found.text, start, start + len(found.text), "discovered", 0.0, field)
            )
            self.counters["names_discovered"] += 1
        if russian and CYRILLIC.search(source):
            for found in russian_names(source, self._spans.get(source)):
                if _overlaps(found.start, found.end, native_spans) or self.index.is_rejected(found.text, found.entity_id):
                    continue
                if self.registry.is_not_a_name(found.text):
                    continue
                if self.index.resolve(found.canonical) or self.index.resolve(found.text):
                    continue
                example = _example(source, found.start, found.end)
                record = _record(found.text, found.entity_id, found.canonical, "discovered", 0.0, False, example, found.kind)
                records.append(record | _discovery(found, self._source))
                # The spelling as written ("Курочкина"); the record holds its nominative.
                written = source[found.start : found.end]
                names.append(
                    NameMention(found.entity_id, found.canonical, written, found.start, found.end, "discovered", 0.0, source_field)
                )
                self.counters["names_discovered"] += 1
        return records

    def _russian_sources(self, document: Document) -> list[str]:
        """The texts of a document that discovery will run NER on (what _normalize_field passes
        it as `source` with `russian` true); a text left out here is tagged alone, later."""
        if self.index is None or not self.config.discover:
            return []
        texts = [document.text] if any(has_source_finder(p.lang) for p in document.paragraphs) else []
        title = document.title_paragraph
        if title is not None and has_source_finder(title.lang) and not document.text.startswith(title.text):
            texts.append(title.text)
        return [text for text in texts if CYRILLIC.search(text)]

    def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        for chunk in _chunks(documents):
            texts = list(dict.fromkeys(text for document in chunk for text in self._russian_sources(document)))
            self._spans = dict(zip(texts, ner_spans(texts)))
            for document in chunk:
                yield self.normalize_document(document)
            self._spans = {}


def _chunks(documents: Iterable[Document]) -> Iterator[list[Document]]:
    """Documents in lists of NER_DOCUMENTS, or fewer where their text reaches NER_CHARACTERS."""
    chunk: list[Document] = []
    characters = 0
    for document in documents:
        chunk.append(document)
        characters += len(document.text)
        if len(chunk) >= NER_DOCUMENTS or characters >= NER_CHARACTERS:
            yield chunk
            chunk, characters = [], 0
    if chunk:
        yield chunk
