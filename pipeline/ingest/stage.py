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

from pipeline.files import NotReadable, read_regular_file
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
from pipeline.scripts import fold_text

BROKEN_LINK = "broken symbolic link: its target {} does not exist"
EXTERNAL_LINK = "symbolic link to a place outside the input folder: not read (ingest.follow_external_links allows it)"
LOOPING_LINK = "symbolic link that loops back on itself: nothing to read"
NOT_A_FILE = "not a regular file (a broken symbolic link, a pipe or a device): nothing to read"
NOT_TAKEN = "extension not in ingest.extensions"
HIDDEN = "hidden file (its name starts with a dot)"
HIDDEN_FOLDER = "hidden folder (its name starts with a dot): not entered, listed once"
OUTPUT_FOLDER = "the run's own output (a published dataset): not input, not entered"
CONTAINING_LINK = "symbolic link to a folder that holds the input folder (such as /): not followed"
# What the reason of a file that failed in an unforeseen way starts with, before the error.
UNEXPECTED = "could not be read"


def source_name(path: Path, root: Path) -> str:
    """The file's path relative to the input folder, as the `source` column and the reports give it.

    Bytes of a file name that are not UTF-8 (`b\\xff.txt`) are written as `\\xff` escapes: the
    file is still read, and the dataset and the reports stay valid UTF-8.
    """
    return os.fsencode(path.relative_to(root).as_posix()).decode("utf-8", "backslashreplace")


def unexpected(error: BaseException) -> str:
    """The reason for a file or line that failed in a way no reader foresaw: it is skipped, never fatal."""
    if isinstance(error, RecursionError):
        return f"{UNEXPECTED}: nested too deeply"
    detail = str(error)
    detail = detail if len(detail) <= 200 else detail[:200] + "…"
    return f"{UNEXPECTED}: {type(error).__name__}: {detail}".rstrip(": ")


class InputFiles(NamedTuple):
    """Every file under the input folder, accounted for: read, skipped with a reason, or ignored."""

    files: list[Path]  # to read, sorted
    skipped: list[tuple[str, str]]  # (source, reason): what should have been read but cannot be
    ignored: list[dict[str, str]]  # {source, extension, reason}: not input by the config's rules


def list_input_files(
    root: Path, extensions: Iterable[str], follow_external_links: bool = False, outputs: Iterable[Path] = ()
) -> InputFiles:
    """Every file under root (recursively, sorted) with one of the extensions; and what was left out.

    The input folder may come from anywhere, so a symbolic link that leads out of it (to a file
    or a folder: `outside.txt -> /etc/hostname`) is not read unless `follow_external_links`; it
    is skipped with the reason for the run report, as is a folder that cannot be listed. A link
    to a file inside the folder is read; a link to a folder inside it is not followed (its files
    are read where they are). Files with other extensions (`photo.png`) and hidden files
    (`.DS_Store`) are ignored, but listed, so that nothing in the folder disappears unseen. A
    hidden folder (`.git/`, thousands of files nobody meant as input) is listed once, not entered,
    and so are the `outputs` (the run's output folder inside the input folder: the published
    dataset is not input for the next run). A link to a folder that holds the input folder (`/`)
    is never followed: it would walk the whole disk.
    """
    wanted = {ext.lower() for ext in extensions}
    top = root.resolve()
    excluded = {output.resolve() for output in outputs}
    listing = InputFiles([], [], [])
    entered = {top}  # folders already listed through a link: entering one again would loop

    def walk(folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError as error:
            listing.skipped.append((source_name(folder, root), f"cannot list folder: {error.strerror or error}"))
            return
        for path in entries:
            source = source_name(path, root)
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
            elif path.is_dir() and target.resolve() in excluded:
                listing.ignored.append({"source": source + "/", "extension": "", "reason": OUTPUT_FOLDER})
            elif path.is_dir():
                if not link:
                    walk(path)
                elif external and not follow_external_links:
                    listing.skipped.append((source, EXTERNAL_LINK))
                elif external and top.is_relative_to(target):
                    listing.skipped.append((source, CONTAINING_LINK))
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
        title_paragraph=Paragraph(text=raw.title) if raw.title and raw.title.strip() else None,
    )


# Repeated lines per group: an outlet, or for documents with none the folder they lie in.
RepeatedByGroup = Mapping[str, frozenset[str]]


def _group(outlet: str | None, source: str) -> str:
    return f"outlet:{outlet}" if outlet else f"folder:{Path(source).parent.as_posix()}"


def _input_bytes(path: Path, root: Path, max_file_bytes: int, follow_external_links: bool) -> bytes:
    """The bytes of an input file, read once as a regular file; UnreadableFile says why not.

    A listed link is resolved again here, and its target opened without following links: a file
    swapped for a link (to /etc/passwd) or a pipe after listing is refused, not read or waited on.
    """
    target = path
    if path.is_symlink():
        target = path.resolve()
        if not follow_external_links and not target.is_relative_to(root.resolve()):
            raise UnreadableFile(EXTERNAL_LINK)
    try:
        return read_regular_file(target, max_file_bytes)
    except NotReadable as error:
        raise UnreadableFile(str(error)) from error
    except FileNotFoundError as error:
        raise UnreadableFile("file disappeared before it could be read") from error
    except OSError as error:
        raise UnreadableFile(f"cannot read file: {error.strerror or error}") from error


def _decoded(path: Path, root: Path, max_file_bytes: int, legacy_encodings: list[str], follow_external_links: bool) -> str | None:
    """The file's text for counting lines, or None: the reading pass reports what is wrong with it."""
    try:
        data = _input_bytes(path, root, max_file_bytes, follow_external_links)
        return fold_text(decode_bytes(data, legacy_encodings)[0])
    except Exception:  # whatever it is, the reading pass meets it again and reports it
        return None


def repeated_lines(
    files: Iterable[Path],
    root: Path,
    max_file_bytes: int,
    legacy_encodings: list[str],
    min_documents: int,
    follow_external_links: bool = False,
) -> dict[str, frozenset[str]]:
    """Lines that repeat across the text documents of one outlet (menus, banners): a pass before reading.

    It covers every listed file, resumed ones too, so an interrupted run drops the same lines.
    HTML is left to trafilatura, which knows page structure.
    """
    counter = RepeatedLines(min_documents)
    for path in files:
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            continue
        text = _decoded(path, root, max_file_bytes, legacy_encodings, follow_external_links)
        if text is None:
            continue
        source = source_name(path, root)
        try:
            if suffix == ".jsonl":
                for line in text.split("\n"):
                    _count_jsonl_line(counter, line, source)
            else:
                counter.add(_group(dump_outlet(text), source), countable_keys(text_lines(text)))
        except Exception:  # the reading pass meets the same problem and reports it with the file
            continue
    found = {group: counter.furniture(group) for group in counter.documents}
    return {group: lines for group, lines in found.items() if lines}


def _count_jsonl_line(counter: RepeatedLines, line: str, source: str) -> None:
    try:
        record = json.loads(line)
        body = record["text"]
        outlet = record.get("outlet") or outlet_name(record.get("url"))
    except Exception:  # not JSON, not an object, nested too deeply: the reading pass says which
        return
    if isinstance(body, str):
        outlet = fold_text(outlet) if isinstance(outlet, str) else None
        counter.add(_group(outlet, source), countable_keys(text_lines(fold_text(body))))


def read_documents(
    path: Path,
    root: Path,
    max_file_bytes: int,
    legacy_encodings: list[str],
    repeated: RepeatedByGroup | None = None,
    follow_external_links: bool = False,
) -> Iterator[Document | UnreadableFile]:
    """The documents of one file, or UnreadableFile items for what could not be read.

    `repeated` (from `repeated_lines`) holds the furniture lines of each outlet's documents.
    Every step is isolated: whatever fails on one line of a JSON Lines file costs that line, and
    on any other file that file, with the reason; it never stops the run.
    """
    try:
        yield from _read_documents(path, root, max_file_bytes, legacy_encodings, repeated, follow_external_links)
    except Exception as error:
        yield UnreadableFile(unexpected(error))


def _read_documents(
    path: Path,
    root: Path,
    max_file_bytes: int,
    legacy_encodings: list[str],
    repeated: RepeatedByGroup | None,
    follow_external_links: bool,
) -> Iterator[Document | UnreadableFile]:
    source = source_name(path, root)

    def repeated_for(outlet: str | None) -> frozenset[str]:
        return (repeated or {}).get(_group(outlet, source), frozenset())

    try:
        data = _input_bytes(path, root, max_file_bytes, follow_external_links)
        if not data.strip():
            raise UnreadableFile("empty file")
        declared = declared_charset(data) if path.suffix.lower() in (".html", ".htm") else None
        text = fold_text(decode_bytes(data, legacy_encodings, declared)[0])
        if not text.strip():  # whitespace only, in any script's sense (NEL, ideographic spaces)
            raise UnreadableFile("empty file")
    except UnreadableFile as error:
        yield error
        return
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        # Lines end at \n only: a JSON string may hold U+2028 or NEL, which splitlines() breaks at.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                yield _to_document(parse_jsonl_line(line, number, repeated_for), source, part=str(number))
            except UnreadableFile as error:
                yield error
            except Exception as error:  # one line's failure costs that line alone
                yield UnreadableFile(f"line {number}: {unexpected(error)}")
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
        outputs: Iterable[Path] = (),
    ) -> None:
        super().__init__()
        self.root = root
        # Folders under the input folder that are the run's output: never read as input.
        self.outputs = list(outputs)
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
            listing = list_input_files(self.root, self.extensions, self.follow_external_links, self.outputs)
            self._files, self.ignored = listing.files, listing.ignored
            for source, reason in listing.skipped:
                self.skip(source, reason)
        return self._files

    def repeated(self) -> dict[str, frozenset[str]]:
        """Furniture lines per outlet, counted once over all the run's files (both executors use it)."""
        if self._repeated is None:
            self._repeated = repeated_lines(
                self.files(),
                self.root,
                self.max_file_bytes,
                self.legacy_encodings,
                self.furniture_min_documents,
                self.follow_external_links,
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
            source = source_name(path, self.root)
            if source in self.already_done:
                self.counters["files_resumed"] += 1
                continue
            self.counters["files"] += 1
            items = read_documents(path, self.root, self.max_file_bytes, self.legacy_encodings, repeated, self.follow_external_links)
            for item in items:
                if isinstance(item, UnreadableFile):
                    self.skip(source, str(item))
                else:
                    self.counters["documents"] += 1
                    self.note_furniture(item)
                    yield item
