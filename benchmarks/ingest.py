"""Ingest: fields right over the seeds and our samples, and documents per second, before and after.

    python benchmarks/ingest.py [--before REV] [--copies 20] [--formats-only] [--warc-mb 200]

"Before" is the ingest code of git revision REV (default: the commit before article metadata
and furniture removal came in), taken with `git archive` into a temporary folder; "after" is
this checkout. Both run in the same invocation, each in its own process, on the same files:

- fields: `published`, `title`, `url`, `outlet` of the five seed articles (../shared/seeds, as
  the table in tests/test_ingest_articles.py) and of our sample articles (as
  tests/test_end_to_end.py lists them). right = the expected value (null where the file has
  none); present = non-null values; expected = non-null expected values.
- speed: every input file of data/raw and the seeds, copied --copies times into one folder
  (the copies of one file count as one outlet's documents, so repeated-line counting is real
  work), read by the Ingest stage; documents per second, best of three.
- formats (this checkout only): the same HTML pages (our sample articles in a page, as
  tests/test_readers.py makes them) read as .html files and as response records of a .warc.gz
  (with the request record crawlers write before each); PDF pages (the Cyrillic and Thai pages
  of tests/fixtures/documents/report.pdf, repeated); best of three. Then the peak memory, above
  what the process held before reading, of reading a --warc-mb MB archive: incompressible
  image payloads (streamed past, left out) with a page every few records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIELDS = ("published", "title", "url", "outlet")
LEGACY = ["cp1251", "koi8_r", "cp874"]
EXTENSIONS = [".txt", ".md", ".html", ".htm", ".jsonl"]
BEFORE = "17a5700"  # README: code layout by domain (the last commit before issue 11)


def expected_fields() -> dict[str, dict[str, Any]]:
    """Folder-relative source -> the expected fields, seeds under seeds/, samples under raw/."""
    sys.path.insert(0, str(ROOT))
    from tests.test_end_to_end import SAMPLE_FIELDS
    from tests.test_ingest_articles import SEED_FIELDS

    expected: dict[str, dict[str, Any]] = {}
    if (SHARED / "seeds").is_dir():
        for path in sorted((SHARED / "seeds").glob("0*.txt")):
            expected[f"seeds/{path.name}"] = SEED_FIELDS[path.name[:3]]
    for source, fields in SAMPLE_FIELDS.items():
        expected[f"raw/{source}"] = {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in fields.items()}
    return expected


def measure(corpus: Path, fields_root: Path) -> dict[str, Any]:
    """Run in a child process with the code under test first on sys.path."""
    from pipeline.ingest import Ingest

    found: dict[str, dict[str, Any]] = {}
    for folder in ("seeds", "raw"):
        if (fields_root / folder).is_dir():
            for document in Ingest(fields_root / folder, EXTENSIONS, 5_000_000, LEGACY).run():
                found[f"{folder}/{document.source}"] = {key: getattr(document, key, None) for key in FIELDS}
    best = float("inf")
    documents = 0
    for _ in range(3):
        started = time.perf_counter()
        documents = sum(1 for _ in Ingest(corpus, EXTENSIONS, 5_000_000, LEGACY).run())
        best = min(best, time.perf_counter() - started)
    return {"found": found, "documents": documents, "docs_per_s": documents / best}


def score(found: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts = {"right": 0, "present": 0, "expected": 0, "wrong": 0}
    for source, fields in expected.items():
        got = found.get(source, {})
        for key, want in fields.items():
            value = got.get(key)
            value = value[:10] if key == "published" and isinstance(value, str) else value  # old code: a string
            counts["expected"] += want is not None
            counts["present"] += value is not None
            counts["right"] += value == want
            counts["wrong"] += value is not None and value != want
    return counts


def build_corpus(folder: Path, copies: int) -> None:
    sources = [p for p in (ROOT / "data" / "raw").rglob("*") if p.is_file()]
    if (SHARED / "seeds").is_dir():
        sources += sorted((SHARED / "seeds").glob("0*.txt"))
    for n in range(copies):
        for path in sources:
            target = folder / path.parent.name / f"{path.stem}-{n:03d}{path.suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def code_at(revision: str, folder: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "pipeline"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_child(code: Path, corpus: Path, fields_root: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}
    script = f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import ingest; print(json.dumps(ingest.measure(__import__('pathlib').Path({str(corpus)!r}), __import__('pathlib').Path({str(fields_root)!r})), default=str))"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=code)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _timed(folder: Path, extensions: list[str]) -> tuple[int, float]:
    """Documents read from the folder and the best of three times."""
    from pipeline.ingest import Ingest

    best, documents = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        documents = sum(1 for _ in Ingest(folder, extensions, 5_000_000, LEGACY).run())
        best = min(best, time.perf_counter() - started)
    return documents, best


def format_speeds(work: Path, pages: int, pdf_pages: int) -> list[tuple[str, str, int, float]]:
    """(format, unit, count, seconds) for HTML files, WARC records and PDF pages."""
    import pypdfium2

    sys.path.insert(0, str(ROOT))
    from tests.test_readers import FIXTURES, sample_page, write_warc

    html = work / "html"
    html.mkdir()
    for number in range(pages):
        (html / f"page-{number:04d}.html").write_bytes(sample_page(number))
    warc = work / "warc"
    warc.mkdir()
    write_warc(warc / "crawl.warc.gz", pages)
    pdf = work / "pdf"
    pdf.mkdir()
    source, target = pypdfium2.PdfDocument(FIXTURES / "report.pdf"), pypdfium2.PdfDocument.new()
    while len(target) < pdf_pages:
        target.import_pages(source)
    target.save(pdf / "report.pdf")
    rows = []
    for name, folder, extensions, unit, count in (
        ("HTML files", html, [".html"], "pages/s", pages),
        ("WARC response records (.warc.gz)", warc, [".warc.gz"], "records/s", pages),
        ("PDF pages (Cyrillic and Thai)", pdf, [".pdf"], "pages/s", len(target)),
    ):
        documents, seconds = _timed(folder, extensions)
        rows.append((f"{name} ({documents} documents)", unit, count, seconds))
    return rows


def write_big_warc(path: Path, megabytes: int) -> int:
    """An archive of `megabytes` MB: 100 kB incompressible images, and one page to every 8 of them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from tests.test_readers import sample_page

    records = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        while out.tell() < megabytes * 1_000_000:
            records += 1
            page = records % 9 == 0
            body = sample_page(records) if page else os.urandom(100_000)
            media = "text/html; charset=utf-8" if page else "image/jpeg"
            headers = StatusAndHeaders("200 OK", [("Content-Type", media)], protocol="HTTP/1.1")
            url = f"https://news.example.org/{records}"
            writer.write_record(writer.create_warc_record(url, "response", payload=__import__("io").BytesIO(body), http_headers=headers))
    return records


def peak_memory(folder: Path) -> dict[str, Any]:
    """Run in a child process: resident memory before reading and at its peak while reading."""
    from pipeline.ingest import Ingest

    def resident_mb(field: str = "VmRSS") -> float:
        """From /proc: ru_maxrss would carry the peak of the parent process that started this one."""
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        return 0.0

    from pipeline.ingest.readers import parse_html

    ingest = Ingest(folder, [".warc.gz"], 5_000_000, LEGACY)
    ingest.repeated()
    before = resident_mb()
    # trafilatura and dateparser load their data with the first page, whatever the archive's size.
    parse_html("<html><head><title>A page to warm up</title></head><body><p>" + "The wives wrote again. " * 20 + "</p></body></html>")
    warm = resident_mb()
    started = time.perf_counter()
    documents = sum(1 for _ in ingest.run())
    seconds = time.perf_counter() - started
    peak = resident_mb("VmHWM")
    return {
        "before_mb": before,
        "warm_mb": warm,
        "peak_mb": peak,
        "documents": documents,
        "left_out": ingest.counters["left_out"],
        "seconds": seconds,
    }


def main_formats(megabytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = format_speeds(work, pages=300, pdf_pages=400)
        print("| input | count | seconds (best of 3) | speed |")
        print("| --- | --- | --- | --- |")
        for name, unit, count, seconds in rows:
            print(f"| {name} | {count} | {seconds:.2f} | {count / seconds:,.0f} {unit} |")
        big = work / "big"
        big.mkdir()
        records = write_big_warc(big / "crawl.warc.gz", megabytes)
        size = (big / "crawl.warc.gz").stat().st_size / 1_000_000
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
        script = (
            f"import json, sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}]; import ingest; "
            f"print(json.dumps(ingest.peak_memory(__import__('pathlib').Path({str(big)!r}))))"
        )
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
        memory = json.loads(result.stdout.strip().splitlines()[-1])
        print()
        print(
            f"WARC of {size:.0f} MB ({records} records): {memory['documents']} pages read, {memory['left_out']} records left out, "
            f"in {memory['seconds']:.1f}s; resident memory {memory['before_mb']:.0f} MB at start, {memory['warm_mb']:.0f} MB after a "
            f"first page (the extractors' data), peak {memory['peak_mb']:.0f} MB: {memory['peak_mb'] - memory['before_mb']:.0f} MB "
            f"above start, {memory['peak_mb'] - memory['warm_mb']:.0f} MB above the first page"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the 'before' code")
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--formats-only", action="store_true", help="only the table of formats and the memory of a big archive")
    parser.add_argument("--warc-mb", type=int, default=200, help="size of the archive whose peak memory is measured")
    args = parser.parse_args()
    if args.formats_only:
        main_formats(args.warc_mb)
        return
    expected = expected_fields()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        build_corpus(corpus, args.copies)
        fields_root = work / "fields"
        shutil.copytree(ROOT / "data" / "raw", fields_root / "raw")
        if (SHARED / "seeds").is_dir():
            shutil.copytree(SHARED / "seeds", fields_root / "seeds", ignore=shutil.ignore_patterns("README.md"))
        results = {
            f"before ({args.before})": run_child(code_at(args.before, work / "before"), corpus, fields_root),
            "after (this checkout)": run_child(ROOT, corpus, fields_root),
        }
    baseline = next(iter(results.values()))["docs_per_s"]
    documents = next(iter(results.values()))["documents"]
    sets = {
        "seeds": {k: v for k, v in expected.items() if k.startswith("seeds/")},
        "samples": {k: v for k, v in expected.items() if k.startswith("raw/")},
    }
    print(f"fields: {', '.join(FIELDS)}; right = as expected (null where the file has none); present / expected = non-null")
    print(f"| code | set | articles | fields right | present / expected | wrong values | ingest docs/s ({documents} docs) | vs before |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, result in results.items():
        for name, wanted in sets.items():
            counts = score(result["found"], wanted)
            print(
                f"| {label} | {name} | {len(wanted)} | {counts['right']}/{len(wanted) * len(FIELDS)} | {counts['present']}/{counts['expected']} "
                f"| {counts['wrong']} | {result['docs_per_s']:,.0f} | {result['docs_per_s'] / baseline:.2f}x |"
            )
    print()
    main_formats(args.warc_mb)


if __name__ == "__main__":
    main()
