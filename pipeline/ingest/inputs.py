"""What a reader is given (one input file, opened only through the checks of pipeline.files) and
what it gives back: documents, reasons a file or a part of it could not be read, and parts it
leaves out on purpose (an archive's request records), counted by reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pipeline.files import NotReadable, open_regular_file, read_regular_file
from pipeline.ingest.encodings import UnreadableFile
from pipeline.ingest.readers import RawDocument, RepeatedFor

# What the reason of a file or part that failed in an unforeseen way starts with, before the error.
UNEXPECTED = "could not be read"


def unexpected(error: BaseException) -> str:
    """The reason for a file or part that failed in a way no reader foresaw: it is skipped, never fatal.

    An ImportError is raised again: the readers import their packages when first needed, and one
    that fails to import is a broken install, not a bad file (the command line says to reinstall).
    """
    if isinstance(error, ImportError):
        raise error
    if isinstance(error, RecursionError):
        return f"{UNEXPECTED}: nested too deeply"
    detail = str(error)
    detail = detail if len(detail) <= 200 else detail[:200] + "…"
    return f"{UNEXPECTED}: {type(error).__name__}: {detail}".rstrip(": ")


def _no_repeated_lines(outlet: str | None) -> frozenset[str]:
    return frozenset()


@dataclass(frozen=True)
class InputFile:
    """One input file: `path` is what to open (a link already resolved and checked), `source` its
    name relative to the input folder."""

    path: Path
    source: str
    max_file_bytes: int
    legacy_encodings: Sequence[str] = ()
    repeated_for: RepeatedFor = _no_repeated_lines

    def read_bytes(self) -> bytes:
        """All of it, at most max_file_bytes; UnreadableFile says why not."""
        with _reasons():
            return read_regular_file(self.path, self.max_file_bytes)

    @contextmanager
    def open(self, max_bytes: int | None) -> Iterator[BinaryIO]:
        """The file to read as a stream or by seeking (an archive, a PDF): never all in memory."""
        with _reasons():
            file = open_regular_file(self.path, max_bytes)
        with file:
            yield file


@contextmanager
def _reasons() -> Iterator[None]:
    """The errors of opening and reading a file, as the reason the run report gives."""
    try:
        yield
    except NotReadable as error:
        raise UnreadableFile(str(error)) from error
    except FileNotFoundError as error:
        raise UnreadableFile("file disappeared before it could be read") from error
    except OSError as error:
        raise UnreadableFile(f"cannot read file: {error.strerror or error}") from error


@dataclass
class Part:
    """A document a reader found. `part` tells documents of one file apart (a JSON Lines line
    number, an archive's record id) in the document id; `record` names an archive's record in
    the `source` column ("crawl.warc.gz#<record id>")."""

    raw: RawDocument
    part: str = ""
    record: str = ""


@dataclass(frozen=True)
class LeftOut:
    """A part of a file that is not a document by design (a WARC request record, a duplicate
    URL, an image payload): counted per reason in the run report, not listed one by one."""

    reason: str


# What a reader yields: a document, a reason something could not be read, or a part left out.
Item = Part | UnreadableFile | LeftOut


@dataclass(frozen=True)
class Format:
    """One input format: its name in the reports, the extensions it is read for, its reader.

    `counts_lines` says whether its documents take part in the count of lines an outlet repeats
    (menus, banners) before reading: text dumps do; HTML is left to trafilatura, PDF drops its
    own running headers, Word files and archives have no such lines.
    """

    name: str
    extensions: tuple[str, ...]
    read: Callable[[InputFile], Iterator[Item]]
    counts_lines: bool = False
    description: str = field(default="", compare=False)
