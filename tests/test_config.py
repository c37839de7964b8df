from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_config


def test_smoke_and_default_configs_validate() -> None:
    root = Path(__file__).resolve().parent.parent
    for name in ("smoke.yaml", "default.yaml"):
        config = load_config(root / "configs" / name)
        assert config.translate.models["ru"].model
        assert len(config.content_hash()) == 12


def test_unknown_key_names_file_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ndetect:\n  languages: [ru]\n  min_scor: 0.5\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message and "detect.min_scor" in message and "line 4" in message and "unknown key" in message


def test_wrong_type_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ntranslate:\n  batch_tokens: lots\n")
    with pytest.raises(ConfigError, match=r"translate\.batch_tokens \(line 3\): Input should be a valid integer"):
        load_config(path)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")


def test_overrides_replace_paths_but_not_the_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: x\n")
    plain = load_config(path)
    moved = load_config(path, {"input": tmp_path / "in", "output": tmp_path / "out", "quiet": True})
    assert moved.input == tmp_path / "in" and moved.output == tmp_path / "out" and moved.quiet
    assert moved.content_hash() == plain.content_hash()
    path.write_text("name: x\ndetect:\n  min_score: 0.9\n")
    assert load_config(path).content_hash() != plain.content_hash()


def test_unknown_detect_language_is_an_error_naming_key_and_codes(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: x\ndetect:\n  languages: [ru, xx, be, yy]\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message and "detect.languages (line 3)" in message and "xx, yy" in message
    assert "be" not in message.split("code(s)")[1]  # Belarusian is found by letter rules


def test_push_to_hub_without_repo_id_is_refused_when_the_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: x\npublish:\n  push_to_hub: true\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and "publish.repo_id" in str(error.value)
    path.write_text("name: x\npublish:\n  push_to_hub: true\n  repo_id: org/news\n")
    assert load_config(path).publish.repo_id == "org/news"


def test_license_defaults_to_other_and_the_config_overrides_it(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: x\n")
    assert load_config(path).publish.license == "other"
    path.write_text("name: x\npublish:\n  license: cc-by-4.0\n")
    assert load_config(path).publish.license == "cc-by-4.0"
