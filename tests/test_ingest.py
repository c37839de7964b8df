import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.ingest import Ingest, UnreadableFile, decode_bytes, split_paragraphs
from pipeline.ingest.readers import parse_html, parse_markdown, parse_plain_text

LEGACY = ["cp1251", "koi8_r", "cp874"]
RUSSIAN = "Участницы движения «Путь домой» снова вышли к Кремлю. Жёны ждут мужей."
THAI = "ภรรยาของทหารรัสเซียเรียกร้องให้รัฐบาลส่งสามีกลับบ้าน"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1251", "koi8_r"])
def test_russian_in_every_encoding_sites_use(encoding: str) -> None:
    text = RUSSIAN.replace("«", '"').replace("»", '"') if encoding == "koi8_r" else RUSSIAN
    decoded, _ = decode_bytes(text.encode(encoding), LEGACY)
    assert decoded == text


@pytest.mark.parametrize("encoding", ["utf-8", "cp874", "tis_620", "utf-16"])
def test_thai_in_every_encoding_sites_use(encoding: str) -> None:
    decoded, _ = decode_bytes(THAI.encode(encoding), LEGACY)
    assert decoded == THAI


def test_short_koi8_is_not_mistaken_for_thai() -> None:
    decoded, encoding = decode_bytes('Движение "Путь домой"'.encode("koi8_r"), LEGACY)
    assert decoded == 'Движение "Путь домой"' and encoding == "koi8_r"


def test_binary_and_damaged_bytes_are_refused_with_a_reason() -> None:
    with pytest.raises(UnreadableFile, match="PNG image"):
        decode_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64), LEGACY)
    damaged = RUSSIAN.encode()[:40] + b"\xff\xfe\x80" + RUSSIAN.encode()[40:]
    with pytest.raises(UnreadableFile, match="undecodable bytes"):
        decode_bytes(damaged, LEGACY)
    with pytest.raises(UnreadableFile, match="NUL bytes"):
        decode_bytes(bytes(range(256)) * 4, LEGACY)


def test_plain_text_metadata_lines() -> None:
    raw = parse_plain_text("date 2023-11-20\nTitle line\n\nFirst paragraph\ncontinues here.\n\nSource: https://example.org/a\n")
    assert raw.published == dt.date(2023, 11, 20)
    assert raw.url == "https://example.org/a"
    assert raw.paragraphs == ["Title line", "First paragraph continues here."]


def test_original_url_on_the_next_line_in_angle_brackets() -> None:
    raw = parse_plain_text("Body text.\n\nOriginal url:\n\n<https://example.org/b>\n")
    assert raw.url == "https://example.org/b"
    assert raw.paragraphs == ["Body text."]


def test_markdown_title_then_date_and_markup_removed() -> None:
    raw = parse_markdown("# The title\n\ndate 2023-07-28\n\nThe **bold** [link text](#) and *it*.\n\n## Sub\n\nMore.")
    assert raw.title == "The title" and raw.published == dt.date(2023, 7, 28)
    assert raw.paragraphs == ["The bold link text and it.", "Sub", "More."]


def test_html_visible_text_only_with_metadata() -> None:
    html = """<html><head><title>T</title><meta property="og:url" content="https://example.org/x">
    <meta property="article:published_time" content="2023-11-24T09:30:00Z"><script>var x = 1;</script></head>
    <body><nav><a href="/">Home</a></nav><article><h1>Head</h1><p>One <a href="#">link</a> here.</p>
    <p>Two.</p></article><aside class="related">Related stuff</aside><footer>Copyright</footer></body></html>"""
    raw = parse_html(html)
    assert raw.url == "https://example.org/x" and raw.published == dt.date(2023, 11, 24) and raw.title == "Head"
    # The headline is the title, not a paragraph; the menu, the related box and the footer are gone.
    assert raw.paragraphs == ["One link here.", "Two."]


def test_paragraphs_are_split_on_blank_lines_else_lines() -> None:
    assert split_paragraphs("a\nb\n\nc") == ["a b", "c"]
    assert split_paragraphs("a\nb\nc") == ["a", "b", "c"]


def test_ingest_sample_folder_ids_are_stable(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "data" / "raw"
    first = list(Ingest(root, [".txt", ".md", ".html", ".jsonl"], 1_000_000, LEGACY).run())
    second = list(Ingest(root, [".txt", ".md", ".html", ".jsonl"], 1_000_000, LEGACY).run())
    assert [d.source for d in first] == [
        "en/analysts_on_protests.md",
        "en/buryatia_losses.txt",
        "en/council_of_mothers.md",
        "en/council_vigil.html",
        "en/idite_lesom.html",
        "en/put_domoi_petition.txt",
        "en/put_domoi_vigil_dump.txt",
        "en/regional_spellings.txt",
        "en/vernyom_rebyat.txt",
        *["mixed/news.jsonl"] * 3,  # one document a line
        "ru/idite_lesom.md",
        "ru/mediazona_utf16.txt",
        "ru/put_domoy_cp1251.txt",
        "ru/sovet_materei_koi8.txt",
        "ru/vernyom_rebyat_cp1251.html",
        "ru/verstka_novosibirsk.txt",
        "th/bute_domoy.txt",
        "th/edit_lesum_cp874.txt",
        "th/prachatai_ruam_tua.txt",
    ]
    assert [d.id for d in first] == [d.id for d in second]
    assert len({d.id for d in first}) == len(first)
    by_source = {d.source: d for d in first}
    koi8 = by_source["ru/sovet_materei_koi8.txt"]
    assert "Совет матерей и жён" in koi8.text and koi8.published == "2023-07-28"
    html = by_source["ru/vernyom_rebyat_cp1251.html"]
    assert html.url == "https://example.org/ru/vernyom-rebyat" and "Главная" not in html.text
    assert "Ольга Кац" in html.text


def test_jsonl_lines_become_documents_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "One.", "url": "u1", "published": "2023-01-02T10:00:00"}),
        "{not json",
        json.dumps({"title": "no text"}),
        "",
        json.dumps({"text": "Two."}),
    ]
    (tmp_path / "n.jsonl").write_text("\n".join(lines) + "\n")
    ingest = Ingest(tmp_path, [".jsonl"], 1_000_000, LEGACY)
    documents = list(ingest.run())
    assert [d.text for d in documents] == ["One.", "Two."]
    assert documents[0].url == "u1" and documents[0].published == "2023-01-02"
    reasons = [item["reason"] for item in ingest.skipped]
    assert reasons[0].startswith("line 2: not valid JSON") and reasons[1].startswith("line 3: no 'text'")


def test_html_declared_charset_is_honoured_unless_the_bytes_are_utf8(tmp_path: Path) -> None:
    page = '<html><head><meta charset="koi8-r"><title>Ж</title></head><body><p>Жёны ждут.</p></body></html>'
    (tmp_path / "koi8.html").write_bytes(page.replace("Жёны", "Жены").encode("koi8_r"))
    (tmp_path / "mislabelled.html").write_bytes(page.encode("utf-8"))
    documents = {d.source: d for d in Ingest(tmp_path, [".html"], 10_000, LEGACY).run()}
    assert documents["koi8.html"].text == "Жены ждут."
    assert documents["mislabelled.html"].text == "Жёны ждут."
