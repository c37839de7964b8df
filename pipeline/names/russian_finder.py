"""Names in Russian source text: natasha's NER (PER, LOC, ORG), each span put in the nominative
with pymorphy3 and romanized with iuliia's Wikipedia scheme ("Андрея Курочкина" -> "Andrey
Kurochkin"): the scheme English-language media and Wikipedia use, so the proposal reads as
readers expect, and it keeps ё as "yo" ("Zhuravlyov"), which the transliteration key folds.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from pipeline import scripts
from pipeline.names.keys import ORGANISATION, PERSON, PLACE, Discovered, exonym, group_key, looks_like_person

_NER_TYPES = {"PER": PERSON, "LOC": PLACE, "ORG": ORGANISATION}


@lru_cache(maxsize=1)
def _natasha() -> Any:
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


# Two or more capitals, then at most a case ending in small letters.
_ACRONYM = re.compile(r"^([А-ЯЁ]{2,})(?:а|у|ом|е|ы|ов|ам|ами|ах)?$")


def _nominative_word(word: str, wanted: set[str], gender: str | None) -> str:
    """One word in the nominative, of the given gender where it has one: "Власовой" -> "Власова"."""
    if "-" in word:
        return "-".join(_nominative_word(part, wanted, gender) for part in word.split("-"))
    if _ACRONYM.match(word):  # "США", "МИДа": an acronym keeps its letters, loses a case ending
        return _ACRONYM.sub(r"\1", word)
    parses = _morph().parse(word)
    fits = [p for p in parses if wanted & set(p.tag.grammemes)] or [p for p in parses if {"NOUN", "ADJF"} & set(p.tag.grammemes)]
    if any("Fixd" in p.tag.grammemes for p in fits):
        return word  # indeclinable in one of its readings ("Тиффани", "Гёте"): as written, not a guessed stem
    if gender:
        fits = [p for p in fits if gender in p.tag.grammemes or "ms-f" in p.tag.grammemes] or fits
    if not fits or "nomn" in fits[0].tag.grammemes:
        return word
    inflected = fits[0].inflect({"nomn"} | ({"sing"} if "plur" not in fits[0].tag.grammemes else set()))
    if inflected is None:
        return word
    form = str(inflected.word)
    return form[:1].upper() + form[1:] if word[:1].isupper() else form


def nominative(text: str, kind: str) -> str:
    """A name in the nominative: a person's words agree with the given name's gender; of an
    organisation's name only the words up to its head noun change ("Совета матерей" -> "Совет матерей")."""
    words = text.split()
    if kind == PERSON:
        gender = next(
            (
                g
                for w in words
                for p in _morph().parse(w)[:3]
                if "Name" in p.tag.grammemes
                for g in ("masc", "femn")
                if g in p.tag.grammemes
            ),
            None,
        )
        return " ".join(_nominative_word(word, {"Name", "Surn", "Patr"}, gender) for word in words)
    out = []
    for index, word in enumerate(words):
        out.append(_nominative_word(word, {"Geox", "Orgn", "NOUN", "ADJF"}, None))
        if any("NOUN" in p.tag.grammemes for p in _morph().parse(word)[:1]):
            return " ".join(out + words[index + 1 :])
    return " ".join(out)


def romanize(text: str) -> str:
    import iuliia

    return exonym(str(iuliia.WIKIPEDIA.translate(text)))  # "Москва": "Moscow", not "Moskva"


def _viterbi(emissions: np.ndarray, transitions: np.ndarray) -> list[int]:
    """The best tag sequence of one unpadded sentence: slovnet's CRF decode, the same float32
    sums in the same order and the same first-index tie-break, in a third of the numpy calls
    (slovnet's is written for padded batches and took longer than the network itself)."""
    score = emissions[0]
    history = []
    for emission in emissions[1:]:
        scores = score[:, None] + transitions + emission[None, :]  # previous tag x next tag
        history.append(scores.argmax(0))
        score = scores.max(0)
    best = int(score.argmax())
    tags = [best]
    for previous in reversed(np.array(history).tolist()):
        best = previous[best]
        tags.append(best)
    tags.reverse()
    return tags


@lru_cache(maxsize=1 << 16)
def _word_ids(word: str) -> tuple[int, int]:
    """The tagger's vocabulary id and shape id of a word, as slovnet's encoder gives them:
    words repeat across documents, their shapes are worked out letter by letter."""
    from slovnet.shape import word_shape

    encoder = _natasha().infer.encoder
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


def _ner_spans(text: str) -> list[tuple[int, int, str]]:
    """natasha's NER spans (start, stop, type) of a text: what `tagger(text).spans` gives.

    natasha's Doc.tag_ner runs the tagger on the whole text; its sentence and token
    segmentation do not change the spans, so they are left out. The steps are slovnet's own
    (razdel words, word and shape ids, the network, the CRF decode, BIO tags to spans at the
    words' places in the text) without the record objects and generators around each one,
    and with our Viterbi.
    """
    tagger = _natasha()
    infer = tagger.infer
    words = [word for part in text.split("\n\n") for word in _words(part)]
    ids = [_word_ids(word) for word in words]
    word_id = np.array([[word for word, _ in ids]])
    pad_mask = word_id == infer.encoder.words_vocab.pad_id
    if not words or pad_mask.any():
        return [(span.start, span.stop, span.type) for span in tagger(text).spans]  # slovnet's own path
    emissions = infer.model(word_id, np.array([[shape for _, shape in ids]]), pad_mask)[0]
    tags = [infer.decoder.tags_vocab.decode(tag) for tag in _viterbi(emissions, infer.model.head.crf.transitions.array)]
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


@lru_cache(maxsize=65536)
def _russian_forms(spelling: str, kind: str) -> tuple[str, str, str]:
    """Nominative, romanization and group key of one spelling: pure functions of it, and
    names repeat across documents, so each spelling pays for pymorphy3 and iuliia once."""
    native = nominative(spelling, kind)
    canonical = romanize(native)
    return native, canonical, group_key(canonical, kind)


def russian_names(text: str) -> list[Discovered]:
    """Names natasha's NER finds in Russian text, each with its romanized nominative; names in
    Latin letters as written."""
    if not text.strip():
        return []
    found = []
    for start, stop, ner_type in _ner_spans(text):
        kind = _NER_TYPES.get(ner_type)
        bracket = _BRACKET_AT_END.search(text, start, stop)
        if bracket and bracket.start() > start:
            stop = bracket.start()  # "Фонд борьбы с коррупцией (ФБК)": the name, then its acronym
        spelling = text[start:stop]
        if kind is None:
            continue
        if not scripts.CYRILLIC.search(spelling):
            # A name in Latin letters (Microsoft, Forbes, "David Souter"): kept as written, a
            # person where it opens with a given name we know (natasha often calls them ORG).
            kind = PERSON if looks_like_person(spelling.split()) else kind
            found.append(Discovered(start, stop, spelling, spelling, kind, group_key(spelling, kind)))
            continue
        native, canonical, key = _russian_forms(spelling, kind)
        found.append(Discovered(start, stop, native, canonical, kind, key))
    return found


_BRACKET_AT_END = re.compile(r"\s*\([^()]*\)$")
_CAPITALISED = re.compile(r"(?<![\w-])[А-ЯЁ][а-яё]+(?![\w-])")


def other_forms(text: str, found: list[Discovered]) -> list[Discovered]:
    """A one-word name found once is the same name in its other cases elsewhere in the document
    ("Россия" found, "России" missed): a capitalised word any of whose parses has the found
    nominative as its normal form, where no name was found."""
    by_normal = {d.text.casefold(): d for d in found if " " not in d.text and scripts.CYRILLIC.search(d.text)}
    for d in found:  # a person's surname alone ("Путин" for "Владимир Путин")
        surname = d.text.split()[-1]
        if d.kind == PERSON and " " in d.text and len(surname) > 4 and scripts.CYRILLIC.search(surname):
            by_normal.setdefault(surname.casefold(), d)
    if not by_normal:
        return found
    taken = [(d.start, d.end) for d in found]
    more = []
    for match in _CAPITALISED.finditer(text):
        start, end = match.span()
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        name = next((by_normal[n] for n in _normal_forms(match.group()) if n in by_normal), None)
        if name is not None:
            more.append(replace(name, start=start, end=end))
    return sorted(found + more, key=lambda d: d.start) if more else found


@lru_cache(maxsize=1 << 16)
def _normal_forms(word: str) -> frozenset[str]:
    return frozenset(parse.normal_form for parse in _morph().parse(word))
