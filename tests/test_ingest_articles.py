"""Real articles: title, date, URL and outlet read from text dumps and pages; site furniture dropped."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from pipeline.ingest import Ingest
from pipeline.ingest.dates import find_date, parse_date
from pipeline.ingest.furniture import is_furniture_phrase
from pipeline.ingest.outlets import outlet_name, registered_domain
from pipeline.ingest.readers import clean_url, parse_html, parse_jsonl_line, parse_plain_text
from tests.conftest import SHARED

LEGACY = ["cp1251", "koi8_r", "cp874"]
SEEDS = SHARED / "seeds"

# The table of issue 11: what each seed article must come out with (None: the seed has none).
# Headlines, their URLs and the furniture lines are the publishers' words: kept here as sha256
# digests (first 16 hex digits) of the exact text, so the test checks them without copying them.
SEED_FIELDS = {
    "000": {"published": "2022-11-15", "title": None, "url": None, "outlet": None},
    "001": {
        "published": None,  # it mentions "September 2022" and "December 7" in the body: not a publication date
        "title": "9dd5a3bdbeb67cc6",
        "url": None,
        "outlet": "Prachatai",
    },
    "002": {
        "published": "2022-07-12",
        "title": "0608e316a4b0a5dd",
        "url": "0bbb0a679d3291b1",
        "outlet": "RFE/RL",
    },
    "003": {
        "published": "2023-11-20",
        "title": "d2f546220e47d720",
        "url": "587afbc6d46e973c",
        "outlet": "The Moscow Times",
    },
    "004": {
        "published": "2023-12-09",
        "title": "Russian soldiers' wives: 'Bring them home'",
        "url": "https://p.dw.com/p/4ZxFJ",
        "outlet": "DW",
    },
}
DIGESTED = ("title", "url")
SEED_FURNITURE = {
    "Skip to content",
    "Skip to main menu",
    "[ rfe/rl banner ]",
    "Leave a Reply",
}
SEED_FURNITURE_DIGESTS = {
    "360ccdd37c3e696b",  # a donation banner
    "3f2579370399746a",  # a comment form
}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def seed_documents() -> dict[str, dict]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent")
    ingest = Ingest(SEEDS, [".txt"], 5_000_000, LEGACY)
    return {document.source[:3]: document.to_record() for document in ingest.run()}


@pytest.mark.parametrize("seed", sorted(SEED_FIELDS))
def test_seed_fields_as_the_issue_lists_them(seed_documents: dict[str, dict], seed: str) -> None:
    document = seed_documents[seed]
    expected = SEED_FIELDS[seed]
    found = {key: document[key] for key in expected}
    digested = {
        key: digest(value) if key in DIGESTED and value is not None and value != expected[key] else value for key, value in found.items()
    }
    assert digested == expected, found


def test_no_seed_keeps_site_furniture(seed_documents: dict[str, dict]) -> None:
    for seed, document in seed_documents.items():
        for furniture in SEED_FURNITURE:
            assert furniture not in document["text"], (seed, furniture)
        lines = {line.strip() for line in document["text"].splitlines()}
        assert not {digest(line) for line in lines} & SEED_FURNITURE_DIGESTS, seed
    assert seed_documents["004"]["furniture_lines"] == 3  # the three "Skip to" lines
    # The byline with the date, the headline and the proxied link are metadata, not text.
    assert "Robert Coalson July 12, 2022" not in seed_documents["002"]["text"]
    assert "gtool" not in seed_documents["004"]["text"] and "Alexey Strelnikov" not in seed_documents["004"]["text"]


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("20 ноября 2023, 14:30", dt.date(2023, 11, 20)),  # genitive month and a time
        ("12 июля 2022 года", dt.date(2022, 7, 12)),
        ("Опубликовано 12.07.2022 в 10:15", dt.date(2022, 7, 12)),  # day.month.year
        ("9 ธันวาคม 2566", dt.date(2023, 12, 9)),  # Buddhist era: 2566 BE is 2023 CE
        ("เผยแพร่เมื่อ 20 พ.ย. 2566 14:30 น.", dt.date(2023, 11, 20)),  # abbreviated Thai month
        ("2023-11-20T23:30:00+03:00", dt.date(2023, 11, 20)),  # the date as written, not moved to UTC
        ("By Siberia.Realities, Robert Coalson July 12, 2022", dt.date(2022, 7, 12)),
    ],
)
def test_dates_as_people_write_them(written: str, date: dt.date) -> None:
    found = find_date(written)
    assert found is not None and found[0] == date


def test_impossible_or_partial_dates_are_none() -> None:
    assert parse_date("2023-02-30") is None
    assert parse_date("31.02.2022") is None
    assert parse_date("September 2022") is None  # no day: not a date we can publish
    assert parse_date("12 July 1850") is None  # not the date of a news article


def test_a_date_in_a_body_sentence_is_not_the_publication_date() -> None:
    raw = parse_plain_text(
        "Families protest again across the country\n\nThe movement began after the mobilization, which he "
        "announced on September 21, 2022, and has grown since.\n\nA second paragraph.\n"
    )
    assert raw.published is None
    assert raw.title == "Families protest again across the country"


def test_numeric_date_line_under_a_headline_is_taken_and_removed() -> None:
    raw = parse_plain_text("Жёны мобилизованных снова вышли на пикет\n05.12.2023\n\nПервый абзац статьи.\n\nВторой абзац.")
    assert raw.published == dt.date(2023, 12, 5) and raw.title == "Жёны мобилизованных снова вышли на пикет"
    assert raw.paragraphs == ["Первый абзац статьи.", "Второй абзац."]


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("https://www.rferl.org/a/women- soldiers-home/31940262.html", "https://www.rferl.org/a/women-soldiers-home/31940262.html"),
        ("https://mirror.example.net:443/https/www.dw.com/en/wives-ask/a-70123456", "https://www.dw.com/en/wives-ask/a-70123456"),
        ("https://web.archive.org/web/20231120000000/https://meduza.io/news/1", "https://meduza.io/news/1"),
        ("<https://example.org/b>", "https://example.org/b"),
        ("[link](https://example.org/c)", "https://example.org/c"),
        ("https://example.org/d (archived copy)", "https://example.org/d"),
        ("Медиазона", None),
    ],
)
def test_urls_are_mended_and_unwrapped(value: str, url: str | None) -> None:
    assert clean_url(value) == url


@pytest.mark.parametrize("label", ["Source:", "Original url:", "Источник:", "ที่มา:"])
def test_source_lines_in_every_language(label: str) -> None:
    raw = parse_plain_text(f"Первый абзац.\n\nВторой абзац.\n\n{label} https://zona.media/news/2023/11/20/x\n")
    assert raw.url == "https://zona.media/news/2023/11/20/x" and raw.outlet == "Mediazona"
    assert raw.paragraphs == ["Первый абзац.", "Второй абзац."]


def test_outlets_from_domain_title_suffix_and_site_name() -> None:
    assert registered_domain("https://news.bbc.co.uk/a") == "bbc.co.uk"  # the offline suffix list knows co.uk
    assert outlet_name("https://www.rferl.org/a/x.html") == "RFE/RL"
    assert outlet_name("https://news.example.net/a") == "example.net"
    assert outlet_name(None, "Prachatai Prachatai.com") == "Prachatai"
    assert outlet_name(None, "Kyiv Independent") == "Kyiv Independent"
    assert outlet_name("https://news.example.net/a", None, "Example News") == "Example News"
    assert outlet_name(None, None) is None


def test_furniture_phrases_and_what_is_not_furniture() -> None:
    for line in [
        "1. Skip to content",
        "Share on Facebook",
        "Поделиться",
        "Подпишитесь на наш канал",
        "แชร์",
        "Leave a Reply",
        "Donate",
        "Поддержите нас",
    ]:
        assert is_furniture_phrase(line), line
    for line in [
        "Mothers shared their letters with reporters.",
        "Share prices fell after the announcement, the ministry said in a statement on Friday.",
        "Copyright law was not the issue, she said.",
        "Put' Domoi",
        "They asked supporters to make a donation to the fund.",
        "Поддержать мобилизованных пришли их матери.",
    ]:
        assert not is_furniture_phrase(line), line


def test_lines_repeated_across_an_outlets_files_are_dropped(tmp_path: Path) -> None:
    menu = "World · Politics · Economy · Opinion"
    for n in range(4):
        body = f"{menu}\nMothers of soldiers protest, report number {n}\n12.0{n + 1}.2024\n\nParagraph one of article {n}.\n\nThe end of article {n}.\n\nSource: https://www.example-news.org/a/{n}\n"
        (tmp_path / f"a{n}.txt").write_text(body)
    (tmp_path / "other.txt").write_text(f"An article of another outlet.\n\n{menu}\n\nSource: https://other.example.com/x\n")
    ingest = Ingest(tmp_path, [".txt"], 1_000_000, LEGACY)
    documents = {d.source: d for d in ingest.run()}
    for n in range(4):
        document = documents[f"a{n}.txt"]
        assert menu not in document.text and document.furniture_lines == 1
        assert document.paragraphs[0].text == f"Paragraph one of article {n}."
        assert document.published == f"2024-0{n + 1}-12" and document.outlet == "example-news.org"
    # One file of another outlet: its copy of the line is not counted with theirs, and stays.
    assert menu in documents["other.txt"].text
    assert ingest.stats.furniture == {f"a{n}.txt": 1 for n in range(4)}


def test_html_main_text_and_json_ld_metadata() -> None:
    page = """<html><head><title>Wives protest | Example Post</title>
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Wives protest",
    "datePublished": "2023-12-02T10:00:00+07:00", "url": "https://www.example-post.com/wives"}</script></head>
    <body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
    <div class="cookie-consent">We use cookies. <button>Accept</button></div>
    <article><h1>Wives protest</h1><p>The first paragraph of the article tells what the wives asked for in the square.</p>
    <p>The second paragraph says what the police did, and what the women will do next week.</p></article>
    <div class="share">Share on Facebook</div><footer>© 2023 Example Post</footer></body></html>"""
    raw = parse_html(page)
    assert raw.title == "Wives protest" and raw.published == dt.date(2023, 12, 2)
    assert raw.paragraphs == [
        "The first paragraph of the article tells what the wives asked for in the square.",
        "The second paragraph says what the police did, and what the women will do next week.",
    ]


def test_jsonl_fields_and_outlet() -> None:
    line = json.dumps(
        {
            "text": "Body.\nShare on Facebook",
            "url": "https://meduza.io/news/1",
            "title": "Wives ask for a date | Meduza",
            "published": "20.11.2023",
        }
    )
    raw = parse_jsonl_line(line, 1)
    assert (raw.title, raw.published, raw.outlet, raw.paragraphs) == ("Wives ask for a date", dt.date(2023, 11, 20), "Meduza", ["Body."])


def test_the_first_date_line_at_the_top_wins() -> None:
    raw = parse_plain_text("Mothers write to the president again\nMarch 3, 2024\nUpdated March 5, 2024\n\nThe letter asks for a date.\n")
    assert raw.published == dt.date(2024, 3, 3) and raw.title == "Mothers write to the president again"
