"""Run configs a careless hand wrote (issue 26): refused with the key and line, never resolved silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_config
from tests.conftest import write_config
from tests.test_end_to_end import run_cli


def test_a_duplicate_key_is_refused_with_its_line(tmp_path: Path) -> None:
    # Before: the second `translate:` block replaced the first, and its `enabled: false` was lost.
    config = write_config(
        tmp_path / "c.yaml", "name: d\ntranslate:\n  enabled: false\nnormalize:\n  discover: false\ntranslate:\n  device: cpu\n"
    )
    with pytest.raises(ConfigError, match=r"line 6.*duplicate key 'translate' \(first on line 2\)"):
        load_config(config)


def test_a_duplicate_nested_key_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", "name: d\ntranslate:\n  enabled: false\n  enabled: true\n")
    with pytest.raises(ConfigError, match="duplicate key 'enabled'"):
        load_config(config)


def test_auto_threshold_below_review_threshold_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", "name: d\nnormalize:\n  auto_threshold: 0.5\n  review_threshold: 0.8\n")
    with pytest.raises(ConfigError, match="auto_threshold .* below review_threshold"):
        load_config(config)


@pytest.mark.parametrize("device", ["gpu0", "cuda0", "GPU", "cuda:x", ""])
def test_an_unknown_device_is_refused(tmp_path: Path, device: str) -> None:
    config = write_config(tmp_path / "c.yaml", f"name: d\ntranslate:\n  device: '{device}'\n")
    with pytest.raises(ConfigError, match=r"translate.device \(line 3\).*unknown device"):
        load_config(config)


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:1", "mps"])
def test_known_devices_pass(tmp_path: Path, device: str) -> None:
    assert load_config(write_config(tmp_path / "c.yaml", f"name: d\ntranslate:\n  device: '{device}'\n")).translate.device == device


def test_a_nul_in_the_name_is_a_config_error_not_a_traceback(tmp_path: Path) -> None:
    # Before: ValueError("embedded null byte") with a traceback.
    config = write_config(tmp_path / "c.yaml", f'name: "a\\0b"\ninput: {tmp_path}\noutput: {tmp_path / "out"}\n')
    result = run_cli("run", str(config), "--quiet")
    assert result.returncode == 2
    assert "name (line 1)" in result.stderr and "control characters" in result.stderr and "Traceback" not in result.stderr
