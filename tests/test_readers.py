"""Readers of PDF, Word, OpenDocument and web archives, registered by extension; a run over a folder
of them publishes every document with its metadata and reports what it could not read, and why.

The PDFs are committed fixtures (tests/fixtures/documents/make_pdfs.py wrote them); the Word,
OpenDocument and WARC files are made here, from our own sample articles.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import datasets
import docx
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.config import IngestConfig
from pipeline.ingest import DEFAULT_EXTENSIONS, Ingest, LeftOut, UnreadableFile, read_documents
from pipeline.ingest.formats import format_for
from pipeline.ingest.pdf import NO_TEXT_LAYER
from pipeline.ingest.warc import DUPLICATE_URL, NO_TEXT, OVER_LIMIT, not_a_response
from pipeline.schema import Document, Paragraph
from tests.conftest import REGISTRY, ROOT, run_in_process, write_config

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "documents"
LEGACY = ["cp1251", "koi8_r", "cp874"]
SAMPLES = sorted((ROOT / "data" / "raw" / "en").glob("*.txt")) + sorted((ROOT / "data" / "raw" / "en").glob("*.md"))
CRAWLED = "2024-05-06T10:00:00Z"


def sample_page(number: int) -> bytes:
    """An HTML page around the paragraphs of one of our sample articles; a distinct headline each."""
    text = SAMPLES[number % len(SAMPLES)].read_text(encoding="utf-8")
    paragraphs = [line.strip() for line in text.split("\n\n") if len(line.strip()) > 80][:6]
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    title = f"Families of mobilised men, report {number}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><nav>Home | World</nav><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def write_warc(path: Path, pages: int, extras: bool = False, page: bytes | None = None) -> list[str]:
    """A gzipped WARC with `pages` HTML responses (and a request record before each, as crawlers
    write them); `extras` adds an image, a repeated URL, a 404 and a record over 5,000 bytes.
    Returns the page URLs in order."""
    urls = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)

        def response(url: str, body: bytes, media: str = "text/html; charset=utf-8", status: str = "200 OK") -> None:
            headers = StatusAndHeaders(status, [("Content-Type", media)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": CRAWLED}
            )
            writer.write_record(record)

        for number in range(pages):
            url = f"https://news.example.org/2024/05/families-{number}"
            request = StatusAndHeaders(f"GET /2024/05/families-{number} HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=request))
            response(url, page if page is not None else sample_page(number))
            urls.append(url)
        if extras:
            response("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, media="image/png")
            response(urls[0], sample_page(0))
            response("https://news.example.org/gone", b"<html><body>Not found</body></html>", status="404 Not Found")
            response("https://news.example.org/huge", b"<html><body><p>" + b"long " * 2000 + b"</p></body></html>")
            response("https://news.example.org/empty", b"<html><body><nav>Home</nav></body></html>")
    return urls


def write_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Notes from the meeting with the Council of Mothers"
    document.core_properties.created = dt.datetime(2024, 2, 20, 9, 30)
    document.add_paragraph("The council met in Novosibirsk on Tuesday to plan its next appeal to the ministry.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Region", "Letters sent"), ("Novosibirsk", "140")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_paragraph("Most letters asked for the men's return after a year of service.")
    document.save(str(path))


def write_odt(path: Path) -> None:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}" xmlns:text="{text}" '
        f'xmlns:table="{table}"><office:body><office:text>'
        "<text:h>Idite Lesom counts its calls</text:h>"
        "<text:p>The group answered<text:s/>more calls in March than in any month before.</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>March</text:p></table:table-cell>"
        "<table:table-cell><text:p>310</text:p></table:table-cell></table:table-row></table:table>"
        "</office:text></office:body></office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta xmlns:office="{office}" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0">'
        "<office:meta><dc:title>Calls to Idite Lesom</dc:title><meta:creation-date>2024-04-02T08:00:00</meta:creation-date>"
        "</office:meta></office:document-meta>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)


def _read(path: Path, max_file_bytes: int = 5_000_000) -> list[Document | UnreadableFile | LeftOut]:
    return list(read_documents(path, path.parent, max_file_bytes, LEGACY))


def test_every_format_is_registered_once_and_is_the_default_of_the_config() -> None:
    assert IngestConfig().extensions is None  # the default: the registry's extensions
    assert Ingest(Path("."), None, 1, []).extensions == DEFAULT_EXTENSIONS
    assert len(DEFAULT_EXTENSIONS) == len(set(DEFAULT_EXTENSIONS))
    names = {ext: format_for(f"a{ext}", DEFAULT_EXTENSIONS).name for ext in DEFAULT_EXTENSIONS}
    assert names == {
        ".txt": "text",
        ".md": "markdown",
        ".html": "html",
        ".htm": "html",
        ".jsonl": "jsonl",
        ".pdf": "pdf",
        ".docx": "docx",
        ".odt": "odt",
        ".warc": "warc",
        ".warc.gz": "warc",
    }
    assert format_for("CRAWL.WARC.GZ", DEFAULT_EXTENSIONS).name == "warc"  # the longest extension, any case
    assert format_for("notes.log", [".log"]).name == "text"  # asked for, no reader: plain text


def test_pdf_pages_are_read_in_order_without_running_headers_and_with_hyphens_joined() -> None:
    (document,) = _read(FIXTURES / "report.pdf")
    assert isinstance(document, Document)
    assert document.title == "Семьи мобилизованных: обзор обращений за 2024 год"
    assert document.published == "2024-03-15" and document.input_format == "pdf"
    text = document.text
    assert "Families Support Network" not in text and "Page 1 of 4" not in text and "Page" not in text
    # "мобилизо-" at a line end and "ванных" on the next line: one word again.
    assert "матерей мобилизованных мужчин" in text and "послед" not in text.replace("последние", "")
    assert len(document.paragraphs) == 7
    first, second = document.paragraphs[0].text, document.paragraphs[1].text
    assert first.startswith("За год") and first.endswith("срока службы.") and second.startswith("Участницы движения «Путь домой»")
    assert (
        document.paragraphs[4].text == "กลุ่มภรรยาและมารดาของทหารที่ถูกระดมพลได้ยื่นจดหมายถึงกระทรวงกลาโหมเมื่อวันจันทร์ เรียกร้องให้ส่งตัวสามีและบุตรชายกลับบ้าน"
    )
    assert text.index("Юристы") < text.index("กลุ่มภรรยา") < text.index("นักกฎหมาย")


def test_a_scanned_pdf_and_a_broken_one_are_skipped_with_their_reasons(tmp_path: Path) -> None:
    assert [str(item) for item in _read(FIXTURES / "scanned.pdf")] == [NO_TEXT_LAYER]
    (tmp_path / "fake.pdf").write_text("not a PDF at all")
    (reason,) = _read(tmp_path / "fake.pdf")
    assert isinstance(reason, UnreadableFile) and str(reason).startswith("not a readable PDF")


def test_word_paragraphs_tables_and_properties(tmp_path: Path) -> None:
    write_docx(tmp_path / "notes.docx")
    (document,) = _read(tmp_path / "notes.docx")
    assert isinstance(document, Document)
    assert [p.text for p in document.paragraphs] == [
        "The council met in Novosibirsk on Tuesday to plan its next appeal to the ministry.",
        "Region | Letters sent",
        "Novosibirsk | 140",
        "Most letters asked for the men's return after a year of service.",
    ]
    assert document.title == "Notes from the meeting with the Council of Mothers" and document.published == "2024-02-20"
    (tmp_path / "fake.docx").write_bytes(b"PK\x03\x04 broken")
    (reason,) = _read(tmp_path / "fake.docx")
    assert isinstance(reason, UnreadableFile) and "not a readable Word" in str(reason)


def test_a_word_file_that_unpacks_to_too_much_is_refused(tmp_path: Path) -> None:
    write_docx(tmp_path / "notes.docx")
    (reason,) = _read(tmp_path / "notes.docx", max_file_bytes=100)
    assert isinstance(reason, UnreadableFile) and "over the limit" in str(reason)


def test_opendocument_text(tmp_path: Path) -> None:
    write_odt(tmp_path / "calls.odt")
    (document,) = _read(tmp_path / "calls.odt")
    assert isinstance(document, Document)
    assert [p.text for p in document.paragraphs] == [
        "Idite Lesom counts its calls",
        "The group answered more calls in March than in any month before.",
        "March | 310",
    ]
    assert document.title == "Calls to Idite Lesom" and document.published == "2024-04-02"


def test_a_web_archive_gives_one_document_per_page_and_counts_the_rest_by_reason(tmp_path: Path) -> None:
    urls = write_warc(tmp_path / "crawl.warc.gz", 3, extras=True)
    items = _read(tmp_path / "crawl.warc.gz")
    documents = [item for item in items if isinstance(item, Document)]
    assert [d.url for d in documents] == [*urls, "https://news.example.org/huge"]  # 10 kB: under the default limit
    assert all(d.source.startswith("crawl.warc.gz#urn:uuid:") and d.input_file == "crawl.warc.gz" for d in documents)
    assert len({d.id for d in documents}) == 4 and all(d.published == "2024-05-06" for d in documents)
    assert documents[1].title == "Families of mobilised men, report 1" and documents[1].outlet
    left_out = Counter(item.reason for item in items if isinstance(item, LeftOut))
    assert left_out == {
        not_a_response("request"): 3,
        "payload not HTML or text (image/png)": 1,
        DUPLICATE_URL: 1,
        "HTTP status 404 (not a page as its site serves it)": 1,
        NO_TEXT: 1,
    }
    assert not [item for item in items if isinstance(item, UnreadableFile)]
    # The same archive read again: the same ids.
    assert [d.id for d in _read(tmp_path / "crawl.warc.gz") if isinstance(d, Document)] == [d.id for d in documents]
    small = _read(tmp_path / "crawl.warc.gz", max_file_bytes=9000)
    assert Counter(item.reason for item in small if isinstance(item, LeftOut))[OVER_LIMIT] == 1
    assert sum(isinstance(item, Document) for item in small) == 3


def test_a_damaged_archive_keeps_the_pages_before_the_damage(tmp_path: Path) -> None:
    write_warc(tmp_path / "crawl.warc.gz", 4)
    data = (tmp_path / "crawl.warc.gz").read_bytes()
    # Cut in a record's header, and in a page: no page cut short is published as if it were whole.
    for share, whole in ((0.6, 2), (0.9, 3)):
        (tmp_path / "cut.warc.gz").write_bytes(data[: int(len(data) * share)])
        items = _read(tmp_path / "cut.warc.gz")
        assert sum(isinstance(item, Document) for item in items) == whole
        assert isinstance(items[-1], UnreadableFile) and "web archive cut short" in str(items[-1])
    (tmp_path / "text.warc").write_text("just some text")
    (reason,) = _read(tmp_path / "text.warc")
    assert isinstance(reason, UnreadableFile) and "not a readable web archive at its start" in str(reason)


def test_an_archives_documents_stay_in_one_shard_so_resuming_goes_by_file(tmp_path: Path) -> None:
    from pipeline.publish.stage import input_file

    page = Document(id="a", source="c.warc.gz#urn:1", text="x", paragraphs=[Paragraph("x")], input_file="c.warc.gz")
    assert input_file(page) == "c.warc.gz"
    assert input_file(Document(id="b", source="a.txt", text="x", paragraphs=[])) == "a.txt"


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "report.pdf").write_bytes((FIXTURES / "report.pdf").read_bytes())
    (folder / "scanned.pdf").write_bytes((FIXTURES / "scanned.pdf").read_bytes())
    write_docx(folder / "notes.docx")
    write_odt(folder / "calls.odt")
    write_warc(folder / "crawl.warc.gz", 50)
    return folder


def test_a_folder_of_pdf_word_and_a_web_archive_publishes_every_document(tmp_path: Path, mixed_folder: Path) -> None:
    config = write_config(
        tmp_path / "c.yaml",
        f"name: ds\ninput: {mixed_folder}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    result = run_in_process("run", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = datasets.load_dataset(str(tmp_path / "out" / "ds"), split="train").to_list()
    by_file = Counter(row["source"].split("#")[0] for row in rows)
    assert by_file == {"report.pdf": 1, "notes.docx": 1, "calls.odt": 1, "crawl.warc.gz": 50}
    pdf = next(row for row in rows if row["source"] == "report.pdf")
    assert pdf["title"].startswith("Семьи мобилизованных") and pdf["published"] == dt.date(2024, 3, 15)
    assert pdf["lang"] in ("ru", "th") and {p["lang"] for p in pdf["paragraphs"]} == {"ru", "th"}
    pages = [row for row in rows if row["source"].startswith("crawl.warc.gz#")]
    assert len({row["url"] for row in pages}) == 50 and all(row["published"] == dt.date(2024, 5, 6) for row in pages)
    assert all(row["title"] and row["outlet"] and row["text"] for row in pages)
    report = json.loads((tmp_path / "out" / "ds" / "run_report.json").read_text())
    documents = report["documents"]
    assert documents["formats"] == {"docx": 1, "odt": 1, "pdf": 1, "warc": 50}
    assert documents["skipped"] == [{"source": "scanned.pdf", "reason": NO_TEXT_LAYER, "stage": "ingest"}]
    assert documents["left_out"] == {"crawl.warc.gz": {not_a_response("request"): 50}}
    assert "formats: docx 1, odt 1, pdf 1, warc 50" in result.stderr
    assert f"  {not_a_response('request')}: 50" in result.stderr and f"scanned.pdf: {NO_TEXT_LAYER}" in result.stderr
    card = (tmp_path / "out" / "ds" / "README.md").read_text()
    assert "| pdf | 1 |" in card and "| warc | 50 |" in card
