"""Scale: documents per second and peak memory as the corpus grows, local and on Ray.

    python benchmarks/scale.py [--sizes 10000 100000] [--ray-size 10000] [--translate]
    python benchmarks/scale.py --sizes 10000 --ray-size 0 --against ../wt-18bd80c   # docs/s ratio
    python benchmarks/scale.py --sizes 2000 --unique --floor [--against ../wt-18bd80c]  # CPU vs the floor
    python benchmarks/scale.py --startup [--against /work/base]   # start-up and whole run, one document
    python benchmarks/scale.py --ray-overhead   # a one-document run, local and on Ray: Ray's fixed cost
    python benchmarks/scale.py --sizes 10000 --workers 1 2 --ray-size 10000 --unique --rounds 2
        # local.workers 1 and 2 and Ray with 1 and 2 CPUs in one table, twice, alternating

A synthetic corpus of N documents is made from our sample data (JSON Lines, 1,000 documents a
file, each document the paragraphs of a sample document plus its copy number). The local
executor streams: its peak RSS should not grow with N (target: 100,000 <= 1.2 x 10,000).
Ray runs with 1 and 2 workers on the smaller size; for Ray the RSS is the driver's only, the CPU
seconds those of the driver and every process under it (Ray's workers, read from /proc, and those
it shut down and reaped); "driver CPU s" is the run's own process alone (on Ray: staging and
publishing), "others CPU s" the rest (Ray's workers and its own processes; the local executor's
workers), "load" the machine's load average after the run (other jobs on the machine slow a run
down).
Translation is off unless --translate (then the tiny models, whose cache makes repeats free).
Each measurement runs in its own process, so that its peak memory is its own.
--against DIR (a checkout of another commit, e.g. `git worktree add ../wt-18bd80c 18bd80c`)
runs that checkout's pipeline on the same corpus and config, alternating with ours --repeats
times, and prints the ratio of the best documents/s of each.
--unique makes every paragraph of every document distinct (each ends with the copy number), so
that a cache keyed on paragraph or document text cannot make repeats of the samples free.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def make_corpus(folder: Path, documents: int, unique: bool = False) -> Path:
    from pipeline.ingest import Ingest

    if (folder / "done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    samples = list(
        Ingest(ROOT / "data" / "raw", [".txt", ".md", ".html", ".htm", ".jsonl"], 5_000_000, ["cp1251", "koi8_r", "cp874"]).run()
    )
    for start in range(0, documents, 1000):
        lines = []
        for n in range(start, min(documents, start + 1000)):
            sample = samples[n % len(samples)]
            paragraphs = [f"{paragraph} ({n})" for paragraph in sample.text.split("\n\n")] if unique else [sample.text, f"({n})"]
            text = "\n\n".join(paragraphs)
            lines.append(json.dumps({"text": text, "title": sample.title, "url": sample.url}, ensure_ascii=False))
        (folder / f"part-{start // 1000:05d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "done").write_text("")
    return folder


def write_config(
    path: Path, corpus: Path, output: Path, executor: str, workers: int, translate: bool, local_workers: int | str | None = None
) -> Path:
    """A run config; `local_workers` sets `local.workers` (left out when None: another checkout may
    not know the key)."""
    models = (
        "  build_tiny_models: true\n  models:\n"
        f"    ru: {{model: {ROOT / 'models/tiny/opus-mt-tiny-ru-en'}}}\n    th: {{model: {ROOT / 'models/tiny/opus-mt-tiny-th-en'}}}\n"
    )
    path.write_text(
        f"name: scale\ninput: {corpus}\noutput: {output}\nquiet: true\nexecutor: {executor}\nray:\n  num_cpus: {workers}\n"
        f"translate:\n  enabled: {str(translate).lower()}\n  device: cpu\n  max_new_tokens: 8\n  cache: {output / 'cache.sqlite'}\n"
        + (models if translate else "")
        + f"normalize:\n  registry: {ROOT / 'configs' / 'names.yaml'}\n"
        + (f"local:\n  workers: {local_workers}\n" if local_workers is not None else ""),
        encoding="utf-8",
    )
    return path


def tree_cpu() -> float:
    """CPU seconds (user and system) of this process and of every live process under it (a local
    Ray's workers, which exit with the driver and are never waited for), from /proc."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        ticks[pid] = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    under = {os.getpid()}
    while grown := {pid for pid, parent in parents.items() if parent in under} - under:
        under |= grown
    return sum(ticks.get(pid, 0) for pid in under) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    """CPU seconds of this process and of the processes it reaped."""
    return sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])


def measure(config: Path) -> dict[str, float]:
    """Run the pipeline in this process; report wall seconds, this process's peak RSS and the
    CPU seconds of its process tree (Ray's processes counted just before Ray shuts down, as the
    run may shut it down before it returns)."""
    from pipeline.config import load_config
    from pipeline.run import run_pipeline

    others: list[float] = [0.0]
    loaded = load_config(config)
    if loaded.executor == "ray":
        import ray

        shutdown = ray.shutdown

        def counted(*args: object, **kwargs: object) -> None:
            others.append(tree_cpu() - _own_cpu())
            shutdown(*args, **kwargs)  # type: ignore[arg-type]

        ray.shutdown = counted
    started = time.perf_counter()
    result = run_pipeline(loaded)
    return {
        "seconds": time.perf_counter() - started,
        "documents": result.report["documents"]["published"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The largest of the processes it started and waited for (the local executor's workers).
        "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "tree_cpu": _own_cpu() + max(tree_cpu() - _own_cpu(), *others),
        # This process's own: on Ray, the driver's share (the sink) of the tree's.
        "driver_cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    }


def run_measure(script: Path, config: Path) -> dict[str, float]:
    """One measurement by `script` (ours or another checkout's scale.py) in its own process,
    with the CPU seconds (user and system) that process took, start-up included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, str(script), "--measure", str(config)], capture_output=True, text=True, check=True, cwd=script.parent.parent
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return dict(json.loads(done.stdout.strip().splitlines()[-1])) | {"cpu": cpu}


def corpus_folder(work: Path, size: int, unique: bool) -> Path:
    return make_corpus(work / (f"corpus-unique-{size}" if unique else f"corpus-{size}"), size, unique)


# A side of a comparison: the scale.py (or floor.py) that measures it, and the `local.workers` its
# config sets (None: the key is left out, as another checkout may not know it).
Side = tuple[Path, "int | str | None"]


def compare(sides: dict[str, Side], sizes: list[int], work: Path, translate: bool, repeats: int, unique: bool) -> int:
    """Documents/s and CPU seconds of this checkout (once per worker count asked) and of the other
    sides (another checkout's scale.py, the floor script), alternating on the same corpus; best of
    each (CPU moves less than wall time on a shared machine). Ratios are this checkout's against
    each other side."""
    print(f"{'checkout':<26}{'documents':>11}{'best s':>9}{'docs/s':>9}{'best CPU s':>12}{'peak RSS MB':>13}   runs (s; CPU s)")
    for size in sizes:
        corpus = corpus_folder(work, size, unique)
        seconds: dict[str, list[float]] = {side: [] for side in sides}
        cpu: dict[str, list[float]] = {side: [] for side in sides}
        peak: dict[str, float] = {side: 0.0 for side in sides}
        documents = 0
        for _ in range(repeats):
            for number, (side, (script, workers)) in enumerate(sides.items()):
                output = work / f"out-compare-{len(seconds[side])}-{number}-{size}"
                config = write_config(work / f"compare-{size}-{number}.yaml", corpus, output, "local", 1, translate, workers)
                result = run_measure(script, config)
                seconds[side].append(result["seconds"])
                cpu[side].append(result["cpu"])
                peak[side] = max(peak[side], result.get("peak_rss_mb", 0.0), result.get("children_peak_rss_mb", 0.0))
                documents = int(result["documents"])
        speeds = {side: documents / min(runs) for side, runs in seconds.items()}
        for side, runs in seconds.items():
            print(
                f"{side:<26}{documents:>11,}{min(runs):>9.1f}{speeds[side]:>9.0f}{min(cpu[side]):>12.1f}{peak[side]:>13.0f}   "
                + " ".join(f"{r:.1f}" for r in runs)
                + "; "
                + " ".join(f"{c:.1f}" for c in cpu[side])
            )
        ours = [side for side, (script, _) in sides.items() if script == Path(__file__).resolve()]
        for one in ours:
            for other in (side for side in sides if side not in ours):
                print(
                    f"ratio at {size:,} documents, {one} against {other}: {speeds[one] / speeds[other]:.2f}x docs/s, "
                    f"CPU {min(cpu[one]) / min(cpu[other]):.2f}x",
                    flush=True,
                )
        print()
    return 0


# Run in the checkout measured (`python -c` puts its folder first on sys.path): `python -m
# pipeline run CONFIG`, writing to stderr when the first document leaves ingest and when it
# leaves normalize (the last stage before publish: every model it needed is loaded by then).
FIRST_DOCUMENT_PROBE = """
import resource, sys, time
from pipeline.cli import main
from pipeline.ingest import Ingest
from pipeline.names import Normalize

def probe(stage, label):
    running = stage.run

    def timed(self, *args, **kwargs):
        for count, document in enumerate(running(self, *args, **kwargs)):
            if count == 0:
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(f"first document {label} {time.time()} {rss}", file=sys.stderr, flush=True)
            yield document

    stage.run = timed

probe(Ingest, "ingested")
probe(Normalize, "normalized")
sys.exit(main(["run", sys.argv[1]]))
"""


def startup_run(checkout: Path, config: Path) -> dict[str, float]:
    """Seconds from starting `python -m pipeline run` to the first document leaving ingest, to
    it leaving normalize, and to the exit; the CPU seconds of that process, its peak RSS in MB
    when the first document leaves ingest (its memory at start) and at its end (os.wait4 gives
    the usage of that one child; CPU moves less than wall time with load)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        started = time.time()
        process = subprocess.Popen([sys.executable, "-c", FIRST_DOCUMENT_PROBE, str(config)], cwd=checkout, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        marks = {line.split()[2]: line.split()[3:] for line in errors.read().splitlines() if line.startswith("first document ")}
    if process.returncode or len(marks) != 2:
        raise SystemExit(f"{checkout}: the one-document run failed (exit {process.returncode})")
    return {
        "ingested": float(marks["ingested"][0]) - started,
        "normalized": float(marks["normalized"][0]) - started,
        "whole": ended - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "start_rss_mb": int(marks["ingested"][1]) / 1024,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


# One document of each kind: Russian (the NER tagger and Russian morphology load on it) and
# English (neither is needed). The Russian config keeps its name: startup.yaml.
STARTUP_DOCUMENTS = {
    "ru": ("startup", "Путь домой\n\nЖёны мобилизованных собрались в Москве.\n"),
    "en": ("startup-en", "The way home\n\nWives of mobilized men gathered in Moscow.\n"),
}


def startup(work: Path, against: Path | None, repeats: int) -> int:
    """A one-document run, translation off, as `python -m pipeline run` (best of `repeats`):
    start-up (imports, config, registry: until the first document leaves ingest; and the models
    loaded on the first document: until it leaves normalize), the whole run to the exit (publish,
    charts and card included) and peak RSS. With --against, that checkout runs the same configs,
    alternating with this one."""
    sides = {"this checkout": ROOT} | ({against.resolve().name: against.resolve()} if against else {})
    columns = {
        "ingested": "to ingested",
        "normalized": "to normalized",
        "whole": "whole run",
        "cpu": "whole run CPU",
        "start_rss_mb": "RSS at start",
        "peak_rss_mb": "peak RSS MB",
    }
    for lang, (name, text) in STARTUP_DOCUMENTS.items():
        corpus = work / ("corpus-one" if lang == "ru" else f"corpus-one-{lang}")
        corpus.mkdir(parents=True, exist_ok=True)
        (corpus / "one.txt").write_text(text, encoding="utf-8")
        config = write_config(work / f"{name}.yaml", corpus, work / f"out-{name}", "local", 1, False)
        runs: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
        for _ in range(repeats):
            for side, checkout in sides.items():
                runs[side].append(startup_run(checkout, config))
        print(f"one {lang} document, translation off: seconds from the start of the process, best of {repeats}")
        print(f"{'checkout':<16}" + "".join(f"{title:>15}" for title in columns.values()) + "   runs (ingested/normalized/whole)")
        for side, results in runs.items():
            print(
                f"{side:<16}"
                + "".join(f"{min(result[key] for result in results):>15.2f}" for key in columns)
                + "   "
                + " ".join(f"{r['ingested']:.2f}/{r['normalized']:.2f}/{r['whole']:.2f}" for r in results)
            )
        print(flush=True)


def ray_overhead(work: Path, executors: list[str]) -> int:
    """Seconds from `python -m pipeline run` to its exit on a one-document corpus, translation
    off: imports, config, registry, models, the whole run and publish (best of three), for each
    executor in turn (Ray with 2 CPUs: its fixed cost is the difference); and the CPU seconds of
    the run's process and of the processes it started and reaped (Ray's, which it shuts down)."""
    corpus = work / "corpus-one"
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "one.txt").write_text("Путь домой\n\nЖёны мобилизованных собрались в Москве.\n", encoding="utf-8")
    runs: dict[str, list[tuple[float, float]]] = {executor: [] for executor in executors}
    for _ in range(3):
        for executor in executors:
            config = write_config(work / f"startup-{executor}.yaml", corpus, work / f"out-startup-{executor}", executor, 2, False)
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(config)], cwd=ROOT)
            _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status):
                raise SystemExit(f"the one-document {executor} run failed")
            runs[executor].append((time.perf_counter() - started, usage.ru_utime + usage.ru_stime))
    best = {executor: min(seconds for seconds, _ in results) for executor, results in runs.items()}
    for executor, results in runs.items():
        print(
            f"start-up, one document, translation off, {executor}: best {best[executor]:.2f} s, CPU {min(cpu for _, cpu in results):.1f} s "
            f"(runs {' '.join(f'{seconds:.2f}' for seconds, _ in results)} s; CPU {' '.join(f'{cpu:.1f}' for _, cpu in results)} s; "
            f"load {os.getloadavg()[0]:.1f})"
        )
    if "local" in best and "ray" in best:
        print(f"Ray's fixed cost: {best['ray'] - best['local']:.2f} s (best against best)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="local runs (none: Ray only)")
    parser.add_argument("--ray-size", type=int, default=10_000, help="0: no Ray runs")
    parser.add_argument("--translate", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "cache" / "scale")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--against", type=Path, help="a checkout of another commit to compare docs/s with")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side with --against")
    parser.add_argument("--unique", action="store_true", help="every paragraph of every document distinct")
    parser.add_argument("--floor", action="store_true", help="also the bare library calls (benchmarks/floor.py), alternating")
    parser.add_argument(
        "--startup", action="store_true", help="only a one-document run: start-up, whole run, peak RSS (--against: alternating)"
    )
    parser.add_argument(
        "--workers", nargs="+", help="local.workers of this checkout's runs (a number or auto; with --against, one side each)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="the table's runs this many times, alternating (load varies)")
    parser.add_argument("--ray-overhead", action="store_true", help="a one-document run on each executor, alternating: Ray's fixed cost")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    if args.startup:
        return startup(args.work, args.against, args.repeats)
    if args.ray_overhead:
        return ray_overhead(args.work, ["local", "ray"])
    if args.against or args.floor:
        here = Path(__file__).resolve()
        sides: dict[str, Side] = {"this checkout": (here, None)}
        if args.workers:
            sides = {f"this checkout, {workers} workers": (here, _workers(workers)) for workers in args.workers}
        if args.against:
            sides[args.against.resolve().name] = (args.against.resolve() / "benchmarks" / "scale.py", None)
        if args.floor:
            sides["floor"] = (here.parent / "floor.py", None)
        return compare(sides, args.sizes, args.work, args.translate, args.repeats, args.unique)

    round_ = [("local", n, _workers(workers)) for n in args.sizes for workers in (args.workers or ["auto"])]
    round_ += [("ray", args.ray_size, 1), ("ray", args.ray_size, 2)] if args.ray_size else []
    runs = round_ * args.rounds
    # workers: the local executor's processes (local.workers), Ray's CPUs; worker MB: the largest
    # peak RSS of the processes the run started (the local executor's workers).
    print(
        f"{'executor':<10}{'workers':>8}{'documents':>11}{'seconds':>9}{'docs/s':>9}{'peak RSS MB':>13}{'worker MB':>11}{'CPU s':>8}"
        f"{'driver CPU s':>14}{'others CPU s':>14}{'load':>6}"
    )
    peaks: dict[int, float] = {}
    for executor, size, workers in runs:
        local = workers if executor == "local" else None
        corpus = corpus_folder(args.work, size, args.unique)
        output = args.work / f"out-{executor}-{workers}-{size}"
        config = write_config(
            args.work / f"{executor}-{workers}-{size}.yaml",
            corpus,
            output,
            executor,
            1 if executor == "local" else int(workers),
            args.translate,
            local,
        )
        done = subprocess.run([sys.executable, __file__, "--measure", str(config)], capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if executor == "local":
            peaks[size] = max(result["peak_rss_mb"], result.get("children_peak_rss_mb", 0.0))
        print(
            f"{executor:<10}{workers:>8}{result['documents']:>11,}{result['seconds']:>9.1f}"
            f"{result['documents'] / result['seconds']:>9.0f}{result['peak_rss_mb']:>13.0f}"
            f"{result.get('children_peak_rss_mb', 0.0):>11.0f}{result['tree_cpu']:>8.1f}"
            f"{result.get('driver_cpu', 0.0):>14.1f}{result['tree_cpu'] - result.get('driver_cpu', 0.0):>14.1f}{os.getloadavg()[0]:>6.1f}",
            flush=True,
        )
    if len(peaks) >= 2:
        small, large = min(peaks), max(peaks)
        print(f"\nlocal peak RSS at {large:,} / at {small:,} documents: {peaks[large] / peaks[small]:.2f}x (target <= 1.2x)")
    return 0


def _workers(value: str) -> int | str:
    return value if value == "auto" else int(value)


if __name__ == "__main__":
    raise SystemExit(main())
