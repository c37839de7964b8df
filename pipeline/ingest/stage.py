"""Ingest: read every input file into documents with their metadata and paragraphs.

Reads .txt, .md, .html/.htm and .jsonl in any encoding a Russian or Thai site really uses.
A file that cannot be read is skipped with the reason; it never stops the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.ingest.encodings import UnreadableFile, declared_charset, decode_bytes
from pipeline.ingest.readers import RawDocument, parse_html, parse_jsonl_line, parse_markdown, parse_plain_text
from pipeline.schema import Document, Paragraph, Stage, document_id

EXTERNAL_LINK = "symbolic link to a place outside the input folder: not read (ingest.follow_external_links allows it)"


def list_input_files(
    root: Path, extensions: Iterable[str], follow_external_links: bool = False
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every file under root (recursively, sorted) with one of the extensions; and what was left out.

    The input folder may come from anywhere, so a symbolic link that leads out of it (to a file
    or a folder: `outside.txt -> /etc/hostname`) is not read unless `follow_external_links`; it
    comes back as (source, reason) for the run report, as does a folder that cannot be listed.
    A link to a file inside the folder is read; a link to a folder inside it is not followed
    (its files are read where they are).
    """
    wanted = {ext.lower() for ext in extensions}
    top = root.resolve()
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    entered = {top}  # folders already listed through a link: entering one again would loop

    def walk(folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError as error:
            skipped.append((folder.relative_to(root).as_posix(), f"cannot list folder: {error.strerror or error}"))
            return
        for path in entries:
            link = path.is_symlink()
            try:
                target = path.resolve() if link else path
            except RuntimeError:  # a link that loops back on itself: nothing to read
                continue
            external = link and not target.is_relative_to(top)
            if path.is_dir():
                if not link:
                    walk(path)
                elif external and not follow_external_links:
                    skipped.append((path.relative_to(root).as_posix(), EXTERNAL_LINK))
                elif external and target not in entered:
                    entered.add(target)
                    walk(path)
            elif path.suffix.lower() in wanted and not path.name.startswith(".") and path.is_file():
                if external and not follow_external_links:
                    skipped.append((path.relative_to(root).as_posix(), EXTERNAL_LINK))
                else:
                    files.append(path)

    walk(root)
    return sorted(files), skipped


def _to_document(raw: RawDocument, source: str, part: str = "") -> Document:
    return Document(
        id=document_id(source, raw.text, part),
        source=source,
        text=raw.text,
        paragraphs=[Paragraph(text=p) for p in raw.paragraphs],
        url=raw.url,
        title=raw.title,
        published=raw.published,
    )


def read_documents(path: Path, root: Path, max_file_bytes: int, legacy_encodings: list[str]) -> Iterator[Document | UnreadableFile]:
    """The documents of one file, or UnreadableFile items for what could not be read."""
    source = path.relative_to(root).as_posix()
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
                yield _to_document(parse_jsonl_line(line, number), source, part=str(number))
            except UnreadableFile as error:
                yield error
        return
    parse = {".md": parse_markdown, ".html": parse_html, ".htm": parse_html}.get(suffix, parse_plain_text)
    raw = parse(text)
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
    ) -> None:
        super().__init__()
        self.root = root
        self.extensions = extensions
        self.follow_external_links = follow_external_links
        self.max_file_bytes = max_file_bytes
        self.legacy_encodings = legacy_encodings
        # Files an interrupted run already published (see Publish.resume): not read again.
        self.already_done: set[str] = set()
        self._files: list[Path] | None = None

    def files(self) -> list[Path]:
        """The run's input files, listed once: resuming, Ray and reading all use this one list.

        Links out of the input folder (and folders that cannot be listed) go to the skipped list.
        """
        if self._files is None:
            self._files, left_out = list_input_files(self.root, self.extensions, self.follow_external_links)
            for source, reason in left_out:
                self.skip(source, reason)
        return self._files

    def run(self, documents: Iterable[Document] = ()) -> Iterator[Document]:
        yield from documents
        for path in self.files():
            source = path.relative_to(self.root).as_posix()
            if source in self.already_done:
                self.counters["files_resumed"] += 1
                continue
            self.counters["files"] += 1
            for item in read_documents(path, self.root, self.max_file_bytes, self.legacy_encodings):
                if isinstance(item, UnreadableFile):
                    self.skip(source, str(item))
                else:
                    self.counters["documents"] += 1
                    yield item
