"""The review page at scale: page load and time per action for a name table of 10,000 spellings,
against a 100-spelling table measured in the same run.

    python benchmarks/review.py [--spellings 10000] [--baseline 100] [--actions 20]

A synthetic dataset is generated: a registry of spellings/5 entities, a names.csv of 5 spellings
each (1 known, 4 pending), and 1,000 documents that mention them. The app runs in process
(Starlette's TestClient: the app's own work, no network). Times: opening the app (reading the
documents), the first page (contexts looked up), the page again (cached), and one action (an
accept saved to the registry and names.csv, then the page reloaded), median of --actions, and
its CPU time (the process's, all threads: less disturbed by other work on a shared machine).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1:8765"
DOCUMENTS = 1000
TYPES = ("organisation", "person", "place", "media")


def canonical(k: int) -> str:
    return f"Entity{k:05d} Name"


def make_dataset(folder: Path, spellings: int) -> tuple[Path, Path]:
    from pipeline.names.table.spreadsheet import write_table
    from pipeline.publish.features import DOCUMENT_SCHEMA, NAME_TABLE_COLUMNS
    from pipeline.publish.stage import write_parquet

    entities = spellings // 5
    registry = folder / "names.yaml"
    registry.write_text(
        "# synthetic registry\nentities:\n"
        + "".join(f'  - id: e{k:05d}\n    canonical: "{canonical(k)}"\n    type: {TYPES[k % 4]}\n' for k in range(entities)),
        encoding="utf-8",
    )
    rows = []
    for k in range(entities):
        for j in range(5):
            variant = canonical(k) if j == 0 else f"Entyty{k:05d} Naym{j}"
            status, method = ("known", "exact") if j == 0 else ("pending", "fuzzy")
            rows.append(
                {
                    "variant": variant,
                    "canonical": canonical(k),
                    "entity_id": f"e{k:05d}",
                    "method": method,
                    "score": 0.85,
                    "count": 5 - j,
                    "documents": 1,
                    "example": f"...{variant}...",
                    "status": status,
                }
            )
    dataset = folder / "dataset"
    (dataset / "data").mkdir(parents=True)
    write_table(dataset / "names.csv", list(NAME_TABLE_COLUMNS), rows)
    documents = []
    for d in range(DOCUMENTS):
        parts, names = [], []
        for k in range(d % entities, entities, max(1, entities // 10))[:10]:
            start = sum(len(p) + 1 for p in parts) + 9
            parts.append(f"Reported {canonical(k)} and Entyty{k:05d} Naym1 today.")
            names.append(
                {
                    "entity_id": f"e{k:05d}",
                    "canonical": canonical(k),
                    "variant": canonical(k),
                    "start": start,
                    "end": start + len(canonical(k)),
                    "method": "exact",
                    "score": 1.0,
                }
            )
        text = " ".join(parts)
        documents.append(
            {
                "id": str(d),
                "source": f"{d}.txt",
                "published": datetime.date(2023, d % 12 + 1, 1),
                "lang": "en",
                "text": text,
                "text_en": text,
                "text_en_normalized": text,
                "names": names,
                "paragraphs": [{"text": text, "lang": "en", "lang_score": 1.0, "text_en": text}],
            }
        )
    write_parquet(documents, dataset / "data" / "train-00000-of-00001.parquet", DOCUMENT_SCHEMA)
    return dataset, registry


def measure(spellings: int, actions: int) -> dict[str, float]:
    from starlette.testclient import TestClient

    from pipeline.review import create_app

    with tempfile.TemporaryDirectory() as temporary:
        dataset, registry = make_dataset(Path(temporary), spellings)
        started = time.perf_counter()
        app = create_app(dataset, registry, {HOST})
        client = TestClient(app, base_url=f"http://{HOST}")
        opened = time.perf_counter() - started
        started = time.perf_counter()
        first = client.get("/")
        first_page = time.perf_counter() - started
        assert first.status_code == 200 and "Entyty00000 Naym1" in first.text
        warm = []
        for _ in range(5):
            started = time.perf_counter()
            client.get("/")
            warm.append(time.perf_counter() - started)
        token = app.state.review.token
        times, cpu_times = [], []
        for k in range(actions):
            form = {"token": token, "action": "accept", "entity_id": f"e{k:05d}", "variant": f"Entyty{k:05d} Naym2"}
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post("/action", data=form)  # follows the redirect: the page is reloaded
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            assert response.status_code == 200 and "1 accepted" in response.text, response.text[:300]
        return {
            "open": opened,
            "first": first_page,
            "warm": statistics.median(warm),
            "action": statistics.median(times),
            "action_cpu": statistics.median(cpu_times),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spellings", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--actions", type=int, default=20)
    args = parser.parse_args()
    baseline = measure(args.baseline, args.actions)
    ours = measure(args.spellings, args.actions)
    print(f"{'':<40}{args.baseline:>12,} sp.{args.spellings:>12,} sp.{'ratio':>8}")
    for key, label in (
        ("open", "open the app (read 1,000 documents)"),
        ("first", "first page load"),
        ("warm", "page load again"),
        ("action", "one action (save + reload), median"),
        ("action_cpu", "  its CPU time (all threads), median"),
    ):
        print(f"{label:<40}{baseline[key] * 1000:>12.1f} ms{ours[key] * 1000:>12.1f} ms{ours[key] / baseline[key]:>7.1f}x")


if __name__ == "__main__":
    main()
