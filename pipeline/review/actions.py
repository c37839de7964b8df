"""Review actions: each one saved at once through pipeline.names.review, under the registry lock,
with names.csv following, and undoable.

Only two files are ever written: the registry and the dataset's names.csv (and the lock file
beside the registry that makes two saves run one after the other).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.files import atomic_target
from pipeline.names.entity import variant_key
from pipeline.names.registry import Registry, RegistryError
from pipeline.names.review import (
    ReviewDecision,
    add_entity,
    apply_decisions,
    edit_registry,
    merge_entities,
    new_entity_id,
    registry_lock,
    remove_spelling,
    rename_entity,
    resolve_decisions,
)
from pipeline.names.spreadsheet import read_table, write_table

OPEN_STATUSES = ("new", "pending", "auto")


@dataclass(frozen=True)
class _Snapshot:
    """The two files before and after one action: undo puts `before` back if nobody saved since."""

    before: tuple[bytes, bytes]
    after: tuple[bytes, bytes]
    what: str


class Reviewer:
    def __init__(self, dataset: Path, registry: Path) -> None:
        self.table = dataset / "names.csv"
        self.registry = registry
        self.history: list[_Snapshot] = []

    def _files(self) -> tuple[bytes, bytes]:
        # Bytes, not text: undo must give back the very file (names.csv has CRLF line ends).
        return self.registry.read_bytes(), self.table.read_bytes()

    def _act(self, change: Callable[[], str]) -> str:
        with registry_lock(self.registry):
            before = self._files()
            what = change()
            after = self._files()
            if after != before:
                self.history.append(_Snapshot(before, after, what))
        return what

    def _follow(self, update: Callable[[dict[str, str]], None]) -> None:
        """names.csv follows the registry: `update` changes each row in place."""
        columns, rows = read_table(self.table)
        for row in rows:
            update(row)
        write_table(self.table, columns, rows)

    def decide(self, decisions: list[ReviewDecision]) -> str:
        """Accept, reject or move spellings: the `names apply` code path."""

        def change() -> str:
            canonicals: dict[str, str] = {}

            def decide(registry: Registry) -> list[ReviewDecision]:
                # Accepting, rejecting and moving change no canonical name: the registry as read will do.
                canonicals.update((entity_id, entity.canonical) for entity_id, entity in registry.entities.items())
                return resolve_decisions(decisions, registry, str(self.table))

            summary = apply_decisions(decide, self.registry)
            chosen = {(variant_key(d.variant), d.moved_from or d.entity_id): d for d in decisions}

            def update(row: dict[str, str]) -> None:
                decision = chosen.get((variant_key(row["variant"]), row["entity_id"]))
                if decision:
                    row.update(status=decision.status, entity_id=decision.entity_id, canonical=canonicals[decision.entity_id])

            self._follow(update)
            return ", ".join(f"{count} {what}" for what, count in summary.items() if count) or "nothing to change"

        return self._act(change)

    def decide_group(self, entity_id: str, status: str) -> str:
        """Accept or reject every open spelling of a group (the known ones stay as they are)."""
        _, rows = read_table(self.table)
        variants = [row["variant"] for row in rows if row["entity_id"] == entity_id and row["status"] in OPEN_STATUSES]
        if not variants:
            return f"{entity_id}: no open spelling"
        return self.decide([ReviewDecision(0, variant, entity_id, status, None) for variant in variants])

    def _edit(self, change: Callable[[Any, Registry], str], relabel: Callable[[dict[str, str]], None]) -> str:
        def both() -> str:
            what = edit_registry(self.registry, change)
            self._follow(relabel)
            return what

        return self._act(both)

    def rename(self, entity_id: str, canonical: str) -> str:
        new_name = " ".join(canonical.split())

        def relabel(row: dict[str, str]) -> None:
            if row["entity_id"] == entity_id:
                row["canonical"] = new_name

        return self._edit(lambda data, _: rename_entity(data, entity_id, new_name), relabel)

    def merge(self, source_id: str, target_id: str) -> str:
        target_name = ""

        def change(data: Any, registry: Registry) -> str:
            nonlocal target_name
            done = merge_entities(data, source_id, target_id)
            target_name = registry.entities[target_id].canonical
            return done

        def relabel(row: dict[str, str]) -> None:
            if row["entity_id"] == source_id:
                row.update(entity_id=target_id, canonical=target_name)

        return self._edit(change, relabel)

    def split(self, variant: str, entity_id: str) -> str:
        """Move a spelling out of its group into a new entity named by it, of the same type."""
        new_id = ""

        def change(data: Any, registry: Registry) -> str:
            nonlocal new_id
            if entity_id not in registry.entities:
                raise RegistryError(f"unknown entity_id {entity_id!r}")
            for node in data["entities"]:
                remove_spelling(node, variant)
            new_id = new_entity_id(data, variant)
            return add_entity(data, new_id, variant, registry.entities[entity_id].type)

        def relabel(row: dict[str, str]) -> None:
            if variant_key(row["variant"]) == variant_key(variant) and row["entity_id"] == entity_id:
                row.update(entity_id=new_id, canonical=variant, status="accepted")

        return self._edit(change, relabel)

    def undo(self) -> str:
        with registry_lock(self.registry):
            if not self.history:
                return "nothing to undo"
            last = self.history[-1]
            if self._files() != last.after:
                self.history.clear()
                raise RegistryError("not undone: the registry or names.csv was saved by someone else since")
            for path, content in ((self.registry, last.before[0]), (self.table, last.before[1])):
                with atomic_target(path) as temporary:
                    temporary.write_bytes(content)
            self.history.pop()
            return f"undone: {last.what}"
