"""Names that look alike but are not the same bytes (issue 26): invisible characters and NFD."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import RunConfig
from pipeline.names import apply_review
from pipeline.names.entity import variant_key
from pipeline.run import run_pipeline
from tests.conftest import REGISTRY

# Written out for the oracle (not taken from the code): they print as nothing.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u202e", "\u202d", "\u2066", "\u200f"]


@given(
    name=st.sampled_from(["Put' Domoi", "Grigory Sverdlin", "Путь домой", "Идите лесом", "Йошкар-Ола"]),
    invisible=st.sampled_from(INVISIBLE),
    at=st.integers(0, 20),
)
def test_a_spelling_with_an_invisible_character_or_in_nfd_has_the_same_key(name: str, invisible: str, at: int) -> None:
    position = min(at, len(name))
    assert variant_key(name[:position] + invisible + name[position:]) == variant_key(name)
    assert variant_key(unicodedata.normalize("NFD", name)) == variant_key(name)


def _run(tmp_path: Path, text: str, registry: Path = REGISTRY) -> set[str]:
    folder = tmp_path / "raw"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(text, encoding="utf-8")
    config = RunConfig.model_validate(
        {
            "name": "n",
            "input": folder,
            "output": tmp_path / "out",
            "quiet": True,
            "translate": {"enabled": False},
            "normalize": {"registry": registry, "discover": False},
        }
    )
    import pyarrow.parquet as pq

    run_pipeline(config)
    rows = pq.read_table(next((tmp_path / "out" / "n" / "data").glob("*.parquet"))).to_pylist()
    return {mention["entity_id"] for row in rows for mention in row["names"]}


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        (unicodedata.normalize("NFD", "Wives from the movement Путь домой went to the Kremlin on Saturday morning."), "put-domoi"),
        ("Grigory Sver\u00addlin, who founded the group, spoke to reporters on Monday.", "grigory-sverdlin"),
        ("Grigory\u200b Sverdlin, who founded the group, spoke to reporters on Monday.", "grigory-sverdlin"),
    ],
)
def test_a_name_in_nfd_or_with_an_invisible_character_is_matched(tmp_path: Path, text: str, entity: str) -> None:
    # Before: not matched (the bytes differ from the registry's spelling).
    assert entity in _run(tmp_path, text)


def test_a_registered_spelling_with_an_invisible_character_still_matches(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    text = REGISTRY.read_text(encoding="utf-8")
    registry.write_text(text.replace('"Gregory Swerdlin",', '"Gregory Swerdlin", "Grisha Swer\u200bdlinski",'), encoding="utf-8")
    assert "Grisha Swer\u200bdlinski" in registry.read_text(encoding="utf-8")
    assert "grigory-sverdlin" in _run(tmp_path, "Grisha Swer\u200bdlinski, who founded the group, spoke to reporters on Monday.", registry)


def test_names_apply_records_a_spelling_without_its_invisible_characters(tmp_path: Path) -> None:
    # Before: "Put\u200b Domoy" (and a bidi override, and NFD) went into the registry as typed.
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    table = tmp_path / "names.csv"
    spelling = "P\u202eut\u200b Domoy" + unicodedata.normalize("NFD", "й")
    table.write_text(f"variant,entity_id,status\n{spelling},put-domoi,accepted\n", encoding="utf-8")
    summary = apply_review(table, registry)
    written = registry.read_text(encoding="utf-8")
    assert "Put Domoyй" in written
    assert not any(char in written for char in INVISIBLE) and "\u0306" not in written
    assert summary["spellings_folded"] == 1
