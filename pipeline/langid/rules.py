"""Orthography rules: what the letters and the commonest words of a text settle on their own.

Each language of a script has letters, letter pairs and word endings it never writes; a text
that shows one of them is not in that language ("ы" is neither Ukrainian nor Bulgarian, "і"
neither Russian nor Bulgarian, a word-final "ь" is not Bulgarian). Function words ("что",
"це", "това", "the") are the surest sign in a short line, where letter statistics are thin.
Among Russian, Ukrainian and Bulgarian, the frequencies of all the words of a line
(pipeline/lang/<code>/word_frequencies.txt) are the next vote. What the rules leave open, langdetect decides among the languages still possible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from pipeline import scripts
from pipeline.lang import get_language, languages_with

# Web addresses, e-mail addresses and markup tags never vote: they are Latin in any language.
_ADDRESS = scripts.ADDRESS_OR_MARKUP
# A Latin "i" typed inside a Cyrillic word (Belarusian and Ukrainian sites do it) is a "і".
_LATIN_I_IN_CYRILLIC = re.compile(r"(?<=[а-яёіїєґў])i|i(?=[а-яёіїєґў])", re.IGNORECASE)

# (pattern, languages it rules out). Patterns run on lower-cased text.
_IMPOSSIBLE: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"[ыэё]"), frozenset({"uk", "bg", "mk", "sr"})),
    (re.compile(r"[іў]"), frozenset({"ru", "bg", "mk", "sr"})),
    (re.compile(r"[їєґ]"), frozenset({"ru", "be", "bg", "mk", "sr"})),
    (re.compile(r"ў"), frozenset({"uk"})),
    # Macedonian and Serbian letters: ѓ ќ ѕ only Macedonian, ђ ћ only Serbian, ј љ њ џ both.
    (re.compile(r"[јљњџѓќѕђћ]"), frozenset({"ru", "uk", "be", "bg"})),
    (re.compile(r"[ѓќѕ]"), frozenset({"sr"})),
    (re.compile(r"[ђћ]"), frozenset({"mk"})),
    (re.compile(r"и"), frozenset({"be"})),
    (re.compile(r"щ"), frozenset({"be", "mk", "sr"})),
    (re.compile(r"ъ"), frozenset({"uk", "be", "mk", "sr"})),
    # Russian writes "ъ" only between a prefix and е, ё, ю, я; Bulgarian writes it as a vowel.
    (re.compile(r"ъ(?![еёюя])"), frozenset({"ru"})),
    # Russian writes a soft ц nowhere ("Бакунець" is Ukrainian).
    (re.compile(r"ць"), frozenset({"ru"})),
    # Bulgarian writes "ь" only before "о".
    (re.compile(r"ь(?!о)"), frozenset({"bg"})),
    # Ukrainian verbal nouns ("голосування", "питання"); Russian and Bulgarian write "-ние".
    (re.compile(r"[аиу]ння\b"), frozenset({"ru", "bg"})),
    # Case and reflexive endings: Bulgarian has neither cases nor "-ся".
    (re.compile(r"(?:ою|яя|ться|тся)\b"), frozenset({"bg"})),
    # Nor the instrumental "-ями" ("обновлениями"; "ями", pits, is a word of its own).
    (re.compile(r"\Bями\b"), frozenset({"bg"})),
    # Belarusian writes soft т, д as ць, дз and a hard р ("цень", "дзень", "рыба"), and
    # unstressed "о" as "а", so one word has at most one "о" ("свабода", not "свобода").
    # Its ж, ш, ч are always hard ("жыццё", "шэсць", "ноч"): never "же", "шё", "ночь".
    (re.compile(r"[тдр][ьеёюяі]|[жшч][еёюяь]|о[а-яёіў]*о"), frozenset({"be"})),
]
# Belarusian spellings neither Russian nor Ukrainian has: ў, hardened ж ш ч ц р д т before
# "ы", "э", "ры" for "ри" ("пры"), "-ыя" and "-ае" endings, "дз" for a soft д, "шч" for щ,
# a word-final "ць", and Belarusian function words.
BELARUSIAN = re.compile(
    r"ў|[жшч]ы|[жшчцрдт]э|ыя|ае\b|\bпры|дз[яюёеіь]|шч|(?<!е)ць\b"
    r"|\b(?:яго|ён|яна|яны|каб|таксама|сёння|ужо|гэт\w*)\b"
)
# Adjective endings Ukrainian writes as "-а", "-е" ("жахлива", not "жахлівая").
BELARUSIAN_NOT_UKRAINIAN = re.compile(BELARUSIAN.pattern + r"|[ая]я\b")


# Common words of one language that the others of its script do not write as a word
# (pipeline/lang/<code>/function_words.txt).
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    language.code: language.words("function_words.txt") for language in languages_with("function_words.txt")
}
# A word in two lists counts for neither (ru "тут" is also Ukrainian, "да" also Bulgarian).
_OWNERS: dict[str, str | None] = {}
for _lang, _list in FUNCTION_WORDS.items():
    for _word in _list:
        _OWNERS[_word] = None if _word in _OWNERS else _lang
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def without_addresses(text: str) -> str:
    return _ADDRESS.sub(" ", text)


def normalize(text: str) -> str:
    """Lower case, a Latin "i" inside a Cyrillic word read as "і"."""
    return _LATIN_I_IN_CYRILLIC.sub("і", text.lower())


def ruled_out(lowered: str, languages: Iterable[str]) -> set[str]:
    """The languages among `languages` that the letters of `lowered` rule out."""
    candidates = set(languages)
    out: set[str] = set()
    for pattern, excluded in _IMPOSSIBLE:
        hit = excluded & candidates - out
        if hit and pattern.search(lowered):
            out |= hit
    return out


def fewest_ruled_out(lowered: str, languages: Iterable[str]) -> set[str]:
    """The languages among `languages` that the fewest words of `lowered` rule out.

    For mixed text, where each language is ruled out by some word (a Ukrainian speech quoting
    a Belarusian line, a Russian quote in Ukrainian): the language most of its words can be in.
    """
    candidates = set(languages)
    bad = dict.fromkeys(candidates, 0)
    for word in _WORD.findall(lowered):
        for lang in ruled_out(word, candidates):
            bad[lang] += 1
    fewest = min(bad.values(), default=0)
    return {lang for lang, count in bad.items() if count == fewest}


def function_word_votes(lowered: str, languages: Iterable[str]) -> dict[str, int]:
    """How many words of the text are function words of each language (only words one language owns)."""
    wanted = set(languages)
    votes: dict[str, int] = {}
    for word in _WORD.findall(lowered):
        owner = _OWNERS.get(word.replace("’", "'"))
        if owner in wanted:
            votes[owner] = votes.get(owner, 0) + 1
    return votes


# The word vote: the languages with word frequencies (pipeline/lang/<code>/word_frequencies.txt,
# from wordfreq, down to one in a million: Zipf 3): Russian, Ukrainian and Bulgarian. A word
# missing from one list and present in another counts as rarer than any listed one.
WORD_VOTE_LANGUAGES = frozenset(language.code for language in languages_with("word_frequencies.txt"))
_UNLISTED_ZIPF = 2.5


@cache
def _word_zipfs() -> dict[str, dict[str, float]]:
    """Each language's word -> Zipf frequency (log10 per billion words); read on first use."""
    table: dict[str, dict[str, float]] = {}
    zipfs: dict[str, float] = {}  # one float object per value (a list has ~300), not one per word
    for code in sorted(WORD_VOTE_LANGUAGES):
        rows = get_language(code).rows("word_frequencies.txt")
        table[code] = {word: zipfs.setdefault(zipf, float(zipf)) for zipf, *words in rows for word in words}
    return table


def word_zipf(word: str, lang: str) -> float | None:
    """The Zipf frequency of a lower-case word in a language of the word vote; None when the
    list does not have it (rarer than one in a million words)."""
    return _word_zipfs().get(lang, {}).get(word)


def word_frequency_scores(lowered: str, languages: Iterable[str]) -> dict[str, float]:
    """Sum of the Zipf frequencies of the text's words in each language of the word vote.

    That is the log10 likelihood of the words under each language's word frequencies: the
    difference between two languages says how many times likelier one is. Words no list has
    (names, numbers, rare words) do not vote; {} when no word is listed or fewer than two
    of the languages take part.
    """
    table = _word_zipfs()
    langs = sorted(WORD_VOTE_LANGUAGES.intersection(languages))
    if len(langs) < 2:
        return {}
    scores = dict.fromkeys(langs, 0.0)
    listed = False
    for word in _WORD.findall(lowered):
        word = word.replace("’", "'").replace("ʼ", "'")  # Ukrainian apostrophes, typed three ways
        zipfs = [table[lang].get(word) for lang in langs]
        if all(zipf is None for zipf in zipfs):
            continue
        listed = True
        for lang, zipf in zip(langs, zipfs):
            scores[lang] += _UNLISTED_ZIPF if zipf is None else zipf
    return scores if listed else {}
