"""Ingest: read every input file into documents with their metadata and paragraphs.

Reads .txt, .md, .html/.htm and .jsonl in any encoding a Russian or Thai site really uses.
A file that cannot be read is skipped with the reason; it never stops the run.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from charset_normalizer import from_bytes

from pipeline.schema import PARAGRAPH_SEPARATOR, Document, Paragraph, document_id
from pipeline.stages.base import Stage


class UnreadableFile(Exception):
    """The file (or JSONL line) cannot become a document; the message says why."""


@dataclass
class RawDocument:
    text: str
    paragraphs: list[str]
    url: str | None = None
    title: str | None = None
    published: str | None = None


# --- decoding -------------------------------------------------------------------------

_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive (or Office document)",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "executable",
}
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_THAI_CONSONANT = re.compile(r"[\u0e01-\u0e2e]")
_THAI_MARK = re.compile(r"[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
_THAI_LEADING_VOWEL = re.compile(r"[\u0e40-\u0e44]")
_CYRILLIC_LOWER_THEN_UPPER = re.compile(r"[а-яё][А-ЯЁ]")
# Latin, Cyrillic, Thai, general punctuation: what our sources are written in.
_EXPECTED_CHARS = re.compile(r"[\t\n\r\u0020-\u024f\u0400-\u04ff\u0e00-\u0e7f\u2000-\u206f\u20ac\u2116]")
_LETTER = re.compile(r"[^\W\d_]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _implausibility(text: str) -> float:
    """Spelling no real text has, per letter: used to choose between legacy decodings.

    KOI8-R read as Windows-1251 swaps letter case ("дВИЖЕНИЕ"); Cyrillic bytes read as
    Windows-874 give Thai marks with no consonant to sit on. Both show up here.
    """
    letters = len(_LETTER.findall(text)) or 1
    bad = len(_CYRILLIC_LOWER_THEN_UPPER.findall(text))
    previous = ""
    for char in text:
        if _THAI_MARK.match(char) and not (_THAI_CONSONANT.match(previous) or _THAI_MARK.match(previous)):
            bad += 1
        if _THAI_LEADING_VOWEL.match(previous) and not _THAI_CONSONANT.match(char):
            bad += 1
        previous = char
    return bad / letters


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (<meta charset> or http-equiv)."""
    if match := _META_CHARSET.search(data[:4096]):
        name = match.group(1).decode("ascii").lower()
        with contextlib.suppress(LookupError):
            return codecs.lookup(name).name
    return None


def decode_bytes(data: bytes, legacy_encodings: Iterable[str], declared: str | None = None) -> tuple[str, str]:
    """Decode file bytes; return (text, encoding) or raise UnreadableFile with the reason.

    Valid UTF-8 wins over a declared charset (pages are often mislabelled; bytes that happen to
    be valid UTF-8 in another encoding are rare); a declared charset wins over detection.
    """
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise UnreadableFile(f"binary file ({kind}), not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableFile(
                    f"starts with a {encoding} byte order mark but is not valid {encoding}: {error.reason} at byte {error.start}"
                ) from error
    if b"\x00" in data:
        # Text never holds NUL bytes, UTF-16 without a byte order mark does.
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if len(_EXPECTED_CHARS.findall(text)) >= 0.95 * len(text) and not _CONTROL.search(text):
                return text, encoding
        raise UnreadableFile("binary file (contains NUL bytes and is not UTF-16), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if declared and declared != "utf-8":
        with contextlib.suppress(UnicodeDecodeError):
            text = data.decode(declared)
            if not _CONTROL.search(text):
                return text, declared
    high_bytes = len(_HIGH_BYTE.findall(data))
    utf8_bytes = sum(len(m) for m in _UTF8_MULTIBYTE.findall(data))
    if high_bytes and utf8_bytes / high_bytes > 0.5:
        raise UnreadableFile(
            f"undecodable bytes: mostly UTF-8 but byte 0x{data[utf8_error.start]:02x} at offset "
            f"{utf8_error.start} is not valid UTF-8 (a damaged file?)"
        )
    candidates = list(legacy_encodings)
    matches = from_bytes(data, cp_isolation=candidates)
    decoded = [(str(match), match.encoding) for match in matches]
    decoded = [(text, enc) for text, enc in decoded if len(_CONTROL.findall(text)) <= len(text) * 0.01]
    if not decoded:
        raise UnreadableFile(
            f"undecodable bytes: not UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset "
            f"{utf8_error.start}) and not any of {', '.join(candidates)}"
        )
    text, encoding = min(decoded, key=lambda item: _implausibility(item[0]))
    return text, encoding


# --- parsing --------------------------------------------------------------------------

_DATE_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?", re.IGNORECASE)
_URL_LINE = re.compile(r"^[ \t]*(?:source|original url|url)[ \t]*:[ \t]*(?:\n\s*)?<?(\S*?)>?[ \t]*$", re.IGNORECASE | re.MULTILINE)
_MD_TITLE = re.compile(r"\A\s*#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")
_SPACES = re.compile(r"\s+")


def split_paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a text without any has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLANK_LINES.split(text) if _BLANK_LINES.search(text) else text.split("\n")
    return [cleaned for block in blocks if (cleaned := _SPACES.sub(" ", block).strip())]


def _take_text_metadata(text: str) -> tuple[str, str | None, str | None]:
    """Strip a leading `date YYYY-MM-DD` and `Source:`/`Original url:` lines; return them."""
    published = None
    if match := _DATE_LINE.match(text):
        published = match.group(1)
        text = text[match.end() :]
    url = None
    if match := _URL_LINE.search(text):
        url = match.group(1) or None
        text = text[: match.start()] + text[match.end() :]
    return text, url, published


def parse_plain_text(text: str) -> RawDocument:
    body, url, published = _take_text_metadata(text)
    paragraphs = split_paragraphs(body)
    return RawDocument(text=PARAGRAPH_SEPARATOR.join(paragraphs), paragraphs=paragraphs, url=url, published=published)


def parse_markdown(text: str) -> RawDocument:
    title = None
    if match := _MD_TITLE.match(text):
        title = match.group(1).strip()
        text = text[match.end() :]
    body, url, published = _take_text_metadata(text)
    body = _MD_HEADING.sub("", body)
    body = _MD_LINK.sub(r"\1", body)
    body = _MD_EMPHASIS.sub(r"\2", body)
    paragraphs = split_paragraphs(body)
    return RawDocument(text=PARAGRAPH_SEPARATOR.join(paragraphs), paragraphs=paragraphs, url=url, title=title, published=published)


_BOILERPLATE_TAGS = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button"]
_BLOCK_TAGS = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "td",
    "th",
    "dd",
    "dt",
    "figcaption",
    "div",
    "section",
    "article",
]
_BOILERPLATE_CLASS = re.compile(
    r"\b(nav|menu|breadcrumb|cookie|share|social|subscribe|advert|banner|related|sidebar|footer|header)\b", re.IGNORECASE
)


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if isinstance(tag, Tag) and (content := tag.get("content")):
            return str(content).strip() or None
    return None


def parse_html(text: str) -> RawDocument:
    soup = BeautifulSoup(text, "html.parser")
    canonical = soup.find("link", rel="canonical")
    url = _meta(soup, "og:url") or (str(canonical["href"]) if isinstance(canonical, Tag) and canonical.get("href") else None)
    published = _meta(soup, "article:published_time", "date", "pubdate", "dc.date")
    time_tag = soup.find("time", datetime=True)
    if not published and isinstance(time_tag, Tag):
        published = str(time_tag["datetime"])
    title_tag = soup.find("title")
    title = _meta(soup, "og:title") or (title_tag.get_text(" ", strip=True) if title_tag else None) or None
    for tag in soup.find_all(_BOILERPLATE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True, attrs={"class": _BOILERPLATE_CLASS}):
        if tag.name not in ("body", "html", "main", "article"):
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    paragraphs = []
    for block in root.find_all(_BLOCK_TAGS):
        if block.find(_BLOCK_TAGS):
            continue  # its inner blocks are taken one by one
        if cleaned := _SPACES.sub(" ", block.get_text(" ")).strip():
            paragraphs.append(cleaned)
    if not paragraphs:
        paragraphs = split_paragraphs(root.get_text("\n"))
    if title is None and (heading := soup.find("h1")):
        title = heading.get_text(" ", strip=True) or None
    return RawDocument(
        text=PARAGRAPH_SEPARATOR.join(paragraphs), paragraphs=paragraphs, url=url, title=title, published=_iso_date(published)
    )


def _iso_date(value: str | None) -> str | None:
    """Keep the date part of an ISO timestamp; other strings stay as they are."""
    if value and (match := re.match(r"\d{4}-\d{2}-\d{2}", value.strip())):
        return match.group(0)
    return value.strip() if value else None


def parse_jsonl_line(line: str, line_number: int) -> RawDocument:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise UnreadableFile(f"line {line_number}: not valid JSON ({error.msg})") from error
    if not isinstance(record, dict):
        raise UnreadableFile(f"line {line_number}: a JSON {type(record).__name__}, not an object with a 'text'")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise UnreadableFile(f"line {line_number}: no 'text' (or it is empty or not a string)")
    meta = {key: record.get(key) for key in ("url", "title", "published")}
    for key, value in meta.items():
        if value is not None and not isinstance(value, str):
            meta[key] = str(value)
    paragraphs = split_paragraphs(text)
    return RawDocument(
        text=PARAGRAPH_SEPARATOR.join(paragraphs),
        paragraphs=paragraphs,
        url=meta["url"],
        title=meta["title"],
        published=_iso_date(meta["published"]),
    )


# --- files ----------------------------------------------------------------------------


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
