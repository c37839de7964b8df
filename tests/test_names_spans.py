"""Precision and recall of the English proper-name span finder on hand-labelled seed articles.

The labels in tests/fixtures/seed_name_labels.json were made by reading the two English seed
articles (not from the finder's output): people, places, organisations, groups, movements and
outlets, titles and possessive 's left outside, nationality adjectives, months, days and URLs
not labelled. Only surfaces and character offsets are stored, never the articles' text; the
articles are read from ../shared/seeds and the test skips when that folder is absent.

The finder was tuned on those two articles (002, 003), so their figures are optimistic. The
held-out labels in tests/fixtures/seed_name_labels_heldout.json cover three other seeds (000,
001 machine-translated from Thai, 004); they were made and committed by reading the articles,
before the finder was run on them, with the same conventions, and the finder was not changed
after. Decisions the tune labels did not show: an outlet whose name starts with a capital
"The" mid-sentence keeps it ("The Moscow Times"), a sentence-initial generic "The" does not;
a name inside a hyphenated compound, glued to a caption tag ("...Image:") or joined to another
by "/" in a photo credit is labelled alone, each name of a credit separately; an inner 's that
belongs to a name stays ("... Prosecutor's Office"); a name with commas is one span when it is
one organisation's name, as is its quoted translation (like "Way Home" in the tune labels); a
military unit's designation with its number is an organisation; a TV programme's title
("Direct Line") is not labelled (not a person, organisation, place or outlet).

A predicted span is correct only when (start, end) matches a labelled span exactly.
Run `python tests/test_names_spans.py` to print precision, recall and F1 for the tune and the
held-out labels, then every false positive and false negative of the tune labels. The held-out
errors are never printed: whoever reads them would tune on them.
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
HELDOUT_LABELS = ROOT / "tests" / "fixtures" / "seed_name_labels_heldout.json"

# Floors about 0.03 under what was measured when the labels were made, so a regression of the
# finder fails the test. Measured then (hit/predicted, hit/labelled):
#   002: precision 0.658 (52/79), recall 0.667 (52/78)
#   003: precision 0.788 (26/33), recall 0.812 (26/32)
#   overall: precision 0.696 (78/112), recall 0.709 (78/110)
# and after fixing what these labels showed (so these figures are optimistic: tuned on them):
#   002: precision 0.866 (71/82), recall 0.910 (71/78)
#   003: precision 0.784 (29/37), recall 0.906 (29/32)
#   overall: precision 0.840 (100/119), recall 0.909 (100/110)
# At the time the held-out labels were made (tune: 002 0.866/0.910, 003 0.833 (30/36)/0.938
# (30/32), overall 0.856 (101/118)/0.918 (101/110), F1 0.886).
# Raise them when the finder improves.
FLOORS = {
    "002_760c513f13e5c23f.txt": {"precision": 0.83, "recall": 0.88},
    "003_b962ebf88adc878d.txt": {"precision": 0.75, "recall": 0.87},
    "overall": {"precision": 0.81, "recall": 0.88},
}

# Held-out floors, likewise about 0.03 under what was measured on labels the finder was never
# tuned on. Measured when they were made (before any change to the finder):
#   000: precision 0.960 (24/25), recall 1.000 (24/24), F1 0.980
#   001: precision 0.771 (37/48), recall 0.860 (37/43), F1 0.813
#   004: precision 0.805 (70/87), recall 0.761 (70/92), F1 0.782
#   overall: precision 0.819 (131/160), recall 0.824 (131/159), F1 0.821
# Do not fix the finder by looking at these errors: the labels would stop being held out.
HELDOUT_FLOORS = {
    "000_bc187d69fcf73d9e.txt": {"precision": 0.93, "recall": 0.97},
    "001_33508c28f26e4f69.txt": {"precision": 0.74, "recall": 0.83},
    "004_663275ae43366cc1.txt": {"precision": 0.77, "recall": 0.73},
    "overall": {"precision": 0.79, "recall": 0.79},
}

# Label set -> (its fixture, its floors).
LABEL_SETS = {"tune": (LABELS, FLOORS), "held-out": (HELDOUT_LABELS, HELDOUT_FLOORS)}

Span = tuple[int, int]


def load(path: Path = LABELS) -> dict[str, tuple[str, dict[Span, str]]]:
    """Article name -> (its text, labelled spans -> surface), for the labels in `path`."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not present: {SEEDS}")
    labels = json.loads(path.read_text(encoding="utf-8"))
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


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


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
            "f1": f1(ratio(hit, len(pred)), ratio(hit, len(gold))),
            "hit": hit,
            "predicted": len(pred),
            "labelled": len(gold),
        }
        total_hit, total_pred, total_gold = total_hit + hit, total_pred + len(pred), total_gold + len(gold)
    result["overall"] = {
        "precision": ratio(total_hit, total_pred),
        "recall": ratio(total_hit, total_gold),
        "f1": f1(ratio(total_hit, total_pred), ratio(total_hit, total_gold)),
        "hit": total_hit,
        "predicted": total_pred,
        "labelled": total_gold,
    }
    return result


def print_scores(result: dict[str, dict[str, float]]) -> None:
    for name, row in result.items():
        print(
            f"{name}: precision {row['precision']:.3f} ({row['hit']}/{row['predicted']}), "
            f"recall {row['recall']:.3f} ({row['hit']}/{row['labelled']}), F1 {row['f1']:.3f}"
        )


@pytest.mark.parametrize("label_set", LABEL_SETS)
def test_labels_match_the_seed_texts(label_set: str) -> None:
    path, floors = LABEL_SETS[label_set]
    articles = load(path)
    assert set(articles) == set(floors) - {"overall"}
    for name, (text, gold) in articles.items():
        assert gold, name
        for (start, end), surface in gold.items():
            assert text[start:end] == surface, (name, start, end, surface)
        spans = sorted(gold)
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end <= start, f"{name}: overlapping labels at {start}"


def test_held_out_articles_are_not_the_tuned_ones() -> None:
    tuned = json.loads(LABELS.read_text(encoding="utf-8"))
    held_out = json.loads(HELDOUT_LABELS.read_text(encoding="utf-8"))
    assert len(held_out) >= 2
    assert not set(tuned) & set(held_out)


@pytest.mark.parametrize("label_set", LABEL_SETS)
def test_precision_and_recall_stay_above_floors(label_set: str) -> None:
    path, floors = LABEL_SETS[label_set]
    result = scores(load(path))
    print_scores(result)
    for name, floor in floors.items():
        for measure, minimum in floor.items():
            assert result[name][measure] >= minimum, f"{label_set} {name}: {measure} {result[name][measure]:.3f} fell under {minimum:.3f}"


def test_the_report_prints_held_out_scores_but_never_held_out_errors(capsys: pytest.CaptureFixture[str]) -> None:
    report()
    out = capsys.readouterr().out
    held_out = json.loads(HELDOUT_LABELS.read_text(encoding="utf-8"))
    assert "held-out: precision" in out
    assert not any(f"== {name}" in out for name in held_out)
    assert "== 002_760c513f13e5c23f.txt" in out  # the tune errors are there to work on


def report_errors(path: Path = LABELS) -> None:
    """Print the scores, then every false positive and false negative with its line number."""
    articles = load(path)
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


def report() -> None:
    """Tune and held-out figures side by side, then the tune set's errors (held-out: scores only)."""
    results = {label_set: scores(load(path))["overall"] for label_set, (path, _) in LABEL_SETS.items()}
    for label_set, row in results.items():
        print(
            f"{label_set:>8}: precision {row['precision']:.3f} ({row['hit']}/{row['predicted']}), "
            f"recall {row['recall']:.3f} ({row['hit']}/{row['labelled']}), F1 {row['f1']:.3f}"
        )
    print(f"\n######## tune labels: {LABELS.name}")
    report_errors(LABELS)


if __name__ == "__main__":
    try:
        report()
    except pytest.skip.Exception as skipped:
        print(f"skipped: {skipped}")
