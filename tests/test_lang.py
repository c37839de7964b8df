"""pipeline/lang/: one folder per language, and the modules that ask it rather than naming languages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline import lang, scripts
from pipeline.lang import UnknownLanguage, all_languages, find_language, get_language, language_codes, languages_with, read_language
from pipeline.langid.stage import script_of_language
from pipeline.translation import segment
from pipeline.translation.segment import split_by_punctuation, split_sentences, split_thai_sentences
from pipeline.translation.tiny_models import nllb_codes, shipped_languages, shipped_lines

ROOT = Path(__file__).resolve().parent.parent
LANG = ROOT / "pipeline" / "lang"


def test_the_lookup_lists_the_language_folders() -> None:
    folders = sorted(path.parent.name for path in LANG.glob("*/language.yaml"))
    assert language_codes() == folders and {"ru", "th", "en", "uk", "be", "bg"} <= set(folders)
    assert get_language("ru").name == "Russian" and get_language("th").script == "thai"
    assert [language.code for language in languages_with("word_frequencies.txt")] == ["bg", "ru", "uk"]


def test_an_unknown_language_is_said_not_guessed() -> None:
    assert find_language("xx") is None
    with pytest.raises(UnknownLanguage, match="no language 'xx' in pipeline/lang/ .*ru"):
        get_language("xx")
    assert script_of_language("xx") == "latin"
    with pytest.raises(ValueError, match="no shipped text to build a tiny xx model"):
        shipped_lines("xx")


def test_every_declaration_names_a_script_and_a_segmenter_the_code_has() -> None:
    assert set(lang.SCRIPTS) == set(scripts.LETTERS)
    for language in all_languages():
        assert language.script in scripts.LETTERS
        assert language.segmenter is None or language.segmenter in segment.SEGMENTERS


def test_a_bad_declaration_names_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "language.yaml").write_text("name: Toy\nscript: klingon\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pipeline/lang/xx/language.yaml: script 'klingon'"):
        read_language(folder)
    (folder / "language.yaml").write_text("name: Toy\nscript: latin\ncolour: red\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nothing but"):
        read_language(folder)


def test_a_language_without_a_segmenter_gets_the_generic_splitter_not_russian() -> None:
    text = "Было 5 млн. Потом ушёл. Об этом сообщил В. Путин."
    russian = ["Было 5 млн. Потом ушёл.", "Об этом сообщил В. Путин."]
    generic = ["Было 5 млн.", "Потом ушёл.", "Об этом сообщил В. Путин."]  # an initial is still no boundary
    assert get_language("uk").segmenter is None and get_language("ru").segmenter == "punctuation"
    assert [text[s:e] for s, e in split_sentences(text, "ru")] == russian
    assert [text[s:e] for s, e in split_sentences(text, "uk")] == generic  # no folder of abbreviations: generic
    assert [text[s:e] for s, e in split_sentences(text, "zz")] == generic  # no folder at all: generic
    assert segment.segmenter("zz") is split_by_punctuation and segment.segmenter("th") is split_thai_sentences


def test_a_new_language_is_one_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What Ukrainian as a translated language needs: a folder (plus its model in the run config)."""
    for folder in LANG.iterdir():
        if (folder / "language.yaml").is_file():
            shutil.copytree(folder, tmp_path / folder.name)
    toy = tmp_path / "xx"
    toy.mkdir()
    (toy / "language.yaml").write_text("name: Toy\nscript: cyrillic\nsegmenter: punctuation\nnllb: xxx_Cyrl\n", encoding="utf-8")
    (toy / "abbreviations.txt").write_text("# toy abbreviations\nмлн\n", encoding="utf-8")
    (toy / "sample_text.txt").write_text("Первая строка.\nВторая строка.\n", encoding="utf-8")
    (toy / "function_words.txt").write_text("# toy function words\nщось\n", encoding="utf-8")
    monkeypatch.setattr(lang, "ROOT", tmp_path)
    assert "xx" in language_codes() and get_language("xx").name == "Toy"
    assert script_of_language("xx") == "cyrillic"  # the detector's script of it
    assert [language.code for language in languages_with("function_words.txt")][-1] == "xx"
    text = "Было 5 млн. Потом ушёл."
    assert [text[s:e] for s, e in split_sentences(text, "xx")] == [text]  # its own abbreviations
    assert "xx" in shipped_languages() and shipped_lines("xx") == ["Первая строка.", "Вторая строка."]
    assert list(nllb_codes()) == ["ru", "th", "xx", "en"]  # sources by code, the target last


def test_no_word_list_lies_outside_the_language_folders() -> None:
    package = ROOT / "pipeline"
    stray = [str(path.relative_to(package)) for path in package.rglob("*.txt") if path.relative_to(package).parts[0] != "lang"]
    assert stray == []
    sources = "\n".join(path.read_text(encoding="utf-8") for path in package.rglob("*.py") if path.relative_to(package).parts[0] != "lang")
    for old_place in ("wordlists.txt", "tiny_text", 'resources.files("pipeline'):
        assert old_place not in sources


def test_every_word_list_has_a_reader() -> None:
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "pipeline").rglob("*.py"))
    lists = {path.name for path in LANG.glob("*/*.txt")}
    assert {"function_words.txt", "sample_text.txt", "given_names.txt"} <= lists
    assert sorted(name for name in lists if f'"{name}"' not in sources) == []


@pytest.mark.slow
def test_the_wheel_carries_every_language_file(tmp_path: Path) -> None:
    shipped = {str(path.relative_to(ROOT)) for path in LANG.rglob("*") if path.is_file() and path.suffix in (".txt", ".yaml", ".py")}
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ and egg-info there
    shutil.copytree(ROOT / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(source)]
    subprocess.run(command, check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert shipped <= names, sorted(shipped - names)
