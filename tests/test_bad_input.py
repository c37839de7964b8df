"""Bad input never stops a run and never disappears: each is listed with a reason."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import datasets
import pytest

from pipeline.config import load_config
from pipeline.ingest import Ingest
from pipeline.run import run_pipeline
from tests.conftest import REGISTRY, run_in_process, write_config
from tests.test_end_to_end import run_cli

GOOD = "date 2023-01-01\nThe wives of mobilised men went to the Kremlin again on Saturday morning.\n"


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("   \n\n  ")
    (folder / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    (folder / "damaged.txt").write_bytes(
        "Жёны мобилизованных вышли к Кремлю.".encode()[:30] + b"\xff\xfe" + "и потребовали вернуть мужей.".encode()
    )
    (folder / "lines.jsonl").write_text(
        json.dumps({"text": "A good line about Put' Domoi and the wives."}) + "\nnot json at all\n" + json.dumps({"url": "x"}) + "\n"
    )
    (folder / "huge.txt").write_text("word " * 400)
    (folder / "only_markup.html").write_text("<html><body><script>x()</script><nav>Menu</nav></body></html>")
    return folder


def test_every_bad_file_is_reported_and_the_rest_published(tmp_path: Path, bad_folder: Path) -> None:
    config = write_config(
        tmp_path / "c.yaml",
        f"""
name: bad
input: {bad_folder}
output: {tmp_path / "out"}
ingest:
  max_file_bytes: 1000
translate:
  enabled: false
normalize:
  registry: {REGISTRY}
""",
    )
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out" / "bad" / "run_report.json").read_text())
    reasons = {item["source"]: item["reason"] for item in report["documents"]["skipped"]}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.md"] == "empty file"
    assert "PNG image" in reasons["picture.txt"]
    assert "undecodable bytes" in reasons["damaged.txt"]
    assert "over the limit of 1,000" in reasons["huge.txt"]
    assert "no text" in reasons["only_markup.html"]
    jsonl = [item["reason"] for item in report["documents"]["skipped"] if item["source"] == "lines.jsonl"]
    assert jsonl == ["line 2: not valid JSON (Expecting value)", "line 3: no 'text' (or it is empty or not a string)"]
    assert report["documents"]["published"] == 2
    rows = datasets.load_dataset(str(tmp_path / "out" / "bad"), split="train")
    assert sorted(rows["source"]) == ["good.txt", "lines.jsonl"]


def test_a_file_that_disappears_during_the_run_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD)
    (tmp_path / "b.txt").write_text(GOOD + "more")
    ingest = Ingest(tmp_path, [".txt"], 10_000, ["cp1251"])
    stream = ingest.run()
    first = next(stream)
    assert first.source == "a.txt"
    (tmp_path / "b.txt").unlink()
    assert list(stream) == []
    assert ingest.skipped == [{"source": "b.txt", "reason": "file disappeared before it could be read", "stage": "ingest"}]


def test_config_error_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", "name: x\nbogus_key: 1\n")
    result = run_cli("run", str(config))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert str(config) in result.stderr and "bogus_key" in result.stderr and "line 2" in result.stderr


def test_missing_model_stops_before_any_work_naming_language_and_model(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.yaml",
        f"""
name: x
output: {tmp_path / "out"}
translate:
  models:
    ru: {{model: {tmp_path / "no-such-model"}}}
normalize:
  registry: {REGISTRY}
""",
    )
    result = run_in_process("run", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "translate.models.ru" in result.stderr and "no-such-model" in result.stderr and "no such folder" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreachable_hub_model_says_what_to_do(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.yaml",
        f"""
name: x
output: {tmp_path / "out"}
translate:
  models:
    th: {{model: Helsinki-NLP/opus-mt-th-en}}
normalize:
  registry: {REGISTRY}
""",
    )
    result = run_in_process("run", str(config))
    assert result.returncode == 2
    assert "translate.models.th" in result.stderr and "download it on a connected machine" in result.stderr
    assert result.stderr.startswith(f"error: {config}: ") and result.stderr.count("\n") == 1
    assert "hf download Helsinki-NLP/opus-mt-th-en" in result.stderr and "huggingface-cli" not in result.stderr
    assert "python -m pipeline run configs/smoke.yaml" in result.stderr


def test_an_interrupted_run_leaves_the_previous_dataset_whole(tmp_path: Path, bad_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path = write_config(
        tmp_path / "c.yaml",
        f"""
name: atomic
input: {bad_folder}
output: {tmp_path / "out"}
quiet: true
translate:
  enabled: false
normalize:
  registry: {REGISTRY}
""",
    )
    run_pipeline(load_config(config_path))
    before = datasets.load_dataset(str(tmp_path / "out" / "atomic"), split="train").to_list()

    from pipeline.publish import stage as publish

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed while writing")

    (bad_folder / "new.txt").write_text(GOOD.replace("Saturday", "Sunday"))
    monkeypatch.setattr(publish, "write_parquet", crash)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(load_config(config_path))
    after = datasets.load_dataset(str(tmp_path / "out" / "atomic"), split="train").to_list()
    assert after == before


def test_broken_registry_stops_the_run_with_file_and_line(tmp_path: Path, bad_folder: Path) -> None:
    registry = tmp_path / "names.yaml"
    registry.write_text("entities:\n  - id: a\n    canonical: A\n    type: place\n  - id: a\n    canonical: B\n    type: place\n")
    config = write_config(
        tmp_path / "c.yaml", f"name: x\ninput: {bad_folder}\noutput: {tmp_path / 'out'}\nnormalize:\n  registry: {registry}\n"
    )
    result = run_in_process("run", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{registry}:5: duplicate id 'a'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_links_out_of_the_input_folder_are_skipped_and_reported(tmp_path: Path) -> None:
    secret = tmp_path / "private"
    secret.mkdir()
    (secret / "hostname.txt").write_text("secret-host-name\n")
    (secret / "notes.txt").write_text("Private notes about nothing in particular, never to be published.\n")
    folder = tmp_path / "raw"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(GOOD)
    (folder / "outside.txt").symlink_to(secret / "hostname.txt")
    (folder / "sub" / "outside_folder").symlink_to(secret, target_is_directory=True)
    (folder / "sub" / "inside.txt").symlink_to(folder / "good.txt")  # a link within the folder is read
    config = write_config(
        tmp_path / "c.yaml",
        f"name: links\ninput: {folder}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 0, result.stderr
    rows = datasets.load_dataset(str(tmp_path / "out" / "links"), split="train")
    assert sorted(rows["source"]) == ["good.txt", "sub/inside.txt"]
    assert not any("secret" in text or "Private" in text for text in rows["text"])
    report = json.loads((tmp_path / "out" / "links" / "run_report.json").read_text())
    reasons = {item["source"]: item["reason"] for item in report["documents"]["skipped"]}
    assert set(reasons) == {"outside.txt", "sub/outside_folder"}
    assert all("outside the input folder" in reason and "ingest.follow_external_links" in reason for reason in reasons.values())


def test_follow_external_links_reads_them_once(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.txt").write_text(GOOD)
    (elsewhere / "loop").symlink_to(elsewhere, target_is_directory=True)  # would list forever if followed again
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    (folder / "b.txt").symlink_to(elsewhere / "a.txt")
    closed = Ingest(folder, [".txt"], 10_000, ["cp1251"])
    assert list(closed.run()) == [] and [item["source"] for item in closed.skipped] == ["b.txt", "linked"]
    opened = Ingest(folder, [".txt"], 10_000, ["cp1251"], follow_external_links=True)
    assert [document.source for document in opened.run()] == ["b.txt", "linked/a.txt"]
    assert opened.skipped == []


def test_a_folder_that_cannot_be_listed_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_text(GOOD)
    (tmp_path / "b.txt").write_text(GOOD)
    iterdir = Path.iterdir

    def refuse_locked(folder: Path) -> Any:
        if folder.name == "locked":
            raise PermissionError(13, "Permission denied")
        return iterdir(folder)

    monkeypatch.setattr(Path, "iterdir", refuse_locked)  # as root, chmod would not lock it
    ingest = Ingest(tmp_path, [".txt"], 10_000, ["cp1251"])
    assert [document.source for document in ingest.run()] == ["b.txt"]
    assert ingest.skipped == [{"source": "locked", "reason": "cannot list folder: Permission denied", "stage": "ingest"}]


def _quick_config(tmp_path: Path, input_folder: Path) -> Path:
    return write_config(
        tmp_path / "c.yaml",
        f"name: ds\ninput: {input_folder}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )


def test_a_run_where_every_file_is_bad_keeps_the_published_dataset(tmp_path: Path, bad_folder: Path) -> None:
    config = _quick_config(tmp_path, bad_folder)
    assert run_in_process("run", str(config), "--quiet").returncode == 0
    before = datasets.load_dataset(str(tmp_path / "out" / "ds"), split="train").to_list()
    assert len(before) == 3  # good.txt, huge.txt (under the default limit) and a JSONL line

    only_bad = tmp_path / "only_bad"
    only_bad.mkdir()
    for name in ("empty.txt", "blank.md", "picture.txt", "only_markup.html"):
        (only_bad / name).write_bytes((bad_folder / name).read_bytes())
    result = run_in_process("run", str(config), "--quiet", "--input", str(only_bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    message = result.stderr.rstrip("\n")
    assert message.startswith(f"error: {config}: input {only_bad}: no documents to publish (4 input files, 4 skipped as bad input")
    assert "(first: blank.md: empty file)" in message and message.endswith(f"{tmp_path / 'out' / 'ds'} was left as it was")
    assert datasets.load_dataset(str(tmp_path / "out" / "ds"), split="train").to_list() == before


@pytest.mark.parametrize("where", ["a_file", "a_file/below"])
def test_output_that_is_a_file_or_inside_one_is_an_error(tmp_path: Path, bad_folder: Path, where: str) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    result = run_in_process("run", str(_quick_config(tmp_path, bad_folder)), "--output", str(tmp_path / where))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr
        == f"error: --output: cannot publish in {tmp_path / where}: {tmp_path / 'a_file'} is a file, not a folder\n"  # what set it
    )
    assert (tmp_path / "a_file").read_text() == "not a folder"


def test_unwritable_output_is_an_error(tmp_path: Path, bad_folder: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user (root) can write to a read-only folder")
        result = run_in_process("run", str(_quick_config(tmp_path, bad_folder)), "--output", str(locked / "out"))
    finally:
        locked.chmod(stat.S_IRWXU)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr == f"error: {tmp_path / 'c.yaml'}: output: cannot publish in {locked / 'out'}: no permission to write in {locked}\n"
    )


def _every_file(folder: Path) -> set[str]:
    """Everything under the folder that is not a folder itself (links and broken links included)."""
    found = set()
    for parent, folders, files in os.walk(folder):
        for name in files + [name for name in folders if (Path(parent) / name).is_symlink()]:
            found.add((Path(parent) / name).relative_to(folder).as_posix())
    return found


def test_every_file_under_the_input_folder_is_accounted_for(tmp_path: Path) -> None:
    from pipeline.ingest import list_input_files

    folder = tmp_path / "raw"
    (folder / "sub").mkdir(parents=True)
    (folder / ".git" / "objects").mkdir(parents=True)
    for name in ("a.txt", "B.TXT", "photo.png", "report.pdf", "sub/notes.docx", "README", ".DS_Store", "sub/.draft.txt", "sub/c.md"):
        (folder / name).write_text(GOOD)
    for name in (".git/HEAD", ".git/notes.txt", ".git/objects/ab.txt"):  # not entered: listed once as the folder
        (folder / name).write_text(GOOD)
    (folder / "broken.txt").symlink_to(folder / "gone.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (tmp_path / "c.yaml").write_text("name: x\n")
    (folder / "outside.md").symlink_to(tmp_path / "c.yaml")
    (folder / "sub" / "inside.txt").symlink_to(folder / "a.txt")
    listing = list_input_files(folder, [".txt", ".md"])
    taken = [path.relative_to(folder).as_posix() for path in listing.files]
    assert taken == ["B.TXT", "a.txt", "sub/c.md", "sub/inside.txt"]
    skipped = dict(listing.skipped)
    assert set(skipped) == {"broken.txt", "loop.txt", "outside.md"}
    assert "loops" in skipped["loop.txt"] and "broken" in skipped["broken.txt"] and "outside" in skipped["outside.md"]
    ignored = {item["source"]: (item["extension"], item["reason"]) for item in listing.ignored}
    assert ignored == {
        "photo.png": (".png", "extension not in ingest.extensions"),
        "report.pdf": (".pdf", "extension not in ingest.extensions"),
        "sub/notes.docx": (".docx", "extension not in ingest.extensions"),
        "README": ("", "extension not in ingest.extensions"),
        ".DS_Store": ("", "hidden file (its name starts with a dot)"),
        "sub/.draft.txt": (".txt", "hidden file (its name starts with a dot)"),
        ".git/": ("", "hidden folder (its name starts with a dot): not entered, listed once"),
    }
    hidden_folder = {path for path in _every_file(folder) if path.startswith(".git/")}
    assert len(hidden_folder) == 3
    accounted = set(taken) | set(skipped) | set(ignored) - {".git/"}
    assert accounted | hidden_folder == _every_file(folder)  # nothing disappears
    assert len(taken) + len(skipped) + len(ignored) - 1 + len(hidden_folder) == len(_every_file(folder))  # nor counts twice


def test_ignored_files_are_counted_in_the_summary_and_listed_in_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / ".git").mkdir()
    for name in ("photo.png", "scan.png", "slides.pptx", "sheet.xlsx", ".DS_Store", ".git/HEAD", ".git/config.txt"):
        (folder / name).write_bytes(b"\x00\x01")
    result = run_in_process("run", str(_quick_config(tmp_path, folder)))
    assert result.returncode == 0, result.stderr
    assert "1 published, 0 skipped, 6 files ignored" in result.stderr
    counts = "(hidden folder) 1, (hidden) 1, .png 2, .pptx 1, .xlsx 1"
    assert f"ignored (not in ingest.extensions, or hidden; listed in run_report.json): {counts}" in result.stderr
    report = json.loads((tmp_path / "out" / "ds" / "run_report.json").read_text())
    assert report["documents"]["ignored_by_extension"] == {"(hidden)": 1, "(hidden folder)": 1, ".png": 2, ".pptx": 1, ".xlsx": 1}
    assert sorted(item["source"] for item in report["documents"]["ignored"]) == [
        ".DS_Store",
        ".git/",
        "photo.png",
        "scan.png",
        "sheet.xlsx",
        "slides.pptx",
    ]


def test_a_folder_of_only_other_files_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in ("a.pptx", "b.pptx", "c.xlsx"):
        (folder / name).write_bytes(b"PK\x03\x04")
    config = _quick_config(tmp_path, folder)
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert (
        "(0 input files, 0 skipped as bad input, 3 other files ignored (.pptx 2, .xlsx 1; ingest.extensions says what is read))"
        in result.stderr
    )


def test_a_broken_link_is_called_broken_wherever_it_points(tmp_path: Path) -> None:
    from pipeline.ingest import list_input_files

    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "gone.txt").symlink_to(tmp_path / "deleted" / "article.txt")  # outside the folder, and nothing there
    (folder / "moved.txt").symlink_to(folder / "old.txt")
    skipped = dict(list_input_files(folder, [".txt"]).skipped)
    assert skipped == {
        "gone.txt": f"broken symbolic link: its target {tmp_path / 'deleted' / 'article.txt'} does not exist",
        "moved.txt": f"broken symbolic link: its target {folder / 'old.txt'} does not exist",
    }


def test_input_and_output_errors_blame_what_set_them(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", f"name: x\ninput: {tmp_path}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\n")
    missing = run_in_process("run", str(config), "--input", str(tmp_path / "nonexistent"))
    assert missing.returncode == 2 and missing.stderr == f"error: --input: no such folder: {tmp_path / 'nonexistent'}\n"
    by_config = write_config(tmp_path / "d.yaml", f"name: x\ninput: {tmp_path / 'nonexistent'}\ntranslate:\n  enabled: false\n")
    assert run_in_process("run", str(by_config)).stderr == f"error: {by_config}: input: no such folder: {tmp_path / 'nonexistent'}\n"
    output = run_in_process("run", str(config), "--output", str(tmp_path / "c.yaml" / "out"))
    assert output.returncode == 2 and output.stderr.startswith("error: --output: cannot publish in ")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_folder_that_cannot_be_made_says_so_without_errno(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("The wives of mobilised men went to the Kremlin again on Saturday morning.\n", encoding="utf-8")
    config = write_config(tmp_path / "c.yaml", f"name: x\ninput: {raw}\ntranslate:\n  enabled: false\nnormalize:\n  enabled: false\n")
    result = run_in_process("run", str(config), "--output", "/proc/foo")
    assert result.returncode == 2 and "Errno" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "/proc/foo" in result.stderr


def test_a_cuda_device_on_a_torch_without_cuda_is_a_config_error(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    import torch

    from tests.conftest import tiny_config

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("Жёны мобилизованных снова вышли к Кремлю в субботу утром.\n", encoding="utf-8")
    config = tiny_config(tmp_path / "c.yaml", tiny_models, input=raw, output=tmp_path / "out", translate={"device": "cuda"})
    result = run_in_process("run", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"error: {config}: translate.device: 'cuda', but ")
    assert "use device: auto (or cpu)" in result.stderr


def test_translation_without_a_model_for_a_language_is_said_in_a_warning_and_the_card(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    from tests.conftest import tiny_config

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ru.txt").write_text("Жёны мобилизованных снова вышли к Кремлю в субботу утром.\n", encoding="utf-8")
    (raw / "en.txt").write_text("The wives of mobilised men went to the Kremlin again on Saturday morning.\n", encoding="utf-8")
    models = {"th": {"model": str(tiny_models["th"])}}  # no Russian model
    config = tiny_config(tmp_path / "c.yaml", tiny_models, name="ds", input=raw, output=tmp_path / "out", translate={"models": models})
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "warning: not translated: ru (1 paragraph): translate.models has no model for them, so their text_en is empty\n"
    )
    card = (tmp_path / "out" / "ds" / "README.md").read_text(encoding="utf-8")
    assert "**Not translated: ru (1 paragraph)**: `translate.models` has no model for them" in card
