"""The real CLI on a copy of data/raw, and the published dataset loaded back with datasets."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from pipeline.names import load_registry
from tests.conftest import REGISTRY, ROOT, run_in_process, tiny_config, write_config


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture
def config_file(tmp_path: Path, tiny_models: dict[str, Path]) -> Path:
    return tiny_config(
        tmp_path / "run.yaml",
        tiny_models,
        name="e2e",
        detect={"languages": ["ru", "th", "en", "uk", "be", "de"]},
        translate={"max_new_tokens": 16},
    )


# Our sample articles in each form the readers know, and the fields each must come out with.
SAMPLE_FIELDS = {
    "ru/verstka_novosibirsk.txt": {
        "published": dt.date(2023, 11, 20),  # "20 ноября 2023, 14:30"
        "title": "Жёны мобилизованных провели пикет в Новосибирске",
        "url": "https://verstka.media/novosibirsk-piket-zhyon-mobilizovannyh",
        "outlet": "Vyorstka",
    },
    "th/prachatai_ruam_tua.txt": {
        "published": dt.date(2023, 12, 9),  # "9 ธันวาคม 2566": Buddhist era
        "title": "ครอบครัวทหารรัสเซียรวมตัวเรียกร้องให้ส่งทหารกลับบ้าน",
        "url": "https://prachatai.com/journal/2023/12/russia-soldiers-families",
        "outlet": "Prachatai",
    },
    "en/council_vigil.html": {
        "published": dt.date(2023, 6, 14),  # JSON-LD datePublished
        "title": "Mothers hold a vigil for conscripts sent to Belgorod",
        "url": "https://news.example-daily.org/2023/06/council-vigil",
        "outlet": "Example Daily",  # og:site_name
    },
    "en/put_domoi_vigil_dump.txt": {
        "published": dt.date(2024, 1, 6),
        "title": "Wives of mobilised men lay flowers at the Kremlin wall again",
        "url": "https://www.example-wire.net/world/put-domoi-flowers-kremlin",
        "outlet": "example-wire.net",  # an outlet we know no name for: its registered domain
    },
}
SAMPLE_FURNITURE = {
    "ru/verstka_novosibirsk.txt": ["Перейти к содержанию", "Поделиться", "Подпишитесь"],
    "th/prachatai_ruam_tua.txt": ["แชร์บทความนี้"],
    "en/council_vigil.html": ["cookies", "Home", "Donate", "Share on", "Related stories", "Copyright", "Subscribe", "staff writer"],
    "en/put_domoi_vigil_dump.txt": ["Skip to", "banner", "Share this", "Leave a comment", "email address", "Make a donation"],
}


def test_run_publishes_a_dataset_that_load_dataset_reads(tmp_path: Path, raw_copy: Path, config_file: Path) -> None:
    result = run_cli("run", str(config_file), "--input", str(raw_copy), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "published" in result.stderr and "stage" in result.stderr  # the summary table

    folder = tmp_path / "out" / "e2e"
    rows = datasets.load_dataset(str(folder), split="train")
    assert rows.num_rows == 21
    expected_columns = {
        "id",
        "source",
        "url",
        "outlet",
        "title",
        "published",
        "lang",
        "lang_score",
        "text",
        "text_en",
        "text_en_normalized",
        "names",
        "paragraphs",
        "translation_model",
        "pipeline_version",
        "config_hash",
    }
    assert expected_columns <= set(rows.column_names)
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    assert {row["lang"] for row in rows} == {"en", "ru", "th"}
    assert len(by_source["mixed/news.jsonl"]) == 3
    html = by_source["en/idite_lesom.html"][0]
    assert html["url"] == "https://example.org/world/idite-lesom-desertion-help" and html["published"] == dt.date(2023, 11, 24)
    assert html["outlet"] == "example.org" and html["title"] == "Idite Lesom: volunteers who help soldiers leave the army"
    assert "Subscribe" not in html["text"] and "Copyright" not in html["text"]
    for source, fields in SAMPLE_FIELDS.items():
        row = by_source[source][0]
        assert {key: row[key] for key in fields} == fields, source
        for furniture in SAMPLE_FURNITURE[source]:
            assert furniture not in row["text"], (source, furniture)
        assert len(row["paragraphs"]) == 3, source  # the article's paragraphs, no title, date or link line
    english = by_source["en/buryatia_losses.txt"][0]
    assert english["text_en"] == english["text"] and english["translation_model"] is None
    russian = by_source["ru/put_domoy_cp1251.txt"][0]
    assert russian["text"].startswith("Жёны мобилизованных") and "@local-" in russian["translation_model"]
    assert all(p["lang"] == "ru" and p["text_en"] for p in russian["paragraphs"])
    # Names survive translation through a model whose output is noise.
    assert "Put' Domoi" in russian["text_en"] and "Maria Andreeva" in russian["text_en"]
    thai = by_source["th/edit_lesum_cp874.txt"][0]
    assert "Idite Lesom" in thai["text_en"] and "Grigory Sverdlin" in thai["text_en"]
    registry = load_registry(REGISTRY)
    for row in rows:  # every registry name in a Russian or Thai document is canonical in text_en
        if row["lang"] in ("ru", "th"):
            for match in (m for m in registry.native_matcher.find(row["text"]) if m.sure):
                assert match.entity.canonical in row["text_en"], (row["source"], match.entity.canonical)
    assert len({row["id"] for row in rows}) == 21
    assert len({row["config_hash"] for row in rows}) == 1

    report = json.loads((folder / "run_report.json").read_text())
    assert report["documents"]["read"] == 21 and report["documents"]["published"] == 21
    furniture = report["documents"]["furniture_lines"]
    assert furniture["en/put_domoi_vigil_dump.txt"] == 8 and furniture["ru/verstka_novosibirsk.txt"] == 3
    assert report["stages"]["ingest"]["furniture_lines"] == sum(furniture.values())
    assert report["documents"]["skipped"] == []
    assert list(report["stages"]) == ["ingest", "detect", "translate", "normalize", "publish"]  # in the order they ran
    seconds = [stage["seconds"] for stage in report["stages"].values()]
    assert all(isinstance(s, float) and s >= 0 for s in seconds), seconds
    assert isinstance(report["seconds"], float) and report["stages"]["translate"]["seconds"] > 0
    # Each stage's own time (its upstream excluded): together no more than the run's wall time (each rounded to ms).
    assert sum(seconds) <= report["seconds"] + 0.005, (seconds, report["seconds"])
    card = (folder / "README.md").read_text()
    assert card.startswith("---\n") and "config_name: names" in card and report["config_hash"] in card
    assert f'load_dataset("{folder.as_posix()}", split="train")' in card
    assert "| Vyorstka | 1 |" in card and "| 2023-11 | " in card and "| month published | documents |" in card
    assert "- ru: `" in card and "(a tiny test model built by the project with random weights: its translations are noise)" in card


def test_rerun_with_warm_cache_makes_no_model_calls(tmp_path: Path, raw_copy: Path, config_file: Path) -> None:
    output = tmp_path / "out"
    first = run_in_process("run", str(config_file), "--input", str(raw_copy), "--output", str(output), "--quiet")
    assert first.returncode == 0, first.stderr
    cold = json.loads((output / "e2e" / "run_report.json").read_text())["stages"]["translate"]
    assert cold["model_calls"] > 0
    first_rows = datasets.load_dataset(str(output / "e2e"), split="train").to_list()
    second = run_in_process("run", str(config_file), "--input", str(raw_copy), "--output", str(output), "--quiet")
    assert second.returncode == 0 and second.stderr == ""
    warm = json.loads((output / "e2e" / "run_report.json").read_text())["stages"]["translate"]
    assert warm.get("model_calls", 0) == 0 and warm["cache_hits"] == warm["sentences"] == cold["sentences"] > 0
    second_rows = datasets.load_dataset(str(output / "e2e"), split="train").to_list()
    assert sorted(second_rows, key=lambda r: r["id"]) == sorted(first_rows, key=lambda r: r["id"])


def test_detect_command_labels_lines(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("Жёны мобилизованных вышли к Кремлю.\nภรรยาของทหารรัสเซีย\nThe wives went to the Kremlin.\n")
    result = run_cli("detect", str(lines), "--languages", "ru,th,en")
    assert result.returncode == 0, result.stderr
    labels = [line.split("\t") for line in result.stdout.splitlines()]
    assert [label[0] for label in labels] == ["ru", "th", "en"]
    assert labels[1][2] == "ภรรยาของทหารรัสเซีย" and 0 <= float(labels[0][1]) <= 1
    piped = subprocess.run(
        [sys.executable, "-m", "pipeline", "detect", "--languages", "ru,en"],
        input="Hello there, how are you today?\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert piped.stdout.startswith("en\t")


def test_a_run_on_an_empty_folder_keeps_the_published_dataset(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text("The wives of mobilised men went to the Kremlin again on Saturday morning.\n")
    (tmp_path / "empty").mkdir()
    config = write_config(
        tmp_path / "c.yaml",
        f"name: kept\ninput: {tmp_path / 'raw'}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    assert run_in_process("run", str(config), "--quiet").returncode == 0
    folder = tmp_path / "out" / "kept"
    before = datasets.load_dataset(str(folder), split="train").to_list()
    card = (folder / "README.md").read_text()

    result = run_in_process("run", str(config), "--quiet", "--input", str(tmp_path / "empty"))
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {config}: input {tmp_path / 'empty'}: no documents to publish (0 input files")
    assert f"{folder} was left as it was" in result.stderr
    assert datasets.load_dataset(str(folder), split="train").to_list() == before and len(before) == 1
    assert (folder / "README.md").read_text() == card
    assert not (tmp_path / "out" / ".kept.partial").exists()


def test_detect_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = run_cli("detect", str(tmp_path / "missing.txt"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr == f"error: {tmp_path / 'missing.txt'}: cannot read: No such file or directory\n"
    unknown = run_cli("detect", str(tmp_path / "missing.txt"), "--languages", "ru,xx,en,yy")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr == "error: --languages: unknown language code(s) xx, yy: langdetect has no profile for them\n"


@pytest.mark.slow
def test_plain_pytest_collects_every_test_module() -> None:
    pytest_script = Path(sys.executable).parent / "pytest"
    if not pytest_script.exists():
        pytest.skip("no pytest script beside this Python")
    result = subprocess.run(
        [str(pytest_script), "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "No module named 'tests'" not in result.stdout and "test_resume.py" in result.stdout


STAGES = ("ingest", "detect", "translate", "normalize", "publish")


def test_a_redirected_log_has_no_control_characters(tmp_path: Path, raw_copy: Path, config_file: Path) -> None:
    # Descriptors 1 and 2 go to files, as `> run.log 2>&1` sends them: no terminal, so no bars.
    result = run_in_process("run", str(config_file), "--input", str(raw_copy), "--output", str(tmp_path / "out"))
    text = result.stdout + result.stderr
    assert result.returncode == 0, text
    assert "\x1b" not in text and "\r" not in text
    assert not [c for c in text if ord(c) < 32 and c not in "\n\t"]
    progress = [line for line in text.splitlines() if line.startswith("progress: ") and " done, " in line]
    assert [line.split()[1] for line in progress] == list(STAGES)  # one plain line per stage, in order
    assert re.search(r"^run e2e: 21 read, 21 published", text, re.M) and "\npublished: " in text  # the summary is still there


def test_a_terminal_gets_progress_bars(tmp_path: Path, raw_copy: Path) -> None:
    import fcntl
    import os
    import pty
    import struct
    import termios

    config = write_config(
        tmp_path / "c.yaml", f"name: tty\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n"
    )
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new pty is 0 columns wide
    command = [sys.executable, "-m", "pipeline", "run", str(config), "--input", str(raw_copy)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal is closed once the run has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=600) == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    bars, summary = text.split("run tty: ")
    assert "\r" in bars and "ingest" in bars and "doc/s" in bars  # tqdm redraws its bars on a terminal
    assert "progress: " not in text and summary.startswith("21 read, 21 published")


def test_file_names_with_control_characters_stay_out_of_the_log(tmp_path: Path, raw_copy: Path) -> None:
    (raw_copy / "empty\x1b[2J\r.txt").write_bytes(b"")  # skipped: the summary lists it by name
    (raw_copy / "odd.\x1b[31m").write_bytes(b"x")  # ignored: the summary counts its extension
    config = write_config(
        tmp_path / "c.yaml", f"name: names\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n"
    )
    result = run_in_process("run", str(config), "--input", str(raw_copy))
    text = result.stderr
    assert result.returncode == 0, text
    assert "\x1b" not in text and "\r" not in text
    assert "  empty\\x1b[2J\\r.txt: empty file" in text and ".\\x1b[31m 1" in text
