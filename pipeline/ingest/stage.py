"""Ingest: read every input file into documents with their metadata and paragraphs.

Reads .txt, .md, .html/.htm and .jsonl in any encoding a Russian or Thai site really uses.
A file that cannot be read is skipped with the reason; it never stops the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from pipeline.ingest.encodings import UnreadableFile, declared_charset, decode_bytes
from pipeline.ingest.furniture import RepeatedLines, countable_keys
from pipeline.ingest.outlets import outlet_name
from pipeline.ingest.readers import (
    RawDocument,
    dump_outlet,
    parse_html,
    parse_jsonl_line,
    parse_markdown,
    parse_plain_text,
    text_lines,
)
from pipeline.schema import Document, Paragraph, Stage, document_id

BROKEN_LINK = "broken symbolic link: its target {} does not exist"
EXTERNAL_LINK = "symbolic link to a place outside the input folder: not read (ingest.follow_external_links allows it)"
LOOPING_LINK = "symbolic link that loops back on itself: nothing to read"
NOT_A_FILE = "not a regular file (a broken symbolic link, a pipe or a device): nothing to read"
NOT_TAKEN = "extension not in ingest.extensions"
HIDDEN = "hidden file (its name starts with a dot)"
HIDDEN_FOLDER = "hidden folder (its name starts with a dot): not entered, listed once"


class InputFiles(NamedTuple):
    """Every file under the input folder, accounted for: read, skipped with a reason, or ignored."""

    files: list[Path]  # to read, sorted
    skipped: list[tuple[str, str]]  # (source, reason): what should have been read but cannot be
    ignored: list[dict[str, str]]  # {source, extension, reason}: not input by the config's rules


def list_input_files(root: Path, extensions: Iterable[str], follow_external_links: bool = False) -> InputFiles:
    """Every file under root (recursively, sorted) with one of the extensions; and what was left out.

    The input folder may come from anywhere, so a symbolic link that leads out of it (to a file
    or a folder: `outside.txt -> /etc/hostname`) is not read unless `follow_external_links`; it
    is skipped with the reason for the run report, as is a folder that cannot be listed. A link
    to a file inside the folder is read; a link to a folder inside it is not followed (its files
    are read where they are). Files with other extensions (`photo.png`) and hidden files
    (`.DS_Store`) are ignored, but listed, so that nothing in the folder disappears unseen. A
    hidden folder (`.git/`, thousands of files nobody meant as input) is listed once, not entered.
    """
    wanted = {ext.lower() for ext in extensions}
    top = root.resolve()
    listing = InputFiles([], [], [])
    entered = {top}  # folders already listed through a link: entering one again would loop

    def walk(folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError as error:
            listing.skipped.append((folder.relative_to(root).as_posix(), f"cannot list folder: {error.strerror or error}"))
            return
        for path in entries:
            source = path.relative_to(root).as_posix()
            link = path.is_symlink()
            try:
                target = path.resolve() if link else path
            except RuntimeError:
                listing.skipped.append((source, LOOPING_LINK))
                continue
            if link and not target.exists():  # wherever it points: say that it points to nothing
                listing.skipped.append((source, BROKEN_LINK.format(os.readlink(path))))
                continue
            external = link and not target.is_relative_to(top)
            if path.name.startswith(".") and path.is_dir():
                listing.ignored.append({"source": source + "/", "extension": "", "reason": HIDDEN_FOLDER})
            elif path.is_dir():
                if not link:
                    walk(path)
                elif external and not follow_external_links:
                    listing.skipped.append((source, EXTERNAL_LINK))
                elif external and target not in entered:
                    entered.add(target)
                    walk(path)
            elif path.name.startswith("."):
                listing.ignored.append({"source": source, "extension": path.suffix.lower(), "reason": HIDDEN})
            elif path.suffix.lower() not in wanted:
                listing.ignored.append({"source": source, "extension": path.suffix.lower(), "reason": NOT_TAKEN})
            elif external and not follow_external_links:
                listing.skipped.append((source, EXTERNAL_LINK))
            elif not path.is_file():
                listing.skipped.append((source, NOT_A_FILE))
            else:
                listing.files.append(path)

    walk(root)
    listing.files.sort()
    return listing


def _to_document(raw: RawDocument, source: str, part: str = "") -> Document:
    return Document(
        id=document_id(source, raw.text, part),
        source=source,
        text=raw.text,
        paragraphs=[Paragraph(text=p) for p in raw.paragraphs],
        url=raw.url,
        title=raw.title,
        published=raw.published.isoformat() if raw.published else None,
        outlet=raw.outlet,
        furniture_lines=raw.furniture_lines,
    )


# Repeated lines per group: an outlet, or for documents with none the folder they lie in.
RepeatedByGroup = Mapping[str, frozenset[str]]


def _group(outlet: str | None, source: str) -> str:
    return f"outlet:{outlet}" if outlet else f"folder:{Path(source).parent.as_posix()}"


def _decoded(path: Path, max_file_bytes: int, legacy_encodings: list[str]) -> str | None:
    """The file's text for counting lines, or None: the reading pass reports what is wrong with it."""
    try:
        if path.stat().st_size > max_file_bytes:
            return None
        data = path.read_bytes()
        return decode_bytes(data, legacy_encodings)[0]
    except (OSError, UnreadableFile):
        return None


def repeated_lines(
    files: Iterable[Path], root: Path, max_file_bytes: int, legacy_encodings: list[str], min_documents: int
) -> dict[str, frozenset[str]]:
    """Lines that repeat across the text documents of one outlet (menus, banners): a pass before reading.

    It covers every listed file, resumed ones too, so an interrupted run drops the same lines.
    HTML is left to trafilatura, which knows page structure.
    """
    counter = RepeatedLines(min_documents)
    for path in files:
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm") or (text := _decoded(path, max_file_bytes, legacy_encodings)) is None:
            continue
        source = path.relative_to(root).as_posix()
        if suffix == ".jsonl":
            for line in text.splitlines():
                try:
                    record = json.loads(line)
                    body = record["text"]
                    outlet = record.get("outlet") or outlet_name(record.get("url"))
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue
                if isinstance(body, str):
                    counter.add(_group(outlet if isinstance(outlet, str) else None, source), countable_keys(text_lines(body)))
        else:
            counter.add(_group(dump_outlet(text), source), countable_keys(text_lines(text)))
    found = {group: counter.furniture(group) for group in counter.documents}
    return {group: lines for group, lines in found.items() if lines}


def read_documents(
    path: Path, root: Path, max_file_bytes: int, legacy_encodings: list[str], repeated: RepeatedByGroup | None = None
) -> Iterator[Document | UnreadableFile]:
    """The documents of one file, or UnreadableFile items for what could not be read.

    `repeated` (from `repeated_lines`) holds the furniture lines of each outlet's documents.
    """
    source = path.relative_to(root).as_posix()

    def repeated_for(outlet: str | None) -> frozenset[str]:
        return (repeated or {}).get(_group(outlet, source), frozenset())

    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            yield UnreadableFile(f"file is {size:,} bytes, over the limit of {max_file_bytes:,} (ingest.max_file_bytes)")
            return
        data = path.read_bytes()
    except FileNotFoundError:
        yield UnreadableFile("file disappeared before it could be read")
        return
    except OSError as error:
        yield UnreadableFile(f"cannot read file: {error.strerror or error}")
        return
    if not data.strip():
        yield UnreadableFile("empty file")
        return
    try:
        declared = declared_charset(data) if path.suffix.lower() in (".html", ".htm") else None
        text, _encoding = decode_bytes(data, legacy_encodings, declared)
    except UnreadableFile as error:
        yield error
        return
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield _to_document(parse_jsonl_line(line, number, repeated_for), source, part=str(number))
            except UnreadableFile as error:
                yield error
        return
    parse = {".md": parse_markdown, ".html": parse_html, ".htm": parse_html}.get(suffix, parse_plain_text)
    raw = parse(text, repeated_for)
    if not raw.paragraphs:
        yield UnreadableFile("no text in the file after removing markup and metadata")
        return
    yield _to_document(raw, source)


class Ingest(Stage):
    """Turns the files under the input folder into documents; unreadable ones are skipped."""

    name = "ingest"

    def __init__(
        self,
        root: Path,
        extensions: list[str],
        max_file_bytes: int,
        legacy_encodings: list[str],
        follow_external_links: bool = False,
        furniture_min_documents: int = 3,
    ) -> None:
        super().__init__()
        self.root = root
        self.extensions = extensions
        self.follow_external_links = follow_external_links
        self.max_file_bytes = max_file_bytes
        self.legacy_encodings = legacy_encodings
        self.furniture_min_documents = furniture_min_documents
        self._repeated: dict[str, frozenset[str]] | None = None
        # Source -> lines of site furniture dropped from its documents, for the run report.
        self.furniture: dict[str, int] = {}
        # Files an interrupted run already published (see Publish.resume): not read again.
        self.already_done: set[str] = set()
        self._files: list[Path] | None = None
        # Files that are not input by the config's rules (other extensions, hidden): for the report.
        self.ignored: list[dict[str, str]] = []

    def files(self) -> list[Path]:
        """The run's input files, listed once: resuming, Ray and reading all use this one list.

        Links out of the input folder (and folders that cannot be listed) go to the skipped list;
        files with other extensions and hidden files to `ignored`.
        """
        if self._files is None:
            listing = list_input_files(self.root, self.extensions, self.follow_external_links)
            self._files, self.ignored = listing.files, listing.ignored
            for source, reason in listing.skipped:
                self.skip(source, reason)
        return self._files

    def repeated(self) -> dict[str, frozenset[str]]:
        """Furniture lines per outlet, counted once over all the run's files (both executors use it)."""
        if self._repeated is None:
            self._repeated = repeated_lines(
                self.files(), self.root, self.max_file_bytes, self.legacy_encodings, self.furniture_min_documents
            )
        return self._repeated

    def note_furniture(self, document: Document) -> None:
        if document.furniture_lines:
            self.counters["furniture_lines"] += document.furniture_lines
            self.furniture[document.source] = self.furniture.get(document.source, 0) + document.furniture_lines

    def run(self, documents: Iterable[Document] = ()) -> Iterator[Document]:
        yield from documents
        repeated = self.repeated()
        for path in self.files():
            source = path.relative_to(self.root).as_posix()
            if source in self.already_done:
                self.counters["files_resumed"] += 1
                continue
            self.counters["files"] += 1
            for item in read_documents(path, self.root, self.max_file_bytes, self.legacy_encodings, repeated):
                if isinstance(item, UnreadableFile):
                    self.skip(source, str(item))
                else:
                    self.counters["documents"] += 1
                    self.note_furniture(item)
                    yield item
