"""Short forms of a person in one document join the one full form they fit there.

A reporter names a person in full once ("Дональд Трамп", "Bill Gates") and then by surname
("Трамп", "Gates"), given name ("Максим") or initial ("В. Лукашенко"). Inside the one document
the short form is that person where exactly one full form of the document fits it, in its
letters and in its gender (pipeline.names.person.russian_gender: "Назарбаевой" is no man's,
"госпожа Обама" no man's); where two fit ("Дональд Трамп" and "Иванка Трамп" in one article) it
keeps its own key and is `undecided`: it joins nobody, in its document or another.
Across documents a short form is left to the name table (it is `per_article`), which joins a
bare surname only to the one proposed person of the corpus with that surname; a given name alone,
and a surname's form that is a man's in one case and a woman's in another ("Назарбаева") where
its document does not say which, are `undecided` too.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from pipeline.names.entity import PERSON
from pipeline.names.grouping.keys import Discovered, discovered, exonym, key_and_reason
from pipeline.names.grouping.reasons import SAME_ARTICLE, SHORT_FORM_OF_TWO, SHORT_FORM_UNDECIDED
from pipeline.names.person import russian_gender
from pipeline.names.person.folding import fold_token
from pipeline.names.person.given_names import GIVEN_GROUP, common_english_words, gender, place_words, title_gender
from pipeline.names.person.person_name import given_relation
from pipeline.names.person.surnames import man_and_woman

# A declined or feminine surname guessed wrong by morphology ("Яровой" put as "Ярова") still
# shares all but its last letters with the full form's: this many letters at most may differ.
SURNAME_ENDING = 2
# A first word this frequent in English (wordfreq's Zipf) is a word, not a given name.
COMMON_WORD = 5.5
# ... and the stems must be this long, so that "Ivanov" never meets "Ivanenko".
SURNAME_STEM = 4


def _is_full(found: Discovered) -> bool:
    words = found.canonical.split()
    return found.kind == PERSON and found.key.startswith("p ") and len(words) >= 2 and not _is_initial(words[0])


def _is_initial(word: str) -> bool:
    """ "A.", "Dzh.", "A": a given name's first letters."""
    return word.endswith(".") or len(fold_token(word)) == 1


def _surname_fits(short: str, surname: str) -> bool:
    a, b = sorted((fold_token(short), fold_token(surname)), key=len)
    if a == b:
        return True
    stem = max(len(a) - 1, SURNAME_STEM)
    return len(a) > SURNAME_STEM and len(b) - len(a) <= SURNAME_ENDING and b[:stem] == a[:stem]


def _given_fits(short: str, given: str) -> bool:
    a, b = fold_token(short), fold_token(given)
    return a == b or (a in GIVEN_GROUP and GIVEN_GROUP.get(a) == GIVEN_GROUP.get(b))


def fits(short: Discovered, full: Discovered) -> bool:
    """A surname, a given name, or an initial and the surname of the full form."""
    words, full_words = short.canonical.split(), full.canonical.split()
    if len(words) == 1:
        if short.kind is None:  # English text says nothing of its type: the surname must be exact
            return fold_token(words[0]) == fold_token(full_words[-1])
        return _surname_fits(words[0], full_words[-1]) or _given_fits(words[0], full_words[0])
    initial = fold_token(words[0]).rstrip(".")
    return (
        len(words) == 2
        and _is_initial(words[0])
        and fold_token(full_words[0]).startswith(initial)
        and _surname_fits(words[1], full_words[-1])
    )


def _people_by_surname(found: list[Discovered]) -> list[Discovered]:
    """English text says nothing of a name's type, and our given names are Russian ones: a name of
    two capitalised words whose second the document also writes alone ("Steve Jobs" ... "Jobs")
    is a person's full name and surname, as English news writes people."""
    alone = {fold_token(d.canonical) for d in found if d.kind is None and " " not in d.canonical}
    out = []
    for d in found:
        words = d.canonical.split()
        if (
            d.kind is None
            and d.key.startswith("n ")
            and len(words) == 2
            and all(word[:1].isupper() and word.isalpha() and len(word) > 1 for word in words)
            and fold_token(words[1]) in alone
            and exonym(d.canonical) == d.canonical
            and exonym(words[1]) == words[1]  # "Trkto Tyva" ... "Tyva": a known place is no surname
            and words[0].casefold() not in place_words()  # "New York" ... "York" is a place
            and words[0].casefold() not in common_english_words(COMMON_WORD)  # "Free Buryatia" ... "Buryatia"
        ):
            key, reason = key_and_reason(d.canonical, PERSON)
            d = replace(d, kind=PERSON, key=key, reason=reason)
        out.append(d)
    return out


def surname_alone(full: Discovered, start: int, end: int, written: str) -> Discovered:
    """A full form's surname written alone elsewhere in its document: a short form of its own,
    whose person link_in_document decides (it may be the wife's, or the brother's)."""
    return discovered(start, end, written, full.canonical.split()[-1], PERSON)


def _written(name: Discovered, text: str) -> list[str]:
    return (text[name.start : name.end] if text else name.text).split()


def _full_genders(full: Discovered, text: str) -> frozenset[str]:
    """A full form's gender as written: what its words allow (pymorphy3's readings of each, or
    our lists' gender of a given name it does not know)."""
    written = _written(full, text)
    listed = gender(fold_token(written[0])) if not russian_gender.genders(written[0]) else ""
    found = russian_gender.name_gender(written)
    if len(listed) == 1:
        found = found & frozenset(listed) if found else frozenset(listed)
    return found


def _short_genders(name: Discovered, text: str) -> frozenset[str]:
    """A short form's gender: a title before it says it ("госпожа Обама"), else its written words."""
    before = text[max(0, name.start - 20) : name.start].split()[-1:] if text else []
    said = (russian_gender.title_gender(before[0]) or title_gender(before[0])) if before else ""
    return frozenset(said) if said else russian_gender.name_gender(_written(name, text))


def _undecided(name: Discovered, text: str, found: list[Discovered]) -> bool:
    """A short form whose person no other document may be given: a given name alone (many people
    have it), or a surname's form both genders read where its document names the surname in no
    form one gender only reads ("Назарбаева", and never "Назарбаев" nor "Назарбаевой")."""
    written = _written(name, text)
    if len(written) != 1 or not text:
        return False
    word = written[0]
    if russian_gender.is_given_name_only(word):
        return True
    return russian_gender.declines_by_gender(word) and not _surname_said(word, found, text)


def _one_person(a: Discovered, b: Discovered, text: str) -> bool:
    """Two full forms of a document that are one person's (a case form whose nominative was
    guessed otherwise, "Карла Маркса" / "Карл Маркс"; a spelling, "Беньямин" / "Биньямин"): their
    surnames fit, their genders agree, and their given names are one name, or a case of one."""
    words_a, words_b = a.canonical.split(), b.canonical.split()
    genders_a, genders_b = _full_genders(a, text), _full_genders(b, text)
    if a.key == b.key:
        return True
    if not _surname_fits(words_a[-1], words_b[-1]) or (genders_a and genders_b and not genders_a & genders_b):
        return False
    if man_and_woman(fold_token(words_a[-1]).casefold(), fold_token(words_b[-1]).casefold()):
        return False  # "Fafarov", "Fafarova": his and hers
    written_a, written_b = _written(a, text)[0], _written(b, text)[0]
    return given_relation(words_a[0], words_b[0]) > 0 or bool(
        russian_gender.given_lemmas(written_a) & russian_gender.given_lemmas(written_b)
    )


def _settle_genders(found: list[Discovered], text: str) -> list[Discovered]:
    """Full forms whose every word both genders read ("Александра Петрова": Alexander's genitive,
    Alexandra's nominative) take the one person of their document of a settled gender they fit
    ("Александр Петров" written so elsewhere); with none, or a man and a woman, they are
    `undecided`: their nominative, and so their key, is morphology's guess."""
    if not text:
        return found
    full = [d for d in found if _is_full(d)]
    settled = [d for d in full if len(_full_genders(d, text)) == 1]
    out = []
    for name in found:
        written = _written(name, text)
        surname = written[-1]
        if name in full and not _full_genders(name, text) and any(russian_gender.declines_by_gender(word) for word in written):
            fitting = [d for d in settled if _one_person(name, d, text) and _given_as(name, d, text)]
            genders = {g for d in fitting for g in _full_genders(d, text)}
            if len(genders) == 1:
                name = replace(name, canonical=fitting[0].canonical, key=fitting[0].key, reason=SAME_ARTICLE)
            elif fitting or _surname_said(surname, found, text) != russian_gender.name_gender(name.text.split()):
                # The surname alone says no gender, or not that of morphology's nominative.
                name = replace(name, per_article=True, undecided=True, reason=SHORT_FORM_UNDECIDED)
        out.append(name)
    return out


def _given_as(name: Discovered, settled: Discovered, text: str) -> bool:
    """The given name of a form both genders read is, in the settled person's gender, a case of
    the settled person's given name ("Александра" of Александр; "Дадарой" is no case of Дадар)."""
    word, other = _written(name, text)[0], _written(settled, text)[0]
    if not russian_gender.given_lemmas(word):
        return True  # not a name morphology reads: the letters said it (_one_person)
    return bool(russian_gender.given_lemmas(word, next(iter(_full_genders(settled, text)))) & russian_gender.given_lemmas(other))


def _surname_said(surname: str, found: list[Discovered], text: str) -> frozenset[str]:
    """The one gender the document writes a surname alone in ("Медведевым": a man's), or none."""
    lemma = russian_gender.surname_lemma(surname)
    said: set[str] = set()
    for other in found:
        words = _written(other, text)
        if len(words) == 1 and russian_gender.surname_lemma(words[0]) == lemma:
            genders = russian_gender.genders(words[0])
            if len(genders) == 1:
                said |= genders
    return frozenset(said) if len(said) == 1 else frozenset()


def link_in_document(found: list[Discovered], text: str = "") -> list[Discovered]:
    """The document's names, each short form of a person carrying the key and canonical of the
    one full form of the document it fits. `text`: the document (its words' genders), where the
    names are of its own language."""
    found = _settle_genders(_people_by_surname(found), text)
    full = {d.key: d for d in found if _is_full(d)}
    full_genders = {key: _full_genders(d, text) for key, d in full.items()}
    out = []
    for name in found:
        if name.kind in (PERSON, None) and not _is_full(name) and full:
            said = _short_genders(name, text)
            candidates = [
                f
                for f in full.values()
                if f.key != name.key and fits(name, f) and not (said and full_genders[f.key] and not said & full_genders[f.key])
            ]
            if candidates and all(_one_person(a, b, text) for a in candidates for b in candidates):
                person = candidates[0]  # undecided itself, the short form is too
                name = replace(
                    name, canonical=person.canonical, kind=PERSON, key=person.key, reason=SAME_ARTICLE, per_article=person.per_article
                )
                name = replace(name, undecided=person.undecided)
            elif candidates:  # two people of the document: neither, nor anyone elsewhere
                name = replace(name, kind=PERSON, per_article=True, undecided=True, reason=SHORT_FORM_OF_TWO)
        if name.kind == PERSON and " " not in name.canonical and name.reason not in (SAME_ARTICLE, SHORT_FORM_OF_TWO):
            # A surname or given name alone that its article does not explain: whose it is, the
            # corpus decides (pipeline.names.grouping.corpus: the one person of that surname).
            name = replace(name, per_article=True)
            if _undecided(name, text, found):
                name = replace(name, undecided=True, reason=SHORT_FORM_UNDECIDED)
        out.append(name)
    return out


def repeated_in_document(text: str, found: list[Discovered]) -> list[Discovered]:
    """The names found, and every other place the document writes one of them exactly as it
    was found (NER reads each sentence on its own and misses a name it found elsewhere: "Путин"
    at a sentence's start, "России" in a list), a person's surname alone included."""
    spellings = {text[d.start : d.end]: d for d in found}
    for d in found:  # a full form's surname, as the document declines it ("Путина"), alone
        written = text[d.start : d.end].split()
        if _is_full(d) and len(written[-1]) > SURNAME_STEM:
            spellings.setdefault(written[-1], surname_alone(d, d.start, d.end, written[-1]))
    if not spellings:
        return found
    taken = sorted((d.start, d.end) for d in found)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True)) + r")(?!\w)")
    more = []
    for match in pattern.finditer(text):
        start, end = match.span()
        at = bisect.bisect_left(taken, (start, end))
        neighbours = taken[max(0, at - 1) : at + 1]
        if not any(start < other_end and other_start < end for other_start, other_end in neighbours):
            more.append(replace(spellings[match.group()], start=start, end=end))
    return sorted(found + more, key=lambda d: d.start) if more else found
