"""Ingest: read every input file into documents with their metadata and paragraphs.

Reads every format registered in pipeline/ingest/formats.py (text in any encoding a Russian or
Thai site really uses, HTML, JSON Lines, PDF, Word, web archives). A file that cannot be read is
skipped with the reason; it never stops the run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.config import RunConfig
from pipeline.ingest.encodings import UnreadableFile
from pipeline.ingest.formats import DEFAULT_EXTENSIONS, FORMATS, file_text, format_for, matching_extension, register_format
from pipeline.ingest.furniture import RepeatedLines, countable_keys
from pipeline.ingest.inputs import UNEXPECTED, InputFile, LeftOut, Part, unexpected
from pipeline.ingest.outlets import outlet_name
from pipeline.ingest.readers import dump_outlet, text_lines
from pipeline.schema import Document, Paragraph, document_id
from pipeline.scripts import fold_text
from pipeline.step import Reader, StepContext, StepStats, register_step

__all__ = ["UNEXPECTED", "Ingest", "LeftOut", "list_input_files", "read_documents", "unexpected"]

BROKEN_LINK = "broken symbolic link: its target {} does not exist"
EXTERNAL_LINK = "symbolic link to a place outside the input folder: not read (ingest.follow_external_links allows it)"
LOOPING_LINK = "symbolic link that loops back on itself: nothing to read"
NOT_A_FILE = "not a regular file (a broken symbolic link, a pipe or a device): nothing to read"
NOT_TAKEN = "extension not in ingest.extensions"
HIDDEN = "hidden file (its name starts with a dot)"
HIDDEN_FOLDER = "hidden folder (its name starts with a dot): not entered, listed once"
OUTPUT_FOLDER = "the run's own output (a published dataset): not input, not entered"
CONTAINING_LINK = "symbolic link to a folder that holds the input folder (such as /): not followed"


def source_name(path: Path, root: Path) -> str:
    """The file's path relative to the input folder, as the `source` column and the reports give it.

    Bytes of a file name that are not UTF-8 (`b\\xff.txt`) are written as `\\xff` escapes: the
    file is still read, and the dataset and the reports stay valid UTF-8.
    """
    return os.fsencode(path.relative_to(root).as_posix()).decode("utf-8", "backslashreplace")


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
            elif matching_extension(path.name, wanted) is None:
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


def _to_document(found: Part, source: str, input_format: str) -> Document:
    raw = found.raw
    # An archive's record is named in the source ("crawl.warc.gz#<record id>"); the file stays known.
    name = f"{source}#{found.record}" if found.record else source
    return Document(
        id=document_id(name, raw.text, found.part),
        source=name,
        text=raw.text,
        paragraphs=[Paragraph(text=p) for p in raw.paragraphs],
        url=raw.url,
        title=raw.title,
        published=raw.published.isoformat() if raw.published else None,
        outlet=raw.outlet,
        furniture_lines=raw.furniture_lines,
        title_paragraph=Paragraph(text=raw.title) if raw.title and raw.title.strip() else None,
        input_file=source,
        input_format=input_format,
    )


# Repeated lines per group: an outlet, or for documents with none the folder they lie in.
RepeatedByGroup = Mapping[str, frozenset[str]]


def _group(outlet: str | None, source: str) -> str:
    return f"outlet:{outlet}" if outlet else f"folder:{Path(source).parent.as_posix()}"


def _input_file(
    path: Path, root: Path, max_file_bytes: int, legacy_encodings: list[str], follow_external_links: bool, repeated: RepeatedByGroup | None
) -> InputFile:
    """The file to open for a listed path: a listed link is resolved again here, and the reader
    opens its target without following links, so a file swapped for a link (to /etc/passwd) or a
    pipe after listing is refused, not read or waited on."""
    source = source_name(path, root)
    target = path
    if path.is_symlink():
        target = path.resolve()
        if not follow_external_links and not target.is_relative_to(root.resolve()):
            raise UnreadableFile(EXTERNAL_LINK)

    def repeated_for(outlet: str | None) -> frozenset[str]:
        return (repeated or {}).get(_group(outlet, source), frozenset())

    return InputFile(target, source, max_file_bytes, legacy_encodings, repeated_for)


def repeated_lines(
    files: Iterable[Path],
    root: Path,
    max_file_bytes: int,
    legacy_encodings: list[str],
    min_documents: int,
    follow_external_links: bool = False,
    extensions: Iterable[str] = DEFAULT_EXTENSIONS,
) -> dict[str, frozenset[str]]:
    """Lines that repeat across the text documents of one outlet (menus, banners): a pass before reading.

    It covers every listed file, resumed ones too, so an interrupted run drops the same lines.
    Only the formats that say so take part (text dumps): HTML is left to trafilatura, which knows
    page structure, and PDF drops its own running headers.
    """
    counter = RepeatedLines(min_documents)
    for path in files:
        reader = format_for(path.name, extensions)
        if not reader.counts_lines:
            continue
        try:
            text = file_text(_input_file(path, root, max_file_bytes, legacy_encodings, follow_external_links, None))
        except Exception:  # whatever it is, the reading pass meets it again and reports it
            continue
        source = source_name(path, root)
        try:
            if reader.name == "jsonl":
                for line in text.split("\n"):  # as read_jsonl splits
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
    extensions: Iterable[str] = DEFAULT_EXTENSIONS,
) -> Iterator[Document | UnreadableFile | LeftOut]:
    """The documents of one file, UnreadableFile items for what could not be read, and LeftOut
    items for the parts of an archive that are not pages (counted by reason).

    The reader is the one registered for the file's extension (pipeline/ingest/formats.py).
    `repeated` (from `repeated_lines`) holds the furniture lines of each outlet's documents.
    Every step is isolated: whatever fails on one line of a JSON Lines file or one record of an
    archive costs that line or record, and on any other file that file, with the reason; it
    never stops the run.
    """
    source = source_name(path, root)
    found = format_for(path.name, extensions)
    try:
        for item in found.read(_input_file(path, root, max_file_bytes, legacy_encodings, follow_external_links, repeated)):
            yield _to_document(item, source, found.name) if isinstance(item, Part) else item
    except UnreadableFile as error:
        yield error
    except Exception as error:
        yield UnreadableFile(unexpected(error))


def ignored_by_extension(ignored: list[dict[str, str]]) -> dict[str, int]:
    """How many files were ignored, per extension; hidden files and folders apart, whatever their extension."""
    apart = {HIDDEN: "(hidden)", HIDDEN_FOLDER: "(hidden folder)"}
    keys = Counter(apart.get(item["reason"]) or item["extension"] or "(none)" for item in ignored)
    return dict(sorted(keys.items()))


@dataclass
class IngestStats(StepStats):
    # Source -> lines of site furniture dropped from its documents.
    furniture: dict[str, int] = field(default_factory=dict)
    # Source -> parts of it that are not documents by design (an archive's request records), per reason.
    left_out: dict[str, Counter[str]] = field(default_factory=dict)
    # Files that are not input by the config's rules (other extensions, hidden).
    ignored: list[dict[str, str]] = field(default_factory=list)

    def merge(self, other: StepStats) -> None:
        super().merge(other)
        assert isinstance(other, IngestStats)
        for source, lines in other.furniture.items():
            self.furniture[source] = self.furniture.get(source, 0) + lines
        for source, reasons in other.left_out.items():
            self.left_out.setdefault(source, Counter()).update(reasons)
        self.ignored += other.ignored

    def report_sections(self) -> dict[str, dict[str, Any]]:
        return {
            "documents": {
                "files": self.counters["files"] + self.counters["files_resumed"],
                "read": self.counters["documents"] + len(self.skipped),
                # Files under the input folder that are not input: other extensions, hidden files.
                "ignored": self.ignored,
                "ignored_by_extension": ignored_by_extension(self.ignored),
                # Parts of files that are not documents by design (an archive's request records,
                # images, repeated URLs), counted per reason: per file, and over all files.
                "left_out": {source: dict(sorted(reasons.items())) for source, reasons in sorted(self.left_out.items())},
                "left_out_by_reason": dict(sorted(sum(self.left_out.values(), Counter()).items())),
                # Lines of site furniture (menus, share buttons, banners) dropped, per source file.
                "furniture_lines": dict(sorted(self.furniture.items())),
            }
        }


@register_step
class Ingest(Reader):
    """Turns the files under the input folder into documents; unreadable ones are skipped."""

    name = "ingest"
    stats: IngestStats

    def __init__(
        self,
        root: Path,
        extensions: list[str] | None,
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
        # None: every extension a reader is registered for.
        self.extensions = DEFAULT_EXTENSIONS if extensions is None else extensions
        self.follow_external_links = follow_external_links
        self.max_file_bytes = max_file_bytes
        self.legacy_encodings = legacy_encodings
        self.furniture_min_documents = furniture_min_documents
        self._repeated: dict[str, frozenset[str]] | None = None
        # The formats registered when the reader was made: they travel with it to a Ray worker,
        # which registers them too (one registered outside the package is known there then).
        self.formats = list(FORMATS)
        self._files: list[Path] | None = None

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> Ingest:
        ingest = config.ingest
        return cls(
            config.input,
            ingest.extensions,
            ingest.max_file_bytes,
            ingest.legacy_encodings,
            ingest.follow_external_links,
            ingest.furniture_min_documents,
            # An output folder inside the input folder: its datasets are never read as input.
            outputs=[config.output, config.output / config.name],
        )

    def new_stats(self) -> IngestStats:
        return IngestStats(self.name)

    @property
    def ignored(self) -> list[dict[str, str]]:
        return self.stats.ignored

    def files(self) -> list[Path]:
        """The run's input files, listed once: resuming, Ray and reading all use this one list.

        Links out of the input folder (and folders that cannot be listed) go to the skipped list;
        files with other extensions and hidden files to `ignored`.
        """
        if self._files is None:
            listing = list_input_files(self.root, self.extensions, self.follow_external_links, self.outputs)
            self._files, self.stats.ignored = listing.files, listing.ignored
            for source, reason in listing.skipped:
                self.skip(source, reason)
        return self._files

    def source_of(self, path: Path) -> str:
        return source_name(path, self.root)

    def take_over(self, sources: set[str]) -> None:
        """Counted as `files_resumed`, none taken over included (a count of 0 is listed)."""
        super().take_over(sources)
        self.counters["files_resumed"] += sum(1 for path in self.files() if self.source_of(path) in self.taken_over)

    def prepare(self) -> None:
        self.repeated()

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
                self.extensions,
            )
        return self._repeated

    def note_left_out(self, source: str, reason: str, count: int = 1) -> None:
        self.counters["left_out"] += count
        self.stats.left_out.setdefault(source, Counter())[reason] += count

    def note_furniture(self, document: Document) -> None:
        if document.furniture_lines:
            self.counters["furniture_lines"] += document.furniture_lines
            furniture = self.stats.furniture
            furniture[document.source] = furniture.get(document.source, 0) + document.furniture_lines

    def read_file(self, path: Path) -> Iterator[Document]:
        for found in self.formats:
            register_format(found)
        source = self.source_of(path)
        self.counters["files"] += 1
        items = read_documents(
            path, self.root, self.max_file_bytes, self.legacy_encodings, self.repeated(), self.follow_external_links, self.extensions
        )
        for item in items:
            if isinstance(item, UnreadableFile):
                self.skip(source, str(item))
            elif isinstance(item, LeftOut):
                self.note_left_out(source, item.reason)
            else:
                self.counters["documents"] += 1
                self.note_furniture(item)
                yield item
