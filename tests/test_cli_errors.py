"""Every command meets what a user's machine throws at it with one `error:` line and exit 2, never a traceback.

A broken install, the environment and the debugging switch are met by a process of their own
(`_cli`); a bad config, registry or output, which the process makes no difference to, by the
CLI's `main` in this one (`run_in_process`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REGISTRY, ROOT, run_in_process, write_config


def _cli(
    *args: str, cwd: Path, stdin: str = "", extra_path: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(str(path) for path in (extra_path, ROOT) if path)
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300, env=environment)


def _assert_one_error_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in errors[0], errors[0]


def _broken_package(tmp_path: Path, name: str) -> Path:
    """A folder that, put first on the path, makes `import name` fail as a broken install does."""
    folder = tmp_path / "broken-site"
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text('raise ImportError("simulated broken install of ' + name + '")\n')
    return folder


@pytest.fixture
def bad_registry(tmp_path: Path) -> Path:
    path = tmp_path / "bad-names.yaml"
    path.write_text("entities: [\n  - id: x\n", encoding="utf-8")  # not valid YAML: a multi-line parser error
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "names.csv").write_text("entity_id,canonical,variant,status\n", encoding="utf-8")
    return folder


def _run_config(tmp_path: Path, **lines: str) -> Path:
    settings = {
        "name": "e",
        "input": str(ROOT / "data" / "raw" / "en"),
        "output": str(tmp_path / "out"),
        "quiet": "true",
        "normalize": f"{{registry: {REGISTRY}}}",
        **lines,
    }
    return write_config(tmp_path / "run.yaml", "".join(f"{key}: {value}\n" for key, value in settings.items()))


def test_run_with_a_missing_model_folder(tmp_path: Path) -> None:
    config = _run_config(tmp_path, translate=f"{{models: {{ru: {{model: {tmp_path / 'no-such-model'}}}}}}}")
    _assert_one_error_line(run_in_process("run", str(config), cwd=tmp_path), "translate.models.ru", "no such folder")


def test_run_with_an_unreadable_registry(tmp_path: Path, bad_registry: Path) -> None:
    config = _run_config(tmp_path, translate="{enabled: false}", normalize=f"{{registry: {bad_registry}}}")
    _assert_one_error_line(run_in_process("run", str(config), cwd=tmp_path), str(bad_registry), "not valid YAML")


def test_run_with_an_output_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = _run_config(tmp_path, translate="{enabled: false}", output=str(blocker / "out"))
    _assert_one_error_line(run_in_process("run", str(config), cwd=tmp_path), "output", "is a file, not a folder")


@pytest.mark.parametrize("package", ["trafilatura", "tldextract", "langdetect", "rapidfuzz"])
def test_run_with_a_dependency_that_fails_to_import(tmp_path: Path, package: str) -> None:
    config = _run_config(tmp_path, translate="{enabled: false}")
    result = _cli("run", str(config), cwd=tmp_path, extra_path=_broken_package(tmp_path, package))
    _assert_one_error_line(result, "failed to import", package, "requirements.lock")


def test_run_offline_with_a_hub_model_says_so_at_once(tmp_path: Path) -> None:
    # No HF_HUB_OFFLINE: the run finds out by itself that the Hub (here a closed local port)
    # cannot be reached, instead of retrying each file for a minute.
    config = _run_config(tmp_path, translate="{models: {ru: {model: Helsinki-NLP/opus-mt-ru-en}}}")
    env = {"HF_HUB_OFFLINE": "", "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf-home")}
    result = _cli("run", str(config), cwd=tmp_path, env=env)
    _assert_one_error_line(result, "Helsinki-NLP/opus-mt-ru-en", "cannot be reached")
    assert "Retrying" not in result.stderr


def test_detect_with_a_missing_file_and_a_broken_dependency(tmp_path: Path) -> None:
    _assert_one_error_line(run_in_process("detect", str(tmp_path / "missing.txt"), cwd=tmp_path), "missing.txt", "cannot read")
    result = _cli("detect", cwd=tmp_path, stdin="Some English text.\n", extra_path=_broken_package(tmp_path, "langdetect"))
    _assert_one_error_line(result, "failed to import", "langdetect")


def test_names_apply_with_an_unreadable_registry(tmp_path: Path, dataset: Path, bad_registry: Path) -> None:
    result = run_in_process("names", "apply", str(dataset / "names.csv"), "--registry", str(bad_registry), cwd=tmp_path)
    _assert_one_error_line(result, str(bad_registry), "not valid YAML")
    result = run_in_process("names", "apply", str(dataset / "names.csv"), "--registry", str(tmp_path), cwd=tmp_path)
    _assert_one_error_line(result, "cannot read the name registry")


def test_names_apply_with_a_broken_dependency(tmp_path: Path, dataset: Path) -> None:
    registry = tmp_path / "names.yaml"
    registry.write_text("entities: []\n", encoding="utf-8")
    result = _cli(
        "names",
        "apply",
        str(dataset / "names.csv"),
        "--registry",
        str(registry),
        cwd=tmp_path,
        extra_path=_broken_package(tmp_path, "rapidfuzz"),
    )
    _assert_one_error_line(result, "failed to import", "rapidfuzz")


def test_review_with_an_unreadable_registry_or_no_dataset(tmp_path: Path, dataset: Path, bad_registry: Path) -> None:
    result = _cli("review", str(dataset), "--registry", str(bad_registry), "--port", "0", cwd=tmp_path)
    _assert_one_error_line(result, "not valid YAML")
    _assert_one_error_line(_cli("review", str(tmp_path / "nothing-here"), cwd=tmp_path), "not a published dataset")


def test_an_unexpected_failure_is_one_line_unless_debugging(tmp_path: Path) -> None:
    # A failure nobody planned for (here a dependency that raises something other than ImportError).
    folder = tmp_path / "broken-site"
    (folder / "langdetect").mkdir(parents=True)
    (folder / "langdetect" / "__init__.py").write_text('raise RuntimeError("simulated failure nobody planned for")\n')
    result = _cli("detect", cwd=tmp_path, stdin="Some English text.\n", extra_path=folder)
    _assert_one_error_line(result, "detect: unexpected RuntimeError", "simulated failure", "PIPELINE_DEBUG=1")
    debug = _cli("detect", cwd=tmp_path, stdin="Some English text.\n", extra_path=folder, env={"PIPELINE_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr
