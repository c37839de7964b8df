"""The chain: the steps the config's `stages` names (or the default ones), in order, built.

Importing this module registers every step the package ships (each registers itself where it
is defined: pipeline/step.py says how); a step of one's own is registered by importing the
module that defines it before the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline import __version__
from pipeline.config import ConfigError, RunConfig
from pipeline.ingest import Ingest
from pipeline.langid import Detect
from pipeline.names import Normalize
from pipeline.names.group_names import GroupNames
from pipeline.publish import Publish
from pipeline.schema import Document
from pipeline.step import STEPS, Reader, Sink, Step, StepContext
from pipeline.translation import Translate

# Read, detect languages, translate, normalize names, group names across the corpus, publish.
DEFAULT_STAGES = [step.name for step in (Ingest, Detect, Translate, Normalize, GroupNames, Publish)]
# The order of the kinds in a chain.
KIND_ORDER = {"reader": 0, "document": 1, "corpus": 2, "sink": 3}


@dataclass
class Chain:
    """The built steps, in order, and the same steps by kind, for the executors."""

    steps: list[Step]

    @property
    def reader(self) -> Reader:
        reader = self.steps[0]
        assert isinstance(reader, Reader)
        return reader

    @property
    def sink(self) -> Sink:
        sink = self.steps[-1]
        assert isinstance(sink, Sink)
        return sink

    @property
    def document_steps(self) -> list[Step]:
        return [step for step in self.steps if step.kind == "document"]

    @property
    def corpus_steps(self) -> list[Step]:
        return [step for step in self.steps if step.kind == "corpus"]


def stage_classes(config: RunConfig) -> list[type[Step]]:
    """The registered steps `stages` names, checked: one reader first, one sink last, document
    steps before corpus steps (those work on every document at once); ConfigError otherwise."""
    names = config.stages if config.stages is not None else DEFAULT_STAGES
    unknown = [name for name in names if name not in STEPS]
    if unknown:
        raise ConfigError(f"stages: unknown step(s) {', '.join(map(repr, unknown))}; registered: {', '.join(sorted(STEPS))}")
    if len(set(names)) != len(names):
        raise ConfigError(f"stages: a step is listed twice ({', '.join(names)})")
    classes = [STEPS[name] for name in names]
    kinds = [step.kind for step in classes]
    if kinds[:1] != ["reader"] or kinds[-1:] != ["sink"] or kinds.count("reader") != 1 or kinds.count("sink") != 1:
        readers = [step.name for step in STEPS.values() if step.kind == "reader"]
        sinks = [step.name for step in STEPS.values() if step.kind == "sink"]
        raise ConfigError(f"stages: the first must be a reader ({', '.join(readers)}) and the last a sink ({', '.join(sinks)}), once each")
    if kinds != sorted(kinds, key=KIND_ORDER.__getitem__):
        corpus = [step.name for step in classes if step.kind == "corpus"]
        raise ConfigError(f"stages: {', '.join(corpus)} work on the whole corpus: they come after every document step")
    return classes


def build_steps(config: RunConfig, load_models: bool = True) -> Chain:
    """The chain, built in order. Building loads every translation model (with `load_models`
    false, as on a Ray driver whose workers load them, it checks it), so a model that cannot be
    loaded stops the run before any work is done."""
    context = StepContext(load_models=load_models)
    return Chain([step.build(config, context) for step in stage_classes(config)])


def build_step(config: RunConfig, name: str) -> Step:
    """One step by name, as a Ray worker builds the one it runs."""
    return STEPS[name].build(config, StepContext())


def stamp(documents: Iterable[Document], config_hash: str) -> Iterator[Document]:
    """Provenance of the run on every document."""
    for document in documents:
        document.pipeline_version = __version__
        document.config_hash = config_hash
        yield document
