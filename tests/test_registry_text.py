"""Registry edits on the file's text give the YAML a full comment-keeping round trip would write."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from pipeline.names import load_registry
from pipeline.names.registry.entities import RegistryError, round_trip_yaml
from pipeline.names.registry.text import RegistryText, _cache, _layout
from tests.conftest import REGISTRY


def _full_round_trip(path: Path, change: Callable[[Any], None]) -> str:
    """What ruamel.yaml writes after loading the whole file, changing it and dumping it."""
    yaml = round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _node(data: Any, entity_id: str) -> Any:
    return next(node for node in data["entities"] if node["id"] == entity_id)


def _new_entity(entity_id: str) -> CommentedMap:
    node = CommentedMap()
    node["id"] = entity_id
    node["canonical"] = DoubleQuotedScalarString("Snow Patrol")
    node["type"] = "organisation"
    return node


def _rejection(variant: str, entity_id: str) -> CommentedMap:
    item = CommentedMap()
    item["variant"] = DoubleQuotedScalarString(variant)
    item["entity_id"] = entity_id
    return item


def _edits(entities: Callable[[str], Any], add: Callable[[Any], Any], top_list: Callable[[str], Any]) -> None:
    """The same edits, given the way to reach an entry, add one and reach a top-level list."""
    entities("put-domoi")["variants"].append(DoubleQuotedScalarString("Putt Domoy"))  # the first entry
    entities("grigory-sverdlin")["canonical"] = DoubleQuotedScalarString("Grigorii Sverdlin")  # one after a heading comment
    last = entities(list(load_registry(REGISTRY).entities)[-1])
    last["native"] = CommentedSeq([DoubleQuotedScalarString("Пример")])  # the last entry, before `rejected:`
    add(_new_entity("snow-patrol"))
    top_list("rejected").append(_rejection("Mediasona", "mediazona"))
    top_list("not_names").append(DoubleQuotedScalarString("Snow Patrol Weekend"))


def _top_list(data: Any, key: str) -> Any:
    if data.get(key) is None:
        data[key] = CommentedSeq()
    return data[key]


def test_text_edits_write_what_a_full_round_trip_writes(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    expected = _full_round_trip(
        registry, lambda data: _edits(lambda entity_id: _node(data, entity_id), data["entities"].append, lambda key: _top_list(data, key))
    )
    document = RegistryText.read(registry)
    _edits(document.entity, document.add_entity, document.top_list)
    document.write()
    written = registry.read_text(encoding="utf-8")
    assert written == expected
    assert "  # --- people ---" in written and written.startswith("# The canonical name registry.")  # comments kept
    loaded = load_registry(registry)
    assert loaded.entities["grigory-sverdlin"].canonical == "Grigorii Sverdlin" and "snow-patrol" in loaded.entities
    assert ("mediasona", "mediazona") in loaded.rejected and loaded.not_names == {"snow patrol weekend"}
    _assert_kept_parse_is_a_fresh_one(registry)


def _assert_kept_parse_is_a_fresh_one(registry: Path) -> None:
    """What `write` keeps for the next read (built from the pieces) is what parsing the file gives."""
    assert _cache[registry][1] == _layout(registry.read_text(encoding="utf-8"), registry)


@pytest.mark.parametrize(
    "text",
    [
        "entities: []\n",
        "# nothing registered yet\nentities:\n",
        "entities: [{id: a, canonical: A, type: place}]\nrejected: []\n",
        "entities:\n- id: a\n  canonical: A\n  type: place\n# the end",
        "{entities: [{id: a, canonical: A, type: place}]}\n",
    ],
)
def test_registries_the_cuts_cannot_follow_are_edited_all_the_same(tmp_path: Path, text: str) -> None:
    registry = tmp_path / "names.yaml"
    registry.write_text(text, encoding="utf-8")

    def change(data: Any) -> None:
        _top_list(data, "entities").append(_new_entity("snow-patrol"))
        _top_list(data, "not_names").append(DoubleQuotedScalarString("Snow Patrol Weekend"))

    expected = _full_round_trip(registry, change)
    document = RegistryText.read(registry)
    document.add_entity(_new_entity("snow-patrol"))
    document.top_list("not_names").append(DoubleQuotedScalarString("Snow Patrol Weekend"))
    document.write()
    assert registry.read_text(encoding="utf-8") == expected
    loaded = load_registry(registry)
    assert "snow-patrol" in loaded.entities and loaded.not_names == {"snow patrol weekend"}


def test_a_removed_entry_leaves_its_heading_for_the_next_ones(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    ids = list(load_registry(REGISTRY).entities)
    before_people = ids[ids.index("grigory-sverdlin") - 1]  # the entry whose text ends with "# --- people ---"
    document = RegistryText.read(registry)
    document.remove_entity(before_people)
    document.write()
    text = registry.read_text(encoding="utf-8")
    heading = next(line for line in REGISTRY.read_text(encoding="utf-8").splitlines() if "# --- people" in line)
    assert f"id: {before_people}\n" not in text and f"{heading}\n  - id: grigory-sverdlin\n" in text
    assert list(load_registry(registry).entities) == [entity_id for entity_id in ids if entity_id != before_people]
    _assert_kept_parse_is_a_fresh_one(registry)


def test_a_file_changed_by_someone_else_is_read_again(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    registry.write_text("entities:\n  - id: a\n    canonical: A\n    type: place\n", encoding="utf-8")
    assert RegistryText.read(registry).entity_ids == ["a"]
    stamp = registry.stat()
    # The same size and modification time: the inode tells them apart (written by rename, as editors do).
    replacement = tmp_path / "other.yaml"
    replacement.write_text("entities:\n  - id: b\n    canonical: B\n    type: place\n", encoding="utf-8")
    os.utime(replacement, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    replacement.replace(registry)
    assert RegistryText.read(registry).entity_ids == ["b"]


def test_a_change_that_would_not_load_is_not_written(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    before = registry.read_bytes()
    document = RegistryText.read(registry)
    document.entity("mediazona")["variants"] = CommentedSeq([DoubleQuotedScalarString("Put Domoy")])  # put-domoi's spelling
    with pytest.raises(RegistryError, match="already claimed by 'put-domoi'"):
        document.write()
    assert registry.read_bytes() == before
