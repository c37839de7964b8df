"""The name table: one row per (variant, entity) a run found, for people to review.

Built from the per-document name records the normalize stage attaches, so it can be put
together anywhere the documents pass (in one process, from Ray workers, from the shards of an
interrupted run) and always comes out the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.names.entity import variant_key


def review_status(method: str, applied: bool) -> str:
    """What the run says of a spelling. `accepted` and `rejected` are a reviewer's words only,
    so that applying a table nobody edited changes nothing."""
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
                )
            row.count += 1
            # A document's records arrive together: counting changes of id counts documents
            # without keeping every id (memory stays flat however many documents there are).
            if row.last_document != document_id:
                row.documents += 1
                row.last_document = document_id
            row.score = max(row.score, record["score"])

    def rows(self) -> list[dict[str, Any]]:
        """Most frequent first; ties in a fixed order, so that every run writes the same table."""
        ordered = sorted(self._rows.values(), key=lambda row: (-row.count, row.canonical, row.variant, row.entity_id))
        return [
            {
                "variant": row.variant,
                "canonical": row.canonical,
                "entity_id": row.entity_id,
                "method": row.method,
                "score": round(row.score, 4),
                "count": row.count,
                "documents": row.documents,
                "example": row.example,
                "status": row.status,
            }
            for row in ordered
        ]
