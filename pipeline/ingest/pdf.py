"""PDF: the text layer page by page (PDFium, through pypdfium2), in paragraphs, without the running
headers and footers every page repeats; title and date from the document info.

pypdfium2 was chosen by measuring (benchmarks/pdf_libraries.py): it read our Cyrillic and Thai
pages as drawn, marks a word hyphenated at a line end so it can be joined, and was 8 times faster
than pypdf and 14 times faster than pdfminer.six (which tore Thai marks from their consonants).
A scanned PDF has no text layer: it is skipped with that reason, never published empty.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.ingest.encodings import UnreadableFile
from pipeline.ingest.inputs import InputFile, Item, Part
from pipeline.ingest.readers import RawDocument
from pipeline.schema import PARAGRAPH_SEPARATOR
from pipeline.scripts import THAI, fold_text

if TYPE_CHECKING:
    import pypdfium2

NO_TEXT_LAYER = "PDF with no text layer (a scan or pictures of pages): nothing to read without OCR"
# PDFium's mark for a hyphen it found at a line end, the word going on on the next line.
_LINE_END_HYPHEN = "\ufffe"
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")
# Titles that tools write by themselves, not the author: "Microsoft Word - report.docx", "Untitled".
_TOOL_TITLE = re.compile(r"^(?:microsoft \w+ - .*|untitled.*|document\d*|.*\.(?:docx?|odt|pdf|rtf|indd|xlsx?|pptx?|txt))$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…:;»\"”)]$")
# A line this much further below the one before it (in line pitches) starts a paragraph.
_PARAGRAPH_GAP = 1.4
# A line at the same height on this share of the pages (two at least) is a running header or footer.
_RUNNING_SHARE = 0.5


@dataclass
class _Line:
    text: str
    top: float  # the height of its first character's baseline, from the bottom of the page
    bottom: float  # the height of its last character's baseline (lower if PDFium joined a hyphenated word)


def _page_lines(textpage: pypdfium2.PdfTextPage) -> list[_Line]:
    """The page's lines in PDFium's reading order, each with the height it stands at."""
    text = textpage.get_text_range()
    count = textpage.count_chars()
    lines, index = [], 0
    for piece in text.split("\r\n"):
        start, index = index, index + len(piece) + 2
        if not piece.strip():
            continue
        first = start + len(piece) - len(piece.lstrip())
        last = start + len(piece.rstrip()) - 1
        if last >= count:  # characters and text out of step: heights unknown, one paragraph
            lines.append(_Line(piece.strip(), 0.0, 0.0))
            continue
        top = textpage.get_charbox(first)[1]
        bottom = textpage.get_charbox(last)[1]
        lines.append(_Line(piece.strip(), top, bottom))
    return lines


def _line_key(line: _Line) -> tuple[str, int]:
    """What a running header shares on every page: its words (page numbers aside) and its height."""
    return _SPACES.sub(" ", _DIGITS.sub("#", line.text)).strip().casefold(), round(line.top)


def _running_lines(pages: list[list[_Line]]) -> set[tuple[str, int]]:
    """Lines that stand at the same height with the same words on many pages: headers, footers."""
    if len(pages) < 2:
        return set()
    counts = Counter(key for lines in pages for key in {_line_key(line) for line in lines})
    needed = max(2, _RUNNING_SHARE * len(pages))
    return {key for key, count in counts.items() if count >= needed}


def _join(left: str, right: str) -> str:
    """Two lines of one paragraph: Thai wraps between words without a space, other scripts at a space."""
    if left.endswith(_LINE_END_HYPHEN):
        return left[:-1] + right
    if THAI.match(left[-1:]) and THAI.match(right[:1]):
        return left + right
    return f"{left} {right}"


def _line_pitch(pages: list[list[_Line]]) -> float:
    """The usual distance between two lines of a paragraph, over the whole document (a page may
    hold two lines only); a line PDFium joined over a hyphen holds one such step itself."""
    steps = [line.top - line.bottom for lines in pages for line in lines if line.top - line.bottom > 0]
    steps += [before.bottom - line.top for lines in pages for before, line in zip(lines, lines[1:]) if before.bottom - line.top > 0]
    return statistics.median(steps) if steps else 0.0


def _paragraphs(lines: list[_Line], pitch: float) -> list[str]:
    """Lines into paragraphs: a paragraph starts where the gap above a line is wider than the
    document's line pitch, or where the text goes back up the page (a new column or box)."""
    paragraphs: list[str] = []
    for position, line in enumerate(lines):
        gap = lines[position - 1].bottom - line.top if position else 0.0
        if position and pitch and not (0 < gap <= _PARAGRAPH_GAP * pitch):
            paragraphs.append(line.text)
        elif paragraphs:
            paragraphs[-1] = _join(paragraphs[-1], line.text)
        else:
            paragraphs.append(line.text)
    return [paragraph.replace(_LINE_END_HYPHEN, "") for paragraph in paragraphs]


def _pdf_date(value: str | None) -> dt.date | None:
    if value and (match := _PDF_DATE.match(value.strip())):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return None


def _title(value: str | None) -> str | None:
    title = _SPACES.sub(" ", fold_text(value or "")).strip()
    return title if title and not _TOOL_TITLE.match(title) and any(char.isalpha() for char in title) else None


def _open(file: InputFile, handle: object) -> pypdfium2.PdfDocument:
    import pypdfium2  # here: a run with no PDF does not pay its import

    try:
        return pypdfium2.PdfDocument(handle)
    except pypdfium2.PdfiumError as error:
        if "password" in str(error).lower():
            raise UnreadableFile("encrypted PDF: it needs a password to be read") from error
        raise UnreadableFile(f"not a readable PDF ({error})") from error


def read_pdf(file: InputFile) -> Iterator[Item]:
    """One document per PDF; its text may not exceed max_file_bytes characters."""
    with file.open(None) as handle:
        document = _open(file, handle)
        try:
            pages, characters = [], 0
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                lines = _page_lines(textpage)
                textpage.close()
                page.close()
                characters += sum(len(line.text) for line in lines)
                if characters > file.max_file_bytes:
                    raise UnreadableFile(f"PDF text is over the limit of {file.max_file_bytes:,} characters (ingest.max_file_bytes)")
                pages.append(lines)
            info = document.get_metadata_dict(skip_empty=True)
        finally:
            document.close()
    if not any(pages):
        raise UnreadableFile(NO_TEXT_LAYER)
    running = _running_lines(pages)
    pages = [[line for line in lines if _line_key(line) not in running] for lines in pages]
    pitch = _line_pitch(pages)
    paragraphs = _continued([_paragraphs(lines, pitch) for lines in pages])
    paragraphs = [cleaned for paragraph in paragraphs if (cleaned := _SPACES.sub(" ", fold_text(paragraph)).strip())]
    if not paragraphs:
        raise UnreadableFile("no text in the PDF besides its running headers and footers")
    yield Part(
        RawDocument(
            text=PARAGRAPH_SEPARATOR.join(paragraphs),
            paragraphs=paragraphs,
            title=_title(info.get("Title")),
            published=_pdf_date(info.get("CreationDate")),
        )
    )


def _continued(pages: list[list[str]]) -> list[str]:
    """A paragraph cut by a page break (no sentence end, the next page going on in lower case) is one."""
    paragraphs: list[str] = []
    for page in pages:
        for index, paragraph in enumerate(page):
            if index == 0 and paragraphs and not _SENTENCE_END.search(paragraphs[-1]) and paragraph[:1].islower():
                paragraphs[-1] = _join(paragraphs[-1], paragraph)
            else:
                paragraphs.append(paragraph)
    return paragraphs
