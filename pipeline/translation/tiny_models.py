"""Tiny translation models (Marian, NLLB-style) built from our own sample text, for offline runs and tests.

No weights can be downloaded on the machines this project is built on, so the smoke config and
the tests use models made here: a SentencePiece vocabulary trained on the sample documents and
a randomly initialised Marian model of a few thousand parameters. Their output is noise, but
they go through exactly the loading, batching and caching code that real OPUS-MT models use.
The NLLB-style one (an M2M100 model with an NLLB tokenizer whose vocabulary carries language
codes such as `rus_Cyrl`) exercises the `src_lang`/`tgt_lang` path: the source language code
opens the input, the target language code is forced as the first generated token.

The text they are trained on ships with the package (`pipeline/lang/<code>/sample_text.txt`,
paragraphs of our own sample documents), so a model is the same bytes on every machine whatever
folder a run reads.

    python -m pipeline.translation.tiny_models OUTPUT_DIR --lang ru [--input data/raw]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.files import atomic_target
from pipeline.lang import TARGET, find_language, get_language, languages_with

SPECIAL_TOKENS = ["</s>", "<unk>"]
PAD_TOKEN = "<pad>"
# Written into every folder built here: what tells a dataset card that the model is a test model.
MARKER_FILE = "tiny_model.json"


def is_tiny_model(model: str) -> bool:
    """Whether `model` is a folder this module built (random weights: its translations are noise)."""
    return (Path(model) / MARKER_FILE).is_file()


# Marian's SentencePiece ids: no <s>, </s>=0, <unk>=1. NLLB's follow fairseq: <s>, <pad>, </s>, <unk>.
MARIAN_IDS = {"bos_id": -1, "eos_id": 0, "unk_id": 1, "pad_id": -1}
FAIRSEQ_IDS = {"bos_id": 0, "pad_id": 1, "eos_id": 2, "unk_id": 3}


@dataclass(frozen=True)
class TinyShape:
    """The size of a tiny encoder-decoder, the same for the Marian and the NLLB-style builder.

    The defaults are tiny; TinyShape(8000, 512, 6, 8, 2048, 512) with pad_vocab_to=60_000 has the
    shape (and so the speed) of a real OPUS-MT model.
    """

    vocab_size: int = 400
    d_model: int = 16
    layers: int = 1
    heads: int = 2
    ffn_dim: int = 32
    max_positions: int = 256
    seed: int = 0

    def architecture(self) -> dict[str, Any]:
        return {
            "d_model": self.d_model,
            "encoder_layers": self.layers,
            "decoder_layers": self.layers,
            "encoder_attention_heads": self.heads,
            "decoder_attention_heads": self.heads,
            "encoder_ffn_dim": self.ffn_dim,
            "decoder_ffn_dim": self.ffn_dim,
            "max_position_embeddings": self.max_positions,
        }


def _train_sentencepiece(
    lines: list[str],
    prefix: Path,
    vocab_size: int,
    character_coverage: float,
    model_type: str = "unigram",
    special_ids: dict[str, int] | None = None,
) -> None:
    import sentencepiece as spm

    ids = special_ids or MARIAN_IDS
    # Sentences in and the model out through memory: a trained model records its input and
    # output paths, and the same text must give the same bytes wherever it is built.
    sentences = "\n".join(lines).splitlines()
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=character_coverage,
        hard_vocab_limit=False,
        bos_id=ids["bos_id"],
        eos_id=ids["eos_id"],
        unk_id=ids["unk_id"],
        pad_id=ids["pad_id"],
        minloglevel=2,
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
    )
    prefix.with_name(prefix.name + ".model").write_bytes(model.getvalue())


def _pieces(model_file: Path) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    return [processor.id_to_piece(index) for index in range(processor.get_piece_size())]


def build_tiny_marian(
    output: Path,
    source_lines: Iterable[str],
    target_lines: Iterable[str],
    source_lang: str,
    shape: TinyShape = TinyShape(),
    pad_vocab_to: int = 0,
) -> Path:
    """Write a MarianMT folder (config, weights, source.spm, target.spm, vocab.json) to `output`;
    `pad_vocab_to` adds unused ids up to a real model's vocabulary size."""
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
        _train_sentencepiece(source, staging / "source", shape.vocab_size, character_coverage=1.0)
        _train_sentencepiece(target, staging / "target", shape.vocab_size, character_coverage=1.0)
        (staging / "source.model").rename(staging / "source.spm")
        (staging / "target.model").rename(staging / "target.spm")
        vocab: dict[str, int] = {token: index for index, token in enumerate(SPECIAL_TOKENS)}
        for piece in _pieces(staging / "source.spm") + _pieces(staging / "target.spm"):
            vocab.setdefault(piece, len(vocab))
        while len(vocab) < pad_vocab_to - 1:  # unused ids up to the real models' vocabulary size
            vocab[f"<unused{len(vocab)}>"] = len(vocab)
        vocab[PAD_TOKEN] = len(vocab)
        (staging / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        tokenizer = MarianTokenizer(
            source_spm=str(staging / "source.spm"),
            target_spm=str(staging / "target.spm"),
            vocab=str(staging / "vocab.json"),
            source_lang=source_lang,
            target_lang="en",
            model_max_length=shape.max_positions,
        )
        config = MarianConfig(
            vocab_size=len(vocab),
            **shape.architecture(),
            pad_token_id=vocab[PAD_TOKEN],
            eos_token_id=0,
            decoder_start_token_id=vocab[PAD_TOKEN],
            forced_eos_token_id=0,
            scale_embedding=True,
            share_encoder_decoder_embeddings=True,
        )
        torch.manual_seed(shape.seed)
        model = MarianMTModel(config)
        tokenizer.save_pretrained(staging)
        model.save_pretrained(staging)
        _write_marker(staging)
        if output.exists():
            shutil.rmtree(output)  # a folder cannot be renamed onto another
    return output


def _write_marker(folder: Path) -> None:
    marker = {"built_by": "pipeline.translation.tiny_models", "note": "random weights, never trained: its translations are noise"}
    (folder / MARKER_FILE).write_text(json.dumps(marker) + "\n", encoding="utf-8")


def build_tiny_nllb(
    output: Path,
    lines: Iterable[str],
    shape: TinyShape = TinyShape(),
) -> Path:
    """Write an NLLB-style folder (M2M100 config and weights, NLLB tokenizer) to `output`.

    One SentencePiece BPE vocabulary for all languages, as in NLLB, with the language codes of
    nllb_codes() as special tokens: the tokenizer puts `src_lang` before the source tokens, and
    generation starts with `</s>` and then the forced `tgt_lang` code, as the real model does.
    """
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    from pipeline.translation.backends import quiet_transformers

    quiet_transformers()
    text = [line for line in lines if line.strip()]
    if not text:
        raise ValueError("tiny model needs some text to train its vocabulary")
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(output) as staging:
        staging.mkdir()
        _train_sentencepiece(text, staging / "sentencepiece.bpe", shape.vocab_size, 1.0, "bpe", FAIRSEQ_IDS)
        codes = list(nllb_codes().values())
        tokenizer = NllbTokenizer.from_pretrained(
            str(staging), src_lang=codes[0], tgt_lang=nllb_codes()[TARGET], extra_special_tokens=codes, model_max_length=shape.max_positions
        )
        config = M2M100Config(
            vocab_size=len(tokenizer),
            **shape.architecture(),
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.eos_token_id,
            scale_embedding=True,
        )
        torch.manual_seed(shape.seed)
        model = M2M100ForConditionalGeneration(config)
        (staging / "sentencepiece.bpe.model").unlink()  # tokenizer.json, saved next, holds the vocabulary
        tokenizer.save_pretrained(staging)
        model.save_pretrained(staging)
        _write_marker(staging)
        if output.exists():
            shutil.rmtree(output)
    return output


SAMPLE_TEXT = "sample_text.txt"


def shipped_languages() -> list[str]:
    """Source languages the shipped text (a `sample_text.txt` in their folder) can build a tiny model for."""
    return [language.code for language in languages_with(SAMPLE_TEXT) if language.code != TARGET]


def shipped_lines(lang: str) -> list[str]:
    """The shipped training paragraphs of `lang` (one per line)."""
    language = find_language(lang)
    if language is None or not language.has(SAMPLE_TEXT):
        raise ValueError(f"no shipped text to build a tiny {lang} model from (there is text for: {', '.join(shipped_languages())})")
    return language.text(SAMPLE_TEXT).splitlines()


def nllb_codes() -> dict[str, str]:
    """NLLB's codes of the languages with one and shipped text, sources by code, then the target:
    the tiny NLLB-style model's vocabulary carries them, the first one its default source."""
    sources = [language for language in languages_with(SAMPLE_TEXT) if language.nllb and language.code != TARGET]
    return {language.code: str(language.nllb) for language in [*sources, get_language(TARGET)]}


def sample_lines(input_dir: Path, lang: str) -> tuple[list[str], list[str]]:
    """Paragraphs of the documents under `input_dir`: (lines in `lang`, English lines)."""
    from pipeline.ingest import list_input_files, read_documents
    from pipeline.langid import LanguageDetector

    detector = LanguageDetector([lang, TARGET])
    source: list[str] = []
    english: list[str] = []
    for path in list_input_files(input_dir, [".txt", ".md", ".html", ".htm", ".jsonl"]).files:
        for document in read_documents(path, input_dir, 5_000_000, ["cp1251", "koi8_r", "cp874"]):
            for paragraph in getattr(document, "paragraphs", []):
                detected, _score = detector.detect(paragraph.text)
                (source if detected == lang else english if detected == TARGET else []).append(paragraph.text)
    return source, english


def build_from_samples(output: Path, lang: str, input_dir: Path | None = None) -> Path:
    """A tiny `lang`-en Marian model from the shipped text, or from the documents under `input_dir`."""
    source, english = sample_lines(input_dir, lang) if input_dir else (shipped_lines(lang), shipped_lines(TARGET))
    return build_tiny_marian(output, source, english, source_lang=lang)


def build_nllb_from_samples(output: Path, input_dir: Path | None = None) -> Path:
    """One tiny NLLB-style model for every language of nllb_codes(), as NLLB is one model for all."""
    codes = list(nllb_codes())
    if input_dir is None:
        return build_tiny_nllb(output, [line for code in codes for line in shipped_lines(code)])
    samples = [sample_lines(input_dir, code) for code in codes[:-1]]
    # The English lines once: those the first source language's pass found.
    return build_tiny_nllb(output, [line for source, _english in samples for line in source] + samples[0][1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a tiny Marian (or NLLB-style) model from the shipped sample text")
    parser.add_argument("output", type=Path)
    parser.add_argument("--lang", help="source language of a Marian model, e.g. ru or th")
    parser.add_argument(
        "--nllb", action="store_true", help="one NLLB-style model for every language with an NLLB code (src_lang/tgt_lang codes)"
    )
    parser.add_argument("--input", type=Path, help="train on the documents of this folder instead of the shipped text")
    args = parser.parse_args(argv)
    if args.nllb == bool(args.lang):
        parser.error("give either --lang or --nllb")
    print(build_nllb_from_samples(args.output, args.input) if args.nllb else build_from_samples(args.output, args.lang, args.input))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
