"""Word (.docx, through python-docx) and OpenDocument text (.odt, its XML read with lxml):
paragraphs in order, a table's rows as lines, title and date from the document's properties."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from lxml import etree

from pipeline.ingest.encodings import UnreadableFile
from pipeline.ingest.inputs import InputFile, Item, Part
from pipeline.ingest.readers import RawDocument
from pipeline.schema import PARAGRAPH_SEPARATOR
from pipeline.scripts import fold_text

_SPACES = re.compile(r"\s+")
# A Word file is a ZIP of XML: its parts unpacked may not exceed this many times the text limit
# (pictures make them large; a ZIP bomb makes them endless).
_UNPACKED_PER_TEXT_BYTE = 20
_ODF = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
# No entities, no network, no huge trees: the XML comes from whoever made the file.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", fold_text(text)).strip()


def _table_lines(rows: Iterable[Iterable[str]]) -> list[str]:
    """A table's rows as lines, cells joined by " | "; a merged cell repeated along a row once."""
    lines = []
    for row in rows:
        cells: list[str] = []
        for cell in row:
            if (text := _clean(cell)) and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
    return lines


def _document(paragraphs: list[str], title: str | None, published: dt.date | None) -> RawDocument:
    if not paragraphs:
        raise UnreadableFile("no text in the document")
    return RawDocument(text=PARAGRAPH_SEPARATOR.join(paragraphs), paragraphs=paragraphs, title=title, published=published)


def _checked_zip(handle: BinaryIO, limit: int) -> None:
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile as error:
        raise UnreadableFile(f"not a readable Word or OpenDocument file (not a ZIP: {error})") from error
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > limit:
        raise UnreadableFile(
            f"unpacks to {unpacked:,} bytes, over the limit of {limit:,} ({_UNPACKED_PER_TEXT_BYTE} × ingest.max_file_bytes)"
        )
    handle.seek(0)


def read_docx(file: InputFile) -> Iterator[Item]:
    import docx  # here: a run with no Word file does not pay its import
    from docx.table import Table

    limit = _UNPACKED_PER_TEXT_BYTE * file.max_file_bytes
    with file.open(limit) as handle:
        _checked_zip(handle, limit)
        try:
            document = docx.Document(handle)
        except (KeyError, ValueError, etree.XMLSyntaxError) as error:  # a ZIP that is not a Word file
            raise UnreadableFile(f"not a readable Word file ({type(error).__name__}: {error})") from error
    paragraphs: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            paragraphs += _table_lines((cell.text for cell in row.cells) for row in block.rows)
        elif text := _clean(block.text):
            paragraphs.append(text)
    properties = document.core_properties
    created = properties.created
    yield Part(_document(paragraphs, _clean(properties.title or "") or None, created.date() if created else None))


def _odf_text(element: etree._Element) -> str:
    """An ODF paragraph's text: <text:s/> is a space, <text:tab/> and <text:line-break/> too."""
    pieces = [element.text or ""]
    for child in element:
        local = etree.QName(child).localname
        if local in ("s", "tab", "line-break"):
            pieces.append(" ")
        elif local != "note":  # footnotes: not the paragraph's text
            pieces.append(_odf_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _odf_paragraphs(body: etree._Element) -> list[str]:
    paragraphs: list[str] = []
    for element in body:
        local = etree.QName(element).localname
        if local in ("p", "h"):
            if text := _clean(_odf_text(element)):
                paragraphs.append(text)
        elif local == "table":
            rows = element.iter(f"{{{_ODF['table']}}}table-row")
            cells = (row.iter(f"{{{_ODF['table']}}}table-cell") for row in rows)
            paragraphs += _table_lines(
                (" ".join(_odf_text(part) for part in cell.iter(f"{{{_ODF['text']}}}p")) for cell in row) for row in cells
            )
        elif local in ("list", "list-item", "section", "list-header"):
            paragraphs += _odf_paragraphs(element)
    return paragraphs


def _odf_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if value else None
    except ValueError:
        return None


def read_odt(file: InputFile) -> Iterator[Item]:
    limit = _UNPACKED_PER_TEXT_BYTE * file.max_file_bytes
    with file.open(limit) as handle:
        _checked_zip(handle, limit)
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "content.xml" not in names:
                raise UnreadableFile("not an OpenDocument text (no content.xml in it)")
            content = etree.fromstring(archive.read("content.xml"), _XML)
            meta = etree.fromstring(archive.read("meta.xml"), _XML) if "meta.xml" in names else None
    body = content.find("office:body/office:text", _ODF)
    if body is None:
        raise UnreadableFile("not an OpenDocument text (its body holds no text part)")
    title = _clean(meta.findtext(".//dc:title", default="", namespaces=_ODF)) if meta is not None else ""
    created = meta.findtext(".//meta:creation-date", namespaces=_ODF) if meta is not None else None
    yield Part(_document(_odf_paragraphs(body), title or None, _odf_date(created)))
