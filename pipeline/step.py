"""Steps: what every stage of the chain is, and the registry the chain is built from by name.

A step (as datatrove's) has one `run(documents, rank, world_size)` over an iterator of documents
and its own stats: counters, the inputs it skipped with why, and what it adds to the run report.
Executors run steps they know nothing else about; a step only says what kind it is and what it
needs (a model that an actor should load once). Four kinds, in the order a chain lists them:

    reader     first: turns the input files into documents (`files`, `read_file` for executors
               that spread the files over workers)
    document   document by document, anywhere (a Ray task, or an actor where `wants_actor`)
    corpus     after the barrier (every document staged): works on the staged dataset as a whole
    sink       last: stages the documents (shard by shard) and publishes the staged dataset

A step registers itself with `@register_step` (spaCy's factories); the config's `stages` list
picks and orders them by name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pipeline.config import RunConfig
from pipeline.schema import Document

StepKind = Literal["reader", "document", "corpus", "sink"]


@dataclass
class StepStats:
    """What a step did: counters, what it had to skip (with why), and its part of the run report."""

    name: str
    counters: Counter[str] = field(default_factory=Counter)
    skipped: list[dict[str, str]] = field(default_factory=list)
    # Whether the report's `stages` lists it (seconds and counters).
    in_stages: ClassVar[bool] = True

    def merge(self, other: StepStats) -> None:
        """Add the stats of the same step run elsewhere (a Ray worker's batch) to these."""
        self.counters.update(other.counters)
        self.skipped += other.skipped

    def stage_counts(self) -> dict[str, Any]:
        """Its line of the report's `stages`: the counters, per-language breakdowns left out."""
        return {key: value for key, value in sorted(self.counters.items()) if not key.startswith(("documents.", "paragraphs."))}

    def report_sections(self) -> dict[str, dict[str, Any]]:
        """What it adds to the report's sections (`documents`, `languages`, `names`): none by default."""
        return {}


@dataclass
class StepContext:
    """What the steps of one chain share while they are built: whether models load now (a Ray
    driver only checks them; its workers load them), what is loaded once for all (the names
    registry), and what a step built earlier tells a later one (the models, for the card)."""

    load_models: bool = True
    shared: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self.shared:
            self.shared[key] = load()
        return self.shared[key]


@dataclass
class StagedShard:
    """One shard of the staged dataset: its parquet file as written, and its documents' name
    records (one JSON line per document: [id, records]), kept beside it until the run is done."""

    file: Path
    names: Path

    @property
    def rewritten(self) -> Path:
        """Where a corpus step writes its new version of the shard; the shard as written stays,
        so that a run killed after the barrier still resumes from it. (Not a `.parquet` name:
        the card and the charts describe the shards as written, as they always have.)"""
        return self.file.with_name(self.file.name + ".rewritten")

    @property
    def current(self) -> Path:
        return self.rewritten if self.rewritten.exists() else self.file


@dataclass
class StagedDataset:
    """The sink's staged output after the barrier, for the corpus steps and then the sink."""

    folder: Path
    shards: list[StagedShard]
    # The name table (the dataset's `names` config), where a corpus step built one.
    name_table: list[dict[str, Any]] | None = None


class Step:
    """A step of the chain. It counts what it did and lists what it had to skip, with why."""

    name: ClassVar[str] = "step"
    kind: ClassVar[StepKind] = "document"

    def __init__(self) -> None:
        self.stats = self.new_stats()

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> Step:
        """The step as the run config sets it up."""
        raise NotImplementedError

    def new_stats(self) -> StepStats:
        return StepStats(self.name)

    @property
    def counters(self) -> Counter[str]:
        return self.stats.counters

    @property
    def skipped(self) -> list[dict[str, str]]:
        return self.stats.skipped

    def skip(self, source: str, reason: str) -> None:
        self.stats.skipped.append({"source": source, "reason": reason, "stage": self.name})

    @property
    def wants_actor(self) -> bool:
        """Whether it holds something costly to load (a model): Ray then runs it in actors that
        load it once, instead of in tasks."""
        return False

    def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        raise NotImplementedError

    def run_corpus(self, staged: StagedDataset) -> None:
        """A corpus step's work, once every document is staged."""
        raise NotImplementedError


class Reader(Step):
    """The first step: the run's input files, each read into documents."""

    kind: ClassVar[StepKind] = "reader"

    def __init__(self) -> None:
        super().__init__()
        # Files an interrupted run already published (the executor's resume): not read again.
        self.taken_over: set[str] = set()

    def files(self) -> list[Path]:
        """Every input file of the run, listed once."""
        raise NotImplementedError

    def source_of(self, path: Path) -> str:
        """A file's name in the dataset and the reports (its path in the input folder)."""
        raise NotImplementedError

    def take_over(self, sources: set[str]) -> None:
        self.taken_over = set(sources)

    def files_to_read(self) -> list[Path]:
        return [path for path in self.files() if self.source_of(path) not in self.taken_over]

    def prepare(self) -> None:
        """What is worked out over all the files once, before any is read (in the driver on Ray)."""

    def read_file(self, path: Path) -> Iterator[Document]:
        """One file's documents; what cannot be read goes to the stats."""
        raise NotImplementedError

    def run(self, documents: Iterable[Document] = (), rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        """The documents given, then those of every `world_size`th file to read from `rank` on."""
        yield from documents
        self.prepare()
        for path in self.files_to_read()[rank::world_size]:
            yield from self.read_file(path)


class Sink(Step):
    """The last step: stages the documents in shards, then publishes the staged dataset."""

    kind: ClassVar[StepKind] = "sink"
    # Told of every shard once it is complete (the executor records it, for resuming).
    on_shard: Callable[[dict[str, Any]], None] | None = None

    @property
    def staging(self) -> Path:
        raise NotImplementedError

    def prepare(self, documents: list[Document]) -> Any:
        """A batch of documents made ready to stage where they are (a Ray worker), so that the
        process that stages them (`run_prepared`) does as little as it can: by default, the
        documents themselves."""
        return documents

    def run_prepared(self, batches: Iterable[Any]) -> Iterator[int]:
        """Stage the batches `prepare` made, in order, as `run` stages documents; yields numbers of
        documents staged (all together: the documents staged)."""
        for _ in self.run(document for batch in batches for document in batch):
            yield 1

    def take_over(self, shards: list[dict[str, Any]]) -> None:
        """Shards an interrupted run completed (as `on_shard` was told of them): kept as they are."""
        raise NotImplementedError

    def keeps(self, shard: dict[str, Any]) -> bool:
        """Whether the staged files of a shard an interrupted run completed are all still there."""
        raise NotImplementedError

    def staged(self) -> StagedDataset:
        """The staged dataset, once every document went through `run`."""
        raise NotImplementedError

    def finalize(self, report: dict[str, Any]) -> Path:
        """Publish the staged dataset with the run report; the dataset's folder."""
        raise NotImplementedError


STEPS: dict[str, type[Step]] = {}
S = TypeVar("S", bound=type[Step])


def register_step(step: S) -> S:
    """Class decorator: the step becomes available to the config's `stages` under its `name`.

    A module imported again (a test's) registers its class again: the later one counts."""
    known = STEPS.get(step.name)
    if known is not None and (known.__module__, known.__qualname__) != (step.__module__, step.__qualname__):
        raise ValueError(f"two steps are registered as {step.name!r}: {known.__qualname__} and {step.__qualname__}")
    STEPS[step.name] = step
    return step
