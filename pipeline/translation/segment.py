"""Sentence segmentation before translation: Russian by rule, Thai with pythainlp's CRF model.

Functions return character spans into the paragraph, so that callers can keep protected names
whole (a boundary inside a name is dropped) and reassemble paragraphs in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

Span = tuple[int, int]

# Abbreviations after which a period does not end a Russian sentence.
RUSSIAN_ABBREVIATIONS = frozenset(
    [
        "т.е",
        "т.к",
        "т.д",
        "т.п",
        "т.н",
        "т.ч",
        "др",
        "пр",
        "проч",
        "г",
        "гг",
        "в",
        "вв",
        "ул",
        "пл",
        "д",
        "кв",
        "им",
        "ст",
        "стр",
        "см",
        "рис",
        "руб",
        "коп",
        "тыс",
        "млн",
        "млрд",
        "наб",
        "пер",
        "просп",
        "обл",
        "р-н",
        "п",
        "пос",
        "дер",
        "с",
        "напр",
        "ок",
        "ср",
        "тел",
        "зам",
        "ген",
        "полк",
        "ген.-л",
        "гл",
        "ред",
        "изд",
        "акад",
        "проф",
        "доц",
        "чл.-корр",
        "канд",
        "англ",
        "нем",
        "франц",
        "лат",
        "букв",
        "мин",
        "сек",
        "ч",
    ]
)
_RUSSIAN_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+[»\"”’)\]]*)"  # sentence-final punctuation, then closing quotes/brackets
    r"(?P<space>\s+)"
    r"(?=[«\"“„(\[—–-]?\s*[A-ZА-ЯЁ0-9])"  # next sentence starts with a capital or a digit
)
_WORD_BEFORE = re.compile(r"([\w.-]+)$")


def _is_abbreviation(text_before: str) -> bool:
    match = _WORD_BEFORE.search(text_before)
    if not match:
        return False
    word = match.group(1).rstrip(".")
    if len(word) == 1 and word.isupper():
        return True  # an initial: "В. В. Путин", "Я.Коласа"
    return word.lower() in RUSSIAN_ABBREVIATIONS


def split_russian_sentences(text: str) -> list[Span]:
    """Sentence spans of a Russian (or other Cyrillic/Latin) paragraph."""
    spans: list[Span] = []
    start = 0
    for match in _RUSSIAN_BOUNDARY.finditer(text):
        punctuation = match.group("end")
        if punctuation == "." and _is_abbreviation(text[start : match.start()]):
            continue
        end = match.start("space")
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def split_thai_sentences(text: str) -> list[Span]:
    """Sentence spans of a Thai paragraph (pythainlp CRF segmenter; runs offline)."""
    from pythainlp.tokenize import sent_tokenize

    spans: list[Span] = []
    position = 0
    for sentence in sent_tokenize(text, engine="crfcut"):
        stripped = str(sentence).strip()
        if not stripped:
            continue
        start = text.find(stripped, position)
        if start < 0:  # the segmenter changed the text: keep what is left whole
            spans.append((position, len(text)))
            return spans
        spans.append((start, start + len(stripped)))
        position = start + len(stripped)
    return spans


SEGMENTERS: dict[str, Callable[[str], list[Span]]] = {"th": split_thai_sentences}


def split_sentences(text: str, lang: str, keep_whole: Sequence[Span] = ()) -> list[Span]:
    """Sentence spans; no boundary falls inside a span of `keep_whole` (protected names)."""
    spans = SEGMENTERS.get(lang, split_russian_sentences)(text)
    merged: list[Span] = []
    for start, end in spans:
        crosses = merged and any(s < merged[-1][1] and e > start for s, e in keep_whole)
        if crosses:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def split_long(text: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Cut a sentence over the model's token limit at the best break near its middle.

    Never truncates: every character ends up in one of the pieces.
    """
    if count_tokens(text) <= limit or len(text) < 2:
        return [text]
    middle = len(text) // 2
    for breaks in (r"[;:]\s", r",\s", r"\s"):
        candidates = [m.end() for m in re.finditer(breaks, text) if 0 < m.end() < len(text)]
        if candidates:
            cut = min(candidates, key=lambda position: abs(position - middle))
            break
    else:
        cut = middle
    return split_long(text[:cut].rstrip(), count_tokens, limit) + split_long(text[cut:].lstrip(), count_tokens, limit)
