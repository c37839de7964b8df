"""Translation speed: naive per-sentence generate vs our transformers backend vs our CTranslate2.

    python benchmarks/translate_speed.py ../shared/eval/pud/pud_ru_th_en.tsv [--sentences 100]

The model has the shape of a real OPUS-MT model (6+6 layers, d_model 512, 8 heads, ffn 2048,
vocabulary about 60k; SentencePiece trained on the PUD sentences, vocab.json padded to the
real size) with random weights: speed does not depend on the weights. Every output has the
same length (min_new_tokens = max_new_tokens), so all three do the same work. Each variant runs
in its own process, so that its peak memory is its own.

(a) naive: tokenizer + model.generate one sentence at a time, as most tutorials do
(b) ours, transformers: the translate stage's length-sorted, token-budgeted batches
(c) ours, CTranslate2 int8: the same batches through CTranslate2
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def read_pud(path: Path) -> dict[str, list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {lang: [row[lang] for row in rows] for lang in ("ru", "th", "en")}


def build_model(pud: dict[str, list[str]], folder: Path) -> Path:
    from pipeline.translation.tiny_models import TinyShape, build_tiny_marian

    if (folder / "config.json").exists():
        return folder
    opus_mt = TinyShape(vocab_size=8000, d_model=512, layers=6, heads=8, ffn_dim=2048, max_positions=512)
    return build_tiny_marian(folder, pud["ru"] + pud["th"], pud["en"], source_lang="ru", shape=opus_mt, pad_vocab_to=60_000)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_variant(variant: str, model: Path, sentences: list[str], new_tokens: int, batch_tokens: int, threads: int) -> dict[str, float]:
    from pipeline.config import TranslateConfig
    from pipeline.translation import Translate
    from pipeline.translation.backends import CTranslate2Backend, TransformersBackend
    from pipeline.translation.cache import TranslationCache

    if variant == "naive":
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        torch.set_num_threads(threads)
        tokenizer = AutoTokenizer.from_pretrained(model)
        network = AutoModelForSeq2SeqLM.from_pretrained(model).eval()
        started = time.perf_counter()
        with torch.inference_mode():
            for sentence in sentences:
                inputs = tokenizer([sentence], return_tensors="pt")
                output = network.generate(**inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens, num_beams=1)
                tokenizer.batch_decode(output, skip_special_tokens=True)
        seconds = time.perf_counter() - started
    else:
        backend: TransformersBackend | CTranslate2Backend
        if variant == "transformers":
            backend = TransformersBackend("ru", str(model), None, "cpu", 1, new_tokens, threads=threads, min_new_tokens=new_tokens)
        else:
            backend = CTranslate2Backend(
                "ru",
                str(model),
                None,
                "cpu",
                1,
                new_tokens - 1,
                threads=threads,
                compute_type="int8",
                convert_dir=model.parent / "ct2",
                batch_tokens=batch_tokens,
                min_new_tokens=new_tokens - 1,
            )  # Marian forces </s> as the last of max_new_tokens: n - 1 words + </s> in both
        stage = Translate(TranslateConfig(batch_tokens=batch_tokens, cache=None), {"ru": backend}, None, TranslationCache(None))
        started = time.perf_counter()
        stage.translate_texts("ru", sentences)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "sentences": len(sentences), "tokens": len(sentences) * new_tokens, "peak_rss_mb": peak_rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?")
    parser.add_argument("--sentences", type=int, default=100, help="per language (ru and th)")
    parser.add_argument("--new-tokens", type=int, default=24)
    parser.add_argument("--batch-tokens", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "data" / "cache" / "bench-opus-mt-shape")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.variant:  # one measurement, in its own process
        sentences = json.loads(args.inputs.read_text(encoding="utf-8"))
        result = run_variant(args.variant, args.model_dir, sentences, args.new_tokens, args.batch_tokens, args.threads)
        print(json.dumps(result))
        return 0

    pud = read_pud(args.path)
    model = build_model(pud, args.model_dir)
    sentences = pud["ru"][: args.sentences] + pud["th"][: args.sentences]
    inputs = args.model_dir.parent / "bench-sentences.json"
    inputs.write_text(json.dumps(sentences, ensure_ascii=False), encoding="utf-8")
    # Convert once before timing: the conversion is cached like in a real run.
    subprocess.run(
        [sys.executable, __file__, "--variant", "ctranslate2", "--inputs", str(inputs), "--model-dir", str(model), "--new-tokens", "2"],
        check=True,
        capture_output=True,
    )
    results = {}
    for variant in ("naive", "transformers", "ctranslate2"):
        command = [
            sys.executable,
            __file__,
            "--variant",
            variant,
            "--inputs",
            str(inputs),
            "--model-dir",
            str(model),
            "--new-tokens",
            str(args.new_tokens),
            "--batch-tokens",
            str(args.batch_tokens),
            "--threads",
            str(args.threads),
        ]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results[variant] = json.loads(done.stdout.strip().splitlines()[-1])

    base = results["naive"]["sentences"] / results["naive"]["seconds"]
    print(
        f"{len(sentences)} sentences ({args.sentences} ru + {args.sentences} th), {args.new_tokens} output tokens each, "
        f"{args.threads} threads, batch budget {args.batch_tokens} tokens\n"
    )
    print(f"{'variant':<34}{'sent/s':>9}{'tokens/s':>10}{'vs (a)':>8}{'peak RSS MB':>13}")
    labels = {
        "naive": "(a) naive, one sentence per call",
        "transformers": "(b) ours, transformers",
        "ctranslate2": "(c) ours, CTranslate2 int8",
    }
    for variant, label in labels.items():
        r = results[variant]
        speed = r["sentences"] / r["seconds"]
        print(f"{label:<34}{speed:>9.2f}{r['tokens'] / r['seconds']:>10.1f}{speed / base:>7.1f}x{r['peak_rss_mb']:>13.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
