"""Names nobody registered: found in every document and grouped across spellings and scripts.

- Russian source text: natasha's NER (PER, LOC, ORG), each span put in the nominative with
  pymorphy3 and romanized with iuliia's Wikipedia scheme ("Андрея Курочкина" -> "Andrey
  Kurochkin"): the scheme English-language media and Wikipedia use, so the proposal reads as
  readers expect, and it keeps ё as "yo" ("Zhuravlyov"), which the transliteration key folds.
- English text: proper-name spans found by rule (no English NER model installs here): runs of
  capitalised words with their particles, titles and nationality adjectives left outside,
  months, days and other frequent capitalised words never a name on their own, and a
  sentence-initial word kept only when the document also writes it capitalised mid-sentence.

Every mention gets a group key that is a pure function of its spelling (the transliteration
key, and for people the given-name group and the surname), so the same person or place gets the
same proposed id in every document and on every executor, and a Russian name meets the English
spelling the translation gave it ("Андрей Курочкин", "Andrei Kurochkin", "Andrej Kurotchkin").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from pipeline import scripts
from pipeline.names.given_names import GIVEN_GROUP, name_of_group
from pipeline.names.matching import fold, fold_token, parse_person

PERSON, PLACE, ORGANISATION = "person", "place", "organisation"
_NER_TYPES = {"PER": PERSON, "LOC": PLACE, "ORG": ORGANISATION}

# Capitalised words that are not names, or not names on their own.
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TITLES = set(
    [
        "president",
        "governor",
        "mr",
        "mrs",
        "ms",
        "dr",
        "general",
        "colonel",
        "major",
        "lieutenant",
        "captain",
        "sergeant",
        "minister",
        "deputy",
        "mayor",
        "senator",
        "chairman",
        "chairwoman",
        "head",
        "director",
        "spokesman",
        "spokeswoman",
        "journalist",
        "activist",
        "lawyer",
        "professor",
        "prime",
        "king",
        "queen",
        "prince",
        "patriarch",
        "father",
        "saint",
        "st",
    ]
)
_NATIONALITIES = set(
    [
        "russian",
        "russians",
        "ukrainian",
        "ukrainians",
        "thai",
        "belarusian",
        "buryat",
        "buryats",
        "tuvan",
        "american",
        "british",
        "european",
        "soviet",
        "chechen",
        "dagestani",
        "siberian",
        "muscovite",
        "western",
        "eastern",
    ]
)
_NOT_NAMES = set(
    _MONTHS
    + _DAYS
    + [
        "i",
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "there",
        "here",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "without",
        "about",
        "after",
        "before",
        "during",
        "since",
        "until",
        "when",
        "while",
        "where",
        "what",
        "who",
        "why",
        "how",
        "and",
        "or",
        "but",
        "if",
        "as",
        "so",
        "yet",
        "not",
        "no",
        "yes",
        "also",
        "still",
        "even",
        "only",
        "just",
        "many",
        "some",
        "all",
        "most",
        "more",
        "several",
        "according",
        "however",
        "meanwhile",
        "later",
        "earlier",
        "yesterday",
        "today",
        "tomorrow",
        "now",
        "then",
        "last",
        "next",
        "first",
        "mr",
        "ms",
    ]
)
_PARTICLES = {"of", "and", "the", "for", "de", "von", "van", "al", "bin", "na"}
# A word: letters (with inner apostrophes, hyphens, and the dots and slashes of "RFE/RL",
# "Siberia.Realities", "U.S."), "St." before a name, or letters and digits ("7x7", "UNITED24").
_WORD = re.compile(r"St\.\s(?=[A-Z])[^\W\d_][\w'’-]*|(?:[A-Z]\.){2,}|\d+[a-z]\d+|[^\W\d_][\w'’-]*(?:[./][^\W\d_][\w'’-]*)*")
_POSSESSIVE = re.compile(r"['’]s$|['’]$")
_CONTRACTION = re.compile(r"I['’]\w+")
# The unions _names_in_run asks about, made once rather than for every word it looks at.
_TITLES_AND_NATIONALITIES = _TITLES | _NATIONALITIES
_NOT_FIRST = _TITLES | _NATIONALITIES | _NOT_NAMES
_NOT_LAST = _PARTICLES | _NOT_NAMES
# More capitalised words than a name has: a title-case headline, not a name.
MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Discovered:
    start: int
    end: int
    text: str  # as written in the text
    canonical: str  # the proposed canonical form (romanized, nominative for Russian)
    kind: str | None  # person, place, organisation, or None when the text does not say
    key: str  # the group key

    @property
    def entity_id(self) -> str:
        return proposed_id(self.key)


# --- group keys and ids ------------------------------------------------------------------------

_READABLE = str.maketrans({"ɕ": "shch", "ʃ": "sh", "ʒ": "zh", "ʧ": "ch"})


def _given_key(word: str) -> str:
    """Each given name by its Russian standard form: "Vladimir", not "Uladzimir"."""
    return name_of_group(fold_token(word))


def looks_like_person(words: list[str]) -> bool:
    """Two or three words starting with a given name we know ("Andrei Kurochkin")."""
    return 2 <= len(words) <= 3 and fold_token(words[0].casefold()) in GIVEN_GROUP


def group_key(name: str, kind: str | None) -> str:
    """The same key for the spellings of one name: people by given-name group and surname."""
    if kind == PERSON or (kind is None and looks_like_person(name.split())):
        person = parse_person(name)  # "Given Surname" or "SURNAME, Given Patronymic"
        if person and person.given:
            return f"p {_given_key(person.given[0])} {person.surname}"
    key = fold(name)
    if key in _EXONYM_BY_KEY:
        key = fold(_EXONYM_BY_KEY[key])
    return "n " + key.removeprefix("the ")  # "The Moscow Times" is "Moscow Times"


# Russian places that English writes otherwise: the romanization (and other spellings) -> the
# English exonym, which is the proposed canonical and gives the group key ("Moskva" is Moscow).
EXONYMS = {
    "Moscow": ["Moskva"],
    "Saint Petersburg": ["Sankt-Peterburg", "St. Petersburg", "St Petersburg", "Sankt Peterburg", "Peterburg", "Petersburg"],
    "Kremlin": ["Kreml"],
    "Russia": ["Rossiya", "Rossija", "Rossia"],
    "Ukraine": ["Ukraina"],
    "Kyiv": ["Kiyev", "Kiev", "Kiew", "Kyiv"],
    "Belarus": ["Belorussiya", "Byelorussia", "Belorussia"],
    "Siberia": ["Sibir"],
    "Crimea": ["Krym"],
    "Caucasus": ["Kavkaz"],
    "Tuva": ["Tyva"],
    "Europe": ["Yevropa", "Evropa"],
    "Germany": ["Germaniya"],
    "France": ["Frantsiya"],
    "America": ["Amerika"],
    "USA": ["SShA"],
    "United States": ["Soyedinyonnye Shtaty", "Soedinennye Shtaty"],
    "Poland": ["Polsha"],
    "Georgia": ["Gruziya"],
    "Lithuania": ["Litva"],
    "Finland": ["Finlyandiya"],
    "China": ["Kitay"],
    "Japan": ["Yaponiya"],
    "Thailand": ["Tailand"],
    "Turkey": ["Turtsiya"],
    "Israel": ["Izrail"],
    "Syria": ["Siriya"],
    "Moldova": ["Moldaviya"],
    "Kyrgyzstan": ["Kirgiziya"],
    "Turkmenistan": ["Turkmeniya"],
    "Great Britain": ["Velikobritaniya"],
    "Washington": ["Vashington"],
    "Beijing": ["Pekin"],
    "Kharkiv": ["Kharkov", "Kharkow"],
    "Luhansk": ["Lugansk"],
    "Zaporizhzhia": ["Zaporozhye", "Zaporozhe", "Zaporizhzhya"],
    "Rostov-on-Don": ["Rostov-na-Donu"],
    "North Ossetia": ["Severnaya Osetiya"],
}
_EXONYM_BY_KEY = {fold(spelling): english for english, spellings in EXONYMS.items() for spelling in [english, *spellings]}


def exonym(name: str) -> str:
    """The English exonym of a romanized Russian place name, else the name: "Moskva" -> "Moscow"."""
    return _EXONYM_BY_KEY.get(fold(name), name)


# An exonym's folded key reads badly as an id ("mostsov"): its id is the exonym itself.
_EXONYM_BY_ITS_KEY = {fold(english): english.lower() for english in EXONYMS}


def proposed_id(key: str) -> str:
    """A stable, readable id for a proposed group: "new-andrei-kurochkin", "new-moscow"."""
    readable = _EXONYM_BY_ITS_KEY.get(key[2:]) if key.startswith("n ") else None
    slug = re.sub(r"[^a-z0-9]+", "-", readable or key[2:].translate(_READABLE)).strip("-")
    return f"new-{slug}"


# --- Russian source text -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _natasha() -> Any:
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _nominative_word(word: str, wanted: set[str], gender: str | None) -> str:
    """One word in the nominative, of the given gender where it has one: "Власовой" -> "Власова"."""
    if "-" in word:
        return "-".join(_nominative_word(part, wanted, gender) for part in word.split("-"))
    parses = _morph().parse(word)
    fits = [p for p in parses if wanted & set(p.tag.grammemes)] or [p for p in parses if {"NOUN", "ADJF"} & set(p.tag.grammemes)]
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
    """Names natasha's NER finds in Russian text, each with its romanized nominative."""
    if not text.strip():
        return []
    found = []
    for start, stop, ner_type in _ner_spans(text):
        kind = _NER_TYPES.get(ner_type)
        spelling = text[start:stop]
        if kind is None or not scripts.CYRILLIC.search(spelling):
            continue
        native, canonical, key = _russian_forms(spelling, kind)
        found.append(Discovered(start, stop, native, canonical, kind, key))
    return found


# --- English text ------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]['\"’”»)]*\s+$|^\s*$|\n\s*$|[:;]\s+$|[«\"“(]\s*$")


def _sentence_initial(text: str, start: int) -> bool:
    return bool(_SENTENCE_END.search(text[max(0, start - 4) : start])) or start == 0


def english_names(text: str) -> list[Discovered]:
    """Proper-name spans in English text, found by rule."""
    words = []
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group())  # "Russia's" is Russia
        if word and not _CONTRACTION.fullmatch(match.group()):  # "I'm" is no name
            words.append((match.start(), match.start() + len(word), word))
    capitalised_mid_sentence = {word.casefold() for start, _, word in words if word[:1].isupper() and not _sentence_initial(text, start)}
    found = []
    run: list[tuple[int, int, str]] = []
    for index, (start, end, word) in enumerate(words + [(len(text), len(text), "")]):
        # Only spaces between, or the apostrophe of a soft sign ("Put' Domoj"; not "Russians' ").
        gap = text[run[-1][1] : start] if run else "."
        joined = bool(run) and (
            not gap.strip(" ") or (gap.rstrip(" ") in ("'", "’") and gap != gap.rstrip(" ") and not run[-1][2].endswith("s"))
        )
        particle = word.casefold() in _PARTICLES and joined and index + 1 < len(words) and words[index + 1][2][:1].isupper()
        # "and" joins the parts of one name only after "of" ("Council of Mothers and Wives"),
        # not two names ("Buryatia and Tyva").
        particle = particle and (word.casefold() != "and" or any(w.casefold() == "of" for _, _, w in run))
        if word[:1].isupper() and (not run or joined) or (particle and run):
            run.append((start, end, word))
            continue
        found += _names_in_run(text, run, capitalised_mid_sentence)
        run = [(start, end, word)] if word[:1].isupper() else []
    # One word said over and over ("On On On", "Ве Ве Ве"): a machine translation stuck, not a name.
    found = [name for name in found if len(set(name.text.casefold().split())) > 1 or " " not in name.text]
    return _with_quoted_names(text, found)


# A name in quotes whose later words are not capitalised: a channel, outlet or movement
# transliterated from Russian ("Put' domoi" Telegram channel).
_QUOTED = re.compile(r"[\"“«]([A-Z][\w'’]*(?:\s[a-z][\w'’]*){1,2})[\"”»]")


# Frequent English words that are no part of a transliterated name.
_ENGLISH_LOWER = set(
    [
        "me",
        "us",
        "him",
        "them",
        "you",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "go",
        "goes",
        "went",
        "come",
        "home",
        "up",
        "out",
        "off",
        "down",
        "over",
        "back",
        "away",
        "to",
        "of",
        "into",
        "onto",
        "is",
        "it",
        "its",
        "no",
        "yes",
        "please",
        "thank",
        "thanks",
        "war",
        "peace",
        "death",
        "life",
        "people",
        "time",
        "day",
        "year",
        "now",
        "never",
        "ever",
        "again",
        "one",
        "two",
        "three",
        "dear",
        "god",
        "good",
        "bad",
        "new",
        "old",
        "big",
        "little",
        "men",
        "women",
        "children",
        "mother",
        "father",
        "son",
        "daughter",
    ]
)
_ENGLISH_ENDING = re.compile(r"(ing|ed|ly|tion|ness|ment|ful|less|ous|[^s]s)$")


def _with_quoted_names(text: str, found: list[Discovered]) -> list[Discovered]:
    quoted = []
    for match in _QUOTED.finditer(text):
        start, end = match.span(1)
        words = match.group(1).split()
        if words[0].casefold().rstrip("'’") in _NOT_NAMES | _TITLES | _NATIONALITIES or any(
            w.casefold() in _PARTICLES | _NOT_NAMES | _ENGLISH_LOWER or _ENGLISH_ENDING.search(w) for w in words[1:]
        ):
            continue  # "Thank you", "Stop the war", "Go home": English words, not a name
        span = text[start:end]
        quoted.append(Discovered(start, end, span, span, None, group_key(span, None)))
    if not quoted:
        return found
    kept = [d for d in found if not any(q.start <= d.start and d.end <= q.end for q in quoted)]
    return sorted(kept + quoted, key=lambda d: d.start)


def _names_in_run(text: str, run: list[tuple[int, int, str]], capitalised_mid_sentence: set[str]) -> list[Discovered]:
    if len(run) >= 3 and run[0][2] == "The" and not _sentence_initial(text, run[0][0]):
        # A capital "The" mid-sentence is part of the name that follows: "told The Moscow Times".
        found = _names_in_run(text, run[1:], capitalised_mid_sentence)
        if found and found[0].start == run[1][0]:
            first = text[run[0][0] : found[0].end]
            found[0] = Discovered(run[0][0], found[0].end, first, first, found[0].kind, group_key(first, found[0].kind))
        return found
    # Titles and nationality adjectives before a name are not part of it ("Russian President").
    while run and (run[0][2].casefold().rstrip(".") in _NOT_FIRST):
        run = run[1:]
    while run and run[0][2].casefold() in _PARTICLES:
        run = run[1:]
    while run and run[-1][2].casefold() in _NOT_LAST:
        run = run[:-1]
    if not run:
        return []
    # A title inside a run ends one name and starts the next: "Buryatia Governor Aleksei Tsydenov".
    for index, (_, _, word) in enumerate(run[1:], start=1):
        if word.casefold().rstrip(".") in _TITLES_AND_NATIONALITIES:
            return _names_in_run(text, run[:index], capitalised_mid_sentence) + _names_in_run(text, run[index:], capitalised_mid_sentence)
    if sum(1 for _, _, word in run if word[:1].isupper()) > MAX_NAME_WORDS:
        return []  # a title-case headline
    # "Alexei Tsydenov of Buryatia": a person, then a place, not one name.
    for index, (_, _, word) in enumerate(run):
        if word.casefold() in _PARTICLES and looks_like_person([w for _, _, w in run[:index]]):
            return _names_in_run(text, run[:index], capitalised_mid_sentence) + _names_in_run(
                text, run[index + 1 :], capitalised_mid_sentence
            )
    start, end = run[0][0], run[-1][1]
    words = [word for _, _, word in run]
    if len(words) == 1:
        word = words[0]
        if len(word) < 3 or (word.isupper() and len(word) < 2):
            return []
        if _sentence_initial(text, start) and word.casefold() not in capitalised_mid_sentence:
            return []  # "Members said": any sentence may start with a capital
    span = text[start:end]
    kind = PERSON if looks_like_person(words) else None
    return [Discovered(start, end, span, span, kind, group_key(span, kind))]
