"""Web archives (.warc, .warc.gz, through warcio): each `response` record with an HTML or text page
is one document, read as a stream, one record at a time, so an archive of any size never sits in
memory. What is not a page (request and metadata records, images, a URL seen before, a record over
the size limit) is left out and counted per reason for the run report."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pipeline.ingest.dates import parse_date
from pipeline.ingest.encodings import UnreadableFile, declared_charset, decode_bytes
from pipeline.ingest.inputs import InputFile, Item, LeftOut, Part, unexpected
from pipeline.ingest.outlets import outlet_name
from pipeline.ingest.readers import RawDocument, clean_url, parse_html, parse_plain_text
from pipeline.scripts import fold_text

if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecord

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
DUPLICATE_URL = "duplicate URL (an earlier record of the archive has it)"
OVER_LIMIT = "record over ingest.max_file_bytes"
NO_TEXT = "page with no text after removing markup"


class _CutShort(Exception):
    """The archive ends inside a record: a download that stopped, a copy that was cut."""


def not_a_response(kind: str) -> str:
    return f"{kind} record (only response records hold pages)"


def _media_type(record: ArcWarcRecord) -> tuple[str, str | None]:
    """The payload's media type and charset, from the HTTP header the server sent."""
    value = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
    media, _, parameters = value.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        name, _, given = parameter.partition("=")
        if name.strip().lower() == "charset" and given.strip():
            charset = given.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _record_id(record: ArcWarcRecord, number: int) -> str:
    """The record's WARC-Record-ID; its place in the archive if it has none."""
    value = record.rec_headers.get_header("WARC-Record-ID") or ""
    return value.strip().strip("<>") or f"record-{number}"


def _why_left_out(record: ArcWarcRecord, max_bytes: int, seen: set[bytes]) -> str | None:
    """Why the record is not a page to read, or None for one to read."""
    if record.rec_type is None:  # warcio's record for a header the archive ends in
        raise _CutShort
    if record.rec_type != "response":
        return not_a_response(record.rec_type)
    status = record.http_headers.get_statuscode() if record.http_headers else None
    if status and status != "200":
        return f"HTTP status {status} (not a page as its site serves it)"
    media, _ = _media_type(record)
    if media not in HTML_TYPES + TEXT_TYPES:
        return f"payload not HTML or text ({media or 'no media type'})"
    length = record.rec_headers.get_header("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        return OVER_LIMIT
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    # Eight bytes of a hash per URL: the set of a crawl's millions of URLs stays small.
    key = hashlib.blake2b(url.strip().encode("utf-8", "replace"), digest_size=8).digest()
    if url and key in seen:
        return DUPLICATE_URL
    seen.add(key)
    return None


def _page(record: ArcWarcRecord, file: InputFile) -> RawDocument | None:
    """The record's page as a document; None if nothing is left of it once the markup is gone."""
    payload = record.content_stream().read(file.max_file_bytes + 1)
    if len(payload) > file.max_file_bytes:
        raise UnreadableFile(f"page over the limit of {file.max_file_bytes:,} bytes (ingest.max_file_bytes)")
    if getattr(record.raw_stream, "limit", 0) > 0:  # bytes the record's header promised and the file lacks
        raise _CutShort
    media, charset = _media_type(record)
    html = media in HTML_TYPES
    declared = charset or (declared_charset(payload) if html else None)
    text = fold_text(decode_bytes(payload, file.legacy_encodings, declared)[0])
    raw = parse_html(text, file.repeated_for) if html else parse_plain_text(text, file.repeated_for)
    if not raw.paragraphs:
        return None
    # The page's own address and date where it says them; the record's (fetched from, fetched on) if not.
    target = clean_url(fold_text(record.rec_headers.get_header("WARC-Target-URI") or ""))
    raw.url = raw.url or target
    raw.outlet = raw.outlet or outlet_name(raw.url)
    if raw.published is None and (fetched := record.rec_headers.get_header("WARC-Date")):
        raw.published = _warc_date(fetched)
    return raw


def _warc_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return parse_date(value)


def read_warc(file: InputFile) -> Iterator[Item]:
    """The archive's pages, one record at a time; a failing record costs that record alone."""
    from warcio.archiveiterator import ArchiveIterator  # here: a run with no web archive does not import warcio
    from warcio.exceptions import ArchiveLoadFailed

    seen: set[bytes] = set()
    read = 0
    with file.open(None) as stream:
        records = ArchiveIterator(stream)
        try:
            # No record offsets: warcio knows one only once the record is read through.
            for record in records:
                read += 1
                if reason := _why_left_out(record, file.max_file_bytes, seen):
                    yield LeftOut(reason)
                    continue
                record_id = _record_id(record, read)
                try:
                    raw = _page(record, file)
                except _CutShort:
                    raise
                except UnreadableFile as error:
                    yield UnreadableFile(f"record {record_id}: {error}")
                    continue
                except Exception as error:  # one record's failure costs that record alone
                    yield UnreadableFile(f"record {record_id}: {unexpected(error)}")
                    continue
                if raw is None:
                    yield LeftOut(NO_TEXT)
                else:
                    yield Part(raw, part=record_id, record=record_id)
        except _CutShort as error:
            # A page cut short is not published as if it were whole.
            raise UnreadableFile(f"web archive cut short in record {read}: the records before it are read") from error
        except (ArchiveLoadFailed, zlib.error, EOFError, ValueError) as error:
            where = f"after {read} records" if read else "at its start"
            raise UnreadableFile(f"not a readable web archive {where}: {error}") from error
