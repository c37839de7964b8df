"""Detect: the language of every paragraph and of the whole document.

langdetect, seeded so that every run gives the same labels, with rules where the script is
certain: Thai script is Thai; Cyrillic with letters Russian lacks (ў і ї є ґ) is Belarusian or
Ukrainian, never Russian. langdetect only compares languages of the text's own script, among
the configured ones, which is both more accurate and several times faster than all profiles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from pipeline import scripts
from pipeline.config import RULE_LANGUAGES
from pipeline.schema import Document, Paragraph, Stage

UNDETERMINED = "und"

_SCRIPTS = {"thai": scripts.THAI, "cyrillic": scripts.CYRILLIC, "latin": scripts.LATIN}
CYRILLIC_LANGUAGES = {"ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "tg", "mn"}
THAI_LANGUAGES = {"th"}
# Belarusian and Ukrainian spelling Russian never has. Strong marks decide alone: letters
# Russian lacks (also a Latin "i" typed inside a Cyrillic word), "жы/шы/чы", "ць", "-цца",
# "дзя", the soft-sign clusters of Taraškievica, and common Belarusian words. Weak marks
# ("-ага", "рэ/цэ/чэ", "па", ...) also occur in Russian names and loanwords, so they need company.
_STRONG_MARK = re.compile(
    r"[ўіїєґ]|(?<=[а-яё])[i]|[i](?=[а-яё])|[жшчкгх]ы|ць|цца\b|дз[яюёь]"
    r"|сьн|зьн|ньн|сьц|сьв|сьп|цьц|зьм|сьл|гэт"
    r"|\b(?:з|пра|яго|ён|яна|яны|шт|каб|таксама|сёння|ужо|перад|артыкул|серада|пры(?=[нмлкв]))\b",
    re.IGNORECASE,
)
_WEAK_MARK = re.compile(r"ага\b|[еэ]нн[ея]\b|ы[яю]\b|\b(?:аб|па|ад|ля)\b|[рцчшж]э|дзе", re.IGNORECASE)
_UKRAINIAN_ONLY = re.compile(r"[їєґ]", re.IGNORECASE)
# Belarusian has none of these; Russian text has an "и" in about every 13th letter.
_RUSSIAN_NOT_BELARUSIAN = re.compile(r"[ищъ]", re.IGNORECASE)
_RUSSIAN_I_SHARE = 0.075
# A Russian paragraph may quote a Belarusian or Ukrainian name: marks must be this dense.
_LETTERS_PER_MARK = 150


def script_of_language(lang: str) -> str:
    if lang in THAI_LANGUAGES:
        return "thai"
    if lang in CYRILLIC_LANGUAGES:
        return "cyrillic"
    return "latin"


def letter_counts(text: str) -> dict[str, int]:
    return {script: len(pattern.findall(text)) for script, pattern in _SCRIPTS.items()}


def dominant_script(text: str) -> tuple[str | None, float]:
    """The script most letters are in, and its share of the letters."""
    counts = letter_counts(text)
    total = sum(counts.values())
    if total == 0:
        return None, 0.0
    script = max(counts, key=lambda name: counts[name])
    return script, counts[script] / total


@cache
def _profile_json(lang: str) -> str | None:
    profiles = resources.files("langdetect") / "profiles"
    # Only names listed in the folder: a code is never a path ("../x").
    if lang not in {entry.name for entry in profiles.iterdir()}:
        return None
    return (profiles / lang).read_text(encoding="utf-8")


class LanguageDetector:
    """Labels a text with a language among the configured ones, deterministically."""

    def __init__(self, languages: Iterable[str], seed: int = 0, min_score: float = 0.6) -> None:
        self.languages = list(dict.fromkeys(languages))
        self.min_score = min_score
        by_script: dict[str, list[str]] = defaultdict(list)
        for lang in self.languages:
            # Belarusian has no langdetect profile: the letter rule finds it.
            if lang not in RULE_LANGUAGES and (lang in THAI_LANGUAGES or _profile_json(lang) is not None):
                by_script[script_of_language(lang)].append(lang)
        self.by_script = dict(by_script)
        self.factories: dict[str, DetectorFactory] = {}
        for script, langs in self.by_script.items():
            if len(langs) >= 2:
                factory = DetectorFactory()
                factory.load_json_profile([_profile_json(lang) for lang in langs])
                factory.set_seed(seed)
                self.factories[script] = factory

    def _langdetect(self, script: str, text: str) -> tuple[str, float]:
        langs = self.by_script.get(script, [])
        if not langs:
            return UNDETERMINED, 0.0
        if len(langs) == 1:
            return langs[0], 1.0
        detector = self.factories[script].create()
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return UNDETERMINED, 0.0
        return best.lang, float(best.prob)

    def _cyrillic_rule(self, text: str, cyrillic_letters: int) -> str | None:
        """Belarusian or Ukrainian when the letters say so; None when they do not decide."""
        strong = len(_STRONG_MARK.findall(text))
        marks = strong + 0.5 * len(_WEAK_MARK.findall(text))
        if (strong == 0 and marks < 1.5) or marks < cyrillic_letters / _LETTERS_PER_MARK:
            return None
        lower = text.lower()
        has_i, has_yery = "и" in lower, "ы" in lower
        if _UKRAINIAN_ONLY.search(text) or (has_i and not has_yery):
            # Ukrainian has no ы, э, ъ, ё: many of them mean a Russian text quoting Ukrainian.
            russian_evidence = sum(lower.count(char) for char in "ыэъё")
            return "uk" if russian_evidence < marks else None
        # Belarusian has no и, щ, ъ: many of them mean a Russian text quoting Belarusian.
        russian_evidence = sum(lower.count(char) for char in "ищъ")
        return "be" if russian_evidence < marks else None

    def detect(self, text: str) -> tuple[str, float]:
        """(language, confidence 0..1); `und` when no letters or below min_score."""
        counts = letter_counts(text)
        total = sum(counts.values())
        if total == 0:
            return UNDETERMINED, 0.0
        script = max(counts, key=lambda name: counts[name])
        purity = counts[script] / total
        if script == "thai":
            lang, score = ("th", 1.0) if "th" in self.languages else (UNDETERMINED, 0.0)
        elif script == "cyrillic" and (rule := self._cyrillic_rule(text, counts["cyrillic"])):
            lang, score = rule, 1.0
        else:
            lang, score = self._langdetect(script, text)
            if lang == "ru" and "be" in self.languages and not _RUSSIAN_NOT_BELARUSIAN.search(text):
                # No "и", "щ" or "ъ" and no Belarusian mark either: a short text could be both.
                # The letters count at 0.8 weight: Belarusian marks are nearly as frequent as "и".
                score *= 1.0 - (1.0 - _RUSSIAN_I_SHARE) ** (counts["cyrillic"] / 1.25)
        # Letters of other scripts (names, quotes) lower the confidence only past a quarter.
        score *= min(1.0, purity / 0.75)
        if score < self.min_score:
            return UNDETERMINED, round(score, 4)
        return lang, round(score, 4)


def document_language(paragraphs: list[Paragraph]) -> tuple[str, float]:
    """Length-weighted vote of the paragraphs; the score is the winner's weighted share."""
    weights: dict[str, float] = defaultdict(float)
    total = 0.0
    for paragraph in paragraphs:
        length = len(paragraph.text)
        total += length
        weights[paragraph.lang] += length * paragraph.lang_score
    if total == 0 or not weights:
        return UNDETERMINED, 0.0
    lang = max(weights, key=lambda name: weights[name])
    return lang, round(weights[lang] / total, 4)


def detect_paragraph_languages(document: Document, detector: LanguageDetector, short_chars: int) -> Document:
    """Label every paragraph and the document; short paragraphs follow the document."""
    long_ones = []
    for paragraph in document.paragraphs:
        paragraph.lang, paragraph.lang_score = detector.detect(paragraph.text)
        if len(paragraph.text) >= short_chars:
            long_ones.append(paragraph)
    document.lang, document.lang_score = document_language(long_ones or document.paragraphs)
    if document.lang == UNDETERMINED:
        return document
    doc_script = script_of_language(document.lang)
    for paragraph in document.paragraphs:
        if len(paragraph.text) < short_chars:
            script, _share = dominant_script(paragraph.text)
            # A short line ("Moscow, 12 May") cannot be told apart reliably; its script can.
            if script == doc_script or script is None:
                paragraph.lang, paragraph.lang_score = document.lang, document.lang_score
    return document


class Detect(Stage):
    name = "detect"

    def __init__(self, languages: list[str], seed: int, min_score: float, short_paragraph_chars: int) -> None:
        super().__init__()
        self.detector = LanguageDetector(languages, seed=seed, min_score=min_score)
        self.short_paragraph_chars = short_paragraph_chars

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            detect_paragraph_languages(document, self.detector, self.short_paragraph_chars)
            self.counters[f"documents.{document.lang}"] += 1
            for paragraph in document.paragraphs:
                self.counters[f"paragraphs.{paragraph.lang}"] += 1
            yield document
