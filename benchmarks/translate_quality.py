"""Translation quality: BLEU and chrF on PUD, our pipeline vs the bare model.

    python benchmarks/translate_quality.py ru=models/opus-mt-ru-en th=models/opus-mt-th-en
    python benchmarks/translate_quality.py tiny          # tiny models built from data/raw (noise)

MODEL is LANG=ID-or-folder, or a folder/id whose name says ru-en or th-en. The bare model is
tokenizer + generate on each whole PUD sentence in batches of 16; the pipeline is the translate
stage (segmentation, name protection, sorted token-budget batches). Both with greedy search.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sacrebleu  # noqa: E402

from pipeline.config import TranslateConfig  # noqa: E402
from pipeline.names import load_registry  # noqa: E402
from pipeline.schema import Document, Paragraph  # noqa: E402
from pipeline.translation import Translate  # noqa: E402
from pipeline.translation.backends import TransformersBackend  # noqa: E402
from pipeline.translation.cache import TranslationCache  # noqa: E402


def parse_models(arguments: list[str]) -> dict[str, str]:
    models: dict[str, str] = {}
    for argument in arguments:
        if argument == "tiny":
            from pipeline.translation.tiny_models import build_from_samples

            for lang in ("ru", "th"):
                folder = ROOT / "data" / "cache" / f"tiny-{lang}-en"
                if not folder.exists():
                    build_from_samples(folder, lang, ROOT / "data" / "raw")
                models[lang] = str(folder)
        elif "=" in argument:
            lang, model = argument.split("=", 1)
            models[lang] = model
        elif match := re.search(r"(ru|th)[-_]en", argument):
            models[match.group(1)] = argument
        else:
            raise SystemExit(f"cannot tell the language of {argument!r}: write ru={argument} or th={argument}")
    return models


def bare(backend: TransformersBackend, sentences: list[str], batch: int = 16) -> list[str]:
    out: list[str] = []
    for start in range(0, len(sentences), batch):
        out += backend.translate(sentences[start : start + batch])
    return out


def pipeline_output(lang: str, backend: TransformersBackend, sentences: list[str]) -> list[str]:
    stage = Translate(TranslateConfig(cache=None), {lang: backend}, load_registry(ROOT / "configs" / "names.yaml"), TranslationCache(None))
    documents = [Document(id=str(i), source="pud", text=s, paragraphs=[Paragraph(s, lang, 1.0)]) for i, s in enumerate(sentences)]
    return [document.text_en for document in stage.run(documents)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--pud", type=Path, default=ROOT.parent / "shared" / "eval" / "pud" / "pud_ru_th_en.tsv")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    args = parser.parse_args()
    with args.pud.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[: args.limit]
    references = [row["en"] for row in rows]
    print(f"{len(rows)} PUD sentences per language, greedy search\n")
    print(f"{'pair':<7}{'model':<48}{'bare BLEU':>10}{'chrF':>7}{'pipeline BLEU':>15}{'chrF':>7}")
    for lang, model in parse_models(args.models).items():
        backend = TransformersBackend(lang, model, None, "auto", 1, args.max_new_tokens)
        sources = [row[lang] for row in rows]
        scores = []
        for hypotheses in (bare(backend, sources), pipeline_output(lang, backend, sources)):
            scores.append((sacrebleu.corpus_bleu(hypotheses, [references]).score, sacrebleu.corpus_chrf(hypotheses, [references]).score))
        (bleu_a, chrf_a), (bleu_b, chrf_b) = scores
        print(f"{lang}-en  {model[-46:]:<48}{bleu_a:>10.1f}{chrf_a:>7.1f}{bleu_b:>15.1f}{chrf_b:>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
