"""Steps and readers plug in: a toy reader for a new extension and a toy step, registered from
outside the package, run through `python -m pipeline run`'s path by the config's `stages`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import datasets
import pytest

from pipeline import cli
from pipeline.config import RunConfig
from pipeline.ingest import DEFAULT_EXTENSIONS, FORMATS, Format, InputFile, Part, RawDocument, register_format
from pipeline.ingest import formats as format_registry
from pipeline.schema import Document
from pipeline.step import STEPS, Step, StepContext, register_step
from tests.conftest import REGISTRY, write_config

TOY_TEXT = "The wives of Put' Domoj came to the Kremlin again on Saturday."
STAGES = ["ingest", "detect", "tag_outlet", "translate", "normalize", "group_names", "publish"]


def read_toy(file: InputFile) -> Iterator[Part]:
    """A toy format: every line `outlet | text` is one document."""
    for number, line in enumerate(file.read_bytes().decode("utf-8").splitlines(), start=1):
        outlet, text = (part.strip() for part in line.split("|", 1))
        yield Part(RawDocument(text=text, paragraphs=[text], outlet=outlet or None), part=str(number))


TOY = Format("toy", (".toy",), read_toy, description="toy lines")


@register_step
class TagOutlet(Step):
    """A toy step: documents without an outlet get one."""

    name = "tag_outlet"

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> TagOutlet:
        return cls()

    def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        for document in documents:
            if document.outlet is None:
                document.outlet = "Toy Wire"
                self.counters["tagged"] += 1
            yield document


@pytest.fixture
def toy_format() -> Iterator[Format]:
    """The toy format registered for one test, and the registry as it was afterwards."""
    saved = (list(FORMATS), dict(format_registry.BY_EXTENSION), list(DEFAULT_EXTENSIONS))
    yield register_format(TOY)
    FORMATS[:], DEFAULT_EXTENSIONS[:] = saved[0], saved[2]
    format_registry.BY_EXTENSION.clear()
    format_registry.BY_EXTENSION.update(saved[1])


def _config(tmp_path: Path, stages: list[str] | None, executor: str = "local") -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "wire.toy").write_text(f"Toy Gazette | {TOY_TEXT}\n | A second line, with no outlet.\n", encoding="utf-8")
    (raw / "plain.txt").write_text("Moscow, 12 May\n\nA plain text file without an outlet line at all.\n", encoding="utf-8")
    text = (
        f"name: toy\ninput: {raw}\noutput: {tmp_path / 'out'}\nquiet: true\nexecutor: {executor}\nray:\n  num_cpus: 2\n"
        f"translate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n"
    )
    if stages is not None:
        text += f"stages: [{', '.join(stages)}]\n"
    return write_config(tmp_path / "toy.yaml", text)


def _published(tmp_path: Path) -> tuple[dict[str, dict], dict]:
    folder = tmp_path / "out" / "toy"
    rows = {row["text"]: row for row in datasets.load_dataset(str(folder), split="train").to_list()}
    return rows, json.loads((folder / "run_report.json").read_text(encoding="utf-8"))


def _check_toy_run(tmp_path: Path) -> None:
    rows, report = _published(tmp_path)
    assert rows[TOY_TEXT]["outlet"] == "Toy Gazette"  # the toy reader's
    assert rows["A second line, with no outlet."]["outlet"] == "Toy Wire"  # the toy step's
    assert len(rows) == 3 and report["documents"]["formats"] == {"text": 1, "toy": 2}
    assert list(report["stages"]) == ["ingest", "detect", "tag_outlet", "translate", "normalize", "publish"]
    assert report["stages"]["tag_outlet"]["tagged"] == 2  # the plain text file has no outlet either
    assert report["names"]["table_rows"] > 0  # group_names made the name table


def test_a_toy_reader_and_a_toy_step_run_through_the_cli(tmp_path: Path, toy_format: Format) -> None:
    assert ".toy" in DEFAULT_EXTENSIONS and STEPS["tag_outlet"] is TagOutlet
    assert cli.main(["run", str(_config(tmp_path, STAGES))]) == 0
    _check_toy_run(tmp_path)


@pytest.mark.slow
def test_the_ray_executor_runs_the_toy_reader_and_step_it_was_never_told_of(tmp_path: Path, toy_format: Format) -> None:
    ray = pytest.importorskip("ray")
    # The workers import this module (the step's, the reader's) as pytest did: from its folder.
    here = Path(__file__).resolve().parent
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": f"{here}:{here.parent}"}})
    try:
        assert cli.main(["run", str(_config(tmp_path, STAGES, executor="ray"))]) == 0
    finally:
        ray.shutdown()
    _check_toy_run(tmp_path)


def test_a_step_dropped_from_stages_is_not_run(tmp_path: Path) -> None:
    stages = [stage for stage in STAGES if stage not in ("tag_outlet", "group_names")]
    assert cli.main(["run", str(_config(tmp_path, stages))]) == 0
    rows, report = _published(tmp_path)
    assert list(report["stages"]) == ["ingest", "detect", "translate", "normalize", "publish"]
    assert len(rows) == 1 and rows["Moscow, 12 May\n\nA plain text file without an outlet line at all."]["outlet"] is None
    assert "table_rows" not in report["names"]  # no grouping step, no name table
    assert (tmp_path / "out" / "toy" / "names.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # its header alone


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (["ingest", "shout", "publish"], "stages: unknown step(s) 'shout'; registered: "),
        (["ingest", "normalize", "normalize", "publish"], "stages: a step is listed twice"),
        (["detect", "ingest", "publish"], "stages: the first must be a reader (ingest) and the last a sink (publish), once each"),
        (["ingest", "detect", "publish", "group_names"], "the last a sink (publish)"),
        (
            ["ingest", "group_names", "normalize", "publish"],
            "stages: group_names work on the whole corpus: they come after every document step",
        ),
    ],
)
def test_a_chain_the_steps_cannot_make_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stages: list[str], message: str
) -> None:
    config = _config(tmp_path, stages)
    assert cli.main(["run", str(config)]) == cli.EXIT_CONFIG_ERROR
    error = capsys.readouterr().err
    assert error.startswith(f"error: {config}: ") and message in error and error.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_the_default_chain_keeps_the_config_hash_it_had() -> None:
    """`stages` left out hashes as configs did before the key existed (the rows' config_hash)."""
    plain = RunConfig(name="x")
    assert plain.content_hash() == RunConfig(name="x", stages=None).content_hash() == "b6a152b4dbf8"  # as before `stages`
    assert RunConfig(name="x", stages=STAGES).content_hash() != plain.content_hash()


def test_an_extension_another_format_reads_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^\.txt: already read as text$"):
        register_format(Format("notes", (".notes", ".txt"), read_toy))
    assert ".notes" not in DEFAULT_EXTENSIONS and all(known.name != "notes" for known in FORMATS)


def test_only_a_step_with_a_model_to_load_wants_an_actor(tiny_models: dict[str, Path]) -> None:
    from pipeline.chain import build_steps
    from pipeline.translation import Translate

    on = RunConfig.model_validate(
        {
            "name": "x",
            "translate": {"cache": None, "models": {"ru": {"model": str(tiny_models["ru"])}}},
            "normalize": {"registry": str(REGISTRY)},
        }
    )
    off = on.model_copy(update={"translate": on.translate.model_copy(update={"enabled": False})})
    checked, disabled = (build_steps(config, load_models=False).steps for config in (on, off))
    assert [step.name for step in checked if step.wants_actor] == ["translate"]
    assert isinstance(checked[2], Translate) and checked[2].backends == {}  # checked, not loaded: Ray's actors load it
    assert not any(step.wants_actor for step in disabled)  # translation off: a task, no actor, no model


def test_a_sink_that_prepares_nothing_stages_the_batches_as_one_stream_of_documents() -> None:
    from pipeline.step import Sink

    class Collect(Sink):
        name = "collect_toy"

        def __init__(self) -> None:
            super().__init__()
            self.streams: list[list[str]] = []

        def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
            self.streams.append([])
            for document in documents:
                self.streams[-1].append(document.id)
                yield document

    sink = Collect()
    documents = [Document(id=str(number), source="a.txt", text="x", paragraphs=[]) for number in range(5)]
    batches = [sink.prepare(documents[:2]), sink.prepare(documents[2:])]
    assert sum(sink.run_prepared(batches)) == 5
    assert sink.streams == [["0", "1", "2", "3", "4"]]  # one run: a sink's last shard closes once
