"""Readers: the text, metadata (url, title, date) and paragraphs of each input format."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from pipeline.ingest.encodings import UnreadableFile
from pipeline.schema import PARAGRAPH_SEPARATOR


@dataclass
class RawDocument:
    text: str
    paragraphs: list[str]
    url: str | None = None
    title: str | None = None
    published: str | None = None


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
