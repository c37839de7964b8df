"""Language detection: accuracy per language and sentences per second, ours vs plain langdetect.

    python benchmarks/detect.py ../shared/eval/langid/langid_ru_th_en_be_de.tsv

Plain langdetect is the baseline: seeded, all its profiles, no rules. Both run in this process
on the same sentences, so the speed ratio holds on any machine.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langdetect import DetectorFactory, detect_langs  # noqa: E402
from langdetect.lang_detect_exception import LangDetectException  # noqa: E402

from pipeline.langid import LanguageDetector  # noqa: E402


def read_sentences(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["lang"], row["text"]) for row in reader]


def plain_langdetect(text: str) -> str:
    try:
        return detect_langs(text)[0].lang
    except LangDetectException:
        return "und"


def measure(label: Callable[[str], str], rows: list[tuple[str, str]]) -> tuple[list[str], float]:
    started = time.perf_counter()
    labels = [label(text) for _, text in rows]
    return labels, len(rows) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--languages", default="ru,th,en,be,de", help="languages our detector considers")
    args = parser.parse_args()
    rows = read_sentences(args.path)
    DetectorFactory.seed = 0
    plain_langdetect("warm up the profiles")  # loading all profiles is not part of the per-sentence speed
    ours = LanguageDetector(args.languages.split(","), seed=0)
    baseline_labels, baseline_speed = measure(plain_langdetect, rows)
    our_labels, our_speed = measure(lambda text: ours.detect(text)[0], rows)

    gold = Counter(lang for lang, _ in rows)
    print(f"{len(rows)} sentences, our languages: {args.languages}\n")
    print(f"{'language':<10}{'n':>6}{'plain langdetect':>18}{'ours':>10}")
    for lang in sorted(gold):
        base = sum(1 for (g, _), p in zip(rows, baseline_labels) if g == lang and p == lang) / gold[lang]
        mine = sum(1 for (g, _), p in zip(rows, our_labels) if g == lang and p == lang) / gold[lang]
        print(f"{lang:<10}{gold[lang]:>6}{base:>17.1%}{mine:>10.1%}")
    if "be" in gold:
        base = sum(1 for (g, _), p in zip(rows, baseline_labels) if g == "be" and p == "ru") / gold["be"]
        mine = sum(1 for (g, _), p in zip(rows, our_labels) if g == "be" and p == "ru") / gold["be"]
        print(f"{'be as ru':<10}{gold['be']:>6}{base:>17.1%}{mine:>10.1%}")
    print(f"\n{'sentences/s':<16}{baseline_speed:>12.0f}{our_speed:>10.0f}   ratio {our_speed / baseline_speed:.1f}x")
    confusions = Counter((g, p) for (g, _), p in zip(rows, our_labels) if g != p)
    print("our confusions (gold -> label): " + ", ".join(f"{g}->{p} {n}" for (g, p), n in confusions.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
