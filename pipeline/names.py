"""The canonical name registry (configs/names.yaml): loading, validation, native-form matching.

Shared by the translate stage (native forms are protected through translation) and the
normalize stage (every spelling becomes the canonical name). Validation errors name the file
and line, so a person editing the registry by hand can find the problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pipeline.native_forms import NativeMatcher
from pipeline.spreadsheet import sniff_delimiter, unescape_cell

ENTITY_TYPES = ("organisation", "person", "place", "media")
ENTITY_KEYS = {"id", "canonical", "type", "native", "variants", "notes"}
_APOSTROPHES = "'’‘ʹʼ`´"
_QUOTES = '«»"“”„'


class RegistryError(Exception):
    """A registry or review table that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Entity:
    id: str
    canonical: str
    type: str
    native: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    notes: str | None = None


@dataclass
class Registry:
    entities: dict[str, Entity]
    # (variant key, entity id) pairs a reviewer rejected: never proposed or applied again.
    rejected: set[tuple[str, str]] = field(default_factory=set)
    path: Path | None = None

    @cached_property
    def native_matcher(self) -> NativeMatcher:
        return NativeMatcher(self.entities.values())


def variant_key(text: str) -> str:
    """Case, apostrophe marks, quotes, hyphens and spacing do not make a different spelling."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = "".join(" " if char in "-‐‑–—_./,&" else "" if char in _APOSTROPHES + _QUOTES else char for char in text)
    return " ".join(text.split())


def _line(node: Any, key: Any = None) -> int:
    try:
        if key is not None:
            return int(node.lc.key(key)[0]) + 1
        return int(node.lc.line) + 1
    except (AttributeError, KeyError, TypeError):
        return 0


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise RegistryError(f"{where}: must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def parse_registry(data: Any, path: Path) -> Registry:
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise RegistryError(f"{path}: must be a mapping with an 'entities' list")
    unknown_top = set(data) - {"entities", "rejected"}
    if unknown_top:
        raise RegistryError(f"{path}: unknown key(s) {', '.join(sorted(unknown_top))}")
    entities: dict[str, Entity] = {}
    claimed: dict[str, tuple[str, int]] = {}
    for item in data["entities"]:
        line = _line(item)
        where = f"{path}:{line}"
        if not isinstance(item, dict):
            raise RegistryError(f"{where}: each entity must be a mapping")
        if unknown := set(item) - ENTITY_KEYS:
            raise RegistryError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        entity_id = item.get("id")
        if not isinstance(entity_id, str) or not entity_id.strip():
            raise RegistryError(f"{where}: entity without an id")
        if entity_id in entities:
            raise RegistryError(f"{path}:{_line(item, 'id')}: duplicate id {entity_id!r}")
        canonical = item.get("canonical")
        if not isinstance(canonical, str) or not canonical.strip():
            raise RegistryError(f"{path}:{_line(item, 'id')}: entity {entity_id!r} has an empty canonical name")
        kind = item.get("type")
        if kind not in ENTITY_TYPES:
            raise RegistryError(f"{where}: entity {entity_id!r}: type must be one of {', '.join(ENTITY_TYPES)}, not {kind!r}")
        entity = Entity(
            id=entity_id,
            canonical=canonical.strip(),
            type=kind,
            native=_strings(item.get("native"), f"{where}: entity {entity_id!r}: native"),
            variants=_strings(item.get("variants"), f"{where}: entity {entity_id!r}: variants"),
            notes=item.get("notes"),
        )
        for spelling in (entity.canonical, *entity.native, *entity.variants):
            key = variant_key(spelling)
            owner = claimed.get(key)
            if owner and owner[0] != entity_id:
                raise RegistryError(f"{where}: {spelling!r} of {entity_id!r} is already claimed by {owner[0]!r} (line {owner[1]})")
            claimed[key] = (entity_id, line)
        entities[entity_id] = entity
    rejected: set[tuple[str, str]] = set()
    for item in data.get("rejected") or []:
        if not isinstance(item, dict) or not {"variant", "entity_id"} <= set(item):
            raise RegistryError(f"{path}:{_line(item)}: each rejected entry needs 'variant' and 'entity_id'")
        rejected.add((variant_key(str(item["variant"])), str(item["entity_id"])))
    return Registry(entities=entities, rejected=rejected, path=path)


def _round_trip_yaml() -> YAML:
    """A YAML reader/writer that keeps the registry's comments, quotes, order and indentation."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def read_registry_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"{path}: cannot read the name registry: {error.strerror or error}") from error
    try:
        return _round_trip_yaml().load(text)
    except YAMLError as error:
        raise RegistryError(f"{path}: not valid YAML: {error}") from error


def load_registry(path: Path) -> Registry:
    return parse_registry(read_registry_yaml(path), path)


# --- the review loop ---------------------------------------------------------------------------

# known, auto, pending: what the run wrote; accepted, rejected: what a reviewer decided.
REVIEW_STATUSES = ("known", "auto", "pending", "accepted", "rejected")
_NATIVE_SCRIPT = re.compile(r"[\u0400-\u04ff\u0e00-\u0e7f]")


@dataclass(frozen=True)
class ReviewDecision:
    line: int
    variant: str
    entity_id: str
    status: str
    moved_from: str | None  # the entity the run proposed, when the reviewer changed entity_id


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
    `;`); cells escaped against formulas (pipeline.spreadsheet) are read back as they were.
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
            entity_id = _resolve_entity_id(cells["entity_id"], ids, registry, f"{path}:{line}")
            if status not in REVIEW_STATUSES:
                raise RegistryError(f"{path}:{line}: unknown status {status!r} (use one of {', '.join(REVIEW_STATUSES)})")
            proposed = by_canonical.get(variant_key(cells.get("canonical", "")))
            moved_from = proposed if proposed and proposed != entity_id else None
            decisions.append(ReviewDecision(line, variant, entity_id, status, moved_from))
    return decisions


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
    if not _NATIVE_SCRIPT.search(variant):
        return False
    matches = NativeMatcher([entity]).find(variant)
    return any(match.start == 0 and match.end == len(variant) for match in matches)


def apply_review(table: Path, registry_path: Path) -> dict[str, int]:
    """Fold a reviewed name table into the registry, keeping its comments and order.

    accepted (or moved to another entity_id): the variant becomes a known spelling of that
    entity; rejected: the pairing is recorded and never proposed or applied again. Applying the
    same table twice changes nothing. The registry is written atomically, only if it changed.
    """
    import os

    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    data = read_registry_yaml(registry_path)
    registry = parse_registry(data, registry_path)
    decisions = read_review_table(table, registry)
    nodes = {str(node["id"]): node for node in data["entities"]}
    if data.get("rejected") is None:
        data["rejected"] = CommentedSeq()
    rejected = data["rejected"]
    summary = {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": 0}
    for decision in decisions:
        node = nodes[decision.entity_id]
        key = variant_key(decision.variant)
        if decision.status == "rejected":
            changed = _remove_spelling(node, decision.variant)
            if (key, decision.entity_id) not in registry.rejected:
                item = CommentedMap()
                item["variant"] = DoubleQuotedScalarString(decision.variant)
                item["entity_id"] = decision.entity_id
                rejected.append(item)
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
        if key not in known and not _matched_by_morphology(decision.variant, registry.entities[decision.entity_id]):
            field_name = "native" if _NATIVE_SCRIPT.search(decision.variant) else "variants"
            if node.get(field_name) is None:
                node[field_name] = CommentedSeq()
            node[field_name].append(DoubleQuotedScalarString(decision.variant))
            changed = True
        summary[("moved" if decision.moved_from else "accepted") if changed else "unchanged"] += 1
    if any(summary[k] for k in ("accepted", "rejected", "moved")):
        parse_registry(data, registry_path)  # never write a registry that would not load
        temporary = registry_path.with_name(f".{registry_path.name}.tmp-{os.getpid()}")
        with temporary.open("w", encoding="utf-8") as handle:
            _round_trip_yaml().dump(data, handle)
        os.replace(temporary, registry_path)
    return summary
