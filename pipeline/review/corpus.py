"""What the review page shows: the name table grouped by entity, with outlets, dates and
contexts (key word in context) from the published documents.

Documents are read once, when the app starts (they do not change during a review); the name
table and the registry are read again whenever a save changed them. Contexts are looked up only
for the spellings on the page shown, so a page of a huge table loads as fast as a small one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline import scripts
from pipeline.names.entity import variant_key
from pipeline.names.registry import Registry, RegistryError, load_registry, parse_registry
from pipeline.names.spreadsheet import read_table

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

    @property
    def open(self) -> int:
        return sum(spelling.status in ("new", "pending") for spelling in self.spellings)

    @property
    def mentions(self) -> int:
        return sum(spelling.count for spelling in self.spellings)

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


def script_of(text: str) -> str:
    if scripts.CYRILLIC.search(text):
        return "Cyrillic"
    if scripts.THAI.search(text):
        return "Thai"
    return "Latin" if scripts.LATIN.search(text) else "other"


def _read_documents(data_folder: Path) -> tuple[list[_Document], dict[str, list[tuple[int, int, int]]]]:
    """The documents, and where each spelling the run applied was found (by its spelling key:
    after a move or a merge it still points to the same places)."""
    documents: list[_Document] = []
    mentions: dict[str, list[tuple[int, int, int]]] = {}
    for path in sorted(data_folder.glob("*.parquet")):
        names = pq.read_schema(path).names
        columns = [c for c in ("text", "text_en_normalized", "paragraphs", "published", "outlet", "names") if c in names]
        for row in pq.read_table(path, columns=columns).to_pylist():
            index = len(documents)
            paragraphs = [(p["text"] or "", p["lang"] or "", p["text_en"] or "") for p in row.get("paragraphs") or []]
            documents.append(
                _Document(
                    row["text"] or "", row["text_en_normalized"] or "", paragraphs, row.get("published") or "", row.get("outlet") or ""
                )
            )
            for mention in row.get("names") or []:
                mentions.setdefault(variant_key(mention["variant"]), []).append((index, mention["start"], mention["end"]))
    return documents, mentions


class Corpus:
    def __init__(self, dataset: Path, registry: Path) -> None:
        self.dataset, self.registry_path = dataset, registry
        self.documents, self.mentions = _read_documents(dataset / "data")
        self._stamp: tuple[float, float] | None = None
        self._contexts: dict[str, tuple[list[Context], list[str], str, str]] = {}
        self.groups: list[Group] = []
        self.registry: Registry | None = None
        self.refresh()

    def refresh(self) -> None:
        """Read the name table and the registry again if either changed since the last read."""
        stamp = ((self.dataset / "names.csv").stat().st_mtime_ns, self.registry_path.stat().st_mtime_ns)
        if stamp == self._stamp:
            return
        self.registry = read_registry_quickly(self.registry_path)
        _, rows = read_table(self.dataset / "names.csv")
        self.groups = self._group(rows, self.registry)
        self._stamp = stamp

    def _group(self, rows: list[dict[str, str]], registry: Registry) -> list[Group]:
        groups: dict[str, Group] = {}
        for row in rows:
            entity = registry.entities.get(row["entity_id"])
            group = groups.get(row["entity_id"])
            if group is None:
                canonical = entity.canonical if entity else row.get("canonical", "")
                group = groups[row["entity_id"]] = Group(
                    row["entity_id"], canonical, entity.type if entity else row.get("type") or "", entity is not None, []
                )
            group.spellings.append(
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
                )
            )
        for group in groups.values():
            self._describe(group, [hit for s in group.spellings for hit in self.mentions.get(variant_key(s.variant), [])])
            group.spellings.sort(key=lambda s: (STATUS_ORDER.get(s.status, 9), -s.count, s.variant))
        return sorted(groups.values(), key=lambda g: (not g.is_new, -g.open, -g.mentions, g.canonical))

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

    def _search(self, variants: list[str]) -> dict[str, list[tuple[int, int, int, bool]]]:
        """Where each spelling is written, by its search key: native ones in the original text,
        the others in the English; one pattern per script, longest spelling first."""
        found: dict[str, list[tuple[int, int, int, bool]]] = {}
        for native in (False, True):
            chosen = sorted({v for v in variants if bool(scripts.NATIVE.search(v)) == native}, key=len, reverse=True)
            if not chosen:
                continue
            alternatives = "|".join(r"\W*".join(re.escape(part) for part in variant.split()) for variant in chosen)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
            for index, document in enumerate(self.documents):
                for match in pattern.finditer(document.text if native else document.text_en):
                    found.setdefault(_search_key(match.group(0)), []).append((index, match.start(), match.end(), native))
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


def read_registry_quickly(path: Path) -> Registry:
    """The registry for reading only, with PyYAML's C loader: the round-trip loader that keeps
    comments is many times slower on a big registry. A registry it finds fault with is read again
    the careful way, whose error names the line."""
    import yaml

    try:
        return parse_registry(yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), path)
    except (RegistryError, yaml.YAMLError):
        return load_registry(path)


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
