"""Language detection: accuracy per language and sentences per second, ours vs plain langdetect.

    python benchmarks/detect.py ../shared/eval/langid/langid_ru_th_en_be_de.tsv     # tuned on: optimistic
    python benchmarks/detect.py benchmarks/data/langid_tune.tsv                      # tuned on: optimistic
    python benchmarks/detect.py benchmarks/data/langid_heldout.tsv                   # held out: the fair figure
    python benchmarks/detect.py FILE --process      # also whole-process speed: `python -m pipeline detect`

Our detector runs with the default languages (`detect.languages`) unless --languages. Plain
langdetect is the baseline: seeded, all its profiles, no rules. Both run in this process on the
same sentences, so the speed ratio holds on any machine. --process also times the two as
commands on the file's sentences, each minus its own start-up on an empty file.
--in-document also labels each sentence as the pipeline labels a paragraph of a document: among
up to three sentences before and after it in its treebank document (benchmarks/data/*_context.jsonl,
beside the .tsv), through `detect_paragraph_languages` with the default settings, so a line too
short to tell ("За - 237") takes its document's language, as it does in a run. Plain langdetect
gets the same document rule there.
--errors lists our misses: use it on a tune split only, never on the held-out one.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langdetect import DetectorFactory, detect_langs  # noqa: E402
from langdetect.lang_detect_exception import LangDetectException  # noqa: E402

from pipeline.config import DetectConfig  # noqa: E402
from pipeline.langid import LanguageDetector, detect_paragraph_languages  # noqa: E402
from pipeline.schema import Document, Paragraph  # noqa: E402

PLAIN_SCRIPT = """
import sys
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException
DetectorFactory.seed = 0
for line in open(sys.argv[1], encoding="utf-8"):
    text = line.rstrip("\\n")
    try:
        best = detect_langs(text)[0]
        lang, score = best.lang, best.prob
    except LangDetectException:
        lang, score = "und", 0.0
    sys.stdout.write(f"{lang}\\t{score:.4f}\\t{text}\\n")
"""


def read_sentences(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["lang"], row["text"]) for row in reader]


def plain_langdetect(text: str) -> str:
    try:
        return detect_langs(text)[0].lang
    except LangDetectException:
        return "und"


class PlainLangdetect:
    """Plain langdetect with the detector's interface, for the document rule."""

    def detect(self, text: str) -> tuple[str, float]:
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            return "und", 0.0
        return best.lang, float(best.prob)


def read_contexts(path: Path, rows: list[tuple[str, str]]) -> list[tuple[list[str], list[str]]]:
    """The (before, after) neighbours of each row, from the `_context.jsonl` beside the .tsv."""
    records = [json.loads(line) for line in path.with_name(path.stem + "_context.jsonl").open(encoding="utf-8")]
    if [(r["lang"], r["text"]) for r in records] != rows:
        raise SystemExit(f"{path.stem}_context.jsonl does not hold {path.name}'s sentences in order: rebuild both")
    return [(r["before"], r["after"]) for r in records]


def label_in_documents(detector: object, rows: list[tuple[str, str]], contexts: list[tuple[list[str], list[str]]]) -> list[str]:
    """Each sentence's label as a paragraph of its document, as a pipeline run labels it."""
    short_chars = DetectConfig().short_paragraph_chars
    labels = []
    for (_, text), (before, after) in zip(rows, contexts):
        paragraphs = [Paragraph(text=t) for t in [*before, text, *after]]
        document = Document(id="eval", source="eval", text="", paragraphs=paragraphs)
        detect_paragraph_languages(document, detector, short_chars)  # type: ignore[arg-type]
        labels.append(paragraphs[len(before)].lang)
    return labels


def measure(label: Callable[[str], str], rows: list[tuple[str, str]]) -> tuple[list[str], float]:
    started = time.perf_counter()
    labels = [label(text) for _, text in rows]
    return labels, len(rows) / (time.perf_counter() - started)


def accuracy(rows: list[tuple[str, str]], labels: list[str], lang: str, as_lang: str | None = None) -> float:
    gold = [label for (g, _), label in zip(rows, labels) if g == lang]
    return sum(1 for label in gold if label == (as_lang or lang)) / len(gold)


def timed_command(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def process_speed(rows: list[tuple[str, str]], languages: str, repeats: int) -> None:
    """Seconds for the whole file minus seconds for an empty one, best of `repeats`, interleaved."""
    with tempfile.TemporaryDirectory() as folder:
        text_file, empty, script = Path(folder) / "text.txt", Path(folder) / "empty.txt", Path(folder) / "plain.py"
        text_file.write_text("".join(text + "\n" for _, text in rows), encoding="utf-8")
        empty.write_text("")
        script.write_text(PLAIN_SCRIPT)
        ours = [sys.executable, "-m", "pipeline", "detect", "--languages", languages]
        plain = [sys.executable, str(script)]
        best: dict[str, list[float]] = {"ours": [], "ours empty": [], "plain": [], "plain empty": []}
        for _ in range(repeats):
            best["ours"].append(timed_command([*ours, str(text_file)]))
            best["ours empty"].append(timed_command([*ours, str(empty)]))
            best["plain"].append(timed_command([*plain, str(text_file)]))
            best["plain empty"].append(timed_command([*plain, str(empty)]))
    mine = min(best["ours"]) - min(best["ours empty"])
    base = min(best["plain"]) - min(best["plain empty"])
    print(f"\nwhole process, {len(rows)} lines, best of {repeats}, minus start-up on an empty file:")
    print(f"  python -m pipeline detect: {mine:.2f} s (start-up {min(best['ours empty']):.2f} s)")
    print(f"  plain langdetect script:   {base:.2f} s (start-up {min(best['plain empty']):.2f} s)")
    print(f"  ratio {base / mine:.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--languages", default=",".join(DetectConfig().languages), help="languages our detector considers")
    parser.add_argument("--process", action="store_true", help="also time both as whole commands")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--errors", action="store_true", help="list our misses (tune splits only)")
    parser.add_argument("--in-document", action="store_true", help="also label each sentence within its document")
    args = parser.parse_args()
    rows = read_sentences(args.path)
    DetectorFactory.seed = 0
    plain_langdetect("warm up the profiles")  # loading all profiles is not part of the per-sentence speed
    ours = LanguageDetector(args.languages.split(","), seed=0)
    baseline_labels, baseline_speed = measure(plain_langdetect, rows)
    our_labels, our_speed = measure(lambda text: ours.detect(text)[0], rows)

    gold = Counter(lang for lang, _ in rows)
    print(f"{args.path.name}: {len(rows)} sentences, our languages: {args.languages}\n")
    header = f"{'language':<10}{'n':>6}{'plain langdetect':>18}{'ours':>10}"
    columns = [baseline_labels, our_labels]
    if args.in_document:
        contexts = read_contexts(args.path, rows)
        columns += [label_in_documents(PlainLangdetect(), rows, contexts), label_in_documents(ours, rows, contexts)]
        header += f"{'in document: plain':>20}{'ours':>8}"
    print(header)
    for lang in sorted(gold):
        widths = [17, 10, 20, 8]
        print(f"{lang:<10}{gold[lang]:>6}" + "".join(f"{accuracy(rows, labels, lang):>{w}.1%}" for labels, w in zip(columns, widths)))
    if "be" in gold:
        base, mine = accuracy(rows, baseline_labels, "be", "ru"), accuracy(rows, our_labels, "be", "ru")
        print(f"{'be as ru':<10}{gold['be']:>6}{base:>17.1%}{mine:>10.1%}")
    print(f"\n{'sentences/s':<16}{baseline_speed:>12.0f}{our_speed:>10.0f}   ratio {our_speed / baseline_speed:.1f}x")
    confusions = Counter((g, p) for (g, _), p in zip(rows, our_labels) if g != p)
    print("our confusions (gold -> label): " + ", ".join(f"{g}->{p} {n}" for (g, p), n in confusions.most_common()))
    if args.errors:
        for (g, text), label in zip(rows, our_labels):
            if g != label:
                print(f"{g}->{label}\t{ours.detect(text)[1]}\t{text}")
    if args.process:
        process_speed(rows, args.languages, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
