from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

# No test may reach the network: a hub id would otherwise retry for about 45 seconds.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
REGISTRY = ROOT / "configs" / "names.yaml"
SHARED = ROOT.parent / "shared"


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
    command = [sys.executable, "-m", "pipeline", "run", str(config)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
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
