"""natasha's NER tagger (slovnet's CNN and CRF, navec's embeddings) run on many texts at once.

`ner_spans(texts)` gives for each text what `NewsNERTagger()(text).spans` gives, as (start,
stop, type) triples. natasha's Doc.tag_ner runs the tagger on the whole text; its sentence and
token segmentation do not change the spans, so they are left out. The steps are slovnet's own
(razdel words, word and shape ids, the network, the CRF decode, BIO tags to spans at the words'
places in the text) without the record objects and generators around each one, and with two
changes that leave every tag as it was:
- texts are tagged together, sorted by length, in padded batches: each call of the network has a
  fixed cost in numpy calls, and a text alone paid it for itself. A padding position embeds to
  zeros and the network zeroes it again after every layer, which is what a convolution sees
  past the end of an unpadded text (tests/test_names_ner.py checks this against natasha).
- the convolutions' window matrices are filled a kernel offset at a time (whole rows) rather than
  copied out of a padded input three values at a time: the same matrices, the same products.
- the CRF decode (Viterbi) runs over the batch, one numpy step per word position rather than per
  word of every text, with slovnet's float32 sums in its order and its first-index tie-break.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from types import SimpleNamespace
from typing import Any

import numpy as np

Span = tuple[int, int, str]

# Texts tagged in one call of the network: at most this many, and at most this many word
# positions, padding included (the first layer's windows take 4 KB a position). 2,048 rather than
# 8,192: the same tags, 8% less CPU (the matrices stay in cache) and 60 MB less resident (numpy's
# temporaries of a batch stay on the heap: the peak RSS of a one-process run).
BATCH_TEXTS = 64
BATCH_POSITIONS = 2048


@lru_cache(maxsize=1)
def tagger() -> Any:
    """natasha's NewsNERTagger: slovnet's news model with navec's news embedding injected.

    The network reads only the embedding's quantized table (`indexes`, `codes`); navec's own
    loader also builds its word list and similarity tables, 100 MB more at the moment of loading
    (the run's peak RSS) and 50 MB more after, which the tagger never reads.
    """
    from natasha.data import NEWS_EMBEDDING, NEWS_NER
    from navec.meta import Meta
    from navec.tar import Tar
    from slovnet import NER

    with Tar(NEWS_EMBEDDING) as tar:
        meta = Meta.from_file(tar.load("meta.json"))
        table = tar.load("pq.bin")  # navec's PQ.from_file, without its precomputed tables
        vectors, _, dimensions, centroids = (int(value) for value in np.frombuffer(table.read(16), np.uint32))
        indexes = np.frombuffer(table.read(vectors * dimensions), np.uint8).reshape(vectors, dimensions)
        codes = np.frombuffer(table.read(), np.float32).reshape(dimensions, centroids, -1)
    ner = NER.load(NEWS_NER).navec(SimpleNamespace(meta=meta, pq=SimpleNamespace(indexes=indexes, codes=codes)))
    ner.infer.encoder.words_vocab = SortedWords(ner.infer.encoder.words_vocab.items)
    return ner


class SortedWords:
    """A vocabulary's word -> id as slovnet's Vocab.encode gives it (the last id of a word listed
    twice, `unk_id` for a word not listed), kept as one string of the words in sorted order and
    two arrays (~6 MB) rather than a list and a dict of 250,000 Python strings (~39 MB: after
    the embedding, the largest thing a process running NER holds). A lookup is a binary search
    (~15 µs), and `_word_ids` keeps the words of the text at hand."""

    def __init__(self, items: list[str]) -> None:
        from slovnet.const import PAD, UNK

        order = sorted(range(len(items)), key=items.__getitem__)  # stable: a word's ids in order
        self._text = "".join(items[index] for index in order)
        self._ends = array("q", accumulate(len(items[index]) for index in order))
        self._ids = array("q", order)
        self.unk_id, self.pad_id = self.find(UNK), self.find(PAD)

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, place: int) -> str:
        """The word at this place in sorted order."""
        return self._text[self._ends[place - 1] if place else 0 : self._ends[place]]

    def find(self, word: str) -> int | None:
        """The word's id (the last, where it is listed twice), None where it is not listed."""
        place = bisect_right(self, word) - 1
        return self._ids[place] if place >= 0 and self[place] == word else None

    def encode(self, word: str) -> int | None:
        found = self.find(word)
        return self.unk_id if found is None else found


@lru_cache(maxsize=1 << 15)  # size: see pipeline.names.entity.variant_key
def _word_ids(word: str) -> tuple[int, int]:
    """The tagger's vocabulary id and shape id of a word, as slovnet's encoder gives them:
    words repeat across documents, their shapes are worked out letter by letter."""
    from slovnet.shape import word_shape

    encoder = tagger().infer.encoder
    return encoder.words_vocab.encode(word.lower()), encoder.shapes_vocab.encode(word_shape(word))


def _razdel_words(paragraph: str) -> tuple[str, ...]:
    from razdel import tokenize

    return tuple(token.text for token in tokenize(paragraph))


_short_paragraph_words = lru_cache(maxsize=2048)(_razdel_words)


def _words(paragraph: str) -> tuple[str, ...]:
    """razdel's words of a paragraph. razdel splits at every run of spaces, so the words of a
    text are those of its paragraphs one after another, and a short paragraph seen before (a
    recurring line, a repeated story) is not cut up again (long ones are not kept: memory)."""
    return _short_paragraph_words(paragraph) if len(paragraph) <= 1000 else _razdel_words(paragraph)


def viterbi(emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """The best tag sequence of each text of a padded batch (texts x positions x tags): slovnet's
    CRF decode, the same float32 sums in the same order and the same first-index tie-break. A
    text's row holds its tags in its first `lengths` places; the rest is padding."""
    texts, positions, _ = emissions.shape
    score = emissions[:, 0]
    history = []
    for step in range(1, positions):
        scores = score[:, :, None] + transitions + emissions[:, step, None, :]  # text x previous tag x next tag
        history.append(scores.argmax(1))
        score = np.where((step < lengths)[:, None], scores.max(1), score)  # a text that has ended keeps its score
    rows = np.arange(texts)
    best = score.argmax(1)
    tags = np.empty((texts, positions), dtype=np.int64)
    tags[rows, lengths - 1] = best
    for step in range(positions - 1, 0, -1):
        best = np.where(step < lengths, history[step - 1][rows, best], best)
        tags[:, step - 1] = best  # past a text's end this writes its last tag again, or padding
    return tags


def network(word_id: np.ndarray, shape_id: np.ndarray, pad_mask: np.ndarray) -> np.ndarray:
    """slovnet's NER network (`infer.model`) on a padded batch: every operation as slovnet's
    CNN encoder does it, but for the convolutions' windows (see `_convolve`)."""
    model = tagger().infer.model
    x = np.swapaxes(model.emb(word_id, shape_id), 2, 1)
    mask = np.expand_dims(pad_mask, axis=1)
    for layer in model.encoder.layers:
        x = layer.norm(layer.relu(_convolve(layer.conv, x)))
        x[mask.repeat(x.shape[1], axis=1)] = 0
    return np.asarray(model.head(np.swapaxes(x, 2, 1)))


def _convolve(conv: Any, x: np.ndarray) -> np.ndarray:
    """slovnet's Conv1d (texts x channels x positions) with the same window matrix, so the same
    product: filled a kernel offset at a time, whole rows of channels, where slovnet pads the
    input and numpy copies the windows out of it three values at a time (a third of the
    network's time). tests/test_names_ner.py checks the emissions equal slovnet's bit for bit."""
    texts, channels, length = x.shape
    filters, _, kernel = conv.weight.shape
    pad = conv.padding
    count = length + 2 * pad - kernel + 1
    windows = np.zeros((texts, count, channels, kernel), dtype=x.dtype)
    rows = np.swapaxes(x, 2, 1)  # texts x positions x channels
    for offset in range(kernel):
        first, last = max(0, pad - offset), min(count, length + pad - offset)
        windows[:, first:last, :, offset] = rows[:, first + offset - pad : last + offset - pad]
    weight = conv.weight.array.reshape(filters, channels * kernel)
    output = np.matmul(windows.reshape(texts * count, channels * kernel), weight.T) + conv.bias.array
    return np.asarray(output.reshape(texts, count, filters).swapaxes(2, 1))


def _to_spans(text: str, words: Sequence[str], tags: Sequence[str]) -> list[Span]:
    """BIO tags of a text's words as spans at the words' places in the text."""
    spans = []
    kind: str | None = None  # the type of the span being read, None outside one
    offset = start = stop = 0
    for word, tag in zip(words, tags):
        word_start = text.find(word, offset)  # slovnet's find_tokens: each word after the last
        offset = word_start + len(word)
        part, _, tag_type = tag.partition("-")
        if part == "O":
            if kind:
                spans.append((start, stop, kind))
                kind = None
        elif part == "B":
            if kind:
                spans.append((start, stop, kind))
            kind, start, stop = tag_type, word_start, offset
        elif part == "I":
            stop = offset
    if kind:
        spans.append((start, stop, kind))
    return spans


def _batches(lengths: list[int]) -> list[list[int]]:
    """Indexes of texts, shortest first, in batches of like length within the limits."""
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        batch = batches[-1] if batches else []
        if not batch or len(batch) >= BATCH_TEXTS or (len(batch) + 1) * lengths[index] > BATCH_POSITIONS:
            batches.append(batch := [])
        batch.append(index)
    return batches


def padded_batch(ids: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The network's input for a batch of texts' (word id, shape id) pairs: word ids, shape ids,
    the padding mask, and each text's length."""
    infer = tagger().infer
    lengths = np.array([len(text) for text in ids])
    word_id = np.full((len(ids), int(lengths.max())), infer.encoder.words_vocab.pad_id)
    shape_id = np.full(word_id.shape, infer.encoder.shapes_vocab.pad_id)
    for row, text in enumerate(ids):
        word_id[row, : len(text)] = [word for word, _ in text]
        shape_id[row, : len(text)] = [shape for _, shape in text]
    pad_mask = np.arange(word_id.shape[1])[None, :] >= lengths[:, None]
    return word_id, shape_id, pad_mask, lengths


def _tag_batch(ids: list[list[tuple[int, int]]]) -> list[list[str]]:
    """The tags of a batch of texts' words, given as (word id, shape id) pairs."""
    infer = tagger().infer
    word_id, shape_id, pad_mask, lengths = padded_batch(ids)
    emissions = network(word_id, shape_id, pad_mask)
    tags = viterbi(emissions, lengths, infer.model.head.crf.transitions.array)
    decode = infer.decoder.tags_vocab.decode
    return [[decode(tag) for tag in row[:length]] for row, length in zip(tags.tolist(), lengths.tolist())]


def ner_spans(texts: Sequence[str]) -> list[list[Span]]:
    """natasha's NER spans (start, stop, type) of each text: what `tagger()(text).spans` gives."""
    words = [[word for part in text.split("\n\n") for word in _words(part)] for text in texts]
    spans: list[list[Span]] = [[] for _ in texts]
    if not any(words):  # nothing to tag: the tagger (a second to load) is not loaded for it
        return spans
    ids = [[_word_ids(word) for word in text_words] for text_words in words]
    pad_id = tagger().infer.encoder.words_vocab.pad_id
    batched = []
    for index, text in enumerate(texts):
        if any(word == pad_id for word, _ in ids[index]):  # a word that is the padding's own: slovnet's path
            spans[index] = [(span.start, span.stop, span.type) for span in tagger()(text).spans]
        elif ids[index]:  # no words, no names (natasha fails on them)
            batched.append(index)
    for batch in _batches([len(ids[index]) for index in batched]):
        chosen = [batched[n] for n in batch]
        for index, tags in zip(chosen, _tag_batch([ids[index] for index in chosen])):
            spans[index] = _to_spans(texts[index], words[index], tags)
    return spans
