"""The name table: one row per (variant, entity) a run found, for people to review.

Built from the per-document name records the normalize stage attaches, so it can be put
together anywhere the documents pass (in one process, from Ray workers, from the shards of an
interrupted run) and always comes out the same.

Names nobody registered come in groups with a proposed id (status `new`); a group is proposed
only where normalizing it would do something: two or more spellings, a spelling in another
script, or one whose English exonym differs ("Kiev": Kyiv). Its proposed canonical is, in
order: the English spelling a translation gave it ("Bill Gates" for "Билл Гейтс"), the English
exonym of a place (Moskva: Moscow), the romanized nominative of its Russian form, its most
frequent spelling. (A registered name is no proposal: the registry's canonical stands.) Its id
is that canonical romanized and slugged ("new-rossiyskaya-federatsiya"), and every row says why
its spelling is in its group (`reason`: pipeline.names.grouping.reasons).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipeline.names.entity import PERSON, variant_key
from pipeline.names.grouping.corpus import ARTICLE_MARK, PATRONYMIC_MARK, in_article, merge_groups, patronymic_units
from pipeline.names.grouping.keys import exonym, readable_id
from pipeline.names.grouping.reasons import TRANSLITERATION_KEY, registry_reason
from pipeline.names.person.folding import fold
from pipeline.scripts import NATIVE

__all__ = ["DISCOVERED", "NATIVE_UNSURE", "NameTable", "regroup_mentions", "review_status"]

DISCOVERED = "discovered"
# A native form found in the source that morphology cannot settle: pending until a reviewer confirms it.
NATIVE_UNSURE = "native-unsure"


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
    translated: int = 0  # mentions of it in an English translation of another language
    reason: str = ""  # why it is in its group; of the documents that gave two, the first in order
    kinds: set[str] = field(default_factory=set)  # every type it was given ("Милан": city, club)


class NameTable:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], _Row] = {}
        # The proposed groups of the corpus (the merge is the costly part): until a record is added.
        self._proposed: list[dict[str, Any]] | None = None
        self._corpus_ids: dict[tuple[str, str], tuple[str, str]] = {}
        self._groups_of_id: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def add(self, document_id: str, records: list[dict[str, Any]]) -> None:
        self._proposed = None
        for record in records:
            # A name whose group is its document's (a body without its country, a surname alone)
            # is a unit of its own in each document until the corpus's merge says otherwise.
            entity_id = record["entity_id"]
            if record.get("per_article") or record.get("undecided"):
                entity_id = in_article(entity_id, document_id, bool(record.get("undecided")))
            key = (variant_key(record["variant"]), entity_id)
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row(
                    record["variant"],
                    record["canonical"],
                    entity_id,
                    record["method"],
                    record["score"],
                    review_status(record["method"], record["applied"]),
                    record["example"],
                    record.get("type"),
                )
            row.count += 1
            row.translated += bool(record.get("translated"))
            # A document's records arrive together: counting changes of id counts documents
            # without keeping every id (memory stays flat however many documents there are).
            if row.last_document != document_id:
                row.documents += 1
                row.last_document = document_id
            row.score = max(row.score, record["score"])
            row.type = row.type or record.get("type")
            row.kinds.add(record.get("type") or "")
            # The least of the reasons, whatever order the documents come in (a registered name's
            # reason is how it was matched; a record of an older run has none: its key's).
            reason = record.get("reason") or (TRANSLITERATION_KEY if row.method == DISCOVERED else registry_reason(row.method))
            row.reason = min(row.reason, reason) if row.reason else reason

    def corpus_group(self, spelling: str, entity_id: str, document: str = "") -> tuple[str, str] | None:
        """(id, canonical) of the proposed group that a spelling found under `entity_id` (its
        per-document key) in `document` belongs to after corpus-level merging; None where it was
        not proposed (one spelling in one script)."""
        self._proposed_groups()
        units = (in_article(entity_id, document), in_article(entity_id, document, undecided=True), entity_id)
        for unit in units if document else (entity_id,):
            group = self._corpus_ids.get((variant_key(spelling), unit))
            if group is None:  # a declined form of the source text ("Курочкина"): the record has its nominative
                groups = self._groups_of_id.get(unit, set())
                group = next(iter(groups)) if len(groups) == 1 else None
            if group is not None:
                return group
        return None

    def _proposed_groups(self) -> list[dict[str, Any]]:
        """Rows of the discovered groups worth proposing, each with its group's id, canonical and type."""
        if self._proposed is None:
            self._proposed = self._merge_proposed_groups()
        return self._proposed

    def _merge_proposed_groups(self) -> list[dict[str, Any]]:
        self._corpus_ids = {}
        self._groups_of_id = defaultdict(set)
        discovered = [row for row in self._rows.values() if row.method == DISCOVERED]
        units = patronymic_units([(row.variant, row.entity_id, row.type) for row in discovered])
        groups: dict[str, list[_Row]] = defaultdict(list)
        unit_of: dict[int, str] = {}
        for row, unit in zip(discovered, units):
            groups[unit].append(row)
            unit_of[id(row)] = unit
        merged, joined = merge_groups(groups)
        found = []
        for rows in merged.values():
            native = [row for row in rows if NATIVE.search(row.variant)]
            by_count = sorted(rows, key=lambda row: (-row.count, row.variant))
            kind = next((row.type for row in by_count if row.type), None)
            canonical = _canonical(rows, native, kind)
            if len(rows) < 2 and not native and canonical == rows[0].variant:
                continue  # one spelling in one script, and its own canonical: nothing to normalize
            # The fullest name's unit anchors the group ("new-vladimir-putin", not "new-putin"): its
            # spellings say why they share its key, the others how the corpus joined them.
            anchor = max(rows, key=lambda row: (row.entity_id.count("-"), row.count, row.entity_id))
            key_id = anchor.entity_id.partition(ARTICLE_MARK)[0]
            # One of two people with one name: by the father's name ("new-andrei-gurev-andreevich"),
            # or the bare id for the spellings that could be either.
            marked = sorted(
                {unit_of[id(row)] for row in rows if PATRONYMIC_MARK in unit_of[id(row)]}, key=lambda u: (u.endswith(PATRONYMIC_MARK), u)
            )
            if marked:
                key_id = marked[0].replace(PATRONYMIC_MARK, "-").rstrip("-")
            found.append((key_id, canonical, kind or "", unit_of[id(anchor)], rows))
        # (One name kept per article in several: its groups in the order of their documents' ids.)
        # Ids from the canonicals, in the order of the key ids: the same ids on every run, wherever
        # the documents came from; a registered id is never proposed again.
        taken = {row.entity_id for row in self._rows.values() if row.method != DISCOVERED}
        proposed = []
        for key_id, canonical, kind, anchor_unit, rows in sorted(found, key=lambda group: group[:4]):
            group_id = readable_id(canonical, key_id, taken)
            taken.add(group_id)
            for row in rows:
                unit = unit_of[id(row)]
                # A unit kept to its article says so (the corpus had two people of its surname).
                reason = row.reason if unit == anchor_unit and ARTICLE_MARK not in unit else joined.get(unit, row.reason)
                proposed.append(_as_dict(row) | {"canonical": canonical, "type": kind, "entity_id": group_id, "reason": reason})
                self._corpus_ids[(variant_key(row.variant), row.entity_id)] = (group_id, canonical)
                self._groups_of_id[row.entity_id].add((group_id, canonical))
        return proposed

    def rows(self) -> list[dict[str, Any]]:
        """Most frequent first; ties in a fixed order, so that every run writes the same table."""
        kept = [_as_dict(row) for row in self._rows.values() if row.method != DISCOVERED]
        kept += [dict(row) for row in self._proposed_groups()]
        return sorted(kept, key=lambda row: (-row["count"], row["canonical"], row["variant"], row["entity_id"]))


def regroup_mentions(
    text: str, names: list[dict[str, Any]], table: NameTable, apply_proposals: bool, document: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """A published `document`'s discovered mentions with the ids and canonicals of the corpus's
    proposed groups (the per-document keys cannot see the corpus-level merges), so that the
    `names` column groups as `names.csv` does; with `apply_proposals`, each such mention's span
    in `text` (`text_en_normalized`) becomes the group's canonical, one canonical per group across
    documents. Only those spans change: every other character stays, offsets follow."""
    pieces: list[str] = []
    regrouped: list[dict[str, Any]] = []
    shift = done = 0
    for name in sorted(names, key=lambda name: name["start"]):
        group = table.corpus_group(name["variant"], name["entity_id"], document) if name["method"] == DISCOVERED else None
        if group is None:
            regrouped.append(name | {"start": name["start"] + shift, "end": name["end"] + shift})
            continue
        entity_id, canonical = group
        spelling = canonical if apply_proposals else text[name["start"] : name["end"]]
        pieces += [text[done : name["start"]], spelling]
        start = name["start"] + shift
        regrouped.append(name | {"entity_id": entity_id, "canonical": canonical, "start": start, "end": start + len(spelling)})
        shift += len(spelling) - (name["end"] - name["start"])
        done = name["end"]
    return "".join(pieces) + text[done:], regrouped


def _canonical(rows: list[_Row], native: list[_Row], kind: str | None) -> str:
    """A group's proposed canonical: the English spelling translations gave it (its fullest,
    then most translated: "Bill Gates", not "Gates"), else the exonym of the romanized Russian
    form (its canonical: "Moskva" is Moscow already), else that romanized form, else the exonym
    of the most frequent spelling. A person's is a full name where the group has one: the
    most frequent of those ("Leonid Gosman", though "Gosman" alone is written more)."""

    def rank(row: _Row, name: str) -> tuple[bool, int, str]:
        words = name.split()
        full = len(words) >= 2 and len(fold(words[0])) > 1  # not "Gosman", nor "L. Gosman"
        return (kind == PERSON and not full, -row.count, name)

    romanized = min((rank(row, row.canonical) for row in native), default=None)
    translated = [row for row in rows if row.translated and not NATIVE.search(row.variant)]
    if translated:
        best = min(translated, key=lambda row: (-len(row.variant.split()), -row.translated, -row.count, row.variant))
        # ... unless it is shorter than the Russian form ("Gates" alone for "Билл Гейтс").
        if romanized is None or len(best.variant.split()) >= len(romanized[2].split()):
            return exonym(best.variant)
    return romanized[2] if romanized else exonym(min(rank(row, row.variant) for row in rows)[2])


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
        "reason": row.reason,
    }
