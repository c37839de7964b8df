"""The registry file edited as text: only the entries that change are written again.

A comment-keeping round trip (ruamel.yaml) of a whole registry of thousands of entities takes
seconds, and a review action changes one or two entries. So the file is cut into pieces of text
at the positions a fast (C) YAML parser reports: the comments before the first key, each
top-level key's block and, inside `entities:`, each entry. A piece that changes is loaded on its
own with the round-trip loader, changed, and dumped back in its place with the same settings;
the other pieces are written as they were. The file comes out as a full round trip would write
it, comments and order kept, at the cost of the changed entries only.

The parsed file is kept between calls, keyed on the file's (mtime, ctime, size, inode): a
reviewer's next action does not parse it again unless someone else wrote it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from pipeline.files import FileStamp, file_stamp, write_text_atomically
from pipeline.names.entity import variant_key
from pipeline.names.registry.entities import Registry, RegistryError, parse_registry, round_trip_yaml

_SPELLING_FIELDS = ("variants", "native")
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class _Piece:
    """A stretch of the file's text; `document` is its round-trip YAML once loaded for editing."""

    text: str
    wrapper: str = ""  # the key line its text needs to load on its own (an entry needs "entities:")
    document: Any = None

    def load(self) -> Any:
        if self.document is None:
            self.document = round_trip_yaml().load(self.wrapper + self.text)
        return self.document

    def dump(self) -> str:
        if self.document is None:
            return self.text
        out = io.StringIO()
        round_trip_yaml().dump(self.document, out)
        return out.getvalue()[len(self.wrapper) :]


@dataclass(frozen=True)
class _Layout:
    """What parsing a file found: its pieces' texts, the entity ids in order, the plain data."""

    head: str
    blocks: tuple[tuple[str, str], ...]  # (top-level key, its text); several keys may share one text
    entries: tuple[tuple[str, str], ...] | None  # (entity id, its text), when entries can be cut apart
    entities_head: str  # the `entities:` line and what precedes the first entry
    entities_tail: str  # blank and comment lines after the last entry (new entries go before them)
    plain: dict[str, Any]  # each entity's plain data by id
    top: dict[str, Any]  # the other top-level keys' plain data (rejected, not_names)
    registry: Registry

    @cached_property
    def holders_by_key(self) -> dict[str, set[str]]:
        """The entities that list each spelling (by variant key) among their variants or native forms."""
        holders: dict[str, set[str]] = {}
        for entity_id, entity in self.registry.entities.items():
            for spelling in (*entity.variants, *entity.native):
                holders.setdefault(variant_key(spelling), set()).add(entity_id)
        return holders


def _layout(text: str, path: Path) -> _Layout:
    """Cut the text into pieces; a layout the cuts cannot follow (flow style, odd indentation)
    leaves larger pieces, which are still edited correctly, only slower."""
    try:
        loader = _FAST_LOADER(text)
        try:
            root: Any = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise RegistryError(f"{path}: not valid YAML: {error}") from error
    try:
        registry = parse_registry(data, path)
    except RegistryError:  # read again the careful way, whose error names the line
        parse_registry(round_trip_yaml().load(text), path)
        raise
    plain = {str(item["id"]): item for item in (data or {}).get("entities") or []}
    top = {key: value for key, value in (data or {}).items() if key != "entities"}
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def cut(first_line: int, end_line: int) -> str:
        return text[offsets[first_line] : offsets[end_line]]

    keys = root.value if isinstance(root, yaml.MappingNode) else []
    block_style = keys and not root.flow_style and all(key.start_mark.column == 0 for key, _ in keys)
    if not block_style:  # one piece for the whole file, every key in it
        return _Layout("", tuple((str(key), text) for key in data or {}), None, "", "", plain, top, registry)
    starts = [key.start_mark.line for key, _ in keys] + [len(lines)]
    head = cut(0, starts[0])
    blocks = tuple((str(key.value), cut(starts[i], starts[i + 1])) for i, (key, _) in enumerate(keys))
    entries: list[tuple[str, str]] = []
    entities_head, entities_tail = "", ""
    for i, (key, value) in enumerate(keys):
        if key.value != "entities" or not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
            continue
        item_lines = [item.start_mark.line for item in value.value]
        # Entries as the round trip writes them ("  - id: ..."), so that a new one fits among them.
        dashed = all(lines[line].startswith("  - ") for line in item_lines)
        if not dashed or item_lines != sorted(set(item_lines)) or item_lines[0] <= starts[i]:
            continue
        bounds = [*item_lines, starts[i + 1]]
        ids = list(plain)
        entries = [(ids[n], cut(bounds[n], bounds[n + 1])) for n in range(len(item_lines))]
        entries[-1], entities_tail = _without_trailing_comments(entries[-1])
        entities_head = cut(starts[i], item_lines[0])
    return _Layout(head, blocks, tuple(entries) if entries else None, entities_head, entities_tail, plain, top, registry)


def _without_trailing_comments(entry: tuple[str, str]) -> tuple[tuple[str, str], str]:
    """The last entry's text, and the blank and comment lines after it: the round trip keeps those
    at the end of the list, after an entry appended to it."""
    lines = entry[1].splitlines(keepends=True)
    end = len(lines)
    while end > 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return (entry[0], "".join(lines[:end])), "".join(lines[end:])


_cache: dict[Path, tuple[FileStamp, _Layout]] = {}


@dataclass
class RegistryText:
    """One registry file, opened for editing; `write` saves it. Not shared between threads:
    open one per action, under the registry lock."""

    path: Path
    layout: _Layout
    registry: Registry  # as read, changed by the caller as it goes (a copy of the cached one)
    _blocks: dict[str, _Piece] = field(default_factory=dict)
    _entries: dict[str, _Piece] | None = None  # each entry by its id, when entries are cut apart
    # The entries in file order, and comments left by a removed entry (id None).
    _sequence: list[tuple[str | None, _Piece]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> RegistryText:
        try:
            stamp = file_stamp(path)
            cached = _cache.get(path)
            if cached is None or cached[0] != stamp:
                cached = (stamp, _layout(path.read_text(encoding="utf-8"), path))
                _cache[path] = cached
        except OSError as error:
            raise RegistryError(f"{path}: cannot read the name registry: {error.strerror or error}") from error
        layout = cached[1]
        registry = Registry(
            dict(layout.registry.entities),
            set(layout.registry.rejected),
            path,
            set(layout.registry.not_names),
            set(layout.registry.confirmed),
        )
        document = cls(path, layout, registry)
        pieces: dict[str, _Piece] = {}
        for key, text in layout.blocks:  # keys that share one text share one piece
            pieces[key] = next((piece for piece in pieces.values() if piece.text is text), None) or _Piece(text)
        if layout.entries is not None:
            pieces["entities"] = _Piece(layout.entities_head)
            document._sequence = [(entity_id, _Piece(text, "entities:\n")) for entity_id, text in layout.entries]
            document._entries = {entity_id: piece for entity_id, piece in document._sequence if entity_id is not None}
        document._blocks = pieces
        return document

    # --- reading -------------------------------------------------------------------------
    @property
    def entity_ids(self) -> list[str]:
        if self._entries is not None:
            return [entity_id for entity_id, _ in self._sequence if entity_id is not None]
        return [str(node["id"]) for node in self._entity_list()]

    def spelling_keys(self, entity_id: str, fields: tuple[str, ...] = ("canonical", *_SPELLING_FIELDS)) -> set[str]:
        """The variant keys of an entity's spellings as they are now (edits included)."""
        node = self._edited_entry(entity_id)
        if node is None:
            node = self.layout.plain[entity_id]
        keys = {variant_key(str(node["canonical"]))} if "canonical" in fields else set()
        for name in _SPELLING_FIELDS:
            if name in fields:
                keys.update(variant_key(str(spelling)) for spelling in node.get(name) or [])
        return keys

    def holders(self, spelling: str) -> list[str]:
        """The entities that list this spelling among their variants or native forms."""
        key = variant_key(spelling)
        candidates = self.layout.holders_by_key.get(key, set()) | self._edited_ids()
        return [
            entity_id for entity_id in self.entity_ids if entity_id in candidates and key in self.spelling_keys(entity_id, _SPELLING_FIELDS)
        ]

    # --- editing -------------------------------------------------------------------------
    def entity(self, entity_id: str) -> Any:
        """The round-trip node of one entry, to change in place."""
        if self._entries is not None:
            if entity_id not in self._entries:
                raise RegistryError(f"unknown entity_id {entity_id!r}")
            return self._entries[entity_id].load()["entities"][0]
        for node in self._entity_list():
            if str(node["id"]) == entity_id:
                return node
        raise RegistryError(f"unknown entity_id {entity_id!r}")

    def add_entity(self, node: Any) -> Any:
        """Append an entry after the others; returns its node."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        if str(node["id"]) in self.entity_ids:
            raise RegistryError(f"duplicate id {node['id']!r}")
        if self._entries is not None:
            wrapper = CommentedMap()
            wrapper["entities"] = CommentedSeq([node])
            piece = _Piece("", "entities:\n", wrapper)
            self._entries[str(node["id"])] = piece
            self._sequence.append((str(node["id"]), piece))
        else:
            self._entity_list().append(node)
        return node

    def remove_entity(self, entity_id: str) -> None:
        """Take an entry out; comment lines after it (a heading for the next ones) stay."""
        if self._entries is None:
            self._entity_list().remove(self.entity(entity_id))
            return
        piece = self._entries.pop(entity_id)
        index = next(n for n, (owner, _) in enumerate(self._sequence) if owner == entity_id)
        lines = piece.dump().splitlines(keepends=True)
        trailing: list[str] = []
        while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            trailing.insert(0, lines.pop())
        if any(line.strip() for line in trailing):
            self._sequence[index] = (None, _Piece("".join(trailing)))
        else:
            del self._sequence[index]

    def top_list(self, key: str) -> Any:
        """A top-level list (`rejected`, `not_names`, `confirmed`), to change in place; made when missing."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        piece = self._blocks.get(key)
        if piece is None and self.layout.entries is None and len(set(map(id, self._blocks.values()))) == 1:
            piece = next(iter(self._blocks.values()))  # the whole file is one piece: the key goes in it
        if piece is None:
            document = CommentedMap()
            document[key] = CommentedSeq()
            piece = self._blocks[key] = _Piece("", "", document)
            return document[key]
        document = piece.load()
        if document.get(key) is None:
            document[key] = CommentedSeq()
        return document[key]

    def text(self) -> str:
        return "".join(text for _, _, text in self._parts())

    def _parts(self) -> list[tuple[str, str | None, str]]:
        """The text in pieces, in file order: ("head", None, comments before the first key),
        ("block", key, its block; for `entities` what precedes its first entry), ("entry", id or
        None for comments a removed entry left, its text), ("tail", None, the lines after the
        last entry). Each piece ends with a line break where another follows."""
        parts: list[tuple[str, str | None, str]] = [("head", None, self.layout.head)]

        def add(kind: str, name: str | None, text: str) -> None:
            before = parts[-1]
            if before[2] and not before[2].endswith("\n"):
                parts[-1] = (before[0], before[1], before[2] + "\n")
            parts.append((kind, name, text))

        written: set[int] = set()
        for key, piece in self._blocks.items():
            if id(piece) not in written:
                written.add(id(piece))
                add("block", key, piece.dump())
                if key == "entities" and self._entries is not None:
                    for entity_id, entry in self._sequence:
                        add("entry", entity_id, entry.dump())
                    add("tail", None, self.layout.entities_tail)
        return parts

    def _next_layout(self, text: str, parts: list[tuple[str, str | None, str]]) -> _Layout:
        """The layout of the text about to be written, checked: only the pieces that were loaded
        for editing are parsed again (the whole text, when its entries are not cut apart)."""
        if self._entries is None:
            return _layout(text, self.path)
        top = dict(self.layout.top)
        plain: dict[str, Any] = {}
        entries: list[tuple[str, str]] = []
        blocks: list[tuple[str, str]] = []
        entities_head = tail = ""
        for kind, name, piece_text in parts:
            if kind == "block" and name is not None:
                blocks.append((name, piece_text))
                if name == "entities":
                    entities_head = piece_text
                elif self._blocks[name].document is not None:
                    top[name] = (yaml.load(piece_text, Loader=_FAST_LOADER) or {}).get(name)
            elif kind == "entry" and name is None:  # comments left by a removed entry: with the entry before
                if entries:
                    entries[-1] = (entries[-1][0], entries[-1][1] + piece_text)
                else:
                    entities_head += piece_text
            elif kind == "entry" and name is not None:
                entries.append((name, piece_text))
                loaded = self._entries[name].document is not None
                plain[name] = (
                    yaml.load("entities:\n" + piece_text, Loader=_FAST_LOADER)["entities"][0] if loaded else self.layout.plain[name]
                )
            elif kind == "tail":
                tail = piece_text
        if entries:
            entries[-1], trailing = _without_trailing_comments(entries[-1])
            tail = trailing + tail
        blocks = [(key, entities_head + "".join(t for _, t in entries) + tail if key == "entities" else t) for key, t in blocks]
        try:
            registry = parse_registry({"entities": list(plain.values()), **top}, self.path)
        except RegistryError:
            return _layout(text, self.path)  # raises the same error, with its line
        return _Layout(self.layout.head, tuple(blocks), tuple(entries) or None, entities_head, tail, plain, top, registry)

    def write(self) -> None:
        """Write atomically, never a registry that would not load; the parse is kept for the next read."""
        parts = self._parts()
        text = "".join(piece_text for _, _, piece_text in parts)
        layout = self._next_layout(text, parts)
        write_text_atomically(self.path, text)
        _cache[self.path] = (file_stamp(self.path), layout)

    # --- helpers -------------------------------------------------------------------------
    def _edited_ids(self) -> set[str]:
        """Entries loaded for editing (their spellings may have changed), all when entries are not cut apart."""
        if self._entries is None:
            return set(self.entity_ids)
        return {entity_id for entity_id, piece in self._entries.items() if piece.document is not None}

    def _edited_entry(self, entity_id: str) -> Any:
        if self._entries is not None:
            piece = self._entries.get(entity_id)
            if piece is None:
                raise RegistryError(f"unknown entity_id {entity_id!r}")
            return piece.document["entities"][0] if piece.document is not None else None
        return self.entity(entity_id) if self._blocks["entities"].document is not None else None

    def _entity_list(self) -> Any:
        from ruamel.yaml.comments import CommentedSeq

        document = self._blocks["entities"].load()
        if document.get("entities") is None:  # "entities:" with nothing under it
            document["entities"] = CommentedSeq()
        return document["entities"]
