"""The canonical name registry (configs/names.yaml): loading and validation.

Shared by the translate stage (native forms are protected through translation) and the
normalize stage (every spelling becomes the canonical name). Validation errors name the file
and line, so a person editing the registry by hand can find the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pipeline.names.entity import ENTITY_TYPES, Entity, variant_key
from pipeline.names.matching.native_forms import NativeMatcher
from pipeline.names.person.folding import fold

ENTITY_KEYS = {"id", "canonical", "type", "native", "variants", "notes"}


class RegistryError(Exception):
    """A registry or review table that cannot be used; the message names the file and line."""


@dataclass
class Registry:
    entities: dict[str, Entity]
    # (variant key, entity id) pairs a reviewer rejected: never proposed or applied again.
    rejected: set[tuple[str, str]] = field(default_factory=set)
    path: Path | None = None
    # Spellings (by variant key) a reviewer marked "not a name": never matched nor proposed.
    not_names: set[str] = field(default_factory=set)
    # (variant key, entity id) pairs of native spellings morphology cannot settle ("Цуканову": his
    # dative or her accusative) that a reviewer confirmed: then applied like a known native form.
    confirmed: set[tuple[str, str]] = field(default_factory=set)

    @cached_property
    def native_matcher(self) -> NativeMatcher:
        return NativeMatcher(self.entities.values())

    @cached_property
    def _registered_keys(self) -> set[str]:
        return {variant_key(s) for entity in self.entities.values() for s in (entity.canonical, *entity.native, *entity.variants)}

    @cached_property
    def _not_name_folds(self) -> set[str]:
        """Transliteration keys of the not-a-name spellings, except those a registered spelling shares."""
        registered = {fold(key) for key in self._registered_keys}
        return {fold(key) for key in self.not_names} - registered

    def is_confirmed(self, spelling: str, entity_id: str) -> bool:
        return (variant_key(spelling), entity_id) in self.confirmed

    def is_not_a_name(self, spelling: str) -> bool:
        """A reviewer marked this spelling, or one with its transliteration key, "not a name";
        a spelling a registered entity has is a name all the same."""
        if not self.not_names:
            return False
        key = variant_key(spelling)
        if key in self._registered_keys:
            return False
        return key in self.not_names or fold(spelling) in self._not_name_folds


def _line(node: Any, key: Any = None) -> int:
    if not hasattr(node, "lc"):  # plain data (the fast loader's): no positions
        return 0
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
    # An empty registry is valid (`entities: []`, or `entities:` with nothing under it): a run
    # then normalizes nothing. A file with no `entities` key at all is more likely a mistake.
    if not isinstance(data, dict) or "entities" not in data or not isinstance(data["entities"], list | None):
        raise RegistryError(f"{path}: must be a mapping with an 'entities' list (`entities: []` for a registry without names)")
    unknown_top = set(data) - {"entities", "rejected", "not_names", "confirmed"}
    if unknown_top:
        raise RegistryError(f"{path}: unknown key(s) {', '.join(sorted(unknown_top))}")
    entities: dict[str, Entity] = {}
    claimed: dict[str, tuple[str, int]] = {}
    for item in data["entities"] or []:
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
    rejected = _pairs(data.get("rejected"), "rejected", path)
    confirmed = _pairs(data.get("confirmed"), "confirmed", path)
    not_names = {variant_key(spelling) for spelling in _strings(data.get("not_names"), f"{path}:{_line(data, 'not_names')}: not_names")}
    return Registry(entities=entities, rejected=rejected, path=path, not_names=not_names, confirmed=confirmed)


def _pairs(items: Any, key: str, path: Path) -> set[tuple[str, str]]:
    """A top-level list of {variant, entity_id} (`rejected`, `confirmed`), by variant key."""
    pairs: set[tuple[str, str]] = set()
    for item in items or []:
        if not isinstance(item, dict) or not {"variant", "entity_id"} <= set(item):
            raise RegistryError(f"{path}:{_line(item)}: each {key} entry needs 'variant' and 'entity_id'")
        pairs.add((variant_key(str(item["variant"])), str(item["entity_id"])))
    return pairs


def round_trip_yaml() -> YAML:
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
        return round_trip_yaml().load(text)
    except YAMLError as error:
        raise RegistryError(f"{path}: not valid YAML: {error}") from error


def load_registry(path: Path) -> Registry:
    return parse_registry(read_registry_yaml(path), path)
