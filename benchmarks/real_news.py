"""Discovery on real Russian news linked to Wikidata: NEREL v1.1, train split only.

    python benchmarks/real_news.py /work/.mirror/nerel-ds+NEREL/repo

NEREL (github.com/nerel-ds/NEREL; Russian Wikinews texts, CC BY) marks PERSON, ORGANIZATION and
place spans (CITY, COUNTRY, STATE_OR_PROVINCE, DISTRICT, LOCATION) and links some of them to
Wikidata ids (`N` lines). Only its **train** split is read: its dev and test splits are reserved
for our own checks. The path is a checkout or a bare git directory of that repository; the train
texts are extracted into data/cache/nerel-train (ignored by git), nothing of them is shipped.

Gold: the name spans of those types (`is_name`: a capital first, not one adjective alone); a span unlinked takes the Wikidata id of a linked span of the same type and text
in its document. Registry off, translation off: every system sees only the Russian text.

- mention recall: gold name spans that a found span matches (they overlap by at least half of
  the longer of the two); all gold spans, linked or not.
- pairwise and B-cubed over distinct spellings: an item is a gold spelling of one Wikidata id
  (its text as written, case folded) that was found; its system group is the one most of its
  mentions got. Two items in one group are a pair found; two items of one id a true pair.
  `e2e R` counts the true pairs of every gold spelling, found or not.
- what no spelling-level grouper gets right: `false` (pairs found of two ids), `1-spelling` (of
  those, the pairs of one spelling, case folded, under two ids: "Вашингтон" the city and the
  state, "России" the country and its government), and `ceiling P`, the pair P of a perfect
  grouper that gives each spelling the one id gold links it to most (spelling_ceiling).

Systems: ours (`pipeline.names.discovery.russian_names`, each document's records into the name
table, the corpus's proposed groups); natasha's NER spans grouped by natasha's own normal form
(exact); the same spans grouped by rapidfuzz token_set_ratio >= 90 over their normal forms.

The train documents are split by a hash of their file name into a tune part (the rules were
looked at against it) and a held-out part (only its scores are printed); each part is grouped as
a corpus of its own, and the two are reported side by side.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from pipeline.names.discovery import russian_names  # noqa: E402
from pipeline.names.table import NameTable  # noqa: E402

SPLIT = "NEREL-v1.1/train"  # the only split read: dev and test are reserved
CACHE = ROOT / "data" / "cache" / "nerel-train"
SALT = "issue-22 real-news held-out"
KINDS = {
    "PERSON": "person",
    "ORGANIZATION": "organisation",
    "CITY": "place",
    "COUNTRY": "place",
    "STATE_OR_PROVINCE": "place",
    "DISTRICT": "place",
    "LOCATION": "place",
}


@dataclass
class Gold:
    start: int
    end: int
    text: str
    kind: str
    wikidata: str | None


def extract_train(source: Path) -> Path:
    """The train split's files, from a checkout or a bare git directory, into the cache."""
    if (source / SPLIT).is_dir():
        return source / SPLIT
    target = CACHE / SPLIT
    if not target.is_dir():
        archive = subprocess.run(["git", f"--git-dir={source}", "archive", "HEAD", SPLIT], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(CACHE, filter="data")
    return target


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def is_name(text: str) -> bool:
    """A name, not a description around one: it opens with a capital letter, a digit or a quote
    ("пресс-служба МВД Киргизии" is not; "МВД Киргизии" is), and is not one adjective alone
    (NEREL marks "Нобелевской" of "Нобелевской премии" PERSON, "Российская" of "Российская
    Федерация" aside, a place)."""
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "«\"'"):
        return False
    return " " in text or "ADJF" not in _morph().parse(text)[0].tag


def read_gold(ann: str) -> list[Gold]:
    spans: dict[str, Gold] = {}
    links: dict[str, str] = {}
    for line in ann.splitlines():
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 3:
            label, *where = fields[1].replace(";", " ").split()
            if label in KINDS and is_name(fields[2]):
                spans[fields[0]] = Gold(int(where[0]), int(where[-1]), fields[2], KINDS[label], None)
        elif line.startswith("N") and len(fields) >= 2:
            parts = fields[1].split()
            if len(parts) == 3 and parts[2].startswith("Wikidata:Q"):
                links[parts[1]] = parts[2].removeprefix("Wikidata:")
    by_text: dict[tuple[str, str], str] = {}
    for name, span in spans.items():
        if name in links:
            span.wikidata = links[name]
            by_text.setdefault((span.kind, span.text.casefold()), links[name])
    for span in spans.values():
        span.wikidata = span.wikidata or by_text.get((span.kind, span.text.casefold()))
    return sorted(spans.values(), key=lambda span: (span.start, span.end))


def held_out(name: str) -> bool:
    return int(hashlib.sha256(f"{SALT}:{name}".encode()).hexdigest(), 16) % 3 == 0


# --- systems: each gives, per document, found spans (start, end) and a group label for each ---

Found = list[tuple[int, int, str]]


def ours(documents: dict[str, str]) -> dict[str, Found]:
    table = NameTable()
    found: dict[str, list[tuple[int, int, str, str]]] = {}
    for name, text in documents.items():
        names = russian_names(text)
        found[name] = [(n.start, n.end, n.text, n.entity_id) for n in names]
        table.add(name, [{"variant": n.text, "entity_id": n.entity_id, "canonical": n.canonical, "method": "discovered",
                          "score": 0.0, "applied": False, "example": "", "type": n.kind, "reason": n.reason,
                          "per_article": n.per_article, "undecided": n.undecided} for n in names])  # fmt: skip
    out: dict[str, Found] = {}
    for name, spans in found.items():
        out[name] = []
        for start, end, variant, entity_id in spans:
            group = table.corpus_group(variant, entity_id, name)
            out[name].append((start, end, group[0] if group else entity_id))
    return out


def natasha_spans(documents: dict[str, str]) -> dict[str, list[tuple[int, int, str]]]:
    """natasha's NER spans with natasha's own normal form (cached: the slow part)."""
    cache = CACHE / "natasha.json"
    stored = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    missing = [name for name in documents if name not in stored]
    if missing:
        import pymorphy2.analyzer
        import pymorphy2_dicts_ru
        from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

        # pymorphy2 finds its dictionary through pkg_resources, which is not installed here.
        pymorphy2.analyzer._lang_dict_paths = lambda: {"ru": pymorphy2_dicts_ru.get_path()}

        embedding = NewsEmbedding()
        segmenter, morph, ner, vocab = Segmenter(), NewsMorphTagger(embedding), NewsNERTagger(embedding), MorphVocab()
        for name in missing:
            doc = Doc(documents[name])
            doc.segment(segmenter)
            doc.tag_morph(morph)
            doc.tag_ner(ner)
            for span in doc.spans:
                span.normalize(vocab)
            stored[name] = [(span.start, span.stop, span.normal or span.text) for span in doc.spans]
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    return {name: [tuple(span) for span in stored[name]] for name in documents}  # type: ignore[misc]


def natasha_exact(documents: dict[str, str]) -> dict[str, Found]:
    return {name: [(s, e, normal.casefold()) for s, e, normal in spans] for name, spans in natasha_spans(documents).items()}


def natasha_token_set(documents: dict[str, str]) -> dict[str, Found]:
    spans = natasha_spans(documents)
    cluster: dict[str, int] = {}
    representatives: list[str] = []
    for normal in sorted({normal.casefold() for found in spans.values() for _, _, normal in found}):
        best = process.extractOne(normal, representatives, scorer=fuzz.token_set_ratio, score_cutoff=90) if representatives else None
        cluster[normal] = best[2] if best else len(representatives)
        if not best:
            representatives.append(normal)
    return {name: [(s, e, str(cluster[normal.casefold()])) for s, e, normal in found] for name, found in spans.items()}


# --- scoring -----------------------------------------------------------------------------------


def match(gold: list[Gold], found: Found) -> list[str | None]:
    """Each gold span's system group, or None: a found span goes to the gold span it overlaps
    most (intersection over union) among those it overlaps by at least half of the longer of the
    two, so that one found span ("России") never counts for two nested gold spans ("Банк России")."""
    out: list[str | None] = [None] * len(gold)
    for start, end, group in found:
        best, best_iou = -1, 0.0
        for index, span in enumerate(gold):
            overlap = min(end, span.end) - max(start, span.start)
            if overlap > 0 and overlap * 2 >= max(end - start, span.end - span.start):
                iou = overlap / (max(end, span.end) - min(start, span.start))
                if iou > best_iou:
                    best, best_iou = index, iou
        if best >= 0 and out[best] is None:
            out[best] = group
    return out


def missed(golds: dict[str, list[Gold]], found: dict[str, Found], limit: int) -> list[str]:
    """Gold spans no found span matched (tune part only), most frequent first."""
    counts: Counter[str] = Counter()
    for name, gold in golds.items():
        for span, group in zip(gold, match(gold, found[name])):
            if group is None:
                counts[f"{span.text} ({span.kind})"] += 1
    return [f"{text} x{count}" for text, count in counts.most_common(limit)]


def _pairs(labels: dict[tuple[str, str], str]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item, label in labels.items():
        members[label].append(item)
    return {pair for group in members.values() for pair in combinations(sorted(group), 2)}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(
    golds: dict[str, list[Gold]], found: dict[str, Found], matcher: Callable[[Any, Found], list[str | None]] = match
) -> dict[str, float]:
    """The columns for one system on one part; `matcher` gives each gold span its system group
    (real_news_en.py passes its own, which knows nested English spans)."""
    matched = total = 0
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    every_item: dict[tuple[str, str], str] = {}
    for name, gold in golds.items():
        groups = matcher(gold, found[name])
        total += len(gold)
        matched += sum(group is not None for group in groups)
        for span, group in zip(gold, groups):
            if span.wikidata:
                item = (span.text.casefold(), span.wikidata)
                every_item[item] = span.wikidata
                if group is not None:
                    votes[item][group] += 1
    truth = {item: item[1] for item in votes}
    predicted = {item: counter.most_common(1)[0][0] for item, counter in votes.items()}
    true_pairs, predicted_pairs = _pairs(truth), _pairs(predicted)
    both = len(true_pairs & predicted_pairs)
    p = both / len(predicted_pairs) if predicted_pairs else 1.0
    r = both / len(true_pairs) if true_pairs else 1.0
    by_pred: dict[str, set[tuple[str, str]]] = defaultdict(set)
    by_true: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for item in truth:
        by_pred[predicted[item]].add(item)
        by_true[truth[item]].add(item)
    b3p = sum(len(by_pred[predicted[i]] & by_true[truth[i]]) / len(by_pred[predicted[i]]) for i in truth) / max(1, len(truth))
    b3r = sum(len(by_pred[predicted[i]] & by_true[truth[i]]) / len(by_true[truth[i]]) for i in truth) / max(1, len(truth))
    false_pairs = predicted_pairs - true_pairs
    return {
        "mentions": total,
        "mention R": matched / max(1, total),
        "items": len(truth),
        "pair P": p,
        "false": len(false_pairs),
        "1-spelling": sum(a[0] == b[0] for a, b in false_pairs),
        "ceiling P": spelling_ceiling(votes),
        "pair R": r,
        "pair F1": _f1(p, r),
        "e2e R": both / max(1, len(_pairs(every_item))),
        "B3 F1": _f1(b3p, b3r),
    }


def spelling_ceiling(votes: dict[tuple[str, str], Counter[str]]) -> float:
    """Pairwise precision of a perfect spelling-level grouper: one that gives every spelling (case
    folded) one entity corpus-wide, the one gold links it to most often (by found mentions; ties:
    the least id). Where gold links one spelling to two ids ("Вашингтон" the city and the state,
    "России" the country and its government), the rarer reading's item lands in the other
    entity's group whatever such a grouper does."""
    mentions: dict[str, Counter[str]] = defaultdict(Counter)
    for (spelling, wikidata), counter in votes.items():
        mentions[spelling][wikidata] += sum(counter.values())
    reading = {spelling: min(counter, key=lambda w: (-counter[w], w)) for spelling, counter in mentions.items()}
    oracle = _pairs({item: reading[item[0]] for item in votes})
    return len(oracle & _pairs({item: item[1] for item in votes})) / len(oracle) if oracle else 1.0


def wrong_pairs(golds: dict[str, list[Gold]], found: dict[str, Found], limit: int) -> list[str]:
    """Examples of spellings grouped together that belong to two ids (tune part only)."""
    by_group: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for name, gold in golds.items():
        for span, group in zip(gold, match(gold, found[name])):
            if span.wikidata and group is not None:
                by_group[group].add((span.text, span.wikidata))
    out = []
    for group, items in sorted(by_group.items(), key=lambda kv: -len({w for _, w in kv[1]})):
        if len({w for _, w in items}) > 1:
            out.append(f"{group}: " + ", ".join(sorted(f"{t}[{w}]" for t, w in items))[:300])
    return out[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nerel", type=Path, help="a checkout or bare git directory of nerel-ds/NEREL")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents (a quick look)")
    parser.add_argument("--errors", type=int, default=0, help="print N wrongly joined groups of the tune part")
    args = parser.parse_args()
    train = extract_train(args.nerel)
    texts = sorted(train.glob("*.txt"))[: args.limit or None]
    parts: dict[str, dict[str, str]] = {"tune": {}, "held-out": {}}
    golds: dict[str, list[Gold]] = {}
    for path in texts:
        parts["held-out" if held_out(path.stem) else "tune"][path.stem] = path.read_text(encoding="utf-8")
        golds[path.stem] = read_gold(path.with_suffix(".ann").read_text(encoding="utf-8"))
    systems: list[tuple[str, Callable[[dict[str, str]], dict[str, Found]]]] = [
        ("natasha + exact normal form", natasha_exact),
        ("natasha + token_set >= 90", natasha_token_set),
        ("ours (registry off)", ours),
    ]
    columns = ["mention R", "pair P", "pair R", "pair F1", "e2e R", "B3 F1"]
    # false: predicted pairs of two ids; 1-spelling: those of one spelling (case folded) under two
    # ids, wrong for any grouper that gives a spelling one entity; ceiling P: the pair P of a
    # perfect such grouper (spelling_ceiling).
    honest = ["false", "1-spelling", "ceiling P"]
    print(f"NEREL v1.1 train: {len(texts)} documents, tune {len(parts['tune'])}, held-out {len(parts['held-out'])}")
    print(
        f"{'system':<30}{'part':<10}{'mentions':>9}{'items':>7}"
        + "".join(f"{c:>10}" for c in columns)
        + f"{'s':>7}"
        + "".join(f"{c:>11}" for c in honest)
    )
    for label, system in systems:
        for part, documents in parts.items():
            started = time.perf_counter()
            found = system(documents)
            seconds = time.perf_counter() - started
            result = score({name: golds[name] for name in documents}, found)
            print(
                f"{label:<30}{part:<10}{result['mentions']:>9}{result['items']:>7}"
                + "".join(f"{result[c]:>10.3f}" for c in columns)
                + f"{seconds:>7.0f}"
                + f"{result['false']:>11}{result['1-spelling']:>11}{result['ceiling P']:>11.3f}"
            )
            if args.errors and part == "tune" and label.startswith("ours"):
                tuned = {n: golds[n] for n in documents}
                print("   joined:", *wrong_pairs(tuned, found, args.errors), sep="\n   ")
                print("   missed:", ", ".join(missed(tuned, found, args.errors * 4)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
