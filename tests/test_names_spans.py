"""Precision and recall of the English proper-name span finder on hand-labelled seed articles.

The labels in tests/fixtures/seed_name_labels.json were made by reading the two English seed
articles (not from the finder's output): people, places, organisations, groups, movements and
outlets, titles and possessive 's left outside, nationality adjectives, months, days and URLs
not labelled. Only surfaces and character offsets are stored, never the articles' text; the
articles are read from ../shared/seeds and the test skips when that folder is absent.

A predicted span is correct only when (start, end) matches a labelled span exactly.
Run `python tests/test_names_spans.py` to print the false positives and false negatives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

if __name__ == "__main__":  # run as a script: make `tests` and `pipeline` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
LABELS = ROOT / "tests" / "fixtures" / "seed_name_labels.json"

# Floors about 0.03 under what was measured when the labels were made, so a regression of the
# finder fails the test. Measured then (hit/predicted, hit/labelled):
#   002: precision 0.658 (52/79), recall 0.667 (52/78)
#   003: precision 0.788 (26/33), recall 0.812 (26/32)
#   overall: precision 0.696 (78/112), recall 0.709 (78/110)
# and after fixing what these labels showed (so these figures are optimistic: tuned on them):
#   002: precision 0.866 (71/82), recall 0.910 (71/78)
#   003: precision 0.784 (29/37), recall 0.906 (29/32)
#   overall: precision 0.840 (100/119), recall 0.909 (100/110)
# Raise them when the finder improves.
FLOORS = {
    "002_760c513f13e5c23f.txt": {"precision": 0.83, "recall": 0.88},
    "003_b962ebf88adc878d.txt": {"precision": 0.75, "recall": 0.87},
    "overall": {"precision": 0.81, "recall": 0.88},
}

Span = tuple[int, int]


def load() -> dict[str, tuple[str, dict[Span, str]]]:
    """Article name -> (its text, labelled spans -> surface)."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not present: {SEEDS}")
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    articles = {}
    for name, rows in labels.items():
        path = SEEDS / name
        if not path.is_file():
            pytest.skip(f"seed article not present: {path}")
        articles[name] = (path.read_text(encoding="utf-8"), {(start, end): surface for start, end, surface in rows})
    return articles


def predicted(text: str) -> dict[Span, str]:
    from pipeline.names.discovery import english_names

    return {(found.start, found.end): found.text for found in english_names(text)}


def ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def scores(articles: dict[str, tuple[str, dict[Span, str]]]) -> dict[str, dict[str, float]]:
    """Per article and overall: precision, recall and the counts behind them."""
    result = {}
    total_hit = total_pred = total_gold = 0
    for name, (text, gold) in articles.items():
        pred = predicted(text)
        hit = len(pred.keys() & gold.keys())
        result[name] = {
            "precision": ratio(hit, len(pred)),
            "recall": ratio(hit, len(gold)),
            "hit": hit,
            "predicted": len(pred),
            "labelled": len(gold),
        }
        total_hit, total_pred, total_gold = total_hit + hit, total_pred + len(pred), total_gold + len(gold)
    result["overall"] = {
        "precision": ratio(total_hit, total_pred),
        "recall": ratio(total_hit, total_gold),
        "hit": total_hit,
        "predicted": total_pred,
        "labelled": total_gold,
    }
    return result


def print_scores(result: dict[str, dict[str, float]]) -> None:
    for name, row in result.items():
        print(
            f"{name}: precision {row['precision']:.3f} ({row['hit']}/{row['predicted']}), "
            f"recall {row['recall']:.3f} ({row['hit']}/{row['labelled']})"
        )


def test_labels_match_the_seed_texts() -> None:
    articles = load()
    assert set(articles) == set(FLOORS) - {"overall"}
    for name, (text, gold) in articles.items():
        assert gold, name
        for (start, end), surface in gold.items():
            assert text[start:end] == surface, (name, start, end, surface)
        spans = sorted(gold)
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end <= start, f"{name}: overlapping labels at {start}"


def test_precision_and_recall_stay_above_floors() -> None:
    result = scores(load())
    print_scores(result)
    for name, floor in FLOORS.items():
        for measure, minimum in floor.items():
            assert result[name][measure] >= minimum, f"{name}: {measure} {result[name][measure]:.3f} fell under {minimum:.3f}"


def report_errors() -> None:
    """Print the scores, then every false positive and false negative with its line number."""
    articles = load()
    print_scores(scores(articles))
    for name, (text, gold) in articles.items():
        pred = predicted(text)
        print(f"\n== {name}")
        for title, spans, source in (
            ("false positives (found, not labelled)", pred.keys() - gold.keys(), pred),
            ("false negatives (labelled, not found)", gold.keys() - pred.keys(), gold),
        ):
            print(f"-- {title}: {len(spans)}")
            for start, end in sorted(spans):
                print(f"  line {text.count(chr(10), 0, start) + 1:>3} [{start}:{end}] {source[(start, end)]!r}")


if __name__ == "__main__":
    try:
        report_errors()
    except pytest.skip.Exception as skipped:
        print(f"skipped: {skipped}")
