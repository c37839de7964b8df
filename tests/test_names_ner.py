"""Our NER path (pipeline.names.ner) gives natasha's own spans, text by text, tagged together.

The oracle is natasha itself: `NewsNERTagger(NewsEmbedding())(text).spans`, run on each text
alone, and slovnet's own CRF decode for the Viterbi. Texts: the Russian sentences of the
language-ID tune set, joined into documents of 1 to 40 sentences (paragraphs apart, so the
batches mix lengths), the Russian samples in data/raw, and edge cases.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from pipeline.names import ner

ROOT = Path(__file__).resolve().parent.parent


def _sentences() -> list[str]:
    with (ROOT / "benchmarks" / "data" / "langid_tune.tsv").open(encoding="utf-8") as file:
        return [row["text"] for row in csv.DictReader(file, delimiter="\t") if row["lang"] == "ru"]


def _documents() -> list[str]:
    sentences = _sentences()
    pick = random.Random(25)
    documents = []
    while sentences:
        count = pick.choice([1, 2, 3, 5, 8, 13, 40])
        taken, sentences = sentences[:count], sentences[count:]
        documents.append(pick.choice([" ", "\n\n", "\n"]).join(taken))
    samples = [path.read_bytes().decode("utf-8", "ignore") for path in sorted((ROOT / "data" / "raw" / "ru").glob("*.txt"))]
    edge = [
        "",
        "   ",
        "\n\n",
        ".",
        "Путин",
        "Владимир Путин.",
        "«Газпром»\n\n\n\nМосква",
        "Москва " * 3000,
        "<pad>",
        "Сбербанк <pad> Москва",
    ]
    return documents + samples + edge


def _natasha(text: str) -> list[tuple[int, int, str]]:
    if not text.strip():
        return []  # natasha's tagger fails on a text without words
    return [(span.start, span.stop, span.type) for span in ner.tagger()(text).spans]


@pytest.fixture(scope="module")
def documents() -> list[str]:
    return _documents()


def test_spans_tagged_together_are_natashas_own(documents: list[str]) -> None:
    expected = [_natasha(text) for text in documents]
    assert sum(map(len, expected)) > 200  # the texts have names to find
    assert ner.ner_spans(documents) == expected


def test_spans_tagged_alone_are_natashas_own(documents: list[str]) -> None:
    for text in documents[:40] + documents[-10:]:
        assert ner.ner_spans([text]) == [_natasha(text)], text[:80]


def test_batches_keep_to_their_limits_and_take_every_text_once() -> None:
    lengths = [random.Random(n).randint(1, 3000) for n in range(500)]
    batches = ner._batches(lengths)
    assert sorted(i for batch in batches for i in batch) == list(range(500))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        assert len(batch) <= ner.BATCH_TEXTS
        assert len(batch) == 1 or len(batch) * longest <= ner.BATCH_POSITIONS


@pytest.mark.parametrize("seed", range(6))
def test_viterbi_is_slovnets_crf_decode(seed: int) -> None:
    """On random padded batches, ties included (small whole numbers), our decode gives slovnet's tags."""
    from slovnet.exec.model import CRF, Weight

    rng = np.random.default_rng(seed)
    tags = 8
    lengths = np.sort(rng.integers(1, 30, size=rng.integers(1, 12)))
    whole = seed % 2 == 0
    draw = (lambda *shape: rng.integers(-2, 3, size=shape)) if whole else (lambda *shape: rng.standard_normal(shape))
    emissions = draw(len(lengths), int(lengths.max()), tags).astype(np.float32)
    transitions = draw(tags, tags).astype(np.float32)
    mask = np.arange(emissions.shape[1])[None, :] < lengths[:, None]
    expected = CRF(Weight((tags, tags), "float32", transitions)).decode(emissions, mask)
    ours = ner.viterbi(emissions, lengths, transitions)
    for row, length, theirs in zip(ours, lengths, expected):
        assert row[:length].tolist() == theirs.tolist()


def test_the_stage_tags_a_chunk_together_and_publishes_what_one_at_a_time_gives(
    documents: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Normalize.run tags the Russian texts of many documents in one call, bodies and titles,
    and each document comes out as normalize_document makes it alone, in order."""
    from pipeline.config import NormalizeConfig
    from pipeline.names import stage as normalize_stage
    from pipeline.names.discovery import russian_finder
    from pipeline.names.registry import load_registry
    from pipeline.schema import Document, Paragraph
    from tests.conftest import REGISTRY

    def make(n: int, text: str) -> Document:
        title = Paragraph(f"Заголовок: Андрей Курочкин в Москве ({n})", "ru")
        return Document(id=f"d{n}", source="s", text=text, paragraphs=[Paragraph(text, "ru")], text_en="", title_paragraph=title)

    texts = [text for text in documents if text.strip()][:30]
    stage = normalize_stage.Normalize(NormalizeConfig(), load_registry(REGISTRY))
    alone = [stage.normalize_document(make(n, text)).to_row() for n, text in enumerate(texts)]
    calls: list[int] = []

    def counted(batch: list[str]) -> list[list[ner.Span]]:
        calls.append(len(batch))
        return ner.ner_spans(batch)

    def alone_again(batch: list[str]) -> list[list[ner.Span]]:
        raise AssertionError(f"tagged alone: {batch[0][:60]}")

    monkeypatch.setattr(normalize_stage, "ner_spans", counted)
    monkeypatch.setattr(russian_finder, "ner_spans", alone_again)
    monkeypatch.setattr(normalize_stage, "NER_DOCUMENTS", 16)
    together = [document.to_row() for document in stage.run(make(n, text) for n, text in enumerate(texts))]
    assert together == alone
    assert any(name["field"] == "text" for row in together for name in row["names"])  # Russian names were found
    assert calls == [32, 28]  # 16 bodies and 16 titles a call, then the last 14 of each


def test_the_network_gives_slovnets_emissions_bit_for_bit(documents: list[str]) -> None:
    """Our convolution windows (ner._convolve) make the same matrices as slovnet's Conv1d: the
    emissions of every batch of the documents are slovnet's own, to the last bit."""
    infer = ner.tagger().infer
    ids = [[ner._word_ids(word) for part in text.split("\n\n") for word in ner._words(part)] for text in documents]
    ids = [text for text in ids if text]
    for batch in ner._batches([len(text) for text in ids]) + [[0], list(range(min(5, len(ids))))]:
        word_id, shape_id, pad_mask, _ = ner.padded_batch([ids[index] for index in batch])
        ours, theirs = ner.network(word_id, shape_id, pad_mask), infer.model(word_id, shape_id, pad_mask)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        assert ours.tobytes() == theirs.tobytes()


def test_sorted_words_encode_as_slovnets_vocabulary() -> None:
    from slovnet.vocab import Vocab

    items = ["<pad>", "<unk>", "москва", "ёж", "abc", "ab", "москва", "z", "😀", ""]
    vocab, words = Vocab(items), ner.SortedWords(items)
    assert (words.unk_id, words.pad_id, len(words)) == (vocab.unk_id, vocab.pad_id, len(items))
    for word in [*items, "a", "abcd", "моск", "zz", "Москва", "ё"]:
        assert words.encode(word) == vocab.encode(word), word
    assert words.encode("москва") == 6  # listed twice: the last id, as slovnet's dict keeps it


def test_the_tagger_holds_its_words_compactly() -> None:
    assert isinstance(ner.tagger().infer.encoder.words_vocab, ner.SortedWords)
