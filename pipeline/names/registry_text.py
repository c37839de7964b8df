"""The registry file edited as text: only the entries that change are written again.

A comment-keeping round trip (ruamel.yaml) of a whole registry of thousands of entities takes
seconds, and a review action changes one or two entries. So the file is cut into pieces of text
at the positions a fast (C) YAML parser reports: the comments before the first key, each
top-level key's block and, inside `entities:`, each entry. A piece that changes is loaded on its
own with the round-trip loader, changed, and dumped back in its place with the same settings;
the other pieces are written as they were. The file comes out as a full round trip would write
it, comments and order kept, at the cost of the changed entries only.

The parsed file is kept between calls, keyed on the file's (mtime, size, inode): a reviewer's
next action does not parse it again unless someone else wrote it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.files import write_text_atomically
from pipeline.names.entity import variant_key
from pipeline.names.registry import Registry, RegistryError, parse_registry, round_trip_yaml

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
    registry: Registry


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
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def cut(first_line: int, end_line: int) -> str:
        return text[offsets[first_line] : offsets[end_line]]

    keys = root.value if isinstance(root, yaml.MappingNode) else []
    block_style = keys and not root.flow_style and all(key.start_mark.column == 0 for key, _ in keys)
    if not block_style:
        return _Layout("", (("", text),), None, "", "", plain, registry)
    starts = [key.start_mark.line for key, _ in keys] + [len(lines)]
    head = cut(0, starts[0])
    blocks = tuple((str(key.value), cut(starts[i], starts[i + 1])) for i, (key, _) in enumerate(keys))
    entries, entities_head, entities_tail = None, "", ""
    for i, (key, value) in enumerate(keys):
        if key.value != "entities" or not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
            continue
        item_lines = [item.start_mark.line for item in value.value]
        # Entries as the round trip writes them ("  - id: ..."), so that a new one fits among them.
        dashed = all(lines[line].startswith("  - ") for line in item_lines)
        if not dashed or item_lines != sorted(set(item_lines)) or item_lines[0] <= starts[i]:
            continue
        end = starts[i + 1]
        while end > item_lines[-1] + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        entities_tail = cut(end, starts[i + 1])
        bounds = [*item_lines, end]
        ids = list(plain)
        entries = tuple((ids[n], cut(bounds[n], bounds[n + 1])) for n in range(len(item_lines)))
        entities_head = cut(starts[i], item_lines[0])
    return _Layout(head, blocks, entries, entities_head, entities_tail, plain, registry)


_cache: dict[Path, tuple[tuple[int, int, int], _Layout]] = {}


def _stamp(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size, status.st_ino


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
            stamp = _stamp(path)
            cached = _cache.get(path)
            if cached is None or cached[0] != stamp:
                cached = (stamp, _layout(path.read_text(encoding="utf-8"), path))
                _cache[path] = cached
        except OSError as error:
            raise RegistryError(f"{path}: cannot read the name registry: {error.strerror or error}") from error
        layout = cached[1]
        registry = Registry(dict(layout.registry.entities), set(layout.registry.rejected), path, set(layout.registry.not_names))
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
        return [entity_id for entity_id in self.entity_ids if key in self.spelling_keys(entity_id, _SPELLING_FIELDS)]

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
        """A top-level list (`rejected`, `not_names`), to change in place; made when missing."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        piece = self._blocks.get(key)
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
        parts = [self.layout.head]
        written: set[int] = set()
        for key, piece in self._blocks.items():
            if id(piece) in written:
                continue
            written.add(id(piece))
            parts.append(_line_ended(parts[-1]) + piece.dump())
            if key == "entities" and self._entries is not None:
                for _, entry in self._sequence:
                    parts.append(_line_ended(parts[-1]) + entry.dump())
                parts.append(_line_ended(parts[-1]) + self.layout.entities_tail)
        return "".join(parts)

    def write(self) -> None:
        """Write atomically, never a registry that would not load; the parse is kept for the next read."""
        text = self.text()
        layout = _layout(text, self.path)
        write_text_atomically(self.path, text)
        _cache[self.path] = (_stamp(self.path), layout)

    # --- helpers -------------------------------------------------------------------------
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


def _line_ended(before: str) -> str:
    """The line break a piece needs before it when the text before it has none (a file's last line)."""
    return "\n" if before and not before.endswith("\n") else ""
