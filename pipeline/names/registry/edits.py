"""Edits of the registry's text, entry by entry (comments and order kept): spellings added and
removed, rejections and confirmations recorded, entities added, renamed and merged. The review
loop (pipeline.names.registry.review) and the review page make their changes through these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

from pipeline.files import write_text_atomically
from pipeline.names.entity import ENTITY_TYPES, variant_key
from pipeline.names.grouping.keys import unique_id
from pipeline.names.registry.entities import RegistryError
from pipeline.names.registry.text import RegistryText


def remove_spelling(entity_node: Any, variant: str) -> bool:
    removed = False
    for field_name in ("variants", "native"):
        items = entity_node.get(field_name)
        if items:
            for index in reversed(range(len(items))):
                if variant_key(str(items[index])) == variant_key(variant):
                    del items[index]
                    removed = True
    return removed


def _pair(variant: str, entity_id: str) -> Any:
    """An item of `rejected` or `confirmed`."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    item = CommentedMap()
    item["variant"] = DoubleQuotedScalarString(variant)
    item["entity_id"] = entity_id
    return item


def unconfirm(document: RegistryText, key: str, entity_id: str | None) -> bool:
    """A confirmed native spelling rejected (for `entity_id`, or for all when None): no longer sure."""
    pairs = {pair for pair in document.registry.confirmed if pair[0] == key and entity_id in (None, pair[1])}
    if not pairs:
        return False
    confirmed = document.top_list("confirmed")
    for index in reversed(range(len(confirmed))):
        if (variant_key(str(confirmed[index]["variant"])), str(confirmed[index]["entity_id"])) in pairs:
            del confirmed[index]
    document.registry.confirmed -= pairs
    return True


EMPTY_REGISTRY = "# The canonical name registry: one entry per entity (see configs/names.yaml in the project).\nentities: []\n"


def ensure_registry(path: Path) -> bool:
    """Make an empty registry at `path` when there is none (`--registry new.yaml`); says whether
    it made one. The folder must exist: a mistyped path makes no folders."""
    if path.exists():
        return False
    if not path.parent.is_dir():
        raise RegistryError(f"{path}: cannot create the registry: no folder {path.parent}")
    try:
        write_text_atomically(path, EMPTY_REGISTRY)
    except OSError as error:
        raise RegistryError(f"{path}: cannot create the registry: {error.strerror or error}") from error
    return True


@contextmanager
def registry_lock(registry_path: Path) -> Iterator[None]:
    """Held while a registry (and the name table beside a review) is read, changed and written:
    two saves at once (two browser tabs, the web page and `names apply`) run one after the other,
    and the second sees what the first wrote."""
    with FileLock(registry_path.with_name(f".{registry_path.name}.lock"), timeout=60):
        yield


def _record_pair(document: RegistryText, list_name: str, pairs: set[tuple[str, str]], variant: str, entity_id: str) -> bool:
    """Add (variant, entity_id) to a top-level list of pairs and to its parsed set, unless it is
    there already; says whether it was new."""
    pair = (variant_key(variant), entity_id)
    if pair in pairs:
        return False
    document.top_list(list_name).append(_pair(variant, entity_id))
    pairs.add(pair)
    return True


def remember_rejection(document: RegistryText, variant: str, entity_id: str) -> bool:
    """Record a rejected pairing unless it is recorded already; says whether it was new."""
    return _record_pair(document, "rejected", document.registry.rejected, variant, entity_id)


def forget_rejection(document: RegistryText, variant: str, entity_id: str) -> bool:
    """An accepted pairing is no longer rejected; says whether it was."""
    key = variant_key(variant)
    if (key, entity_id) not in document.registry.rejected:
        return False
    rejected = document.top_list("rejected")
    for index in reversed(range(len(rejected))):
        item = rejected[index]
        if variant_key(str(item["variant"])) == key and str(item["entity_id"]) == entity_id:
            del rejected[index]
    document.registry.rejected.discard((key, entity_id))
    return True


def confirm(document: RegistryText, variant: str, entity_id: str) -> bool:
    """A native spelling morphology could not settle, confirmed by a reviewer: sure from now on;
    says whether it was new."""
    return _record_pair(document, "confirmed", document.registry.confirmed, variant, entity_id)


def mark_not_a_name(document: RegistryText, variant: str, line: int = 0) -> bool:
    """The spelling leaves every entity that lists it and goes to `not_names`; says whether anything changed."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    key = variant_key(variant)
    for entity_id, entity in document.registry.entities.items():
        if variant_key(entity.canonical) == key:
            where = f"line {line}: " if line else ""
            raise RegistryError(f"{where}{variant!r} is the canonical name of {entity_id!r}: rename the entity first")
    changed = unconfirm(document, key, None)
    for holder in document.holders(variant):
        changed |= remove_spelling(document.entity(holder), variant)
    if key not in document.registry.not_names:
        document.top_list("not_names").append(DoubleQuotedScalarString(variant))
        document.registry.not_names.add(key)
        changed = True
    return changed


def forget_not_a_name(document: RegistryText, variant: str) -> bool:
    """An accepted spelling is a name after all: it leaves `not_names`."""
    key = variant_key(variant)
    if key not in document.registry.not_names:
        return False
    not_names = document.top_list("not_names")
    for index in reversed(range(len(not_names))):
        if variant_key(str(not_names[index])) == key:
            del not_names[index]
    document.registry.not_names.discard(key)
    return True


def edit_registry(registry_path: Path, change: Callable[[RegistryText], str]) -> str:
    """Change registry entries in place (comments and order kept) and write the file, validated
    and atomically. Call it holding `registry_lock`. `change` returns what it did, in words."""
    document = RegistryText.read(registry_path)
    done = change(document)
    document.write()
    return done


def rename_entity(document: RegistryText, entity_id: str, canonical: str) -> str:
    """A new canonical name; the old one stays a known spelling, so texts that use it still match."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    canonical = " ".join(canonical.split())
    if not canonical:
        raise RegistryError(f"entity {entity_id!r}: the canonical name cannot be empty")
    node = document.entity(entity_id)
    old = str(node["canonical"])
    if variant_key(old) == variant_key(canonical) and old == canonical:
        return f"{entity_id}: already {canonical!r}"
    remove_spelling(node, canonical)
    node["canonical"] = DoubleQuotedScalarString(canonical)
    if variant_key(old) != variant_key(canonical):
        if node.get("variants") is None:
            node["variants"] = CommentedSeq()
        node["variants"].append(DoubleQuotedScalarString(old))
    return f"{entity_id}: renamed {old!r} to {canonical!r}"


def merge_entities(document: RegistryText, source_id: str, target_id: str) -> str:
    """`source_id` becomes spellings of `target_id`: its canonical, variants and native forms move
    over, its rejections follow it, and its entry leaves the registry."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if source_id == target_id:
        raise RegistryError(f"cannot merge {source_id!r} into itself")
    source, target = document.entity(source_id), document.entity(target_id)
    known = {variant_key(str(s)) for s in [target["canonical"], *(target.get("variants") or []), *(target.get("native") or [])]}
    for field_name, spellings in (
        ("variants", [source["canonical"], *(source.get("variants") or [])]),
        ("native", source.get("native") or []),
    ):
        for spelling in spellings:
            if variant_key(str(spelling)) in known:
                continue
            if target.get(field_name) is None:
                target[field_name] = CommentedSeq()
            target[field_name].append(DoubleQuotedScalarString(str(spelling)))
            known.add(variant_key(str(spelling)))
    document.remove_entity(source_id)
    if any(entity_id == source_id for _, entity_id in document.registry.rejected):
        for item in document.top_list("rejected"):
            if str(item["entity_id"]) == source_id:
                item["entity_id"] = target_id
    return f"merged {source_id} into {target_id}"


def new_entity_id(taken: Iterable[str], canonical: str, prefix: str = "") -> str:
    """An id for a new entity: its name in lower case with hyphens, unique among `taken`."""
    base = prefix + ("-".join("".join(char if char.isalnum() else " " for char in variant_key(canonical)).split()) or "entity")
    return unique_id(base, set(taken))


def add_entity(document: RegistryText, entity_id: str, canonical: str, kind: str) -> str:
    """A new registry entry at the end, with no spellings yet."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if kind not in ENTITY_TYPES:
        raise RegistryError(f"type must be one of {', '.join(ENTITY_TYPES)}, not {kind!r}")
    node = CommentedMap()
    node["id"] = entity_id
    node["canonical"] = DoubleQuotedScalarString(canonical)
    node["type"] = kind
    document.add_entity(node)
    return f"added {entity_id} ({canonical!r})"
