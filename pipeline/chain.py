"""The chain: which stages, in what order, built from a validated config.

Both executors build their stages here; the document-by-document stages are also registered by
name, so a Ray worker builds the one it runs where it runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.ingest import Ingest
from pipeline.langid import Detect
from pipeline.names import Normalize, Registry, load_registry
from pipeline.publish import CardInfo, Publish
from pipeline.schema import Document, Stage
from pipeline.translation import ModelLoadError, Translate
from pipeline.translation.backends import looks_like_path
from pipeline.translation.tiny_models import build_from_samples, is_tiny_model, shipped_languages


def load_run_registry(config: RunConfig) -> Registry | None:
    registry = config.normalize.registry
    if registry is None:
        return Registry(entities={}) if config.normalize.enabled else None
    if config.normalize.enabled or registry.exists():
        return load_registry(registry)
    return None


# The stages that work document by document, by name: an executor builds each where it runs it.
STAGE_BUILDERS: dict[str, Callable[[RunConfig, Registry | None], Stage]] = {
    "detect": lambda config, registry: Detect(
        config.detect.languages, config.detect.seed, config.detect.min_score, config.detect.short_paragraph_chars
    ),
    "translate": lambda config, registry: Translate.from_config(config.translate, registry),
    "normalize": lambda config, registry: Normalize.from_config(config.normalize, registry),
}


def build_missing_tiny_models(config: RunConfig) -> None:
    """`translate.build_tiny_models`: build a tiny model where a configured local folder is missing.

    It is trained on the text the package ships, never on the run's input: the same model on every
    machine, and a folder with no Thai (or no Russian) in it still runs.
    """
    if not (config.translate.enabled and config.translate.build_tiny_models):
        return
    for lang, model in config.translate.models.items():
        if looks_like_path(model.model) and not Path(model.model).exists():
            if lang not in shipped_languages():
                raise ModelLoadError(
                    f"translate.models.{lang}: no folder {model.model!r}, and build_tiny_models has no shipped text for {lang}"
                    f" (only for {', '.join(shipped_languages())})"
                )
            build_from_samples(Path(model.model), lang)


def build_stages(config: RunConfig) -> list[Stage]:
    """The chain, in order: ingest, detect, translate, normalize, publish.

    Building it loads every translation model (on Ray: checks it; the workers load it), so a
    model that cannot be loaded stops the run before any work is done.
    """
    ingest = Ingest(
        config.input,
        config.ingest.extensions,
        config.ingest.max_file_bytes,
        config.ingest.legacy_encodings,
        config.ingest.follow_external_links,
        config.ingest.furniture_min_documents,
        # An output folder inside the input folder: its datasets are never read as input.
        outputs=[config.output, config.output / config.name],
    )
    registry = load_run_registry(config)
    build_missing_tiny_models(config)
    detect, normalize = (STAGE_BUILDERS[name](config, registry) for name in ("detect", "normalize"))
    translate = Translate.from_config(config.translate, registry, load_models=config.executor == "local")
    models = translate.model_ids()
    info = CardInfo(
        name=config.name,
        license=config.publish.license,
        pretty_name=config.publish.pretty_name,
        pipeline_version=__version__,
        config_hash=config.content_hash(),
        models=models,
        tiny_models=sorted(lang for lang in models if is_tiny_model(config.translate.models[lang].model)),
        path=(config.output / config.name).as_posix(),
        repo_id=config.publish.repo_id if config.publish.push_to_hub else None,
        detect=config.detect,
        translate=config.translate,
        normalize=config.normalize,
    )
    publish = Publish(config.output, info, config.publish.shard_rows, config.normalize.apply_proposals)
    return [ingest, detect, translate, normalize, publish]


def stamp(documents: Iterable[Document], config_hash: str) -> Iterator[Document]:
    """Provenance of the run on every document."""
    for document in documents:
        document.pipeline_version = __version__
        document.config_hash = config_hash
        yield document
