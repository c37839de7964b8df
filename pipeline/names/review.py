"""The review loop: a reviewed name table (names.csv) folded back into the registry.

Only what a reviewer changed changes; the registry keeps its comments and order, and is written
atomically, only when it changed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    node = CommentedMap()
    node["id"] = decision.entity_id
    node["canonical"] = DoubleQuotedScalarString(decision.new_canonical or decision.variant)
    node["type"] = decision.new_type
    data["entities"].append(node)
    return node


def _remove_spelling(entity_node: Any, variant: str) -> bool:
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


def apply_review(table: Path, registry_path: Path) -> dict[str, int]:
    """Fold a reviewed name table into the registry, keeping its comments and order.

    accepted (or moved to another entity_id): the variant becomes a known spelling of that
    entity; rejected: the pairing is recorded and never proposed or applied again. Applying the
    same table twice changes nothing. The registry is written atomically, only if it changed.
    """

    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    data = read_registry_yaml(registry_path)
    registry = parse_registry(data, registry_path)
    decisions = read_review_table(table, registry)
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
            changed = _remove_spelling(node, decision.variant)
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
                changed |= _remove_spelling(other, decision.variant)
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
        parse_registry(data, registry_path)  # never write a registry that would not load
        text = io.StringIO()
        round_trip_yaml().dump(data, text)
        write_text_atomically(registry_path, text.getvalue())
    return summary
