from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# No test may reach the network: a hub id would otherwise retry for about 45 seconds.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
REGISTRY = ROOT / "configs" / "names.yaml"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _datasets_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path_factory.getbasetemp() / "hf-datasets-cache"))


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny Marian models (ru-en, th-en) built once per test session from the sample text."""
    from pipeline.tiny_models import build_from_samples

    folder = tmp_path_factory.mktemp("tiny-models")
    return {lang: build_from_samples(folder / f"tiny-{lang}-en", lang, RAW) for lang in ("ru", "th")}


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
