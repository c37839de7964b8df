"""Translate: Russian and Thai paragraphs to English; English passes through unchanged.

Per chunk of documents: paragraphs are cut into sentences (a name is never cut), registry names
in native script are swapped for their canonical English form, sentences over the model's limit
are split, and every unique sentence not in the cache is translated in length-sorted batches
under a token budget. A sentence whose canonical name the model dropped is translated again in
pieces around the name, so the name always survives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig, TranslateConfig
from pipeline.names import Registry, variant_key
from pipeline.names.matching.native_forms import NativeMatch
from pipeline.names.stage import run_registry
from pipeline.schema import PARAGRAPH_SEPARATOR, Document, Paragraph
from pipeline.scripts import has_words
from pipeline.step import Step, StepContext, register_step
from pipeline.translation.backends import Backend, ModelLoadError, check_model, load_backend, looks_like_path, model_key
from pipeline.translation.cache import TranslationCache, cache_key
from pipeline.translation.segment import split_long, split_sentences
from pipeline.translation.tiny_models import build_from_samples, is_tiny_model, shipped_languages

__all__ = ["ModelLoadError", "Translate", "batches_by_tokens", "build_missing_tiny_models"]

TARGET_LANGUAGE = "en"


def batches_by_tokens(lengths: list[int], budget: int) -> list[list[int]]:
    """Indices grouped so that (longest in batch) x (batch size) stays within the token budget.

    Indices are taken shortest first, so each batch holds sentences of similar length and
    little padding; callers restore the original order from the indices.
    """
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = max(lengths[index], *(lengths[i] for i in current)) if current else lengths[index]
        if current and longest * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


@dataclass
class _Sentence:
    paragraph: Paragraph
    text: str
    names: list[NativeMatch]
    inline: str = ""
    text_en: str = ""


def build_missing_tiny_models(config: TranslateConfig) -> None:
    """`translate.build_tiny_models`: build a tiny model where a configured local folder is missing.

    It is trained on the text the package ships, never on the run's input: the same model on every
    machine, and a folder with no Thai (or no Russian) in it still runs.
    """
    if not (config.enabled and config.build_tiny_models):
        return
    for lang, model in config.models.items():
        if looks_like_path(model.model) and not Path(model.model).exists():
            if lang not in shipped_languages():
                raise ModelLoadError(
                    f"translate.models.{lang}: no folder {model.model!r}, and build_tiny_models has no shipped text for {lang}"
                    f" (only for {', '.join(shipped_languages())})"
                )
            build_from_samples(Path(model.model), lang)


@register_step
class Translate(Step):
    name = "translate"

    def __init__(
        self,
        config: TranslateConfig,
        backends: dict[str, Backend],
        registry: Registry | None,
        cache: TranslationCache,
        model_keys: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.backends = backends
        self.model_keys = model_keys or {lang: backend.model_key for lang, backend in backends.items()}
        self.registry = registry
        self.cache = cache
        self.settings = {"num_beams": config.num_beams, "max_new_tokens": config.max_new_tokens, "backend": config.backend}

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> Translate:
        """Tiny models built where asked, then every model loaded (on a Ray driver: checked)."""
        registry = run_registry(config, context)
        build_missing_tiny_models(config.translate)
        translate = cls.from_config(config.translate, registry, load_models=context.load_models)
        # For the dataset card, which the publish step writes.
        models = context.shared["translation.models"] = translate.model_ids()
        tiny = sorted(lang for lang in models if is_tiny_model(config.translate.models[lang].model))
        context.shared["translation.tiny_models"] = tiny
        return translate

    @property
    def wants_actor(self) -> bool:
        return bool(self.model_keys)

    @classmethod
    def from_config(cls, config: TranslateConfig, registry: Registry | None = None, load_models: bool = True) -> Translate:
        """Load every configured model now, so a bad one stops the run before any work.

        Without `load_models` (a Ray driver, whose workers load them), models are only checked.
        """
        backends: dict[str, Backend] = {}
        model_keys: dict[str, str] = {}
        if config.enabled:
            for lang, model in config.models.items():
                model_keys[lang] = model_key(model.model, model.revision)
                if not load_models:
                    check_model(lang, model.model, model.revision)
                    continue
                backends[lang] = load_backend(
                    config.backend,
                    lang,
                    model=model.model,
                    revision=model.revision,
                    device=config.device,
                    num_beams=config.num_beams,
                    max_new_tokens=config.max_new_tokens,
                    src_lang=model.src_lang,
                    tgt_lang=model.tgt_lang,
                    threads=config.threads,
                    compute_type=config.ct2_compute_type,
                    convert_dir=config.ct2_dir,
                    batch_tokens=config.batch_tokens,
                )
        return cls(config, backends, registry, TranslationCache(config.cache if config.enabled else None), model_keys)

    def model_ids(self) -> dict[str, str]:
        return dict(self.model_keys)

    # --- the model side -------------------------------------------------------------------

    def _settings(self, lang: str) -> dict[str, Any]:
        """What the cache key holds besides model and sentence; an NLLB model's language codes too.

        One NLLB model serves several languages and may be pointed at another target, so its
        codes are part of the key (Marian models have none: their keys stay as they were).
        """
        model = self.config.models.get(lang)
        codes = {"src_lang": model.src_lang, "tgt_lang": model.tgt_lang} if model else {}
        return {**self.settings, **{key: code for key, code in codes.items() if code}}

    def translate_texts(self, lang: str, texts: list[str]) -> list[str]:
        """Translate texts through the cache; unique misses go to the model in sorted batches."""
        backend = self.backends[lang]
        settings = self._settings(lang)
        keys = [cache_key(backend.model_key, settings, text) for text in texts]
        cached = self.cache.get_many(keys)
        self.counters["sentences"] += len(texts)
        self.counters["cache_hits"] += sum(1 for key in keys if key in cached)
        missing = list(dict.fromkeys(text for text, key in zip(texts, keys) if key not in cached))
        if missing:
            lengths = [backend.count_tokens(text) for text in missing]
            for batch in batches_by_tokens(lengths, self.config.batch_tokens):
                sources = [missing[index] for index in batch]
                outputs = backend.translate(sources)
                self.counters["model_calls"] += 1
                self.counters["model_sentences"] += len(sources)
                fresh = {cache_key(backend.model_key, settings, s): o for s, o in zip(sources, outputs)}
                self.cache.put_many(fresh)  # committed per batch: a crash loses only this one
                cached.update(fresh)
        return [cached[key] for key in keys]

    def _pieces(self, lang: str, text: str) -> list[str]:
        backend = self.backends[lang]
        return split_long(text, backend.count_tokens, backend.max_source_tokens)

    def _translate_joined(self, lang: str, texts: list[str]) -> list[str]:
        """Translate texts that may be over the model's limit: split, translate, rejoin."""
        pieces = [self._pieces(lang, text) for text in texts]
        flat = [piece for group in pieces for piece in group]
        outputs = iter(self.translate_texts(lang, flat)) if flat else iter(())
        return [" ".join(next(outputs) for _ in group).strip() for group in pieces]

    # --- names ----------------------------------------------------------------------------

    def _rejected(self, variant: str, match: NativeMatch) -> bool:
        """A reviewer rejected this spelling for this entity: it is left to the model."""
        return self.registry is not None and (variant_key(variant), match.entity.id) in self.registry.rejected

    def _sentences(self, paragraph: Paragraph) -> list[_Sentence]:
        text = paragraph.text
        # Only sure matches are protected: an unsure one ("Свердлина" alone) is left to the model,
        # unless a reviewer confirmed that spelling for that entity.
        registry = self.registry
        matches = (
            [
                m
                for m in registry.native_matcher.find(text)
                if (m.sure or registry.is_confirmed(text[m.start : m.end], m.entity.id)) and not self._rejected(text[m.start : m.end], m)
            ]
            if registry
            else []
        )
        spans = split_sentences(text, paragraph.lang, [(m.start, m.end) for m in matches])
        sentences = []
        for start, end in spans:
            inside = [NativeMatch(m.start - start, m.end - start, m.entity) for m in matches if m.start >= start and m.end <= end]
            sentence = _Sentence(paragraph, text[start:end], inside)
            sentence.inline = _replace_names(sentence.text, inside)
            sentences.append(sentence)
        self.counters["names_protected"] += len(matches)
        return sentences

    def _restore_dropped_names(self, lang: str, sentences: list[_Sentence]) -> None:
        """Where the model lost a canonical name, translate the pieces around it instead."""
        dropped = [s for s in sentences if s.names and not all(variant_key(m.entity.canonical) in variant_key(s.text_en) for m in s.names)]
        if not dropped:
            return
        fragments = [_fragments(s.text, s.names) for s in dropped]
        flat = [text for group in fragments for text in group if text.strip()]
        translated = dict(zip(flat, self._translate_joined(lang, flat))) if flat else {}
        for sentence, group in zip(dropped, fragments):
            parts = []
            for index, fragment in enumerate(group):
                if fragment.strip():
                    parts.append(translated[fragment])
                if index < len(sentence.names):
                    parts.append(sentence.names[index].entity.canonical)
            sentence.text_en = " ".join(part for part in parts if part)
            self.counters["names_restored_by_split"] += 1

    # --- the stage ------------------------------------------------------------------------

    def _translate_chunk(self, documents: list[Document]) -> None:
        by_lang: dict[str, list[_Sentence]] = {}
        for document in documents:
            for paragraph in _with_title(document):
                if paragraph.lang == TARGET_LANGUAGE or not has_words(paragraph.text):
                    # English, or nothing a model could translate (a link, a time, a number): kept as it is.
                    paragraph.text_en = paragraph.text
                elif paragraph.lang in self.backends:
                    by_lang.setdefault(paragraph.lang, []).extend(self._sentences(paragraph))
                else:
                    paragraph.text_en = ""
                    self.counters[f"untranslated.{paragraph.lang}"] += 1
        for lang, sentences in by_lang.items():
            for sentence, text_en in zip(sentences, self._translate_joined(lang, [s.inline for s in sentences])):
                sentence.text_en = text_en
            self._restore_dropped_names(lang, sentences)
            joined: dict[int, list[str]] = {}
            for sentence in sentences:
                joined.setdefault(id(sentence.paragraph), []).append(sentence.text_en)
            for sentence in sentences:
                sentence.paragraph.text_en = " ".join(joined[id(sentence.paragraph)]).strip()
            self.counters[f"paragraphs_translated.{lang}"] += len(joined)
        for document in documents:
            document.text_en = PARAGRAPH_SEPARATOR.join(p.text_en for p in document.paragraphs if p.text_en)
            used = sorted({self.backends[p.lang].model_key for p in _with_title(document) if p.lang in self.backends})
            document.translation_model = "; ".join(used) or None

    def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        iterator = iter(documents)
        while chunk := list(islice(iterator, self.config.batch_documents)):
            self._translate_chunk(chunk)
            yield from chunk


def _with_title(document: Document) -> list[Paragraph]:
    """The paragraphs and the title: the title is translated as a paragraph, though not part of text_en."""
    return document.paragraphs + ([document.title_paragraph] if document.title_paragraph else [])


def _replace_names(text: str, names: list[NativeMatch]) -> str:
    """The sentence with each native name replaced by its canonical English form."""
    parts, position = [], 0
    for match in names:
        parts += [text[position : match.start], match.entity.canonical]
        position = match.end
    parts.append(text[position:])
    return "".join(parts)


def _fragments(text: str, names: list[NativeMatch]) -> list[str]:
    """The text between names (len(names) + 1 fragments, some possibly empty)."""
    bounds = [0] + [edge for m in names for edge in (m.start, m.end)] + [len(text)]
    return [text[bounds[i] : bounds[i + 1]].strip(' «»"“”„') for i in range(0, len(bounds), 2)]
