"""Readers: the text, metadata (url, title, date) and paragraphs of each input format."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.ingest.dates import find_date, parse_date
from pipeline.ingest.encodings import UnreadableFile
from pipeline.ingest.furniture import is_furniture_phrase, line_key
from pipeline.ingest.outlets import outlet_name
from pipeline.schema import PARAGRAPH_SEPARATOR
from pipeline.scripts import fold_text, single_spaced


@dataclass
class RawDocument:
    text: str
    paragraphs: list[str]
    url: str | None = None
    title: str | None = None
    published: dt.date | None = None
    outlet: str | None = None
    furniture_lines: int = 0


# The lines a text dump keeps its metadata in (title, byline, date, link) come first.
HEAD_LINES = 15
# Called with the document's outlet (None if unknown): the lines repeated across that outlet's files.
RepeatedFor = Callable[[str | None], frozenset[str]]

_DATE_PREFIX = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_URL_LABEL = re.compile(
    r"^[ \t]*(?:source|original url|url|link|источник|ссылка|оригинал|ที่มา|แหล่งที่มา|อ้างอิง)[ \t]*:[ \t]*(.*)$", re.IGNORECASE
)
_BARE_URL = re.compile(r"^\s*<?(https?://\S+?)>?\s*$")
_URL_START = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
_MD_LINK_URL = re.compile(r"^\[[^\]]*\]\((\S+?)\)$")
# A proxy or archive that wraps the real address: https://proxy:443/https/p.dw.com/p/4ZxFJ
_WRAPPED_URL = re.compile(r"^https?://[^/]+/(?:.*?/)?(https?)(?::)?/+((?:[a-z0-9-]+\.)+[a-z]{2,}(?:[:/?#].*)?)$", re.IGNORECASE)
_URL_JOINERS = "-/_.=?&#"
# Untrusted text: no pattern here may rescan a long run from every start (`(.+?)[ \t]*$` over a
# line of spaces, `\s+[|]` over a run of them, an unclosed "[" or "*"): each is anchored or bounded.
_MD_TITLE = re.compile(r"^#[ \t]+(.+)$")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\]]{0,1000})\]\([^)]{0,2000}\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.{1,300}?)(?<=\S)\1")
_TITLE_SEPARATOR = re.compile(r"(?<!\s)\s+[|]\s+")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")
# A byline or date label beside a date is short; a sentence that mentions a date is not.
_MAX_DATE_LINE_REST = 60


def split_paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a text without any has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLANK_LINES.split(text) if _BLANK_LINES.search(text) else text.split("\n")
    return [cleaned for block in blocks if (cleaned := single_spaced(block))]


def clean_url(value: str) -> str | None:
    """The address in a Source: line: unwrapped from <>, a Markdown link or a proxy; a stray space mended."""
    value = value.strip().strip("<>").strip()
    if match := _MD_LINK_URL.match(value):
        value = match.group(1)
    pieces = value.split()
    if not pieces or not _URL_START.match(pieces[0]):
        return None
    url = pieces[0]
    # "https://www.example.org/a/wives-of- mobilised-men...": a space a copy left inside.
    for piece in pieces[1:]:
        if url[-1] in _URL_JOINERS or piece[0] in _URL_JOINERS:
            url += piece
        else:
            break
    url = url.strip("<>")
    if match := _WRAPPED_URL.match(url):
        url = f"{match.group(1).lower()}://{match.group(2)}"
    if url.lower().startswith("www."):
        url = "https://" + url
    return url


def _is_headline(line: str) -> bool:
    line = line.strip()
    words = len(line.split())
    long_enough = words >= 3 or (bool(_THAI.search(line)) and len(line) >= 15)
    return long_enough and words <= 40 and len(line) <= 300 and line[-1] not in ".,;:" and not _URL_START.match(line)


def _stands_alone(lines: list[str], index: int) -> bool:
    """A blank line follows: a first line run on into the next is the first paragraph, not a headline."""
    return index + 1 < len(lines) and not lines[index + 1].strip()


def _is_byline(line: str) -> bool:
    line = line.strip()
    return len(line) <= _MAX_DATE_LINE_REST and len(line.split()) <= 8 and line[-1:] not in ".!?"


def _split_outlet(title: str) -> tuple[str, str | None]:
    """'Headline | Outlet' -> ('Headline', 'Outlet')."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and _is_headline(" | ".join(parts[:-1])):
        return " | ".join(parts[:-1]).strip(), parts[-1].strip()
    return title, None


def _take_url(lines: list[str]) -> str | None:
    """The URL of a Source:/Original url: line (value on it or on the next line), else a bare one at the top."""
    for index, line in enumerate(lines):
        if not (match := _URL_LABEL.match(line)):
            continue
        value, taken = match.group(1), [index]
        if not value.strip():
            following = next((i for i in range(index + 1, min(index + 4, len(lines))) if lines[i].strip()), None)
            if following is None:
                continue
            value, taken = lines[following], [index, following]
        if url := clean_url(value):
            for i in reversed(taken):
                del lines[i]
            return url
    for index, line in enumerate(lines[: HEAD_LINES * 2]):
        if (match := _BARE_URL.match(line)) and (url := clean_url(match.group(1))):
            del lines[index]
            return url
    return None


def _take_title_and_date(lines: list[str], markdown: bool) -> tuple[str | None, str | None, dt.date | None]:
    """Title (and outlet suffix) and publication date from the top lines; the lines taken are removed.

    The date must stand on a line of its own, perhaps with a byline or label: a date inside a
    sentence ("which he announced in September 2022") is never taken.
    """
    published = None
    if lines and (match := _DATE_PREFIX.match(lines[0])):
        published = parse_date(match.group(1))
        lines[0] = lines[0][match.end() :]
    head = [i for i, line in enumerate(lines) if line.strip()][:HEAD_LINES]
    date_at = None
    for i in head if published is None else []:
        line = lines[i].strip()
        if len(line) <= 2 * _MAX_DATE_LINE_REST + 40 and (found := find_date(line)):
            rest = found[1].strip(" ,.:|-–—")
            if len(rest) <= _MAX_DATE_LINE_REST and ". " not in rest:
                published, date_at = found[0], i
                break
    title, suffix, title_at = None, None, None
    for i in head:
        if (match := _MD_TITLE.match(lines[i].strip())) and markdown:
            # "# Headline ##": a closing run of # is not part of it.
            title, title_at = match.group(1).rstrip("#").strip() or match.group(1).strip(), i
            break
        if i != date_at and _TITLE_SEPARATOR.search(lines[i]) and _is_headline(lines[i]):
            title, suffix = _split_outlet(lines[i].strip())
            if suffix:
                title_at = i
                break
            title = None
    if title is None and date_at is not None:
        # The headline sits just above the byline and date: the longest headline-like line there.
        position = head.index(date_at)
        before = [i for i in head[max(0, position - 3) : position] if _is_headline(lines[i])]
        if before:
            title_at = max(before, key=lambda i: len(lines[i].strip()))
            title = lines[title_at].strip()
    if title is None and published is None and len(head) > 1 and _is_headline(lines[head[0]]) and _stands_alone(lines, head[0]):
        title_at = head[0]
        title = lines[title_at].strip()
    taken = {i for i in (title_at, date_at) if i is not None}
    if title_at is not None and date_at is not None:
        # Between the headline and the date stands the byline ("By ...", an author's name).
        taken |= {i for i in head if title_at < i < date_at and _is_byline(lines[i])}
    for i in sorted(taken, reverse=True):
        del lines[i]
    return title, suffix, published


def _outlet_hint(lines: list[str]) -> tuple[str | None, str | None]:
    """URL and title suffix without reading dates: enough to name the outlet (for counting repeated lines)."""
    lines = list(lines)
    url = _take_url(lines)
    suffix = None
    for line in lines[:HEAD_LINES]:
        if _TITLE_SEPARATOR.search(line) and _is_headline(line):
            suffix = _split_outlet(line.strip())[1]
            break
    return url, suffix


def without_repeated(lines: list[str], known: frozenset[str]) -> list[str]:
    """The lines less those the outlet repeats, unless nothing with text would be left: copies of
    one article in several files repeat every line, and an article is never all furniture."""
    kept = [line for line in lines if line_key(line) not in known]
    return kept if any(line.strip() for line in kept) else lines


def text_lines(text: str) -> list[str]:
    """The lines of a text dump, site furniture matched by phrase taken out."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if not is_furniture_phrase(line)]


def dump_outlet(text: str) -> str | None:
    """The outlet of a text dump, cheaply: for grouping documents when counting repeated lines."""
    url, suffix = _outlet_hint(text_lines(text))
    return outlet_name(url, suffix)


def parse_text_dump(text: str, markdown: bool = False, repeated: RepeatedFor | None = None) -> RawDocument:
    """A .txt or .md dump of an article: metadata from the top and Source: lines, furniture dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [line for line in lines if not is_furniture_phrase(line)]
    dropped = sum(1 for line in lines if line.strip()) - sum(1 for line in kept if line.strip())
    url = _take_url(kept)
    title, suffix, published = _take_title_and_date(kept, markdown)
    outlet = outlet_name(url, suffix)
    if repeated is not None and (known := repeated(outlet)):
        before = len(kept)
        kept = without_repeated(kept, known)
        dropped += before - len(kept)
    body = "\n".join(kept)
    if markdown:
        body = _MD_HEADING.sub("", body)
        body = _MD_LINK.sub(r"\1", body)
        body = _MD_EMPHASIS.sub(r"\2", body)
        title = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", title)) if title else title
    paragraphs = split_paragraphs(body)
    # The headline is part of the article's text (the title column holds it too); it is detected,
    # translated and searched for names as the title, not as a paragraph of the body.
    return RawDocument(
        text=PARAGRAPH_SEPARATOR.join(([single_spaced(title)] if title else []) + paragraphs),
        paragraphs=paragraphs,
        url=url,
        title=title,
        published=published,
        outlet=outlet,
        furniture_lines=dropped,
    )


_LOOKS_MARKDOWN = re.compile(r"^#{1,6}[ \t]+\S|\]\([^)\s]{0,2000}\)", re.MULTILINE)


def parse_plain_text(text: str, repeated: RepeatedFor | None = None) -> RawDocument:
    # Pages saved as text often keep their Markdown (a "# " headline, [links](...)).
    return parse_text_dump(text, markdown=bool(_LOOKS_MARKDOWN.search(text)), repeated=repeated)


def parse_markdown(text: str, repeated: RepeatedFor | None = None) -> RawDocument:
    return parse_text_dump(text, markdown=True, repeated=repeated)


def parse_html(text: str, repeated: RepeatedFor | None = None) -> RawDocument:
    """Main text and metadata by trafilatura: menus, footers, cookie banners and share buttons stay out.

    The page's date comes from its metadata (htmldate without its search of the body text: no
    date is better than a date the article only mentions).
    """
    import trafilatura  # here: a run with no HTML page does not pay its import (a fifth of a second)

    extracted = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        # Precision over recall, and no fallback to taking the whole page: menus must not get in.
        favor_precision=True,
        fast=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    if extracted is None:
        return RawDocument(text="", paragraphs=[])
    page = extracted if isinstance(extracted, dict) else extracted.as_dict()
    title, suffix = _split_outlet(page["title"].strip()) if page.get("title") else (None, None)
    lines = (page.get("text") or "").split("\n")
    if lines and title and lines[0].strip() == title:
        lines = lines[1:]  # the headline is the title column, not the first paragraph
    paragraphs = [cleaned for line in lines if (cleaned := single_spaced(line))]
    url = clean_url(page["url"]) if page.get("url") else None
    return RawDocument(
        text=PARAGRAPH_SEPARATOR.join(paragraphs),
        paragraphs=paragraphs,
        url=url,
        title=title,
        published=parse_date(page["date"]) if page.get("date") else None,
        outlet=outlet_name(url, suffix, page.get("sitename")),
    )


def parse_jsonl_line(line: str, line_number: int, repeated: RepeatedFor | None = None) -> RawDocument:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise UnreadableFile(f"line {line_number}: not valid JSON ({error.msg})") from error
    if not isinstance(record, dict):
        raise UnreadableFile(f"line {line_number}: a JSON {type(record).__name__}, not an object with a 'text'")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise UnreadableFile(f"line {line_number}: no 'text' (or it is empty or not a string)")
    # JSON escapes can write what no file holds (a lone surrogate "\ud800"): folded as file text is.
    text = fold_text(text)
    meta = {key: record.get(key) for key in ("url", "title", "published", "outlet")}
    for key, value in meta.items():
        if value is not None:
            meta[key] = fold_text(value if isinstance(value, str) else str(value)) or None
    url = clean_url(meta["url"]) or meta["url"] if meta["url"] else None
    title, suffix = _split_outlet(meta["title"]) if meta["title"] else (None, None)
    outlet = meta["outlet"] or outlet_name(url, suffix)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [line for line in lines if not is_furniture_phrase(line)]
    if repeated is not None and (known := repeated(outlet)):
        kept = without_repeated(kept, known)
    paragraphs = split_paragraphs("\n".join(kept))
    return RawDocument(
        text=PARAGRAPH_SEPARATOR.join(paragraphs),
        paragraphs=paragraphs,
        url=url,
        title=title,
        published=parse_date(meta["published"]) if meta["published"] else None,
        outlet=outlet,
        furniture_lines=sum(1 for line in lines if line.strip()) - sum(1 for line in kept if line.strip()),
    )
