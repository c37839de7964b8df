"""The floor: the bare library calls the job needs, written as a competent user would.

    python benchmarks/floor.py --measure CONFIG.yaml    # reads the config's `input` folder

Read every JSON Lines file, keep the paragraphs written mostly in Cyrillic (the cheapest way to
pick Russian: no language model at all), run natasha's NER tagger on them (natasha's own
segmenter and tagger, as its README shows) and write id, text and the spans to one parquet file
with pyarrow. No translation, no registry, no grouping, no report: what the pipeline's CPU is
compared with (`benchmarks/scale.py --floor`). Prints one JSON line like scale.py's --measure.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml


def mostly_cyrillic(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum("\u0400" <= ch <= "\u04ff" for ch in letters) > len(letters) / 2


def measure(config: Path) -> dict[str, float]:
    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    started = time.perf_counter()
    folder = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["input"])
    segmenter, tagger = Segmenter(), NewsNERTagger(NewsEmbedding())
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.rglob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            text = json.loads(line)["text"]
            spans = []
            for paragraph in text.split("\n\n"):
                if mostly_cyrillic(paragraph):
                    doc = Doc(paragraph)
                    doc.segment(segmenter)
                    doc.tag_ner(tagger)
                    spans += [f"{span.type}:{span.text}" for span in doc.spans]
            rows.append({"id": f"{path.name}:{number}", "text": text, "names": spans})
    with tempfile.TemporaryDirectory() as scratch:
        pq.write_table(pa.Table.from_pylist(rows), Path(scratch) / "data.parquet")
    return {
        "seconds": time.perf_counter() - started,
        "documents": len(rows),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", type=Path, required=True, help="a benchmarks/scale.py config")
    print(json.dumps(measure(parser.parse_args().measure)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
