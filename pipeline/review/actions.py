"""Review actions: each one saved at once through pipeline.names.registry.review, under the registry lock,
with names.csv following, and undoable.

Only two files are ever written: the registry and the dataset's names.csv (and the lock file
beside the registry that makes two saves run one after the other).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import scripts
from pipeline.files import atomic_target
from pipeline.names.entity import ENTITY_TYPES, variant_key
from pipeline.names.grouping.keys import readable_id
from pipeline.names.registry import Registry, RegistryError
from pipeline.names.registry.edits import (
    add_entity,
    edit_registry,
    merge_entities,
    new_entity_id,
    registry_lock,
    remove_spelling,
    rename_entity,
)
from pipeline.names.registry.review import ReviewDecision, apply_decisions, resolve_decisions
from pipeline.names.registry.text import RegistryText
from pipeline.names.table import DISCOVERED
from pipeline.review.corpus import read_table_kept, write_table_kept

OPEN_STATUSES = ("new", "pending", "auto")
# names.csv's `reason` of a spelling a reviewer moved: the run's reason was for the group it left.
MOVED = "moved by the reviewer"


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
        # Proposed ids the last action registered, and the ids they got (the page follows them).
        self.registered: dict[str, str] = {}

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
        columns, kept = read_table_kept(self.table)
        rows = [dict(row) for row in kept]
        for row in rows:
            update(row)
        write_table_kept(self.table, columns, rows)

    def decide(self, decisions: list[ReviewDecision]) -> str:
        """Accept, reject, move or mark "not a name": the `names apply` code path."""

        def change() -> str:
            canonicals: dict[str, str] = {}
            resolved: list[ReviewDecision] = []

            def decide(registry: Registry) -> list[ReviewDecision]:
                # Accepting, rejecting and moving change no canonical name: the registry as read will do.
                canonicals.update((entity_id, entity.canonical) for entity_id, entity in registry.entities.items())
                resolved.extend(resolve_decisions(decisions, registry, str(self.table)))
                return resolved

            registered = self.registered = {}  # an accepted proposed group's id -> its registry id
            summary = apply_decisions(decide, self.registry, registered)
            # names.csv gets the ids as the registry spells them ("istories" for a typed "IStories").
            chosen = {(variant_key(d.variant), d.moved_from or d.entity_id): d for d in resolved if d.status != "not_a_name"}
            not_names = {variant_key(d.variant) for d in resolved if d.status == "not_a_name"}

            def update(row: dict[str, str]) -> None:
                key = variant_key(row["variant"])
                if key in not_names:  # no name wherever it was found
                    row["status"] = "not_a_name"
                    return
                decision = chosen.get((key, row["entity_id"]))
                if decision:
                    canonical = canonicals.get(decision.entity_id) or decision.new_canonical or row["canonical"]
                    row.update(status=decision.status, entity_id=decision.entity_id, canonical=canonical)
                    if decision.moved_from:
                        row["reason"] = MOVED
                if row["entity_id"] in registered:  # the whole group, its open spellings too, under its registry id
                    entity_id = registered[row["entity_id"]]
                    row.update(entity_id=entity_id, canonical=canonicals.get(entity_id) or row["canonical"])

            self._follow(update)
            return ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in summary.items() if count) or "nothing to change"

        return self._act(change)

    def _rows(self, entity_id: str) -> list[dict[str, str]]:
        return [row for row in read_table_kept(self.table)[1] if row["entity_id"] == entity_id]

    def _registered(self) -> set[str]:
        return set(RegistryText.read(self.registry).registry.entities)

    def _decision(self, row: dict[str, str], status: str, target: str | None = None) -> ReviewDecision:
        """A decision on one row of names.csv; a proposed group's row carries its canonical and
        type, so that accepting it creates the entity as `names apply` does."""
        moved_from = row["entity_id"] if target and target != row["entity_id"] else None
        method = row.get("method", "")
        if method == DISCOVERED and row["entity_id"] not in self._registered():
            return ReviewDecision(
                0, row["variant"], target or row["entity_id"], status, moved_from, row["canonical"], row.get("type", ""), method
            )
        return ReviewDecision(0, row["variant"], target or row["entity_id"], status, moved_from, method=method)

    def entity_for(self, typed: str) -> str:
        """The entity a reviewer typed in a "move to…" or "merge into…" box: an id (any case), the
        id shown before its canonical name ("istories — IStories"), a registered canonical name
        ("IStories") or a proposed group's id. Anything else comes back as typed (and is refused
        as an unknown entity_id)."""
        text = typed.split(" — ", 1)[0].strip()
        registry = RegistryText.read(self.registry).registry
        by_id = {entity_id.casefold(): entity_id for entity_id in registry.entities}
        by_name = {variant_key(entity.canonical): entity_id for entity_id, entity in registry.entities.items()}
        proposed = {row["entity_id"].casefold(): row["entity_id"] for row in read_table_kept(self.table)[1]}
        return by_id.get(text.casefold()) or by_name.get(variant_key(text)) or proposed.get(text.casefold()) or text

    def decide_spelling(self, variant: str, entity_id: str, status: str, target: str | None = None) -> str:
        """Accept, reject, mark or move (to `target`) one spelling of a group on the page."""
        rows = [row for row in self._rows(entity_id) if variant_key(row["variant"]) == variant_key(variant)]
        if not rows:
            raise RegistryError(f"{variant!r} is not a spelling of {entity_id!r} in names.csv (reload the page)")
        return self.decide([self._decision(rows[0], status, target)])

    def decide_group(self, entity_id: str, status: str) -> str:
        """Accept or reject every open spelling of a group (the known ones stay as they are)."""
        rows = [row for row in self._rows(entity_id) if row["status"] in OPEN_STATUSES]
        if not rows:
            return f"{entity_id}: no open spelling"
        return self.decide([self._decision(row, status) for row in rows])

    def _edit(self, change: Callable[[RegistryText], str], relabel: Callable[[dict[str, str]], None]) -> str:
        def both() -> str:
            what = edit_registry(self.registry, change)
            self._follow(relabel)
            return what

        return self._act(both)

    def _relabel(self, relabel: Callable[[dict[str, str]], None], what: str) -> str:
        """A change of a proposed group: names.csv alone (the registry has no entry for it yet)."""

        def change() -> str:
            self._follow(relabel)
            return what

        return self._act(change)

    def rename(self, entity_id: str, canonical: str, kind: str = "") -> str:
        new_name = " ".join(canonical.split())
        if entity_id not in self._registered():  # a proposed group: its canonical and type in names.csv
            if not new_name:
                raise RegistryError(f"{entity_id}: the canonical name cannot be empty")
            if kind and kind not in ENTITY_TYPES:
                raise RegistryError(f"type must be one of {', '.join(ENTITY_TYPES)}, not {kind!r}")

            def relabel_proposed(row: dict[str, str]) -> None:
                if row["entity_id"] == entity_id:
                    row.update(canonical=new_name, type=kind or row.get("type", ""))

            return self._relabel(relabel_proposed, f"{entity_id}: proposed as {new_name!r}" + (f", {kind}" if kind else ""))

        def relabel(row: dict[str, str]) -> None:
            if row["entity_id"] == entity_id:
                row["canonical"] = new_name

        return self._edit(lambda document: rename_entity(document, entity_id, new_name), relabel)

    def merge(self, source_id: str, target_id: str) -> str:
        registered = self._registered()
        if source_id not in registered:
            return self._merge_proposed(source_id, target_id, target_id in registered)
        if target_id not in registered:
            raise RegistryError(f"{target_id!r} is not in the registry: accept it first, then merge into it")
        target_name = ""

        def change(document: RegistryText) -> str:
            nonlocal target_name
            done = merge_entities(document, source_id, target_id)
            target_name = document.registry.entities[target_id].canonical
            return done

        def relabel(row: dict[str, str]) -> None:
            if row["entity_id"] == source_id:
                row.update(entity_id=target_id, canonical=target_name)

        return self._edit(change, relabel)

    def _merge_proposed(self, source_id: str, target_id: str, target_registered: bool) -> str:
        """A proposed group merged into a registered entity: its open spellings are accepted as
        that entity's (the `names apply` code path); into another proposed group: names.csv alone."""
        rows = [row for row in self._rows(source_id) if row["status"] in OPEN_STATUSES]
        if source_id == target_id or not rows:
            raise RegistryError(f"nothing to merge: {source_id!r} into {target_id!r}")
        if target_registered:
            return self.decide([self._decision(row, "accepted", target_id) for row in rows])
        target_rows = self._rows(target_id)
        if not target_rows:
            raise RegistryError(f"unknown entity_id {target_id!r}")
        target_name, target_type = target_rows[0]["canonical"], target_rows[0].get("type", "")

        def relabel(row: dict[str, str]) -> None:
            if row["entity_id"] == source_id:
                row.update(entity_id=target_id, canonical=target_name, type=row.get("type") or target_type, reason=MOVED)

        return self._relabel(relabel, f"proposed {source_id} merged into {target_id}")

    def split(self, variant: str, entity_id: str) -> str:
        return self.split_many([variant], entity_id)

    def split_many(self, variants: list[str], entity_id: str) -> str:
        """Move spellings out of their group into one new entity named by the first, of the same
        type (for a proposed group: a proposed group of its own, in names.csv); one undo step."""
        from ruamel.yaml.comments import CommentedSeq
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        keys = {variant_key(variant) for variant in variants}
        if not variants:
            raise RegistryError("no spelling selected (tick the spellings first)")
        name = variants[0]

        def chosen(row: dict[str, str]) -> bool:
            return variant_key(row["variant"]) in keys and row["entity_id"] == entity_id

        if entity_id not in self._registered():
            taken = {row["entity_id"] for row in read_table_kept(self.table)[1]}
            # As a run names a proposed group: a Cyrillic spelling gets a Latin id "names apply" takes.
            proposed_id = readable_id(name, new_entity_id(taken, name, prefix="new-"), taken)

            def relabel_proposed(row: dict[str, str]) -> None:
                if chosen(row):
                    row.update(entity_id=proposed_id, canonical=name, reason=MOVED)

            return self._relabel(relabel_proposed, f"{len(keys)} spelling(s) proposed as {proposed_id}")
        new_id = ""

        def change(document: RegistryText) -> str:
            nonlocal new_id
            if entity_id not in document.registry.entities:
                raise RegistryError(f"unknown entity_id {entity_id!r}")
            for variant in variants:
                for holder in document.holders(variant):
                    remove_spelling(document.entity(holder), variant)
            new_id = new_entity_id(document.entity_ids, name)
            done = add_entity(document, new_id, name, document.registry.entities[entity_id].type)
            node = document.entity(new_id)
            for variant in variants[1:]:
                field_name = "native" if scripts.NATIVE.search(variant) else "variants"
                if node.get(field_name) is None:
                    node[field_name] = CommentedSeq()
                node[field_name].append(DoubleQuotedScalarString(variant))
            return done + (f" with {len(variants) - 1} more spelling(s)" if len(variants) > 1 else "")

        def relabel(row: dict[str, str]) -> None:
            if chosen(row):
                row.update(entity_id=new_id, canonical=name, status="accepted", reason=MOVED)

        return self._edit(change, relabel)

    def decide_spellings(self, variants: list[str], entity_id: str, status: str, target: str | None = None) -> str:
        """Accept, reject or move (to `target`) several spellings of a group in one action."""
        keys = {variant_key(variant) for variant in variants}
        rows = [row for row in self._rows(entity_id) if variant_key(row["variant"]) in keys]
        if not rows:
            raise RegistryError(f"no spelling of {entity_id!r} selected (tick the spellings first)")
        return self.decide([self._decision(row, status, target) for row in rows])

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
