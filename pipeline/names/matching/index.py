"""Matching name spellings to registry entities: exact keys, transliteration keys, fuzzy scores.

Spellings are compared by their transliteration keys (pipeline.names.person.folding). Person names are compared by surname first, then given name (with equivalents such as
Gregory/Grigory), so people who share a surname stay apart. Fuzzy scores come from rapidfuzz,
only among candidates that share a block (first letter of the key), so matching scales.
Finding the spellings in running text is pipeline.names.matching.mentions; both cut text into the same words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from pipeline.names.entity import Entity, variant_key
from pipeline.names.person.folding import fold, fold_token, transliterate
from pipeline.names.person.given_names import (
    EQUIVALENT,
    GIVEN_GROUP,
    gender,
    given_names_agree,
    is_common_english,
    is_given_name,
    title_gender,
)
from pipeline.names.person.person_name import PersonName, fathers_differ_as_spelled, parse_person


@dataclass(frozen=True)
class Resolution:
    entity: Entity
    method: str  # exact, known-variant, transliteration, fuzzy
    score: float
    # False: never applied without review, whatever the score ("Krivenkov" is not "Krivenko").
    automatic: bool = True


_PUNCTUATED = re.compile(r"\w[^\w\s'’ʹʼ-]+\s*\w|\w\s+[^\w\s]+\s+\w")

# A registered spelling that is an ordinary English phrase, not written as registered ("get
# lost"): listed for review at most, never applied.
PHRASE_SCORE = 0.85
# How much an exactly agreeing surname (or given name) lifts a near miss in the other part.
_LIFT = 0.12
# A word before a surname that agrees less than this with the person's given name is another
# person's name: an initial (0.93) and a short form (0.94) fit, another name's spelling does not.
_GIVEN_FITS = 0.9


def _surname_blocks(surname: str) -> tuple[str, str]:
    """Blocks for fuzzy lookup: a near-miss spelling keeps its first letter or its ending."""
    return "^" + surname[:1], surname[-3:] + "$"


class NameIndex:
    """All spellings of all registry entities, indexed for exact, folded and fuzzy lookup."""

    def __init__(self, entities: Iterable[Entity], rejected: Iterable[tuple[str, str]] = ()) -> None:
        self.rejected = set(rejected)
        self.entities = {entity.id: entity for entity in entities}
        self._rejected_folds = {(fold(key), entity_id) for key, entity_id in self.rejected}
        self._rejected_groups = {entity_id for _, entity_id in self.rejected if entity_id not in self.entities}
        # Spellings rejected from a proposed group: the corpus may give their group another id next run.
        proposals = {key for key, entity_id in self.rejected if entity_id not in self.entities}
        self._rejected_proposals = proposals | {fold(key) for key in proposals}
        self._rejected_people: dict[str, list[PersonName]] = defaultdict(list)
        for key, entity_id in self.rejected:
            if entity_id in self.entities and self.entities[entity_id].is_person and (person := parse_person(key)):
                self._rejected_people[entity_id].append(person)
        # Spellings with punctuation between their words ("Citizen. Army. Law"): only these
        # may match across a full stop or comma in running text.
        self.punctuated: set[str] = set()
        self.exact: dict[str, tuple[Entity, str]] = {}
        self.folded: dict[str, set[str]] = defaultdict(set)
        self.persons: dict[str, list[tuple[Entity, PersonName]]] = defaultdict(list)
        self.person_surnames_by_block: dict[str, set[str]] = defaultdict(set)
        self.forms_by_block: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
        for entity in self.entities.values():
            self.exact[variant_key(entity.canonical)] = (entity, "exact")
            for spelling in (*entity.variants, *entity.native):
                self.exact.setdefault(variant_key(spelling), (entity, "known-variant"))
            for spelling in (entity.canonical, *entity.variants, *entity.native):
                key = fold(spelling)
                self.folded[key].add(entity.id)
                if _PUNCTUATED.search(spelling):
                    self.punctuated.update((variant_key(spelling), key))
                if entity.is_person:
                    person = parse_person(transliterate(spelling.casefold()) if not spelling.isascii() else spelling)
                    if person:
                        self.persons[person.surname].append((entity, person))
                else:
                    self.forms_by_block[(key[:1], len(key.split()))].append((key, entity.id))
        for surname in self.persons:
            for block in _surname_blocks(surname):
                self.person_surnames_by_block[block].add(surname)
        self._blocks_as_lists = {block: sorted(names) for block, names in self.person_surnames_by_block.items()}
        # Registered spellings made of common English words ("Get Lost", "The Way Home movement"):
        # their keys (and transliteration keys) -> the shapes of their words as registered.
        self.phrases: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for entity in self.entities.values():
            for spelling in (entity.canonical, *entity.variants) if not entity.is_person else ():
                words = word_tokens(spelling)
                if spelling.isascii() and words and all(is_common_english(spelling[w.start : w.end]) for w in words):
                    key = " ".join(word.key for word in words)
                    shape = tuple(word_shape(spelling[w.start : w.end]) for w in words)
                    self.phrases[key].add(shape)
                    self.phrases[fold(key)].add(shape)
        self.max_tokens = max((len(key.split()) for key in self.exact), default=1)
        # Every word-prefix of a registered key and of a folded one: a span whose key is in
        # neither can grow into no registered spelling, so the search from its first token stops.
        self.prefixes = {key.rsplit(" ", n)[0] for key in (*self.exact, *self.folded) for n in range(key.count(" ") + 1)}
        self._unique_surnames = {s: {e.id for e, _ in people} for s, people in self.persons.items()}
        self._surnames_exact: dict[str, set[str]] = defaultdict(set)
        for entity in self.entities.values():
            if entity.is_person:
                for spelling in (entity.canonical, *entity.variants):
                    self._surnames_exact[variant_key(spelling).split()[-1]].add(entity.id)

    def is_rejected(self, variant: str, entity_id: str) -> bool:
        """A reviewer rejected this pairing: the spelling, or its transliteration key, or the
        same person's name ("Sergey Krivenkov" after "Later Sergey Krivenkov" was rejected)."""
        if (variant_key(variant), entity_id) in self.rejected or (fold(variant), entity_id) in self._rejected_folds:
            return True
        if entity_id in self._rejected_groups:
            return True  # a proposed group a reviewer rejected: none of its spellings returns
        if entity_id not in self.entities and not self._rejected_proposals.isdisjoint((variant_key(variant), fold(variant))):
            return True  # rejected from the group proposed last time, whatever its id is now
        query = parse_person(variant) if entity_id in self._rejected_people else None
        if query is None:
            return False
        own_surnames = {person.surname for people in self.persons.values() for entity, person in people if entity.id == entity_id}
        for rejected in self._rejected_people[entity_id]:
            if rejected.surname != query.surname:
                continue
            if query.given and rejected.given:
                if any(given_names_agree(q, r) > 0.0 for q in query.given for r in rejected.given):
                    return True
            elif not query.given and (not rejected.given or rejected.surname not in own_surnames):
                return True  # the surname alone, when the rejection was about the surname
        return False

    def surname_only(self, key: str, folded: bool = False) -> Entity | None:
        """The one registry person with this surname (a surname-only mention), if only one.

        Without `folded`, the surname must be spelled as the registry spells it.
        """
        ids = self._unique_surnames.get(fold(key)) if folded else self._surnames_exact.get(key)
        if ids and len(ids) == 1 and len(key) >= 4:
            return self.entities[next(iter(ids))]
        return None

    def word_before_conflicts(self, word: str, entity: Entity) -> bool:
        """True when the capitalised word right before a person's surname says it is someone else:
        a given name that is not the person's, known to our lists or not ("Aleksandr Sverdlin",
        "Irina Krivenko"), or a title of the other gender ("Mrs Krivenko")."""
        person = parse_person(entity.canonical)
        given = person.given[0] if person and person.given else ""
        if title := title_gender(word):
            return bool(given) and gender(given) in ("m", "f") and gender(given) != title
        if not is_given_name(word):
            return False  # "Yesterday Krivenko": a common word, not part of the name
        return not given or given_names_agree(fold_token(variant_key(word)), given) < _GIVEN_FITS

    def _fuzzy_surnames(self, surname: str) -> list[tuple[str, float]]:
        found: dict[str, float] = {}
        for block in _surname_blocks(surname):
            for name, score, _ in process.extract(
                surname, self._blocks_as_lists.get(block, []), scorer=fuzz.ratio, score_cutoff=80, limit=5
            ):
                if name != surname:
                    found[name] = score / 100
        return list(found.items())

    def _score_people(
        self, query: PersonName, candidates: list[tuple[float, Entity, PersonName]], in_text: bool = False
    ) -> dict[str, tuple[float, Entity]]:
        scored: dict[str, tuple[float, Entity]] = {}
        for surname_score, entity, person in candidates:
            if in_text and not all(given_word_fits(word, person.given) for word in query.given):
                continue  # "Yesterday Grigori Sverdlyn": a word before the name is not part of it
            if query.given and person.given:
                # The first given names, or any pair when the order differs ("Oskar Anselm").
                given_score = max(given_names_agree(q, k) for q in query.given for k in person.given)
                if given_names_agree(query.given[0], person.given[0]) == 0.0 and given_score < 1.0:
                    continue
            elif query.given or person.given:
                given_score = 0.9  # one side has no given name: only the surname speaks
            else:
                given_score = 1.0
            if query.patronymic and person.patronymic and fathers_differ_as_spelled(query.patronymic, person.patronymic):
                continue
            # One part agreeing exactly is evidence of its own: it lifts a near miss in the other;
            # but not another name's spelling ("George" for Yuri): that stays for review.
            if given_score == EQUIVALENT:
                score = surname_score * given_score
            elif surname_score == 1.0:
                score = min(1.0, given_score + _LIFT) if given_score < 0.93 else given_score
            elif given_score >= 0.93:
                score = min(0.97, surname_score + _LIFT) * given_score
            else:
                score = surname_score * given_score
            if score > scored.get(entity.id, (0.0, entity))[0]:
                scored[entity.id] = (score, entity)
        return scored

    def resolve_person(self, text: str, in_text: bool = False) -> Resolution | None:
        """The registry person a name refers to. `in_text`: every given-name word must fit.

        A surname that only resembles the registered one is another surname ("Krivenkov" is
        not "Krivenko"): such a match is never applied without review.
        """
        query = parse_person(text)
        if query is None:
            return None
        exact = [(1.0, entity, person) for entity, person in self.persons.get(query.surname, [])]
        scored = self._score_people(query, exact, in_text)
        same_surname = bool(scored)
        if not scored:
            fuzzy = [
                (score, entity, person)
                for surname, score in self._fuzzy_surnames(query.surname)
                for entity, person in self.persons[surname]
            ]
            scored = self._score_people(query, fuzzy, in_text)
        if not scored:
            return None
        ranked = sorted(scored.values(), key=lambda item: item[0], reverse=True)
        if len(ranked) > 1 and ranked[1][0] >= ranked[0][0] - 0.02:
            return None  # two people fit as well: leave it to a person
        score, entity = ranked[0]
        exact_surname = score >= 0.9 and query.surname in self.persons
        method = "transliteration" if exact_surname and score >= 0.97 else "fuzzy"
        return Resolution(entity, method, round(score, 4), automatic=same_surname)

    def resolve(self, text: str, person_like: bool = True, in_text: bool = False) -> Resolution | None:
        """The entity a standalone name refers to, with how it was found and how sure.

        `in_text`: the name was cut from running text, so words around it may have come along.
        """
        key = variant_key(text)
        if key in self.exact:
            entity, method = self.exact[key]
            return Resolution(entity, method, 1.0)
        folded = fold(text)
        ids = self.folded.get(folded)
        if ids and len(ids) == 1:
            return Resolution(self.entities[next(iter(ids))], "transliteration", 0.97)
        if person_like and (resolution := self.resolve_person(text, in_text)):
            return resolution
        tokens = len(folded.split())
        if tokens == 1 and (person := self.surname_only(key, folded=True)):
            return Resolution(person, "transliteration", 0.95)
        if tokens == 1 and len(folded) < 6:
            return None  # short single words are too easily alike
        best: Resolution | None = None
        for count in {tokens - 1, tokens, tokens + 1} - {0}:
            forms = self.forms_by_block.get((folded[:1], count), [])
            if count == tokens:
                found = process.extractOne(folded, [key for key, _ in forms], scorer=fuzz.ratio, score_cutoff=75)
            else:
                # Another word count: compared without spaces, so that only a split or joined
                # word ("Putdomoi") scores high, never a word too many ("Later Put Domoi").
                joined = folded.replace(" ", "")
                found = process.extractOne(joined, [key.replace(" ", "") for key, _ in forms], scorer=fuzz.ratio, score_cutoff=75)
            if found:
                _, score, index = found
                if best is None or score / 100 > best.score:
                    best = Resolution(self.entities[forms[index][1]], "fuzzy", round(score / 100, 4))
        if best and tokens == 1 and best.score < 0.88:
            return None
        return best


def given_word_fits(word: str, given: tuple[str, ...]) -> bool:
    """A word before a surname belongs to the name: a given name, short form or initial of it."""
    if not given:
        return word in GIVEN_GROUP  # the registry knows only the surname: a real given name
    return any(given_names_agree(word, known) > 0.0 for known in given)


# --- words: what the index and the text search both cut a text into ---------------------

WORD = re.compile(r"[^\W_](?:[\w'’ʹʼ-]*[^\W_])?")
POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    key: str
    capitalised: bool


# variant_key of one word, kept: the same words come back in every document (size: see variant_key).
_word_key = lru_cache(maxsize=1 << 15)(variant_key)


def word_tokens(text: str) -> list[Token]:
    tokens = []
    for match in WORD.finditer(text):
        start, end, word = match.start(), match.end(), match.group()
        if POSSESSIVE.search(word) and len(word) > 3:
            end -= 2
            word = word[:-2]
        # Digits start names too ("7x7"), but a bare number never does.
        tokens.append(Token(start, end, _word_key(word), word[:1].isupper() or (word[:1].isdigit() and not word.isdigit())))
    return tokens


def word_shape(word: str) -> str:
    """How a word is written: upper case, capitalised or lower case."""
    return "U" if len(word) > 1 and word.isupper() else "C" if word[:1].isupper() else "l"
