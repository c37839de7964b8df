"""The review loop: a reviewed name table (names.csv) folded back into the registry.

Only what a reviewer changed changes; the registry keeps its comments and order, and is written
atomically, only when it changed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from pipeline import scripts
from pipeline.files import write_text_atomically
from pipeline.names.entity import ENTITY_TYPES, Entity, variant_key
from pipeline.names.native_forms import NativeMatcher
from pipeline.names.registry import Registry, RegistryError, parse_registry, read_registry_yaml, round_trip_yaml
from pipeline.names.spreadsheet import sniff_delimiter, unescape_cell
from pipeline.names.table import DISCOVERED

# known, auto, pending, new: what the run wrote; accepted, rejected: what a reviewer decided.
REVIEW_STATUSES = ("known", "auto", "pending", "new", "accepted", "rejected")


@dataclass(frozen=True)
class ReviewDecision:
    line: int
    variant: str
    entity_id: str
    status: str
    moved_from: str | None  # the entity the run proposed, when the reviewer changed entity_id
    # For a proposed entity (a group the run discovered): its canonical name and type.
    new_canonical: str | None = None
    new_type: str | None = None


def _entity_ids(registry: Registry) -> dict[str, list[str]]:
    """Registry ids by their case-folded form: a table's ids match whatever their case."""
    ids: dict[str, list[str]] = {}
    for entity_id in registry.entities:
        ids.setdefault(entity_id.casefold(), []).append(entity_id)
    return ids


def _resolve_entity_id(entity_id: str, ids: dict[str, list[str]], registry: Registry, where: str) -> str:
    """The registry's id for a table's id: exact, or in another case when only one id fits."""
    if entity_id in registry.entities:
        return entity_id
    matches = ids.get(entity_id.casefold(), [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RegistryError(f"{where}: entity_id {entity_id!r} could be any of {', '.join(sorted(matches))}: write it exactly")
    raise RegistryError(f"{where}: unknown entity_id {entity_id!r}: add the entity to the registry ({registry.path}) first")


def read_review_table(path: Path, registry: Registry) -> list[ReviewDecision]:
    """Validate every row first: an unknown entity_id or status refuses the whole table.

    The table may be saved with `,`, `;` or tabs between cells (spreadsheets in some locales use
    `;`); cells escaped against formulas (pipeline.names.spreadsheet) are read back as they were.
    Status and entity_id are taken in any case.
    """
    import csv

    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise RegistryError(f"{path}: cannot read the name table: {error.strerror or error}") from error
    by_canonical = {variant_key(entity.canonical): entity.id for entity in registry.entities.values()}
    ids = _entity_ids(registry)
    decisions = []
    with handle:
        delimiter = sniff_delimiter(handle.readline())
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=delimiter)
        missing = {"variant", "entity_id", "status"} - set(reader.fieldnames or [])
        if missing:
            raise RegistryError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            cells = {key: unescape_cell(value or "").strip() for key, value in row.items() if key is not None}
            variant, status = cells["variant"], cells["status"].lower()
            if not variant:
                raise RegistryError(f"{path}:{line}: empty variant")
            if status not in REVIEW_STATUSES:
                raise RegistryError(f"{path}:{line}: unknown status {status!r} (use one of {', '.join(REVIEW_STATUSES)})")
            if cells.get("method") == DISCOVERED and cells["entity_id"].casefold() not in ids:
                decisions.append(_new_entity_decision(cells, status, f"{path}:{line}", line))
                continue
            entity_id = _resolve_entity_id(cells["entity_id"], ids, registry, f"{path}:{line}")
            proposed = by_canonical.get(variant_key(cells.get("canonical", "")))
            moved_from = proposed if proposed and proposed != entity_id else None
            decisions.append(ReviewDecision(line, variant, entity_id, status, moved_from))
    return decisions


def _new_entity_decision(cells: dict[str, str], status: str, where: str, line: int) -> ReviewDecision:
    """A row of a proposed group: accepting it creates the entity, so it needs an id, a name and a type."""
    entity_id, canonical, kind = cells["entity_id"], cells.get("canonical", ""), cells.get("type", "").lower()
    if status == "accepted":
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", entity_id):
            raise RegistryError(f"{where}: new entity_id {entity_id!r}: use lower-case letters, digits and hyphens")
        if not canonical:
            raise RegistryError(f"{where}: new entity {entity_id!r} needs a canonical name")
        if kind not in ENTITY_TYPES:
            raise RegistryError(f"{where}: new entity {entity_id!r}: set type to one of {', '.join(ENTITY_TYPES)}")
    return ReviewDecision(line, cells["variant"], entity_id, status, None, canonical, kind)


def _create_entity(data: Any, decision: ReviewDecision) -> Any:
    """A registry node for an accepted proposed group, appended after the others."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    node = CommentedMap()
    node["id"] = decision.entity_id
    node["canonical"] = DoubleQuotedScalarString(decision.new_canonical or decision.variant)
    node["type"] = decision.new_type
    if data["entities"] is None:  # "entities:" with nothing under it
        data["entities"] = CommentedSeq()
    data["entities"].append(node)
    return node


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


def _matched_by_morphology(variant: str, entity: Entity) -> bool:
    """A case form of a registered native form ("Пути домой"): found without being stored."""
    if not scripts.NATIVE.search(variant):
        return False
    matches = NativeMatcher([entity]).find(variant)
    return any(match.start == 0 and match.end == len(variant) for match in matches)


def _rejection(decision: ReviewDecision) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    item = CommentedMap()
    item["variant"] = DoubleQuotedScalarString(decision.variant)
    item["entity_id"] = decision.entity_id
    return item


@contextmanager
def registry_lock(registry_path: Path) -> Iterator[None]:
    """Held while a registry (and the name table beside a review) is read, changed and written:
    two saves at once (two browser tabs, the web page and `names apply`) run one after the other,
    and the second sees what the first wrote."""
    with FileLock(registry_path.with_name(f".{registry_path.name}.lock"), timeout=60):
        yield


def apply_review(table: Path, registry_path: Path) -> dict[str, int]:
    """Fold a reviewed name table into the registry (`python -m pipeline names apply`)."""
    with registry_lock(registry_path):
        return apply_decisions(lambda registry: read_review_table(table, registry), registry_path)


def resolve_decisions(decisions: list[ReviewDecision], registry: Registry, where: str) -> list[ReviewDecision]:
    """Decisions made outside a table (the review page): ids resolved and statuses checked as a table's are."""
    ids = _entity_ids(registry)
    resolved = []
    for decision in decisions:
        if decision.status not in REVIEW_STATUSES:
            raise RegistryError(f"{where}: unknown status {decision.status!r} (use one of {', '.join(REVIEW_STATUSES)})")
        entity_id = _resolve_entity_id(decision.entity_id, ids, registry, where)
        resolved.append(ReviewDecision(decision.line, decision.variant, entity_id, decision.status, decision.moved_from))
    return resolved


def apply_decisions(decide: Callable[[Registry], list[ReviewDecision]], registry_path: Path) -> dict[str, int]:
    """Fold review decisions into the registry, keeping its comments and order: the one code path
    of `names apply` and the review page. Call it holding `registry_lock`.

    `decide` gets the registry as it is now and returns the decisions (it may refuse them with a
    RegistryError: then nothing is written). accepted (or moved to another entity_id): the
    variant becomes a known spelling of that entity; rejected: the pairing is recorded and never
    proposed or applied again. Applying the same decisions twice changes nothing. The registry is
    written atomically, only if it changed.
    """
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    data = read_registry_yaml(registry_path)
    registry = parse_registry(data, registry_path)
    decisions = decide(registry)
    nodes = {str(node["id"]): node for node in data["entities"] or []}
    if data.get("rejected") is None:
        data["rejected"] = CommentedSeq()
    rejected = data["rejected"]
    summary = {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": 0}
    for decision in decisions:
        if decision.entity_id not in nodes:  # a proposed group nobody registered yet
            if decision.status == "accepted":
                nodes[decision.entity_id] = _create_entity(data, decision)
                registry.entities[decision.entity_id] = Entity(decision.entity_id, decision.new_canonical or "", decision.new_type or "")
            elif decision.status != "rejected":
                summary["unchanged"] += 1
                continue
        node = nodes.get(decision.entity_id)
        key = variant_key(decision.variant)
        if node is None:  # a rejected proposal: remembered, never proposed again
            if (key, decision.entity_id) not in registry.rejected:
                rejected.append(_rejection(decision))
                registry.rejected.add((key, decision.entity_id))
                summary["rejected"] += 1
            else:
                summary["unchanged"] += 1
            continue
        if decision.status == "rejected":
            changed = remove_spelling(node, decision.variant)
            if (key, decision.entity_id) not in registry.rejected:
                rejected.append(_rejection(decision))
                registry.rejected.add((key, decision.entity_id))
                changed = True
            summary["rejected" if changed else "unchanged"] += 1
            continue
        if decision.status != "accepted" and not decision.moved_from:
            summary["unchanged"] += 1
            continue
        changed = False
        for other_id, other in nodes.items():
            if other_id != decision.entity_id:
                changed |= remove_spelling(other, decision.variant)
        for index in reversed(range(len(rejected))):
            item = rejected[index]
            if variant_key(str(item["variant"])) == key and str(item["entity_id"]) == decision.entity_id:
                del rejected[index]
                changed = True
        known = {variant_key(str(s)) for s in [node["canonical"], *(node.get("variants") or []), *(node.get("native") or [])]}
        created = decision.new_canonical is not None and node.get("variants") is None and node.get("native") is None
        if key not in known and (created or not _matched_by_morphology(decision.variant, registry.entities[decision.entity_id])):
            field_name = "native" if scripts.NATIVE.search(decision.variant) else "variants"
            if node.get(field_name) is None:
                node[field_name] = CommentedSeq()
            node[field_name].append(DoubleQuotedScalarString(decision.variant))
            changed = True
        summary[("moved" if decision.moved_from else "accepted") if changed else "unchanged"] += 1
    if any(summary[k] for k in ("accepted", "rejected", "moved")):
        write_registry(data, registry_path)
    return summary


def write_registry(data: Any, registry_path: Path) -> None:
    """Write the registry atomically, never one that would not load."""
    parse_registry(data, registry_path)
    text = io.StringIO()
    round_trip_yaml().dump(data, text)
    write_text_atomically(registry_path, text.getvalue())


def edit_registry(registry_path: Path, change: Callable[[Any, Registry], str]) -> str:
    """Change the registry's YAML in place (comments and order kept) and write it, validated and
    atomically. Call it holding `registry_lock`. `change` returns what it did, in words."""
    data = read_registry_yaml(registry_path)
    done = change(data, parse_registry(data, registry_path))
    write_registry(data, registry_path)
    return done


def _node(data: Any, entity_id: str) -> Any:
    for node in data["entities"]:
        if str(node["id"]) == entity_id:
            return node
    raise RegistryError(f"unknown entity_id {entity_id!r}")


def rename_entity(data: Any, entity_id: str, canonical: str) -> str:
    """A new canonical name; the old one stays a known spelling, so texts that use it still match."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    canonical = " ".join(canonical.split())
    if not canonical:
        raise RegistryError(f"entity {entity_id!r}: the canonical name cannot be empty")
    node = _node(data, entity_id)
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


def merge_entities(data: Any, source_id: str, target_id: str) -> str:
    """`source_id` becomes spellings of `target_id`: its canonical, variants and native forms move
    over, its rejections follow it, and its entry leaves the registry."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if source_id == target_id:
        raise RegistryError(f"cannot merge {source_id!r} into itself")
    source, target = _node(data, source_id), _node(data, target_id)
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
    data["entities"].remove(source)
    for item in data.get("rejected") or []:
        if str(item["entity_id"]) == source_id:
            item["entity_id"] = target_id
    return f"merged {source_id} into {target_id}"


def new_entity_id(data: Any, canonical: str) -> str:
    """A registry id for a new entity: its name in lower case with hyphens, unique."""
    base = "-".join("".join(char if char.isalnum() else " " for char in variant_key(canonical)).split()) or "entity"
    taken = {str(node["id"]) for node in data["entities"]}
    entity_id, number = base, 2
    while entity_id in taken:
        entity_id, number = f"{base}-{number}", number + 1
    return entity_id


def add_entity(data: Any, entity_id: str, canonical: str, kind: str) -> str:
    """A new registry entry at the end, with no spellings yet."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if kind not in ENTITY_TYPES:
        raise RegistryError(f"type must be one of {', '.join(ENTITY_TYPES)}, not {kind!r}")
    node = CommentedMap()
    node["id"] = entity_id
    node["canonical"] = DoubleQuotedScalarString(canonical)
    node["type"] = kind
    data["entities"].append(node)
    return f"added {entity_id} ({canonical!r})"
