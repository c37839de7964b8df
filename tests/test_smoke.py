"""The offline smoke config as a new user runs it: on any folder, with tiny models from shipped text."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from tests.conftest import RAW, ROOT


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def test_tiny_models_are_the_same_bytes_wherever_they_are_built(tmp_path: Path) -> None:
    from pipeline.translation.tiny_models import build_from_samples

    here = build_from_samples(tmp_path / "one" / "tiny-th", "th")
    there = build_from_samples(tmp_path / "elsewhere" / "deeper" / "other-name", "th")
    assert _digests(here) == _digests(there)
    assert {"source.spm", "target.spm", "vocab.json", "model.safetensors"} <= set(_digests(here))


def test_a_language_with_no_shipped_text_is_a_clear_error(tmp_path: Path) -> None:
    from pipeline.translation.tiny_models import build_from_samples

    with pytest.raises(ValueError, match="no shipped text to build a tiny uk model"):
        build_from_samples(tmp_path / "tiny-uk", "uk")


def _folder_of(files: list[str], target: Path) -> Path:
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RAW / name, target / name)
    return target


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "lang"),
    [
        (["en/buryatia_losses.txt", "en/council_of_mothers.md", "en/idite_lesom.html"], "en"),
        (["ru/idite_lesom.md", "ru/put_domoy_cp1251.txt", "ru/verstka_novosibirsk.txt"], "ru"),
    ],
    ids=["english-only", "russian-only"],
)
def test_smoke_config_publishes_a_folder_of_one_language(tmp_path: Path, files: list[str], lang: str) -> None:
    # A user's own folder, and a working directory with no data/raw and no models built yet:
    # the tiny models must come from the package, not from the input.
    workdir = tmp_path / "work"
    (workdir / "configs").mkdir(parents=True)
    for name in ("smoke.yaml", "names.yaml"):
        shutil.copy(ROOT / "configs" / name, workdir / "configs" / name)
    articles = _folder_of(files, tmp_path / "my_articles")
    command = [sys.executable, "-m", "pipeline", "run", "configs/smoke.yaml", "--input", str(articles), "--quiet"]
    env = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    env["OMP_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"]  # the test session's (conftest.py): not the run's concern
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (workdir / "models" / "tiny" / "opus-mt-tiny-th-en" / "tiny_model.json").is_file()
    docs = datasets.load_dataset(str(workdir / "data" / "clean" / "smoke"), split="train")
    assert sorted(docs["source"]) == sorted(files)
    assert set(docs["lang"]) == {lang}
    assert all(text_en for text_en in docs["text_en"])
