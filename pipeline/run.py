"""Builds the chain of stages from a validated config, runs it, and reports what happened."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.names import Registry, load_registry
from pipeline.schema import Document
from pipeline.stages.base import Stage
from pipeline.stages.detect import Detect
from pipeline.stages.ingest import Ingest
from pipeline.stages.normalize import Normalize
from pipeline.stages.publish import CardInfo, Publish, push_to_hub
from pipeline.stages.translate import Translate
from pipeline.tiny_models import is_tiny_model

T = TypeVar("T")


@dataclass
class RunResult:
    report: dict[str, Any]
    output: Any = None
    stages: list[Stage] = field(default_factory=list)


def load_run_registry(config: RunConfig) -> Registry | None:
    if config.normalize.enabled or config.normalize.registry.exists():
        return load_registry(config.normalize.registry)
    return None


# The stages that work document by document, by name: an executor builds each where it runs it.
STAGE_BUILDERS: dict[str, Callable[[RunConfig, Registry | None], Stage]] = {
    "detect": lambda config, registry: Detect(
        config.detect.languages, config.detect.seed, config.detect.min_score, config.detect.short_paragraph_chars
    ),
    "translate": lambda config, registry: Translate.from_config(config.translate, registry, config.input),
    "normalize": lambda config, registry: Normalize.from_config(config.normalize, registry),
}


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
    )
    registry = load_run_registry(config)
    detect, normalize = (STAGE_BUILDERS[name](config, registry) for name in ("detect", "normalize"))
    translate = Translate.from_config(config.translate, registry, config.input, load_models=config.executor == "local")
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
    publish = Publish(config.output, info, config.publish.shard_rows)
    return [ingest, detect, translate, normalize, publish]


class _Timer:
    """Seconds spent producing items, upstream work included."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        iterator = iter(items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds += time.perf_counter() - start
                return
            self.seconds += time.perf_counter() - start
            yield item


def stamp(documents: Iterable[Document], config_hash: str) -> Iterator[Document]:
    """Provenance of the run on every document."""
    for document in documents:
        document.pipeline_version = __version__
        document.config_hash = config_hash
        yield document


def run_stages(stages: list[Stage], config: RunConfig) -> dict[str, float]:
    """Stream documents through the stages; return the exclusive seconds of each stage."""
    timers = [_Timer() for _ in stages]
    stream: Iterable[Document] = ()
    for position, (stage, timer) in enumerate(zip(stages, timers)):
        stream = stage.run(stream)
        if stage.name == "ingest":
            stream = stamp(stream, config.content_hash())
        stream = timer.wrap(stream)
        stream = tqdm(
            stream,
            desc=f"{stage.name:<9}",
            unit="doc",
            position=position,
            leave=False,
            disable=config.quiet,
            file=sys.stderr,
            dynamic_ncols=True,
        )
    for _ in stream:
        pass
    inclusive = [timer.seconds for timer in timers]
    return {stage.name: round(inclusive[i] - (inclusive[i - 1] if i else 0.0), 3) for i, stage in enumerate(stages)}


def build_report(stages: list[Stage], config: RunConfig, seconds: dict[str, float], wall: float) -> dict[str, Any]:
    by_name = {stage.name: stage for stage in stages}
    skipped = [item for stage in stages for item in stage.skipped]
    ingest, publish = by_name["ingest"], by_name["publish"]
    assert isinstance(publish, Publish)
    detect_counts = by_name["detect"].counters
    paragraphs = {key.split(".", 1)[1]: value for key, value in sorted(detect_counts.items()) if key.startswith("paragraphs.")}
    return {
        "name": config.name,
        "pipeline_version": __version__,
        "config_hash": config.content_hash(),
        "documents": {
            "files": ingest.counters["files"] + ingest.counters["files_resumed"],
            "read": ingest.counters["documents"] + len(ingest.skipped) + publish.resumed_documents,
            "published": publish.counters["documents"],
            "resumed": publish.resumed_documents,
            "skipped": skipped,
        },
        "languages": {"documents": dict(sorted(publish.languages.items())), "paragraphs": paragraphs},
        "names": {
            "registry": str(config.normalize.registry.resolve()),  # where `names apply` folds the review back
            "table_rows": len(publish.table.rows()),
            **{k: v for k, v in sorted(by_name["normalize"].counters.items())},
        },
        "stages": {
            stage.name: {
                "seconds": seconds[stage.name],
                **{k: v for k, v in sorted(stage.counters.items()) if not k.startswith(("documents.", "paragraphs."))},
            }
            for stage in stages
        },
        "seconds": round(wall, 3),
    }


def input_stamps(files: list[Path], root: Path) -> dict[str, list[int]]:
    """Size and modification time of each input file: what tells a resumed run a file changed."""
    stamps = {}
    for path in files:
        with contextlib.suppress(OSError):  # vanished since listing: ingest will report it
            status = path.stat()
            stamps[path.relative_to(root).as_posix()] = [status.st_size, status.st_mtime_ns]
    return stamps


def run_pipeline(config: RunConfig) -> RunResult:
    started = time.perf_counter()
    stages = build_stages(config)
    ingest, publish = stages[0], stages[-1]
    assert isinstance(ingest, Ingest) and isinstance(publish, Publish)
    ingest.already_done = publish.resume(input_stamps(ingest.files(), config.input))
    if config.executor == "ray":
        from pipeline.ray_executor import run_stages_on_ray

        seconds = run_stages_on_ray(stages, config)
    else:
        seconds = run_stages(stages, config)
    report = build_report(stages, config, seconds, time.perf_counter() - started)
    output = publish.finalize(report)
    if config.publish.push_to_hub:
        assert config.publish.repo_id  # the config refuses push_to_hub without it
        report["pushed_to"] = push_to_hub(output, config.publish.repo_id, config.publish.private)
    return RunResult(report=report, output=output, stages=stages)


def format_report(report: dict[str, Any]) -> str:
    """The summary table printed at the end of a run."""
    docs = report["documents"]
    lines = [
        f"run {report['name']}: {docs['read']} read, {docs['published']} published, {len(docs['skipped'])} skipped"
        + (f", {docs['resumed']} taken over from an interrupted run" if docs["resumed"] else "")
        + f", {report['seconds']:.1f}s",
        "",
        f"{'stage':<10} {'seconds':>8}  counts",
    ]
    for name, stage in report["stages"].items():
        counts = ", ".join(f"{k}={v}" for k, v in stage.items() if k != "seconds")
        lines.append(f"{name:<10} {stage['seconds']:>8.2f}  {counts}")
    lines += ["", f"{'language':<10} {'documents':>9} {'paragraphs':>10}"]
    langs = report["languages"]
    for lang in sorted(set(langs["documents"]) | set(langs["paragraphs"])):
        lines.append(f"{lang:<10} {langs['documents'].get(lang, 0):>9} {langs['paragraphs'].get(lang, 0):>10}")
    names = report["names"]
    lines += [
        "",
        f"names: {names['table_rows']} (variant, entity) pairs, {names.get('mentions_applied', 0)} mentions replaced, "
        f"{names.get('mentions_pending', 0)} pending review",
    ]
    if docs["skipped"]:
        lines += ["", "skipped:"]
        lines += [f"  {item['source']}: {item['reason']}" for item in docs["skipped"]]
    return "\n".join(lines)
