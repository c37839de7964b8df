"""Which PDF library reads our Cyrillic and Thai pages best, and how fast: the measure behind the choice.

    pip install pypdfium2 pypdf pdfminer.six && python benchmarks/pdf_libraries.py [--pages 200]

Text quality: each page of tests/fixtures/documents/report.pdf (two Russian, two Thai, set in
DejaVu Sans and Garuda) against the lines the fixture script drew, spaces and line breaks
collapsed: character similarity (rapidfuzz's normalized Indel ratio, 100 = the same) and
whether every drawn line is found whole. Speed: the four pages repeated to --pages, read page by
page, best of three.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "documents"
sys.path.insert(0, str(FIXTURES))

from make_pdfs import HEADER, PAGES  # noqa: E402

SPACES = re.compile(r"\s+")


def pdfium_pages(data: bytes) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def pypdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdfminer_pages(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["\n".join(box.get_text() for box in page if isinstance(box, LTTextContainer)) for page in extract_pages(io.BytesIO(data))]


LIBRARIES: dict[str, Callable[[bytes], list[str]]] = {"pypdfium2": pdfium_pages, "pypdf": pypdf_pages, "pdfminer.six": pdfminer_pages}


def repeated(data: bytes, pages: int) -> bytes:
    import pypdfium2

    source = pypdfium2.PdfDocument(data)
    target = pypdfium2.PdfDocument.new()
    while len(target) < pages:
        target.import_pages(source)
    out = io.BytesIO()
    target.save(out)
    return out.getvalue()


def quality(pages: list[str]) -> dict[str, float]:
    scores: dict[str, list[float]] = {"latin": [], "thai": []}
    whole: dict[str, list[bool]] = {"latin": [], "thai": []}
    for (font, paragraphs), text in zip(PAGES, pages):
        lines = [line for paragraph in paragraphs for line in paragraph]
        got = SPACES.sub(" ", text.replace(HEADER, "")).strip()
        got = re.sub(r"Page \d of \d", "", got).strip()
        scores[font].append(fuzz.ratio(SPACES.sub(" ", " ".join(lines)), got))
        whole[font] += [SPACES.sub(" ", line) in got for line in lines]
    return {f"{font} similarity": sum(values) / len(values) for font, values in scores.items()} | {
        f"{font} lines whole": 100 * sum(values) / len(values) for font, values in whole.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    data = (FIXTURES / "report.pdf").read_bytes()
    big = repeated(data, args.pages)
    print(
        f"| library | Cyrillic similarity | Cyrillic lines whole % | Thai similarity | Thai lines whole % | pages/s ({args.pages} pages) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, read in LIBRARIES.items():
        scores = quality(read(data))
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            read(big)
            best = min(best, time.perf_counter() - started)
        print(
            f"| {name} | {scores['latin similarity']:.1f} | {scores['latin lines whole']:.0f} | {scores['thai similarity']:.1f} "
            f"| {scores['thai lines whole']:.0f} | {args.pages / best:,.0f} |"
        )


if __name__ == "__main__":
    main()
