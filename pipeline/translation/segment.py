"""Sentence segmentation before translation, by the splitter a language's folder names.

`segmenter` in pipeline/lang/<code>/language.yaml picks one of SEGMENTERS: `punctuation` (Russian:
sentence-final punctuation, then a capital, except after the abbreviations of the language's
`abbreviations.txt`) or `pythainlp-crfcut` (Thai: pythainlp's CRF model). A language that names
none, or has no folder at all, gets the generic splitter: punctuation, with no abbreviations but
initials. Never Russian's abbreviations for another language.

Functions return character spans into the paragraph, so that callers can keep protected names
whole (a boundary inside a name is dropped) and reassemble paragraphs in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, partial

from pipeline.lang import Language, find_language

Span = tuple[int, int]

_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+[»\"”’)\]]*)"  # sentence-final punctuation, then closing quotes/brackets
    r"(?P<space>\s+)"
    r"(?=[«\"“„(\[—–-]?\s*[A-ZА-ЯЁ0-9])"  # next sentence starts with a capital or a digit
)
_WORD_BEFORE = re.compile(r"([\w.-]+)$")


def _is_abbreviation(text_before: str, abbreviations: frozenset[str]) -> bool:
    match = _WORD_BEFORE.search(text_before)
    if not match:
        return False
    word = match.group(1).rstrip(".")
    if len(word) == 1 and word.isupper():
        return True  # an initial: "В. В. Путин", "Я.Коласа"
    return word.lower() in abbreviations


def split_by_punctuation(text: str, abbreviations: frozenset[str] = frozenset()) -> list[Span]:
    """Sentence spans of a paragraph in a Cyrillic or Latin script: a boundary after sentence-final
    punctuation and before a capital or a digit, none after an initial or one of `abbreviations`."""
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        punctuation = match.group("end")
        if punctuation == "." and _is_abbreviation(text[start : match.start()], abbreviations):
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


def _split_by_punctuation_of(language: Language) -> Callable[[str], list[Span]]:
    abbreviations = language.words("abbreviations.txt") if language.has("abbreviations.txt") else frozenset()
    return partial(split_by_punctuation, abbreviations=abbreviations)


# Segmenter name (`segmenter` in a language.yaml) -> the splitter it makes for that language.
SEGMENTERS: dict[str, Callable[[Language], Callable[[str], list[Span]]]] = {
    "punctuation": _split_by_punctuation_of,
    "pythainlp-crfcut": lambda _language: split_thai_sentences,
}


@cache
def segmenter(lang: str) -> Callable[[str], list[Span]]:
    """The sentence splitter of a language: its folder's, else the generic one (punctuation
    without abbreviations) for a language without a folder or without a segmenter of its own."""
    language = find_language(lang)
    if language is None or language.segmenter is None:
        return split_by_punctuation
    if language.segmenter not in SEGMENTERS:
        raise ValueError(f"pipeline/lang/{lang}/language.yaml: no segmenter {language.segmenter!r} (there are: {', '.join(SEGMENTERS)})")
    return SEGMENTERS[language.segmenter](language)


def split_sentences(text: str, lang: str, keep_whole: Sequence[Span] = ()) -> list[Span]:
    """Sentence spans; no boundary falls inside a span of `keep_whole` (protected names)."""
    spans = segmenter(lang)(text)
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
