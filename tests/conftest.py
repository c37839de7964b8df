from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pytest
import yaml

# No test may reach the network: a hub id would otherwise retry for about 45 seconds.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One OpenMP thread for torch, here and in the runs tests start: on a 2-core machine that is busy
# with anything else, two threads spinning for each other made a 120-document run of the tiny
# models 26 s instead of 3 s. Set before torch is first imported; the output does not change.
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
REGISTRY = ROOT / "configs" / "names.yaml"
SHARED = ROOT.parent / "shared"


def run_in_process(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGS` run inside this test process, answered as `subprocess.run` answers:
    the exit status `main` gives and what reached file descriptors 1 and 2 (a C library's writes
    too), with the warnings filters of a fresh interpreter. For tests about what a run publishes
    and says; the models stay loaded between runs. Tests about the process itself (signals, a
    terminal, imports, the environment it starts with) start a real one, and so does the one
    end-to-end test of the real CLI. Not seen here: what a library's logging handler made before
    the run (outside it) writes, since it keeps the stream of its time."""
    from pipeline.cli import main

    environment = os.environ.copy()
    output: dict[int, bytes] = {}
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(), _descriptors_captured(output):
        patch.chdir(cwd)
        _warnings_of_a_fresh_interpreter()
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse's usage errors
            code = exit.code if isinstance(exit.code, int) else 1
        finally:
            os.environ.clear()
            os.environ.update(environment)
    # Decoded without newline translation (subprocess.run's text=True has it): a stray "\r" shows.
    stdout, stderr = (output[descriptor].decode("utf-8") for descriptor in (1, 2))
    return subprocess.CompletedProcess(["python", "-m", "pipeline", *args], code, stdout, stderr)


@contextmanager
def _descriptors_captured(output: dict[int, bytes]) -> Iterator[None]:
    """Descriptors 1 and 2 into files, read into `output` at the end, with sys.stdout and
    sys.stderr writing to them."""
    streams = sys.stdout, sys.stderr
    for stream in streams:
        stream.flush()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        files = {1: out, 2: err}
        saved = {descriptor: os.dup(descriptor) for descriptor in files}
        try:
            for descriptor, file in files.items():
                os.dup2(file.fileno(), descriptor)
            sys.stdout, sys.stderr = _descriptor_streams()
            yield
        finally:
            for stream in _descriptor_streams():
                stream.flush()
            sys.stdout, sys.stderr = streams
            for descriptor, file in files.items():
                os.dup2(saved[descriptor], descriptor)
                os.close(saved[descriptor])
                file.seek(0)
                output[descriptor] = file.read()


@functools.cache
def _descriptor_streams() -> tuple[TextIO, TextIO]:
    """stdout and stderr as an interpreter started with its output redirected has them (no
    terminal; stderr line-buffered), over descriptors 1 and 2 wherever they point. Made once and
    never closed: a library keeps the stream it found (a logging handler made on its import) and
    writes to it in later runs, where it must reach those runs' descriptor 2, as in a process."""
    stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)  # noqa: SIM115
    return stdout, stderr


def _warnings_of_a_fresh_interpreter() -> None:
    """Python's default filters instead of pytest's (which record every warning, so none would
    reach stderr), each warning printed to sys.stderr as a fresh process prints it."""
    warnings.resetwarnings()
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.filterwarnings("ignore", category=category, append=True)

    def show(
        message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: str | None = None
    ) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    warnings.showwarning = show


@pytest.fixture(autouse=True)
def _datasets_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache of its own for every test's `load_dataset`: a shared one handed a test the rows of
    an earlier test's dataset of the same name (seen). `datasets` reads the variable when it is
    imported, so its config is set too, for the tests that load in this process."""
    import datasets.config

    cache = tmp_path / "hf-datasets-cache"
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny Marian models (ru-en, th-en) built once per test session from the shipped sample text."""
    from pipeline.translation.tiny_models import build_from_samples

    folder = tmp_path_factory.mktemp("tiny-models")
    return {lang: build_from_samples(folder / f"tiny-{lang}-en", lang) for lang in ("ru", "th")}


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory, tiny_models: dict[str, Path]) -> Path:
    """One run of data/raw with the tiny models, published once per session (the review tests work on copies)."""
    folder = tmp_path_factory.mktemp("published-sample")
    config = tiny_config(folder / "run.yaml", tiny_models, name="sample", input=RAW, output=folder / "out", quiet=True)
    result = run_in_process("run", str(config))
    assert result.returncode == 0, result.stderr
    return folder / "out" / "sample"


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def tiny_config(path: Path, tiny_models: dict[str, Path], **sections: Any) -> Path:
    """A run config using the tiny models and the project's registry; `sections` override keys."""
    data: dict[str, Any] = {
        "name": "run",
        "translate": {
            "device": "cpu",
            "cache": str(path.parent / f"{path.stem}-cache.sqlite"),
            "max_new_tokens": 8,
            "models": {lang: {"model": str(folder)} for lang, folder in tiny_models.items()},
        },
        "normalize": {"registry": str(REGISTRY)},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = str(value) if isinstance(value, Path) else value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_nllb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny NLLB-style model (M2M100 weights, NLLB tokenizer with language codes) per session."""
    from pipeline.translation.tiny_models import build_nllb_from_samples

    return build_nllb_from_samples(tmp_path_factory.mktemp("tiny-nllb") / "tiny-nllb")
