"""Names in the source text: a Russian document lists its names with translation off, and the
canonical of a proposed group prefers the English spelling a translation gave it."""

from __future__ import annotations

import csv
from pathlib import Path

import datasets

from pipeline.names.table import NameTable
from tests.conftest import REGISTRY, run_in_process


def _run(tmp_path: Path) -> Path:
    config = tmp_path / "src.yaml"
    config.write_text(
        f"name: src\ninput: {tmp_path / 'raw'}\noutput: {tmp_path / 'out'}\n"
        f"translate: {{enabled: false}}\nnormalize: {{registry: {REGISTRY}}}\n",
        encoding="utf-8",
    )
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp_path / "out" / "src"


RUSSIAN = "Волонтёр Андрей Курочкин снова отвёз помощь в Екатеринбург. Григорий Свердлин встретил Андрея Курочкина на вокзале.\n"


def test_a_russian_document_lists_its_names_in_text_with_translation_off(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ru.txt").write_text(RUSSIAN, encoding="utf-8")
    (raw / "en.txt").write_text("The volunteer Andrei Kurochkin drove aid to Yekaterinburg again.\n", encoding="utf-8")
    folder = _run(tmp_path)
    with (folder / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        table = {row["variant"]: row["entity_id"] for row in csv.DictReader(handle)}
    rows = {row["source"]: row for row in datasets.load_dataset(str(folder), split="train").to_list()}
    russian = rows["ru.txt"]
    assert russian["text"] == RUSSIAN.strip() and russian["text_en"] == ""  # nothing translated, nothing rewritten
    in_text = [name for name in russian["names"] if name["field"] == "text"]
    for name in in_text:
        assert russian["text"][name["start"] : name["end"]] == name["variant"]
    found = {(name["variant"], name["entity_id"]) for name in in_text}
    assert ("Григорий Свердлин", "grigory-sverdlin") in found  # a registered native form
    person = table["Андрей Курочкин"]
    assert person == table["Andrei Kurochkin"]  # one group across the scripts, in names.csv
    # Both the nominative and the declined form carry the corpus's group id.
    assert {("Андрей Курочкин", person), ("Андрея Курочкина", person)} <= found
    assert ("Екатеринбург", table["Екатеринбург"]) in found
    # An English document lists its names in text_en only: nothing twice.
    assert {name["field"] for name in rows["en.txt"]["names"]} == {"text_en"}


def _records(document: str, *spellings: tuple[str, str, bool]) -> tuple[str, list[dict]]:
    return document, [
        {"variant": variant, "entity_id": "new-bill-geits", "canonical": canonical, "method": "discovered", "score": 0.0,
         "applied": False, "example": variant, "type": "person"} | ({"translated": True} if translated else {})
        for variant, canonical, translated in spellings
    ]  # fmt: skip


def _canonicals(*documents: tuple[str, list[dict]]) -> set[str]:
    table = NameTable()
    for document in documents:
        table.add(*document)
    return {row["canonical"] for row in table.rows()}


def test_a_proposed_canonical_prefers_the_english_spelling_a_translation_gave() -> None:
    russian = ("Билл Гейтс", "Bill Geyts", False)
    assert _canonicals(_records("a", russian)) == {"Bill Geyts"}  # the romanized nominative
    assert _canonicals(_records("a", russian, ("Bill Gates", "Bill Gates", True))) == {"Bill Gates"}
    # A spelling of an English original is not a translation's: the romanized form stays.
    assert _canonicals(_records("a", russian), _records("b", ("Bill Geits", "Bill Geits", False))) == {"Bill Geyts"}
    # A translation's short form is not fuller than the Russian one.
    assert _canonicals(_records("a", russian, ("Gates", "Gates", True))) == {"Bill Geyts"}


def _group(kind: str, *spellings: tuple[str, str, int, bool]) -> set[str]:
    """The canonicals the name table proposes for one group's spellings (variant, canonical,
    mentions, from a translation), each mention in a document of its own."""
    documents = [
        (f"{variant}-{number}", [{"variant": variant, "entity_id": "new-x", "canonical": canonical, "method": "discovered",
                                  "score": 0.0, "applied": False, "example": variant, "type": kind, "translated": translated}])
        for variant, canonical, count, translated in spellings
        for number in range(count)
    ]  # fmt: skip
    return _canonicals(*documents)


def test_a_proposed_canonical_is_then_the_exonym_then_the_romanized_nominative() -> None:
    # The exonym: of an English spelling written more often, or of a translation's.
    assert _group("place", ("Moskva", "Moskva", 3, False), ("Moscow", "Moscow", 1, False)) == {"Moscow"}
    assert _group("place", ("Москва", "Moscow", 1, False), ("Moskva", "Moskva", 2, True)) == {"Moscow"}
    # The romanized nominative before an English original's spelling, however frequent.
    assert _group("person", ("Андрея Курочкина", "Andrey Kurochkin", 1, False), ("Andrej Kurotchkin", "Andrej Kurotchkin", 3, False)) == {
        "Andrey Kurochkin"
    }


def test_a_persons_canonical_is_a_full_name_however_often_the_surname_is_written_alone() -> None:
    assert _group("person", ("Gosman", "Gosman", 3, False), ("Leonid Gosman", "Leonid Gosman", 1, False)) == {"Leonid Gosman"}
    assert _group("person", ("Путин", "Putin", 3, False), ("Владимир Путин", "Vladimir Putin", 1, False)) == {"Vladimir Putin"}
    assert _group("person", ("Gosman", "Gosman", 3, False), ("L. Gosman", "L. Gosman", 1, False)) == {"Gosman"}  # no full name
    # Not a place's: "Russia" is written more than the long form, and stays the canonical.
    assert _group("place", ("Rossiya", "Rossiya", 3, False), ("Rossiyskaya Federatsiya", "Rossiyskaya Federatsiya", 1, False)) == {"Russia"}


def test_a_body_without_its_country_is_a_group_of_its_article_in_names_csv_and_the_names_column(tmp_path: Path) -> None:
    """Two articles' "Сенат": two groups (perhaps two countries' senates), each row saying why,
    and each document's mention under its own article's group."""
    from pipeline.names.grouping.reasons import BODY_PER_ARTICLE

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("Вчера Сенат принял закон о бюджете страны.\n", encoding="utf-8")
    (raw / "b.txt").write_text("В среду Сенат отклонил поправку к закону.\n", encoding="utf-8")
    folder = _run(tmp_path)
    with (folder / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        senates = [row for row in csv.DictReader(handle) if row["variant"] == "Сенат"]
    assert len({row["entity_id"] for row in senates}) == 2 and {row["reason"] for row in senates} == {BODY_PER_ARTICLE}
    rows = {row["source"]: row for row in datasets.load_dataset(str(folder), split="train").to_list()}
    ids = {source: {name["entity_id"] for name in row["names"] if name["variant"] == "Сенат"} for source, row in rows.items()}
    assert ids["a.txt"] | ids["b.txt"] == {row["entity_id"] for row in senates} and ids["a.txt"] != ids["b.txt"]
