"""Tiny Marian translation models built from our own sample text, for offline runs and tests.

No weights can be downloaded on the machines this project is built on, so the smoke config and
the tests use models made here: a SentencePiece vocabulary trained on the sample documents and
a randomly initialised Marian model of a few thousand parameters. Their output is noise, but
they go through exactly the loading, batching and caching code that real OPUS-MT models use.

    python -m pipeline.translation.tiny_models OUTPUT_DIR --lang ru --input data/raw
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from pipeline.files import atomic_target

SPECIAL_TOKENS = ["</s>", "<unk>"]
PAD_TOKEN = "<pad>"
# Written into every folder built here: what tells a dataset card that the model is a test model.
MARKER_FILE = "tiny_model.json"


def is_tiny_model(model: str) -> bool:
    """Whether `model` is a folder this module built (random weights: its translations are noise)."""
    return (Path(model) / MARKER_FILE).is_file()


def _train_sentencepiece(lines: list[str], prefix: Path, vocab_size: int, character_coverage: float) -> None:
    import sentencepiece as spm

    corpus = prefix.with_suffix(".txt")
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=character_coverage,
        hard_vocab_limit=False,
        bos_id=-1,
        eos_id=0,
        unk_id=1,
        pad_id=-1,
        minloglevel=2,
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
    )


def _pieces(model_file: Path) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    return [processor.id_to_piece(index) for index in range(processor.get_piece_size())]


def build_tiny_marian(
    output: Path,
    source_lines: Iterable[str],
    target_lines: Iterable[str],
    source_lang: str,
    vocab_size: int = 400,
    d_model: int = 16,
    layers: int = 1,
    heads: int = 2,
    ffn_dim: int = 32,
    max_positions: int = 256,
    seed: int = 0,
    pad_vocab_to: int = 0,
) -> Path:
    """Write a MarianMT folder (config, weights, source.spm, target.spm, vocab.json) to `output`.

    With the defaults it is tiny; with d_model=512, layers=6, heads=8, ffn_dim=2048 and
    pad_vocab_to=60_000 it has the shape (and so the speed) of a real OPUS-MT model.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    from pipeline.translation.backends import quiet_transformers

    quiet_transformers()

    source = [line for line in source_lines if line.strip()]
    target = [line for line in target_lines if line.strip()]
    if not source or not target:
        raise ValueError("tiny model needs some source and target text to train its vocabulary")
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(output) as staging:
        staging.mkdir()
        # Thai needs every character covered; so does any short sample text.
        _train_sentencepiece(source, staging / "source", vocab_size, character_coverage=1.0)
        _train_sentencepiece(target, staging / "target", vocab_size, character_coverage=1.0)
        (staging / "source.model").rename(staging / "source.spm")
        (staging / "target.model").rename(staging / "target.spm")
        vocab: dict[str, int] = {token: index for index, token in enumerate(SPECIAL_TOKENS)}
        for piece in _pieces(staging / "source.spm") + _pieces(staging / "target.spm"):
            vocab.setdefault(piece, len(vocab))
        while len(vocab) < pad_vocab_to - 1:  # unused ids up to the real models' vocabulary size
            vocab[f"<unused{len(vocab)}>"] = len(vocab)
        vocab[PAD_TOKEN] = len(vocab)
        (staging / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        for leftover in ("source.vocab", "target.vocab", "source.txt", "target.txt"):
            (staging / leftover).unlink(missing_ok=True)
        tokenizer = MarianTokenizer(
            source_spm=str(staging / "source.spm"),
            target_spm=str(staging / "target.spm"),
            vocab=str(staging / "vocab.json"),
            source_lang=source_lang,
            target_lang="en",
            model_max_length=max_positions,
        )
        config = MarianConfig(
            vocab_size=len(vocab),
            d_model=d_model,
            encoder_layers=layers,
            decoder_layers=layers,
            encoder_attention_heads=heads,
            decoder_attention_heads=heads,
            encoder_ffn_dim=ffn_dim,
            decoder_ffn_dim=ffn_dim,
            max_position_embeddings=max_positions,
            pad_token_id=vocab[PAD_TOKEN],
            eos_token_id=0,
            decoder_start_token_id=vocab[PAD_TOKEN],
            forced_eos_token_id=0,
            scale_embedding=True,
            share_encoder_decoder_embeddings=True,
        )
        torch.manual_seed(seed)
        model = MarianMTModel(config)
        tokenizer.save_pretrained(staging)
        model.save_pretrained(staging)
        marker = {"built_by": "pipeline.translation.tiny_models", "note": "random weights, never trained: its translations are noise"}
        (staging / MARKER_FILE).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        if output.exists():
            shutil.rmtree(output)  # a folder cannot be renamed onto another
    return output


def sample_lines(input_dir: Path, lang: str) -> tuple[list[str], list[str]]:
    """Paragraphs of the sample documents: (lines in `lang`, English lines)."""
    from pipeline.ingest import list_input_files, read_documents
    from pipeline.langid import LanguageDetector

    detector = LanguageDetector([lang, "en"])
    source: list[str] = []
    english: list[str] = []
    files, _left_out = list_input_files(input_dir, [".txt", ".md", ".html", ".htm", ".jsonl"])
    for path in files:
        for document in read_documents(path, input_dir, 5_000_000, ["cp1251", "koi8_r", "cp874"]):
            for paragraph in getattr(document, "paragraphs", []):
                detected, _score = detector.detect(paragraph.text)
                (source if detected == lang else english if detected == "en" else []).append(paragraph.text)
    return source, english


def build_from_samples(output: Path, lang: str, input_dir: Path) -> Path:
    source, english = sample_lines(input_dir, lang)
    return build_tiny_marian(output, source, english, source_lang=lang)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a tiny Marian model from the sample documents")
    parser.add_argument("output", type=Path)
    parser.add_argument("--lang", required=True, help="source language, e.g. ru or th")
    parser.add_argument("--input", type=Path, default=Path("data/raw"))
    args = parser.parse_args(argv)
    print(build_from_samples(args.output, args.lang, args.input))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
