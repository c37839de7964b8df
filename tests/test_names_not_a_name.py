"""A spelling marked "not a name": remembered under `not_names`, never matched nor proposed again."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import datasets
import pytest

from pipeline.names import apply_review, load_registry
from pipeline.names.registry import RegistryError
from tests.conftest import REGISTRY, run_in_process
from tests.test_names import _run_names as _names
from tests.test_names_discovery import _rows, _run

HEADER = "variant,canonical,entity_id,method,score,count,documents,example,status\n"


def _corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / "a.txt").write_text("date 2024-03-01\nVolunteer Pavel Zhuravlyov drove supplies to Novaya Zarya on Tuesday.\n")
    (folder / "b.txt").write_text("date 2024-03-02\nLater Pavel Zhuravlev said the road to Novaya Zaria was open again.\n")
    (folder / "c.txt").write_text("date 2024-03-03\nMediasona wrote that Pavel Zhuravlyov was back.\n")


def _comments(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")]


def test_marked_spellings_leave_the_proposals_and_the_names_column(tmp_path: Path) -> None:
    _corpus(tmp_path / "raw")
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    folder = _run(tmp_path, registry, "run")
    rows = _rows(folder)
    statuses = {row["variant"]: row["status"] for row in rows}
    assert statuses["Mediasona"] == "pending" and statuses["Novaya Zarya"] == "new" and statuses["Pavel Zhuravlev"] == "new"

    # The reviewer says neither "Novaya Zarya" nor "Mediasona" is a name (in the spreadsheet).
    table = tmp_path / "reviewed.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "status": "not_a_name" if row["variant"] in ("Novaya Zarya", "Mediasona") else row["status"]})
    applied = run_in_process("names", "apply", str(table), "--registry", str(registry))
    assert applied.returncode == 0, applied.stderr
    loaded = load_registry(registry)
    assert loaded.not_names == {"novaya zarya", "mediasona"}
    assert _comments(registry) == _comments(REGISTRY)  # comments kept
    assert list(loaded.entities) == list(load_registry(REGISTRY).entities)  # order kept, nothing else changed
    assert apply_review(table, registry) == {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": len(rows)}  # twice: nothing

    folder = _run(tmp_path, registry, "run")
    variants = {row["variant"] for row in _rows(folder)}
    # Gone, and so is "Novaya Zaria", which has the same transliteration key; the person stays proposed.
    assert not variants & {"Novaya Zarya", "Novaya Zaria", "Mediasona"}
    assert {"Pavel Zhuravlev", "Pavel Zhuravlyov"} <= variants
    documents = datasets.load_dataset(str(folder), split="train").to_list()
    named = {name["variant"] for document in documents for name in document["names"]}
    assert "Pavel Zhuravlyov" in named and not named & {"Novaya Zarya", "Novaya Zaria", "Mediasona"}


def _table(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "review.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_registered_spelling_stays_a_name_and_the_marked_one_leaves_its_entity(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    text = "Bute Domoy said so. Put Domoy agreed. Mediasona reported."
    assert ("Bute Domoy", "put-domoi") in _names(registry, text)
    table = _table(tmp_path, ["Bute Domoy,Put' Domoi,put-domoi,known-variant,1,1,1,x,not_a_name"])
    assert apply_review(table, registry) == {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": 0, "not_a_name": 1}
    loaded = load_registry(registry)
    assert "Bute Domoy" not in loaded.entities["put-domoi"].variants and loaded.not_names == {"bute domoy"}
    after = _names(registry, text)
    assert not any(variant == "Bute Domoy" for variant, _ in after)
    assert after[("Put Domoy", "put-domoi")]["status"] == "known"  # a registered spelling is a name all the same
    assert loaded.is_not_a_name("Bute Domoi") and not loaded.is_not_a_name("Put Domoy")

    # Accepted again later: a name after all, and out of not_names.
    table = _table(tmp_path, ["Bute Domoy,Put' Domoi,put-domoi,known-variant,1,1,1,x,accepted"])
    assert apply_review(table, registry)["accepted"] == 1
    loaded = load_registry(registry)
    assert loaded.not_names == set() and "Bute Domoy" in loaded.entities["put-domoi"].variants
    assert _names(registry, text)[("Bute Domoy", "put-domoi")]["status"] == "known"


def test_a_transliteration_key_shared_with_a_registered_spelling_is_not_blocked(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    # "Put Domoj" folds like the registered "Put Domoy": only that very spelling is marked.
    apply_review(_table(tmp_path, ["Put Domoj,Put' Domoi,put-domoi,fuzzy,0.9,1,1,x,not_a_name"]), registry)
    loaded = load_registry(registry)
    assert loaded.is_not_a_name("Put Domoj") and loaded.is_not_a_name("put-domoj")
    assert not loaded.is_not_a_name("Put Domoy") and not loaded.is_not_a_name("Put Domoie")


def test_a_canonical_name_cannot_be_marked_and_nothing_is_written(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    before = registry.read_bytes()
    table = _table(
        tmp_path, ["Mediasona,Mediazona,mediazona,fuzzy,0.9,1,1,x,not_a_name", "Mediazona,Mediazona,mediazona,exact,1,1,1,x,not_a_name"]
    )
    with pytest.raises(RegistryError, match=r"line 3: 'Mediazona' is the canonical name of 'mediazona': rename the entity first"):
        apply_review(table, registry)
    assert registry.read_bytes() == before


def test_not_names_must_be_a_list_of_strings(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    registry.write_text("entities: []\nnot_names: [Snow Patrol, 3]\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not_names: must be a list of non-empty strings"):
        load_registry(registry)
