"""Titles are text too: kept in `text`, translated into `title_en`, searched for names (issue 27)."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from pipeline.ingest.readers import parse_plain_text
from tests.conftest import run_in_process, tiny_config

# Our own sentences. A wife asks President Putin to bring her husband home; the movement will go
# on protesting in Moscow.
THAI = "ภรรยาของทหารรัสเซียเรียกร้องให้ประธานาธิบดี วลาดิมีร์ ปูติน ส่งสามีกลับบ้าน\n\nกลุ่มปุตโดมอยจะประท้วงต่อไปที่กรุงมอสโก\n"
RUSSIAN = (
    "Жёны мобилизованных снова пишут Владимиру Путину\n\n"
    "Жёны мобилизованных записали новое видеообращение к президенту. Они просят вернуть мужей домой "
    "и обещают продолжать пикеты в Москве и Новосибирске.\n"
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, tiny_models: dict[str, Path]) -> Path:
    folder = tmp_path_factory.mktemp("titles")
    raw = folder / "raw"
    raw.mkdir()
    (raw / "thai.txt").write_text(THAI, encoding="utf-8")
    (raw / "russian.txt").write_text(RUSSIAN, encoding="utf-8")
    config = tiny_config(folder / "run.yaml", tiny_models, name="titles", input=raw, output=folder / "out", quiet=True)
    result = run_in_process("run", str(config))
    assert result.returncode == 0, result.stderr
    return folder / "out" / "titles"


@pytest.fixture
def published(dataset: Path) -> datasets.Dataset:
    return datasets.load_dataset(str(dataset), split="train")


def _row(rows: datasets.Dataset, source: str) -> dict:
    return next(row for row in rows if row["source"] == source)


@pytest.mark.parametrize(("source", "original"), [("thai.txt", THAI), ("russian.txt", RUSSIAN)])
def test_the_text_of_a_file_with_a_title_is_the_whole_file(published: datasets.Dataset, source: str, original: str) -> None:
    row = _row(published, source)
    assert row["text"] == original.strip()
    assert row["title"] == original.split("\n")[0]
    assert row["title_en"]  # translated (by a tiny model: noise, but never empty)
    assert row["title"] not in row["text_en"]  # the title is not translated twice into the body


@pytest.mark.parametrize("source", ["thai.txt", "russian.txt"])
def test_a_registered_name_in_a_title_is_found_and_kept_through_translation(published: datasets.Dataset, source: str) -> None:
    row = _row(published, source)
    # (A tiny model's noise may hold proper-name-like words too: those are discovered, not registered.)
    in_title = [name for name in row["names"] if name["field"] == "title_en" and name["method"] != "discovered"]
    assert [name["entity_id"] for name in in_title] == ["vladimir-putin"]
    mention = in_title[0]
    assert row["title_en"][mention["start"] : mention["end"]] == "Vladimir Putin"
    columns = {"title_en": "title_en", "text_en": "text_en_normalized", "title": "title", "text": "text"}
    for name in row["names"]:
        text = row[columns[name["field"]]]
        assert text[name["start"] : name["end"]] in {name["canonical"], name["variant"]}
    # The source text lists the name too (the file's title line opens `text`).
    in_source = [name for name in row["names"] if name["field"] == "text" and name["entity_id"] == "vladimir-putin"]
    assert in_source and all(row["text"][n["start"] : n["end"]] == n["variant"] for n in in_source)


def test_title_mentions_count_in_the_name_table(dataset: Path) -> None:
    table = datasets.load_dataset(str(dataset), "names", split="train")
    putin = [row for row in table if row["entity_id"] == "vladimir-putin"]
    # Found only in the two titles: in the Thai title's English and in both source titles.
    assert putin and sum(row["count"] for row in putin) >= 2
    assert {"Vladimir Putin"} <= {row["variant"] for row in putin}


def test_a_first_line_run_on_into_the_next_is_the_first_paragraph_not_a_title() -> None:
    document = parse_plain_text("The wives of mobilised men met again on Saturday\nin front of the regional parliament.\n")
    assert document.title is None
    assert document.paragraphs[0].startswith("The wives of mobilised men")


def test_a_headline_standing_alone_is_the_title_and_stays_in_the_text() -> None:
    document = parse_plain_text("Wives of mobilised men meet again\n\nThey met on Saturday in front of the parliament.\n")
    assert document.title == "Wives of mobilised men meet again"
    assert document.text == "Wives of mobilised men meet again\n\nThey met on Saturday in front of the parliament."
    assert document.paragraphs == ["They met on Saturday in front of the parliament."]
