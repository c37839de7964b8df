"""Detect: the language of every paragraph and of the whole document.

The script first (Thai script is Thai); within a script, the orthography rules of rules.py
rule languages out and function words settle short lines; langdetect, seeded so that every
run gives the same labels, decides what is left among the languages still possible only,
which is both more accurate and many times faster than comparing all its profiles.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from pipeline import scripts
from pipeline.config import RULE_LANGUAGES, RunConfig
from pipeline.lang import all_languages, find_language
from pipeline.langid.rules import (
    BELARUSIAN,
    BELARUSIAN_NOT_UKRAINIAN,
    fewest_ruled_out,
    function_word_votes,
    normalize,
    ruled_out,
    without_addresses,
    word_frequency_scores,
)
from pipeline.schema import Document, Paragraph
from pipeline.step import Step, StepContext, StepStats, register_step

UNDETERMINED = "und"

_SCRIPTS = {"thai": scripts.THAI, "cyrillic": scripts.CYRILLIC, "latin": scripts.LATIN}
_LATIN_WORD = re.compile(f"[{scripts.LATIN_LETTERS}0-9][{scripts.LATIN_LETTERS}0-9-]*")
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
# Belarusian writes "ў" for a "в" after a vowel at a word's end or before a consonant.
_VOWEL_V = re.compile(r"[аеёиоуыэюяі]в(?:\b|(?=[бвгджзйклмнпрстфхцчшщ]))")
# Russian text has an "и" (which Belarusian lacks) in about every 13th letter.
_RUSSIAN_I_SHARE = 0.075
# A Russian paragraph may quote a Belarusian or Ukrainian name: marks must be this dense.
_LETTERS_PER_MARK = 150
# langdetect samples n-grams from at most this much text: the first lines settle a paragraph.
_MAX_SAMPLE_CHARS = 2000
# Short texts whose language is kept (see LanguageDetector.detect): at most this many of at
# most this many characters, a few MB; the memory is forgotten when full.
_KNOWN_TEXTS, _KNOWN_CHARS = 4096, 1000
# The word vote decides when its best language's words are this much likelier (log10: tenfold)
# than the next one's; Russian, the pipeline's own language, wins when within half of that.
_WORD_VOTE_MARGIN = 1.0
_RUSSIAN_WITHIN = 0.5
_SHORT_LETTERS = 20


def script_of_language(lang: str) -> str:
    """The script its folder in pipeline/lang/ declares; Latin for a language without one."""
    language = find_language(lang)
    return language.script if language else "latin"


def _prior(lang: str) -> float:
    """The prior towards the languages the pipeline is for (`detect_prior` in their folders);
    langdetect iterates until its n-grams wash most of it out, so it tips only near-ties (one
    sentence in 300 on the tune split)."""
    language = find_language(lang)
    return language.detect_prior if language else 1.0


@cache
def _short_text_default(script: str) -> str | None:
    """The language a short text of a script is taken for: the one of that script with the
    highest prior above 1.0 (Russian, English)."""
    favoured = [language for language in all_languages() if language.script == script and language.detect_prior > 1.0]
    return max(favoured, key=lambda language: language.detect_prior).code if favoured else None


def letter_counts(text: str) -> dict[str, int]:
    return {script: len(pattern.findall(text)) for script, pattern in _SCRIPTS.items()}


def script_votes(text: str) -> dict[str, float]:
    """Letters per script, a capitalised Latin word or one with digits at half weight.

    Such words are names, brands and model numbers ("Мультиварка Redmond RMC-FM4521"): they
    do not outvote the Cyrillic words around them, while lower-case Latin words count in full.
    """
    votes: dict[str, float] = dict(letter_counts(text))
    for word in _LATIN_WORD.findall(text):
        if word[0].isupper() or any(char.isdigit() for char in word):
            votes["latin"] -= len(_SCRIPTS["latin"].findall(word)) / 2
    return votes


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
    """Labels a text with a language among the configured ones, deterministically.

    Script first (Thai is Thai); within a script the orthography rules rule languages out
    and function words settle short lines; langdetect decides what is left, among the
    languages still possible, with a prior towards the pipeline's own languages.
    """

    def __init__(self, languages: Iterable[str], seed: int = 0, min_score: float = 0.6) -> None:
        self.languages = list(dict.fromkeys(languages))
        self.min_score = min_score
        self.seed = seed
        by_script: dict[str, list[str]] = defaultdict(list)
        for lang in self.languages:
            if lang in RULE_LANGUAGES or script_of_language(lang) == "thai" or _profile_json(lang) is not None:
                by_script[script_of_language(lang)].append(lang)
        self.by_script = dict(by_script)
        self._factories: dict[frozenset[str], DetectorFactory] = {}
        self._known: dict[str, tuple[str, float]] = {}

    def _factory(self, langs: frozenset[str]) -> DetectorFactory:
        """One factory per set of candidates: langdetect compares only the languages still possible."""
        if langs not in self._factories:
            factory = DetectorFactory()
            factory.load_json_profile([_profile_json(lang) for lang in sorted(langs)])
            factory.set_seed(self.seed)
            self._factories[langs] = factory
        return self._factories[langs]

    def _langdetect(self, langs: frozenset[str], lowered: str) -> tuple[str, float]:
        if not langs:
            return UNDETERMINED, 0.0
        if len(langs) == 1:
            return next(iter(langs)), 1.0
        factory = self._factory(langs)
        detector = factory.create()
        detector.set_max_text_length(_MAX_SAMPLE_CHARS)
        detector.set_prior_map({lang: _prior(lang) for lang in factory.get_lang_list()})
        detector.append(lowered)
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

    def _within_script(self, script: str, text: str, letters: int) -> tuple[str, float]:
        """The language among the configured ones of `script`, and its confidence."""
        configured = self.by_script.get(script, [])
        if script == "thai" or len(configured) <= 1:
            return (configured[0], 1.0) if configured else (UNDETERMINED, 0.0)
        lowered = normalize(text)
        possible = set(configured) - ruled_out(lowered, configured)
        if not possible:
            possible = fewest_ruled_out(lowered, configured)
        if len(possible) == 1:
            return possible.pop(), 1.0
        if script == "cyrillic" and possible == {"uk", "be"}:
            # Both write "і" and neither "и" for it: Belarusian needs a spelling of its own.
            return ("be" if BELARUSIAN_NOT_UKRAINIAN.search(lowered) else "uk"), 1.0
        if "be" in possible and BELARUSIAN.search(lowered):
            return "be", 1.0
        if script == "cyrillic" and (not possible or "be" in possible):
            # Belarusian has no profile, and mixed text (Russian quoting a Ukrainian name) rules
            # out every language: the density of Belarusian and Ukrainian marks decides.
            rule = self._cyrillic_rule(text, letters)
            if rule and (rule in possible or not possible):
                return rule, 1.0
            possible = possible or set(configured)
        if script == "cyrillic":
            decided, unlikely = self._word_vote(lowered, possible)
            if decided is not None:
                return decided, self._belarusian_doubt(decided, possible, lowered, letters)
            possible -= unlikely
        votes = function_word_votes(lowered, possible)
        if votes:
            ranked = sorted(votes.values(), reverse=True)
            if len(ranked) == 1 or ranked[0] >= 2 * ranked[1]:
                return max(votes, key=lambda lang: votes[lang]), 1.0
        default = _short_text_default(script)
        if default in possible and letters < _SHORT_LETTERS and (script != "latin" or lowered.isascii()):
            # Too few letters for n-gram statistics, and nothing rules the pipeline's own
            # language out: take it (scored down below where it could be Belarusian: a bare
            # "За - 237" could be any of them and ends up `und`).
            lang, score = default, 1.0
        else:
            lang, score = self._langdetect(frozenset(possible - RULE_LANGUAGES), lowered)
        return lang, score * self._belarusian_doubt(lang, possible, lowered, letters)

    @staticmethod
    def _word_vote(lowered: str, possible: set[str]) -> tuple[str | None, set[str]]:
        """Russian, Ukrainian or Bulgarian by the frequencies of the words, else None; and the
        languages of the vote ten times less likely than its best, which are ruled out."""
        scores = word_frequency_scores(lowered, possible)
        if not scores:
            return None, set()
        best = max(scores, key=lambda lang: scores[lang])
        unlikely = {lang for lang, score in scores.items() if scores[best] - score >= _WORD_VOTE_MARGIN}
        # It decides only where it knows every language left (Belarusian aside: see
        # _belarusian_doubt); a Macedonian text would look most like Bulgarian.
        if possible - {"be"} - set(scores):
            return None, unlikely
        if "ru" in scores and scores[best] - scores["ru"] <= _RUSSIAN_WITHIN:
            return "ru", set()
        if len(unlikely) == len(scores) - 1:
            return best, unlikely
        return None, unlikely

    @staticmethod
    def _belarusian_doubt(lang: str, possible: set[str], lowered: str, letters: int) -> float:
        """1.0, or for Russian where nothing ruled Belarusian out, the chance a Russian "и" would show.

        Belarusian has neither a langdetect profile nor a word list: a short text could be both.
        Each letter is a chance for a Russian "и" (1 in 13) to show. No doubt where a Russian
        function word ("она", "что") or a "в" after a vowel at a word's end or before a consonant
        ("Майков", "правда") is there: Belarusian spells those otherwise ("яна", "Майкоў", "праўда").
        """
        if lang != "ru" or "be" not in possible:
            return 1.0
        if _VOWEL_V.search(lowered) or function_word_votes(lowered, {"ru"}):
            return 1.0
        return 1.0 - (1.0 - _RUSSIAN_I_SHARE) ** letters

    def detect(self, text: str) -> tuple[str, float]:
        """(language, confidence 0..1); `und` when no letters or below min_score.

        A pure function of the text (langdetect starts from the same seed every time), kept
        for texts seen before: datelines, bylines and repeated stories come back in a corpus.
        """
        if len(text) > _KNOWN_CHARS:
            return self._detect(text)
        known = self._known.get(text)
        if known is None:
            if len(self._known) >= _KNOWN_TEXTS:
                self._known.clear()
            known = self._known[text] = self._detect(text)
        return known

    def _detect(self, text: str) -> tuple[str, float]:
        text = without_addresses(text)
        counts = script_votes(text)
        total = sum(counts.values())
        if total == 0:
            return UNDETERMINED, 0.0
        script = max(counts, key=lambda name: counts[name])
        purity = counts[script] / total
        lang, score = self._within_script(script, text, round(counts[script]))
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
    """Label every paragraph, the title and the document; short ones follow the document.

    The title is labelled as a paragraph but does not vote for the document's language.
    """
    long_ones = []
    for paragraph in document.paragraphs:
        paragraph.lang, paragraph.lang_score = detector.detect(paragraph.text)
        if len(paragraph.text) >= short_chars:
            long_ones.append(paragraph)
    title = [document.title_paragraph] if document.title_paragraph else []
    for paragraph in title:
        paragraph.lang, paragraph.lang_score = detector.detect(paragraph.text)
    document.lang, document.lang_score = document_language(long_ones or document.paragraphs or title)
    if document.lang == UNDETERMINED:
        return document
    doc_script = script_of_language(document.lang)
    for paragraph in document.paragraphs + title:
        if len(paragraph.text) < short_chars:
            script, _share = dominant_script(paragraph.text)
            # A short line ("Moscow, 12 May") cannot be told apart reliably; its script can.
            if script == doc_script or script is None:
                paragraph.lang, paragraph.lang_score = document.lang, document.lang_score
    return document


class DetectStats(StepStats):
    def report_sections(self) -> dict[str, dict[str, Any]]:
        """Paragraphs per language, for the report's `languages`."""
        paragraphs = Counter({key.split(".", 1)[1]: value for key, value in self.counters.items() if key.startswith("paragraphs.")})
        return {"languages": {"paragraphs": paragraphs}}


@register_step
class Detect(Step):
    name = "detect"

    def __init__(self, languages: list[str], seed: int, min_score: float, short_paragraph_chars: int) -> None:
        super().__init__()
        self.detector = LanguageDetector(languages, seed=seed, min_score=min_score)
        self.short_paragraph_chars = short_paragraph_chars

    @classmethod
    def build(cls, config: RunConfig, context: StepContext) -> Detect:
        detect = config.detect
        return cls(detect.languages, detect.seed, detect.min_score, detect.short_paragraph_chars)

    def new_stats(self) -> StepStats:
        return DetectStats(self.name)

    def run(self, documents: Iterable[Document], rank: int = 0, world_size: int = 1) -> Iterator[Document]:
        for document in documents:
            detect_paragraph_languages(document, self.detector, self.short_paragraph_chars)
            self.counters[f"documents.{document.lang}"] += 1
            for paragraph in document.paragraphs:
                self.counters[f"paragraphs.{paragraph.lang}"] += 1
            yield document
