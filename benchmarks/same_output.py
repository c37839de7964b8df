"""Same output: this checkout and another commit's publish the same dataset, row for row.

    git worktree add --detach ../base <commit>
    python benchmarks/same_output.py --against ../base [--size 2000] [--default] [--smoke] [--ray]
        [--baseline-cache DIR] [--workers N]

Runs `python -m pipeline run` in each checkout on a `benchmarks/scale.py` corpus (translation
off; distinct paragraphs, and with --default also the repeated-text corpus) and, with --smoke,
on data/raw with configs/smoke.yaml; with --ray each of them again on the Ray executor. Then
compares every parquet file's rows (every column), names.csv, the card and the charts byte for
byte, and run_report.json without its timings. A change made for speed or for the code's shape
must leave all of them alone. Exit 1 on any difference, naming the file and the first row that
differs. --baseline-cache keeps the other checkout's datasets and reuses them on the next call
(the other commit's output does not change).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale import corpus_folder, write_config  # noqa: E402


def run(checkout: Path, config: Path, output: Path) -> Path:
    """The pipeline of `checkout` on `config`, published under `output`; the dataset folder."""
    shutil.rmtree(output, ignore_errors=True)
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
    for relative in sorted({"names.csv", "README.md"} | _files(ours, "charts") | _files(theirs, "charts")):
        if not (ours / relative).exists() or not (theirs / relative).exists():
            problems.append(f"{relative}: only on one side")
        elif _without_location(ours, relative) != _without_location(theirs, relative):
            problems.append(f"{relative} differs")
    reports = [_report(side) for side in (ours, theirs)]
    if reports[0] != reports[1]:
        keys = sorted(key for key in reports[0].keys() | reports[1].keys() if reports[0].get(key) != reports[1].get(key))
        problems.append(f"run_report.json differs in {keys}")
    return problems


def _files(dataset: Path, folder: str) -> set[str]:
    return {path.relative_to(dataset).as_posix() for path in (dataset / folder).rglob("*") if path.is_file()}


def _without_location(dataset: Path, relative: str) -> bytes:
    """The file's bytes with the dataset's own folder (the card's load_dataset lines) written as <dataset>."""
    return (dataset / relative).read_bytes().replace(str(dataset).encode(), b"<dataset>")


def _report(dataset: Path) -> object:
    """run_report.json as compared: no timings, no translation-cache counts (the two sides share
    the cache, so the second one hits it), and the registry by file name (each checkout has its own)."""
    report = json.loads((dataset / "run_report.json").read_text(encoding="utf-8"))
    if report.get("names", {}).get("registry"):
        report["names"]["registry"] = Path(report["names"]["registry"]).name
    return _without_timings(report)


# Durations, rates, clock times and the translation cache's hit and call counts.
TIMING = re.compile(r"seconds|wall|per_second|elapsed|started|finished|rate|cache_hits|model_calls|model_sentences")


def _without_timings(value: object) -> object:
    """The report with every key that holds a duration, a rate or a clock time left out."""
    if isinstance(value, dict):
        return {key: _without_timings(item) for key, item in value.items() if not TIMING.search(str(key))}
    if isinstance(value, list):
        return [_without_timings(item) for item in value]
    return value


def compare(against: Path, config_for: dict[str, tuple[Path, Path]], work: Path, cache: Path | None) -> int:
    """Each label's config run by this checkout and by the other (each with its own config: ours
    may set a key the other does not know, such as local.workers)."""
    failed = 0
    for label, (config, their_config) in config_for.items():
        ours = run(ROOT, config, work / f"out-{label}-ours")
        cached = cache / label if cache else None
        if cached and cached.is_dir() and any(cached.iterdir()):
            theirs = next(path for path in cached.iterdir() if (path / "data").is_dir())
        else:
            theirs = run(against, their_config, cached or work / f"out-{label}-theirs")
        datasets = [ours, theirs]
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
    parser.add_argument("--ray", action="store_true", help="also each config on the Ray executor (2 CPUs)")
    parser.add_argument(
        "--workers", help="local.workers of this checkout's local runs (a number or auto): the baseline's dataset must not change"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "cache" / "same-output")
    parser.add_argument("--baseline-cache", type=Path, help="keep (and reuse) the other checkout's datasets here")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    configs = {}
    for executor in ("local", "ray") if args.ray else ("local",):
        for unique in (True, False) if args.default else (True,):
            label = f"{'distinct' if unique else 'default'}-{args.size}-{executor}"
            corpus = corpus_folder(work, args.size, unique)
            workers = args.workers if executor == "local" else None
            configs[label] = (
                _relative_registry(write_config(work / f"{label}.yaml", corpus, work / f"scratch-{label}", executor, 2, False, workers)),
                _relative_registry(write_config(work / f"{label}-theirs.yaml", corpus, work / f"scratch-{label}", executor, 2, False)),
            )
        if args.smoke:
            label = f"smoke-{executor}"
            configs[label] = (
                _smoke_config(work, label, executor, args.workers if executor == "local" else None),
                _smoke_config(work, label + "-theirs", executor, None),
            )
    cache = args.baseline_cache.resolve() if args.baseline_cache else None
    return compare(args.against.resolve(), configs, work, cache)


def _relative_registry(config: Path) -> Path:
    """The registry as `configs/names.yaml`, each side's own: an absolute path into this checkout
    would put this checkout's folder into the other side's card."""
    text = config.read_text(encoding="utf-8").replace(str(ROOT / "configs" / "names.yaml"), "configs/names.yaml")
    config.write_text(text, encoding="utf-8")
    return config


def _smoke_config(work: Path, name: str, executor: str, workers: str | None) -> Path:
    """configs/smoke.yaml with its relative paths made absolute in this checkout, so that both
    sides read the same input. The tiny models' folder stays relative: each side builds its own in
    its checkout (the builds are byte-identical) and the config hash, which counts the model's path,
    is the same for both. They share one translation cache: the second side reads the first one's
    translations."""
    text = (ROOT / "configs" / "smoke.yaml").read_text(encoding="utf-8")
    text = text.replace("input: data/raw", f"input: {ROOT / 'data' / 'raw'}")
    text = text.replace("cache: data/cache/smoke-translations.sqlite", f"cache: {work / 'smoke-translations.sqlite'}")
    text += f"executor: {executor}\nray:\n  num_cpus: 2\n" + (f"local:\n  workers: {workers}\n" if workers else "")
    path = work / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
