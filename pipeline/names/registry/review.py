"""The review loop: a reviewed name table (names.csv) folded back into the registry.

Only what a reviewer changed changes; the registry keeps its comments and order, and is written
atomically, only when it changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import scripts
from pipeline.names.entity import ENTITY_TYPES, Entity, variant_key
from pipeline.names.matching.native_forms import NativeMatcher
from pipeline.names.registry.edits import (
    add_entity,
    confirm,
    forget_not_a_name,
    forget_rejection,
    mark_not_a_name,
    new_entity_id,
    registry_lock,
    remember_rejection,
    remove_spelling,
    unconfirm,
)
from pipeline.names.registry.entities import Registry, RegistryError
from pipeline.names.registry.text import RegistryText
from pipeline.names.table.name_table import DISCOVERED, NATIVE_UNSURE
from pipeline.names.table.spreadsheet import read_saved_table

# known, auto, pending, new: what the run wrote; accepted, rejected: what a reviewer decided.
# not_a_name: a reviewer's too, for a spelling that is no name at all (never matched nor proposed again).
REVIEW_STATUSES = ("known", "auto", "pending", "new", "accepted", "rejected", "not_a_name")


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
    method: str = ""  # how the run found the spelling (names.csv's `method`), where known


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
    `;`); cells escaped against formulas (pipeline.names.table.spreadsheet) are read back as they were.
    Status and entity_id are taken in any case.
    """
    try:
        columns, rows, encoding = read_saved_table(path)
    except OSError as error:
        raise RegistryError(f"{path}: cannot read the name table: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise RegistryError(f"{path}: cannot read the name table: not valid {error.encoding} at byte {error.start}") from error
    by_canonical = {variant_key(entity.canonical): entity.id for entity in registry.entities.values()}
    ids = _entity_ids(registry)
    decisions = []
    missing = {"variant", "entity_id", "status"} - set(columns)
    if missing:
        raise RegistryError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}")
    for line, row in enumerate(rows, start=2):
        cells = {key: value.strip() for key, value in row.items()}
        variant, status = cells["variant"], cells["status"].lower()
        if not variant:
            raise RegistryError(f"{path}:{line}: empty variant")
        if status not in REVIEW_STATUSES:
            raise RegistryError(f"{path}:{line}: unknown status {status!r} (use one of {', '.join(REVIEW_STATUSES)})")
        if cells.get("method") == DISCOVERED and cells["entity_id"].casefold() not in ids:
            decision = _new_entity_decision(cells, status, f"{path}:{line}", line)
        else:
            entity_id = _resolve_entity_id(cells["entity_id"], ids, registry, f"{path}:{line}")
            proposed = by_canonical.get(variant_key(cells.get("canonical", "")))
            moved_from = proposed if proposed and proposed != entity_id else None
            decision = ReviewDecision(line, variant, entity_id, status, moved_from, method=cells.get("method", ""))
        _check_lost_letters(decision, encoding, f"{path}:{line}")
        decisions.append(decision)
    return decisions


def _check_lost_letters(decision: ReviewDecision, encoding: str, where: str) -> None:
    """A legacy code page cannot hold every script ("Союз жён" saved as Windows-1252 is "???? ???"):
    a decision on such a spelling would record question marks as a name."""
    decided = decision.status in ("accepted", "rejected", "not_a_name") or decision.moved_from
    if decided and not encoding.startswith("utf") and "?" in decision.variant:
        raise RegistryError(
            f"{where}: {decision.variant!r}: the table was saved as {encoding}, which replaced letters it cannot hold "
            "with '?': save it as \"CSV UTF-8\" and apply it again"
        )


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


def _matched_by_morphology(variant: str, entity: Entity) -> bool:
    """A case form of a registered native form ("Пути домой"): found without being stored."""
    if not scripts.NATIVE.search(variant):
        return False
    matches = NativeMatcher([entity]).find(variant)
    return any(match.start == 0 and match.end == len(variant) for match in matches)


def apply_review(table: Path, registry_path: Path) -> dict[str, int]:
    """Fold a reviewed name table into the registry (`python -m pipeline names apply`).

    A spelling typed or pasted with characters that print as nothing (a zero-width space, a
    bidi override) or decomposed (NFD) is recorded folded, as ingest folds text, and counted.
    """
    folded = 0

    def decide(registry: Registry) -> list[ReviewDecision]:
        nonlocal folded
        decisions = read_review_table(table, registry)
        folded = sum(1 for decision in decisions if scripts.fold_text(decision.variant) != decision.variant)
        return [replace(decision, variant=scripts.fold_text(decision.variant)) for decision in decisions]

    with registry_lock(registry_path):
        summary = apply_decisions(decide, registry_path)
    if folded:
        summary["spellings_folded"] = folded
    return summary


def resolve_decisions(decisions: list[ReviewDecision], registry: Registry, where: str) -> list[ReviewDecision]:
    """Decisions made outside a table (the review page): ids resolved and statuses checked as a
    table's are. A decision with a proposed canonical (`new_canonical`) on an id the registry does
    not have is a proposed group's: accepting it creates the entity, as `names apply` does."""
    ids = _entity_ids(registry)
    resolved = []
    for decision in decisions:
        if decision.status not in REVIEW_STATUSES:
            raise RegistryError(f"{where}: unknown status {decision.status!r} (use one of {', '.join(REVIEW_STATUSES)})")
        if decision.new_canonical is not None and decision.entity_id.casefold() not in ids:
            cells = {"variant": decision.variant, "entity_id": decision.entity_id, "canonical": decision.new_canonical}
            proposed = _new_entity_decision({**cells, "type": decision.new_type or ""}, decision.status, where, decision.line)
            resolved.append(proposed)
            continue
        entity_id = _resolve_entity_id(decision.entity_id, ids, registry, where)
        moved_from = decision.moved_from if decision.moved_from != entity_id else None  # "moved" to where it was
        resolved.append(ReviewDecision(decision.line, decision.variant, entity_id, decision.status, moved_from, method=decision.method))
    return resolved


def apply_decisions(
    decide: Callable[[Registry], list[ReviewDecision]], registry_path: Path, registered: dict[str, str] | None = None
) -> dict[str, int]:
    """Fold review decisions into the registry, keeping its comments and order: the one code path
    of `names apply` and the review page. Call it holding `registry_lock`.

    `decide` gets the registry as it is now and returns the decisions (it may refuse them with a
    RegistryError: then nothing is written). accepted (or moved to another entity_id): the
    variant becomes a known spelling of that entity; rejected: the pairing is recorded and never
    proposed or applied again; not_a_name: the spelling leaves every entity and is listed under
    `not_names`, never matched nor proposed again. Applying the same decisions twice changes
    nothing. The registry is written atomically, only if it changed, and only the entries that
    changed are written again (pipeline.names.registry.text). The summary counts accepted,
    rejected, moved and unchanged decisions, and `not_a_name` when there were any.

    An accepted proposed group ("new-belgorodskaia-oblast") enters the registry under an id made
    from its canonical name ("belgorodskaya-oblast"), or joins the entity already named so;
    `registered` gets each proposed id and the registry id it became.
    """
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    document = RegistryText.read(registry_path)
    registry = document.registry
    decided = decide(registry)
    ids = _registry_ids(decided, registry)
    if registered is not None:
        registered.update(ids)
    decisions = [replace(decision, entity_id=ids[decision.entity_id]) if decision.entity_id in ids else decision for decision in decided]
    summary = {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": 0}
    not_a_name = 0
    for decision in decisions:
        key = variant_key(decision.variant)
        if decision.status == "not_a_name":
            if mark_not_a_name(document, decision.variant, decision.line):
                not_a_name += 1
            else:
                summary["unchanged"] += 1
            continue
        new_entity = False
        if decision.entity_id not in registry.entities:  # a proposed group nobody registered yet
            if decision.status == "accepted":
                add_entity(document, decision.entity_id, decision.new_canonical or decision.variant, decision.new_type or "")
                registry.entities[decision.entity_id] = Entity(decision.entity_id, decision.new_canonical or "", decision.new_type or "")
                new_entity = True  # a change even when the spelling is the new canonical name itself
            elif decision.status != "rejected":
                summary["unchanged"] += 1
                continue
        if decision.entity_id not in registry.entities:  # a rejected proposal: remembered, never proposed again
            summary["rejected" if remember_rejection(document, decision.variant, decision.entity_id) else "unchanged"] += 1
            continue
        if decision.status == "rejected":
            changed = False
            if key in document.spelling_keys(decision.entity_id, ("variants", "native")):
                changed = remove_spelling(document.entity(decision.entity_id), decision.variant)
            changed |= remember_rejection(document, decision.variant, decision.entity_id)
            changed |= unconfirm(document, key, decision.entity_id)
            summary["rejected" if changed else "unchanged"] += 1
            continue
        if decision.status != "accepted" and not decision.moved_from:
            summary["unchanged"] += 1
            continue
        changed = new_entity
        for other_id in document.holders(decision.variant):
            if other_id != decision.entity_id:
                changed |= remove_spelling(document.entity(other_id), decision.variant)
        changed |= forget_rejection(document, decision.variant, decision.entity_id)
        changed |= forget_not_a_name(document, decision.variant)
        node = document.entity(decision.entity_id) if decision.new_canonical is not None else None
        created = node is not None and node.get("variants") is None and node.get("native") is None
        if key not in document.spelling_keys(decision.entity_id) and (
            created or not _matched_by_morphology(decision.variant, registry.entities[decision.entity_id])
        ):
            node = document.entity(decision.entity_id)
            field_name = "native" if scripts.NATIVE.search(decision.variant) else "variants"
            if node.get(field_name) is None:
                node[field_name] = CommentedSeq()
            node[field_name].append(DoubleQuotedScalarString(decision.variant))
            changed = True
        if decision.method == NATIVE_UNSURE:
            # Found, but morphology could not settle it: the reviewer's word makes it sure from now on.
            changed |= confirm(document, decision.variant, decision.entity_id)
        summary[("moved" if decision.moved_from else "accepted") if changed else "unchanged"] += 1
    if not_a_name:
        summary["not_a_name"] = not_a_name
    if any(summary[k] for k in ("accepted", "rejected", "moved")) or not_a_name:
        document.write()
    return summary


def _registry_ids(decisions: list[ReviewDecision], registry: Registry) -> dict[str, str]:
    """Proposed id -> registry id, for each proposed group with an accepted spelling: the entity
    already named as its canonical (applying a table twice creates nothing twice), else a new id
    made from the canonical name, never the proposal's `new-` one."""
    ids: dict[str, str] = {}
    by_name = {variant_key(entity.canonical): entity_id for entity_id, entity in registry.entities.items()}
    for decision in decisions:
        if decision.status != "accepted" or decision.entity_id in registry.entities or decision.entity_id in ids:
            continue
        if decision.new_canonical is None:
            continue
        name = decision.new_canonical or decision.variant
        ids[decision.entity_id] = by_name.get(variant_key(name)) or new_entity_id([*registry.entities, *ids.values()], name)
        by_name.setdefault(variant_key(name), ids[decision.entity_id])
    return ids
