"""What the review page shows: the name table grouped by entity, with outlets, dates and
contexts (key word in context) from the published documents.

Documents are read once, when the app starts (they do not change during a review); the name
table and the registry are read again whenever a save changed them. Contexts are looked up only
for the spellings on the page shown, so a page of a huge table loads as fast as a small one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline import scripts
from pipeline.files import FileStamp, file_stamp
from pipeline.names.entity import Entity, variant_key
from pipeline.names.matching.native_forms import native_pattern
from pipeline.names.registry import Registry
from pipeline.names.registry.text import RegistryText
from pipeline.names.table.spreadsheet import read_table, row_line, write_table
from pipeline.schema import PARAGRAPH_SEPARATOR

CONTEXTS = 3
CONTEXT_CHARS = 70
SOURCE_CHARS = 260
# Open work first: a proposed new group, then spellings waiting for a decision.
STATUS_ORDER = {"new": 0, "pending": 1, "auto": 2, "known": 3, "accepted": 4, "rejected": 5, "not_a_name": 6}


@dataclass(frozen=True)
class Context:
    left: str
    word: str
    right: str
    source: str  # the paragraph in its own language beside a translated one ("" for English)
    published: str
    outlet: str


@dataclass
class Spelling:
    variant: str
    entity_id: str
    status: str
    method: str
    score: str
    count: int
    documents: int
    example: str
    script: str
    reason: str = ""  # why the run put it in its group (names.csv's `reason`; older tables have none)
    contexts: list[Context] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""


@dataclass
class Group:
    entity_id: str
    canonical: str
    type: str
    registered: bool
    spellings: list[Spelling]
    outlets: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""
    order: tuple[Any, ...] = ()  # where it comes on the page: open work first, then by mentions

    @property
    def open(self) -> int:
        return sum(spelling.status in ("new", "pending") for spelling in self.spellings)

    @property
    def mentions(self) -> int:
        return sum(spelling.count for spelling in self.spellings)

    @property
    def doubt(self) -> float:
        """How unsure the run was of its most doubtful open spelling: 1 - its score (a proposed
        group's spellings, which have no score, count 0.5); 0 when nothing is open."""
        return max(
            (0.5 if s.status == "new" else 1.0 - _score(s.score) for s in self.spellings if s.status in ("new", "pending")), default=0.0
        )

    @property
    def reasons(self) -> list[str]:
        """Why its spellings were grouped, each reason once, the most mentioned first."""
        by_count = sorted(self.spellings, key=lambda s: -s.count)
        return list(dict.fromkeys(s.reason for s in by_count if s.reason))

    @property
    def is_new(self) -> bool:
        return not self.registered or any(spelling.status == "new" for spelling in self.spellings)


@dataclass(frozen=True)
class _Document:
    text: str
    text_en: str
    paragraphs: list[tuple[str, str, str]]  # text, lang, text_en
    published: str
    outlet: str


@lru_cache(maxsize=1 << 16)  # pure, and called for every spelling whenever the table changed
def script_of(text: str) -> str:
    if scripts.CYRILLIC.search(text):
        return "Cyrillic"
    if scripts.THAI.search(text):
        return "Thai"
    return "Latin" if scripts.LATIN.search(text) else "other"


def _read_documents(data_folder: Path) -> tuple[list[_Document], dict[str, list[tuple[int, int, int]]]]:
    """The documents, and where each spelling the run found is written in text_en (by its
    spelling key: after a move or a merge it still points to the same places)."""
    documents: list[_Document] = []
    mentions: dict[str, list[tuple[int, int, int]]] = {}
    for path in sorted(data_folder.glob("*.parquet")):
        names = pq.read_schema(path).names
        wanted = ("text", "text_en", "text_en_normalized", "paragraphs", "published", "outlet", "names", "title", "title_en")
        columns = [c for c in wanted if c in names]
        for row in pq.read_table(path, columns=columns).to_pylist():
            index = len(documents)
            paragraphs = [(p["text"] or "", p["lang"] or "", p["text_en"] or "") for p in row.get("paragraphs") or []]
            body_en, title, title_en = row.get("text_en") or "", row.get("title") or "", row.get("title_en") or ""
            text, text_en, shift = row["text"] or "", body_en, 0
            if title_en:
                # The title reads as the first paragraph, in the original and in English.
                text = text if text.startswith(title) else title + PARAGRAPH_SEPARATOR + text
                text_en, shift = title_en + PARAGRAPH_SEPARATOR + body_en, len(title_en) + len(PARAGRAPH_SEPARATOR)
                paragraphs.insert(0, (title, "en" if title == title_en else "", title_en))
            documents.append(_Document(text, text_en, paragraphs, str(row.get("published") or ""), row.get("outlet") or ""))
            names = row.get("names") or []
            in_title = [mention for mention in names if mention.get("field") == "title_en"]
            in_body = [mention for mention in names if mention.get("field", "text_en") == "text_en"]
            # title_en is published normalized only: its spellings as written are searched for.
            found = list(_as_written(title_en, title_en, in_title))
            found += [
                (variant, start + shift, end + shift)
                for variant, start, end in _as_written(body_en, row.get("text_en_normalized") or "", in_body)
            ]
            for variant, start, end in found:
                mentions.setdefault(variant_key(variant), []).append((index, start, end))
    return documents, mentions


def _as_written(text_en: str, normalized: str, names: list[dict[str, Any]]) -> Iterator[tuple[str, int, int]]:
    """Each mention's span in text_en, where the reviewer sees the spelling as written ("Bot
    Domoy"), not the canonical name that replaced it in text_en_normalized (whose offsets the
    `names` column gives). A span that does not hold its spelling is left out (then searched for)."""
    shift = 0  # how much longer text_en_normalized is than text_en before this point
    for mention in sorted(names, key=lambda m: m["start"]):
        variant, start, end = mention["variant"], mention["start"], mention["end"]
        original = start - shift
        if normalized[start:end] != variant:  # replaced by its canonical name
            shift += (end - start) - len(variant)
        if text_en[original : original + len(variant)].casefold() == variant.casefold():
            yield variant, original, original + len(variant)


class Corpus:
    def __init__(self, dataset: Path, registry: Path) -> None:
        self.dataset, self.registry_path = dataset, registry
        self.documents, self.mentions = _read_documents(dataset / "data")
        self._stamp: tuple[FileStamp, FileStamp] | None = None
        self._contexts: dict[str, tuple[list[Context], list[str], str, str]] = {}
        self.groups: list[Group] = []
        self._kept_groups: dict[tuple[Any, ...], Group] = {}
        self.registry: Registry | None = None
        self.refresh()

    def refresh(self) -> None:
        """Read the name table and the registry again if either changed since the last read."""
        stamp = (file_stamp(self.dataset / "names.csv"), file_stamp(self.registry_path))
        if stamp == self._stamp:
            return
        self.registry = RegistryText.read(self.registry_path).registry
        _, rows = read_table_kept(self.dataset / "names.csv")
        self.groups = self._group(rows, self.registry)
        self._stamp = stamp

    def _group(self, rows: list[dict[str, str]], registry: Registry) -> list[Group]:
        """One group per entity id, open work first. A group whose rows and registry entry are
        as they were at the last refresh is the same object again: an action rebuilds only the
        groups it changed."""
        rows_by_entity: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            rows_by_entity.setdefault(row["entity_id"], []).append(row)
        kept: dict[tuple[Any, ...], Group] = {}
        for entity_id, group_rows in rows_by_entity.items():
            entity = registry.entities.get(entity_id)
            key = (entity_id, entity, tuple(tuple(row.values()) for row in group_rows))
            kept[key] = self._kept_groups.get(key) or self._make_group(entity_id, entity, group_rows)
        self._kept_groups = kept
        return sorted(kept.values(), key=lambda group: group.order)

    def _make_group(self, entity_id: str, entity: Entity | None, rows: list[dict[str, str]]) -> Group:
        canonical = entity.canonical if entity else rows[0].get("canonical", "")
        kind = entity.type if entity else rows[0].get("type") or ""
        spellings = [
            Spelling(
                row["variant"],
                row["entity_id"],
                row["status"].lower(),
                row.get("method", ""),
                row.get("score", ""),
                int(row.get("count") or 0),
                int(row.get("documents") or 0),
                row.get("example", ""),
                script_of(row["variant"]),
                row.get("reason", ""),
            )
            for row in rows
        ]
        spellings.sort(key=lambda s: (STATUS_ORDER.get(s.status, 9), -s.count, s.variant))
        group = Group(entity_id, canonical, kind, entity is not None, spellings)
        group.order = (not group.is_new, -group.open, -group.mentions, group.canonical)
        self._describe(group, [hit for s in spellings for hit in self.mentions.get(variant_key(s.variant), [])])
        return group

    def _describe(self, target: Group | Spelling, hits: list[tuple[int, int, int]]) -> None:
        documents = [self.documents[index] for index, _, _ in hits]
        target.outlets = sorted({d.outlet for d in documents if d.outlet})
        dates = sorted(d.published for d in documents if d.published)
        target.first, target.last = (dates[0], dates[-1]) if dates else ("", "")

    def fill_contexts(self, spellings: list[Spelling]) -> None:
        """Up to three contexts, outlets and dates of each spelling: from the mentions the run
        applied, else by searching the texts (pending spellings are left as written there): all
        the page's spellings in one pass over the documents."""
        wanted = [s for s in spellings if variant_key(s.variant) not in self._contexts]
        searched = [s.variant for s in wanted if variant_key(s.variant) not in self.mentions]
        found = self._search(searched)
        for spelling in wanted:
            key = variant_key(spelling.variant)
            hits = [(index, start, end, False) for index, start, end in self.mentions.get(key, [])] or found.get(
                _search_key(spelling.variant), []
            )
            self._describe(spelling, [(index, start, end) for index, start, end, _ in hits])
            contexts = [self._context(index, start, end, in_source) for index, start, end, in_source in hits[:CONTEXTS]]
            # Kept across saves: the documents do not change while the page is open, only the table.
            self._contexts[key] = (contexts, spelling.outlets, spelling.first, spelling.last)
        for spelling in spellings:
            spelling.contexts, spelling.outlets, spelling.first, spelling.last = self._contexts[variant_key(spelling.variant)]

    def fill_groups(self, groups: list[Group]) -> None:
        """Contexts of the groups' spellings, and each group's outlets and dates widened by them:
        a Russian spelling the run did not replace is found only by searching (a page at a time)."""
        self.fill_contexts([spelling for group in groups for spelling in group.spellings])
        for group in groups:
            group.outlets = sorted({*group.outlets, *(outlet for s in group.spellings for outlet in s.outlets)})
            dates = [date for date in (group.first, group.last, *(d for s in group.spellings for d in (s.first, s.last))) if date]
            group.first, group.last = (min(dates), max(dates)) if dates else ("", "")

    def _search(self, variants: list[str]) -> dict[str, list[tuple[int, int, int, bool]]]:
        """Where each spelling is written, by its search key: native ones in the original text, in
        any case form ("Москва" finds "власти Москвы", as the run's discovery put it in the
        nominative), the others in the English; one pattern per script, longest spelling first."""
        found: dict[str, list[tuple[int, int, int, bool]]] = {}
        for native in (False, True):
            chosen = sorted({v for v in variants if bool(scripts.NATIVE.search(v)) == native}, key=len, reverse=True)
            if not chosen:
                continue
            # As written first; then, for Russian, in another case form ("Пути домой" is its own row).
            spelled = [(variant, _as_written_pattern(variant)) for variant in chosen]
            if native:
                spelled += [(variant, native_pattern(variant)) for variant in chosen if scripts.CYRILLIC.search(variant)]
            alternatives = "|".join(f"(?P<v{number}>{pattern})" for number, (_, pattern) in enumerate(spelled))
            pattern = re.compile(alternatives, re.IGNORECASE)
            keys = {f"v{number}": _search_key(variant) for number, (variant, _) in enumerate(spelled)}
            for index, document in enumerate(self.documents):
                for match in pattern.finditer(document.text if native else document.text_en):
                    key = next(keys[name] for name in keys if match.group(name) is not None)
                    found.setdefault(key, []).append((index, match.start(), match.end(), native))
        return found

    def _context(self, index: int, start: int, end: int, in_source: bool) -> Context:
        document = self.documents[index]
        text = document.text if in_source else document.text_en
        paragraph = text.count("\n\n", 0, start)
        beside = ""
        if paragraph < len(document.paragraphs):
            source, lang, english = document.paragraphs[paragraph]
            # Beside a native-script match, its translation; beside a translated one, its source.
            beside = english if in_source else ("" if lang == "en" else source)
        left = text[max(0, start - CONTEXT_CHARS) : start].split("\n\n")[-1]
        right = text[end : end + CONTEXT_CHARS].split("\n\n")[0]
        return Context(left, text[start:end], right, _cut(beside, SOURCE_CHARS), document.published, document.outlet)

    def entity_choices(self) -> list[tuple[str, str]]:
        assert self.registry is not None
        return [(entity.id, entity.canonical) for entity in self.registry.entities.values()]


@dataclass
class _KeptTable:
    stamp: FileStamp
    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[str] | None = None  # each row as written, once this process wrote the table


_kept_tables: dict[Path, _KeptTable] = {}


def read_table_kept(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A name table as last read or written here, read again only when the file changed. The
    rows are shared with every caller: change copies of them, never the rows themselves."""
    stamp = file_stamp(path)
    kept = _kept_tables.get(path)
    if kept is None or kept.stamp != stamp:
        columns, rows = read_table(path)
        kept = _kept_tables[path] = _KeptTable(stamp, columns, rows)
    return kept.columns, kept.rows


def write_table_kept(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """Write a name table with pipeline.names.table.spreadsheet.write_table, and keep it for the
    next read. Rows equal to the ones last written here are not formatted again: one changed
    spelling of 10,000 formats one line."""
    kept = _kept_tables.get(path)
    same = kept is not None and kept.columns == columns and len(kept.rows) == len(rows) and kept.stamp == file_stamp(path)
    lines = []
    for index, row in enumerate(rows):
        if same and kept is not None and kept.lines is not None and kept.rows[index] == row:
            lines.append(kept.lines[index])
        else:
            lines.append(row_line(columns, row))
    write_table(path, columns, rows, lines)
    _kept_tables[path] = _KeptTable(file_stamp(path), columns, rows, lines)


def _as_written_pattern(variant: str) -> str:
    """A spelling as written, whatever the punctuation between its words; a word of its own
    except in Thai, which has no spaces between words."""
    if scripts.THAI.search(variant):
        return native_pattern(variant)
    words = r"\W*".join(re.escape(part) for part in variant.split())
    return rf"(?<!\w){words}(?!\w)"


def _score(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


# How the page can order the groups: the default puts open work first.
SORTS = {"open": "open work first", "mentions": "most mentions", "doubt": "most doubtful first"}


def sort_groups(groups: list[Group], sort: str) -> list[Group]:
    if sort == "mentions":
        return sorted(groups, key=lambda group: (-group.mentions, group.canonical))
    if sort == "doubt":
        return sorted(groups, key=lambda group: (-group.doubt, -group.open, -group.mentions, group.canonical))
    return groups  # already in their page order


def changes_since_the_run(groups: list[Group]) -> dict[str, int]:
    """What the review changed since the run wrote names.csv: a run writes only known, auto,
    pending and new, so every accepted, rejected or not_a_name row is a reviewer's decision."""
    counts: dict[str, int] = {}
    for group in groups:
        for spelling in group.spellings:
            if spelling.status in ("accepted", "rejected", "not_a_name"):
                counts[spelling.status] = counts.get(spelling.status, 0) + 1
    return counts


def _search_key(text: str) -> str:
    return " ".join(re.sub(r"\W+", " ", text).casefold().split())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def select(groups: list[Group], status: str = "", kind: str = "", outlet: str = "", query: str = "") -> list[Group]:
    """The groups the filters leave, each with only the spellings they leave."""
    needle = query.casefold().strip()
    chosen = []
    for group in groups:
        if (kind and group.type != kind) or (outlet and outlet not in group.outlets):
            continue
        spellings = [s for s in group.spellings if not status or s.status == status]
        if needle and needle not in group.canonical.casefold() and needle not in group.entity_id.casefold():
            spellings = [s for s in spellings if needle in s.variant.casefold()]
        if spellings:
            chosen.append(_with_spellings(group, spellings))
    return chosen


def _with_spellings(group: Group, spellings: list[Spelling]) -> Group:
    if spellings is group.spellings or len(spellings) == len(group.spellings):
        return group
    return Group(group.entity_id, group.canonical, group.type, group.registered, spellings, group.outlets, group.first, group.last)


def summary(groups: list[Group]) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for group in groups:
        for spelling in group.spellings:
            statuses[spelling.status] = statuses.get(spelling.status, 0) + 1
    return {"groups": len(groups), "statuses": dict(sorted(statuses.items(), key=lambda item: STATUS_ORDER.get(item[0], 9)))}
