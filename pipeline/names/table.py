"""The name table: one row per (variant, entity) a run found, for people to review.

Built from the per-document name records the normalize stage attaches, so it can be put
together anywhere the documents pass (in one process, from Ray workers, from the shards of an
interrupted run) and always comes out the same.

Names nobody registered come in groups with a proposed id (status `new`); a group is proposed
only where normalizing it would do something: two or more spellings, or a spelling in another
script. Its proposed canonical is the romanization of its Russian form where it has one, else
its most frequent spelling.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pipeline.names.entity import variant_key
from pipeline.scripts import NATIVE

DISCOVERED = "discovered"


def review_status(method: str, applied: bool) -> str:
    """What the run says of a spelling. `accepted` and `rejected` are a reviewer's words only,
    so that applying a table nobody edited changes nothing."""
    if method == DISCOVERED:
        return "new"  # a proposed entity nobody registered yet
    if method in ("exact", "known-variant") and applied:
        return "known"  # the registry lists it (or its case form): a person put it there
    return "auto" if applied else "pending"


@dataclass
class _Row:
    variant: str
    canonical: str
    entity_id: str
    method: str
    score: float
    status: str
    example: str
    type: str | None
    count: int = 0
    documents: int = 0
    last_document: str = ""


class NameTable:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], _Row] = {}

    def add(self, document_id: str, records: list[dict[str, Any]]) -> None:
        for record in records:
            key = (variant_key(record["variant"]), record["entity_id"])
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row(
                    record["variant"],
                    record["canonical"],
                    record["entity_id"],
                    record["method"],
                    record["score"],
                    review_status(record["method"], record["applied"]),
                    record["example"],
                    record.get("type"),
                )
            row.count += 1
            # A document's records arrive together: counting changes of id counts documents
            # without keeping every id (memory stays flat however many documents there are).
            if row.last_document != document_id:
                row.documents += 1
                row.last_document = document_id
            row.score = max(row.score, record["score"])
            row.type = row.type or record.get("type")

    def _proposed_groups(self) -> list[dict[str, Any]]:
        """Rows of the discovered groups worth proposing, each with its group's id, canonical and type."""
        groups: dict[str, list[_Row]] = defaultdict(list)
        for row in self._rows.values():
            if row.method == DISCOVERED:
                groups[row.entity_id].append(row)
        proposed = []
        for rows in merge_groups(groups).values():
            native = [row for row in rows if NATIVE.search(row.variant)]
            if len(rows) < 2 and not native:
                continue  # one spelling in one script: nothing to normalize
            by_count = sorted(rows, key=lambda row: (-row.count, row.variant))
            canonical = max(native, key=lambda row: row.count).canonical if native else by_count[0].variant
            kind = next((row.type for row in by_count if row.type), None)
            # A merged group takes the id of its fullest name ("new-vladimir-putin", not "new-putin").
            group_id = max(rows, key=lambda row: (row.entity_id.count("-"), row.count, row.entity_id)).entity_id
            proposed += [_as_dict(row) | {"canonical": canonical, "type": kind or "", "entity_id": group_id} for row in rows]
        return proposed

    def rows(self) -> list[dict[str, Any]]:
        """Most frequent first; ties in a fixed order, so that every run writes the same table."""
        kept = [_as_dict(row) for row in self._rows.values() if row.method != DISCOVERED] + self._proposed_groups()
        return sorted(kept, key=lambda row: (-row["count"], row["canonical"], row["variant"], row["entity_id"]))


def _as_dict(row: _Row) -> dict[str, Any]:
    return {
        "variant": row.variant,
        "canonical": row.canonical,
        "entity_id": row.entity_id,
        "method": row.method,
        "score": round(row.score, 4),
        "count": row.count,
        "documents": row.documents,
        "example": row.example,
        "status": row.status,
        "type": row.type or "",
    }


# Two proposed groups whose keys are this similar (rapidfuzz ratio) are one: "Edit Lessom" and
# "Edit Lesum" are one spelling habit apart; "Kirov" and "Kirovsk" (83) stay two places.
MERGE_SIMILARITY = 88


def merge_groups(groups: dict[str, list[_Row]]) -> dict[str, list[_Row]]:
    """Groups of the whole corpus joined where the per-document keys could not see it.

    A surname alone joins the one proposed person with that surname (none, or two, and it stays
    alone); groups whose keys differ by a spelling habit join (same word count and first letter).
    """
    parent = {group_id: group_id for group_id in groups}

    def find(group_id: str) -> str:
        while parent[group_id] != group_id:
            parent[group_id] = parent[parent[group_id]]
            group_id = parent[group_id]
        return group_id

    def words(group_id: str) -> list[str]:
        return group_id.removeprefix("new-").split("-")

    people = [gid for gid, rows in groups.items() if any(row.type == "person" for row in rows) and len(words(gid)) >= 2]
    for group_id in groups:
        if len(words(group_id)) == 1:
            owners = [person for person in people if words(person)[-1] == words(group_id)[0]]
            if len(owners) == 1:
                parent[find(group_id)] = find(owners[0])
    blocks: dict[tuple[str, int], list[str]] = defaultdict(list)
    for group_id in groups:
        blocks[(group_id.removeprefix("new-")[:1], len(words(group_id)))].append(group_id)
    for members in blocks.values():
        texts = [" ".join(words(group_id)) for group_id in members]
        for i, j in _similar_pairs(texts):
            parent[find(members[i])] = find(members[j])
    merged: dict[str, list[_Row]] = defaultdict(list)
    for group_id, rows in groups.items():
        merged[find(group_id)] += rows
    return merged


def _similar_pairs(texts: list[str]) -> list[tuple[int, int]]:
    if len(texts) < 2:
        return []
    from rapidfuzz import fuzz, process

    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=MERGE_SIMILARITY)
    return [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if scores[i][j]]
