"""Name matching on the OFAC SDN name variants (persons), and matching speed at scale.

    python benchmarks/names.py ../shared/eval/names/ofac_russia_name_variants.tsv

Each person group's `primary` name becomes a registry entity; every `aka` spelling of every
group is then matched against all entities. Correct: the aka's own group; wrong: another
group; unmatched: nothing. Two baselines run on the same data in the same process:
OpenRefine-style fingerprint key collision, and rapidfuzz token_sort_ratio >= 85 on
ASCII-folded names. Scored apart: the held-out slice (benchmarks/ofac_split.py: chosen by a
hash of the group id, none of its surnames named by our code) and the tuned rest. Then: mentions matched per second, 100,000 synthetic mentions against
10,000 synthetic entities, on one core.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
import unicodedata
from collections import defaultdict
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process, utils  # noqa: E402

from benchmarks.ofac_split import held_out_groups  # noqa: E402
from pipeline.config import NormalizeConfig  # noqa: E402
from pipeline.names import Entity  # noqa: E402
from pipeline.names.matching.index import NameIndex  # noqa: E402


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fingerprint(text: str) -> str:
    """OpenRefine's fingerprint: lower, no punctuation, ASCII, unique sorted tokens."""
    tokens = re.sub(r"[^\w\s]", "", ascii_fold(text).lower()).split()
    return " ".join(sorted(set(tokens)))


def read_groups(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    primaries: dict[str, str] = {}
    akas: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["entity_type"] != "person":
                continue
            if row["name_role"] == "primary":
                primaries[row["group_id"]] = row["name"]
            elif row["name_role"] == "aka":
                akas.append((row["group_id"], row["name"]))
    return primaries, [(group, name) for group, name in akas if group in primaries]


def score(predictions: list[str | None], akas: list[tuple[str, str]]) -> tuple[float, float, float]:
    correct = sum(1 for p, (g, _) in zip(predictions, akas) if p == g)
    unmatched = sum(1 for p in predictions if p is None)
    n = len(akas)
    return correct / n, (n - correct - unmatched) / n, unmatched / n


def run_fingerprint(primaries: dict[str, str], akas: list[tuple[str, str]]) -> list[str | None]:
    keys: dict[str, list[str]] = defaultdict(list)
    for group, name in primaries.items():
        keys[fingerprint(name)].append(group)
    return [keys[fingerprint(name)][0] if len(keys.get(fingerprint(name), [])) == 1 else None for _, name in akas]


def run_rapidfuzz(primaries: dict[str, str], akas: list[tuple[str, str]]) -> list[str | None]:
    groups = list(primaries)
    choices = [ascii_fold(primaries[g]) for g in groups]
    out: list[str | None] = []
    for _, name in akas:
        found = process.extractOne(
            ascii_fold(name), choices, scorer=fuzz.token_sort_ratio, processor=utils.default_process, score_cutoff=85
        )
        out.append(groups[found[2]] if found else None)
    return out


def run_ours(primaries: dict[str, str], akas: list[tuple[str, str]], threshold: float, applied: bool) -> list[str | None]:
    """applied: what the pipeline replaces without review (a near-miss surname never is)."""
    index = NameIndex(Entity(id=group, canonical=name, type="person") for group, name in primaries.items())
    out: list[str | None] = []
    for _, name in akas:
        found = index.resolve(name)
        ok = found is not None and found.score >= threshold and (found.automatic or not applied)
        out.append(found.entity.id if found and ok else None)
    return out


_ALTERNATIONS = [
    ("y", "i"),
    ("i", "y"),
    ("e", "ye"),
    ("kh", "h"),
    ("v", "w"),
    ("ts", "tz"),
    ("ks", "x"),
    ("ei", "ey"),
    ("s", "ss"),
    ("zh", "j"),
]


def synthetic(primaries: dict[str, str], entities: int, mentions: int, seed: int = 0) -> tuple[list[Entity], list[str]]:
    rng = random.Random(seed)
    surnames = sorted({name.split(",")[0].strip().title() for name in primaries.values() if "," in name})
    givens = sorted({name.split(",")[1].split()[0] for name in primaries.values() if "," in name and name.split(",")[1].split()})
    names: set[str] = set()
    while len(names) < entities:
        names.add(f"{rng.choice(givens)} {rng.choice(surnames)}{rng.choice(['', '', 'a', 'ov', 'in', 'sky'])}")
    catalogue = [Entity(id=f"e{i}", canonical=name, type="person") for i, name in enumerate(sorted(names))]
    texts = []
    for _ in range(mentions):
        name = rng.choice(catalogue).canonical
        if rng.random() < 0.7:
            old, new = rng.choice(_ALTERNATIONS)
            name = name.replace(old, new, 1)
        texts.append(name)
    return catalogue, texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--mentions", type=int, default=100_000)
    args = parser.parse_args()
    primaries, all_akas = read_groups(args.path)
    names_by_group: dict[str, list[str]] = defaultdict(list)
    for group, name in [*primaries.items(), *all_akas]:
        names_by_group[group].append(name)
    held_out, put_back = held_out_groups(names_by_group)
    print(f"{len(primaries)} person entities, {len(all_akas)} aka spellings; every primary is in the registry")
    print(f"held-out slice: {len(held_out)} groups ({put_back} hashed-out groups put back: our code names their surname)\n")
    for part in ("tuned", "held-out"):
        akas = [(group, name) for group, name in all_akas if (group in held_out) == (part == "held-out")]
        print(f"{part}: {len(akas)} aka spellings")
        _score_methods(primaries, akas)
    _speed(primaries, args.entities, args.mentions)
    return 0


def _score_methods(primaries: dict[str, str], akas: list[tuple[str, str]]) -> None:
    print(f"{'method':<34}{'correct':>9}{'wrong':>8}{'unmatched':>11}{'seconds':>9}")
    defaults = NormalizeConfig()
    ours_applied = partial(run_ours, threshold=defaults.auto_threshold, applied=True)
    ours_proposed = partial(run_ours, threshold=defaults.review_threshold, applied=False)
    for label, method in [
        ("fingerprint key collision", run_fingerprint),
        ("rapidfuzz token_sort_ratio>=85", run_rapidfuzz),
        (f"ours, applied (>= {defaults.auto_threshold})", ours_applied),
        (f"ours, proposed (>= {defaults.review_threshold})", ours_proposed),
    ]:
        started = time.perf_counter()
        predictions = method(primaries, akas)
        seconds = time.perf_counter() - started
        correct, wrong, unmatched = score(predictions, akas)
        print(f"{label:<34}{correct:>9.1%}{wrong:>8.2%}{unmatched:>11.1%}{seconds:>9.2f}")
    print()


def _speed(primaries: dict[str, str], entities: int, mentions_count: int) -> None:
    catalogue, mentions = synthetic(primaries, entities, mentions_count)
    started = time.perf_counter()
    index = NameIndex(catalogue)
    built = time.perf_counter() - started
    started = time.perf_counter()
    resolved = sum(1 for text in mentions if index.resolve(text))
    seconds = time.perf_counter() - started
    print(f"\nspeed: {len(mentions):,} synthetic mentions against {len(catalogue):,} entities (one core)")
    print(f"index built in {built:.2f}s; {len(mentions) / seconds:,.0f} mentions/s; {resolved / len(mentions):.1%} resolved")


if __name__ == "__main__":
    raise SystemExit(main())
