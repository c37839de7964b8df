"""Same output: this checkout and another commit's publish the same dataset, row for row.

    git worktree add --detach ../base <commit>
    python benchmarks/same_output.py --against ../base [--size 2000] [--smoke]

Runs `python -m pipeline run` in each checkout on a `benchmarks/scale.py` corpus (translation
off; distinct paragraphs, and with --default also the repeated-text corpus) and, with --smoke,
on data/raw with configs/smoke.yaml; then compares every parquet file's rows (every column) and
names.csv byte for byte. A change made for speed must leave all of them alone. Exit 1 on any
difference, naming the file and the first row that differs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale import corpus_folder, write_config  # noqa: E402


def run(checkout: Path, config: Path, output: Path) -> Path:
    """The pipeline of `checkout` on `config`, published under `output`; the dataset folder."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    command = [sys.executable, "-m", "pipeline", "run", str(config), "--output", str(output), "--quiet"]
    subprocess.run(command, cwd=checkout, env=env, check=True)
    (dataset,) = [path for path in output.iterdir() if (path / "data").is_dir()]
    return dataset


def differences(ours: Path, theirs: Path) -> list[str]:
    """What differs between two published datasets: parquet rows and names.csv bytes."""
    problems = []
    files = sorted({p.relative_to(ours) for p in ours.rglob("*.parquet")} | {p.relative_to(theirs) for p in theirs.rglob("*.parquet")})
    if not files:
        problems.append("no parquet files")
    for relative in files:
        if not (ours / relative).exists() or not (theirs / relative).exists():
            problems.append(f"{relative}: only on one side")
            continue
        a, b = pq.read_table(ours / relative).to_pylist(), pq.read_table(theirs / relative).to_pylist()
        if len(a) != len(b):
            problems.append(f"{relative}: {len(a)} rows against {len(b)}")
        row = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), None)
        if row is not None:
            columns = [key for key in a[row] if a[row][key] != b[row].get(key)]
            problems.append(f"{relative}: row {row} differs in {columns}")
    if (ours / "names.csv").read_bytes() != (theirs / "names.csv").read_bytes():
        problems.append("names.csv differs")
    return problems


def compare(against: Path, config_for: dict[str, Path], work: Path) -> int:
    failed = 0
    for label, config in config_for.items():
        datasets = [run(checkout, config, work / f"out-{label}-{side}") for side, checkout in (("ours", ROOT), ("theirs", against))]
        problems = differences(*datasets)
        rows = sum(pq.read_metadata(p).num_rows for p in (datasets[0] / "data").glob("*.parquet"))
        print(f"{label}: {rows} documents, " + ("identical" if not problems else "DIFFERENT: " + "; ".join(problems)), flush=True)
        failed += bool(problems)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True, help="a checkout of the commit to compare with")
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--default", action="store_true", help="also the repeated-text corpus")
    parser.add_argument("--smoke", action="store_true", help="also data/raw with configs/smoke.yaml")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "cache" / "same-output")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    configs = {}
    for unique in (True, False) if args.default else (True,):
        label = f"{'distinct' if unique else 'default'}-{args.size}"
        corpus = corpus_folder(work, args.size, unique)
        configs[label] = write_config(work / f"{label}.yaml", corpus, work / f"scratch-{label}", "local", 1, False)
    if args.smoke:
        configs["smoke"] = _smoke_config(work)
    return compare(args.against.resolve(), configs, work)


def _smoke_config(work: Path) -> Path:
    """configs/smoke.yaml with its relative paths made absolute in this checkout, so that both
    sides read the same input and the same tiny models. They share one translation cache: the
    second side reads the first one's translations, so only what follows translation is compared."""
    text = (ROOT / "configs" / "smoke.yaml").read_text(encoding="utf-8")
    text = text.replace("input: data/raw", f"input: {ROOT / 'data' / 'raw'}")
    text = text.replace("models/tiny/", f"{ROOT / 'models' / 'tiny'}/")
    text = text.replace("cache: data/cache/smoke-translations.sqlite", f"cache: {work / 'smoke-translations.sqlite'}")
    path = work / "smoke.yaml"
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
