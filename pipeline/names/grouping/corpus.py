"""Proposed groups of the whole corpus joined where the per-document keys could not see it:
one person's spellings across given-name and surname habits, two fathers' sons kept apart,
spellings one habit apart, machine translation's sound-alikes, and an acronym alone with the
one full name some document defined it as. merge_groups is the name table's entry point.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Protocol, TypeVar

from pipeline.names.entity import PERSON, variant_key
from pipeline.names.grouping.keys import proposed_id
from pipeline.names.grouping.quoted import join_quoted_to_bare
from pipeline.names.grouping.reasons import (
    ACRONYM_ELSEWHERE,
    CONTRACTION,
    INITIAL_FITS,
    PERSON_FITS,
    SOUND_SKELETON,
    SPELLING_HABIT,
    SURNAME_ALONE,
    SURNAME_PER_ARTICLE,
    corpus_merge,
)
from pipeline.names.person.folding import fold_token, loose_surname
from pipeline.names.person.person_name import PersonName, fathers_differ_loosely, given_relation, parse_person
from pipeline.names.person.surnames import man_and_woman

# Two proposed groups whose keys are this similar (rapidfuzz ratio) are one: "Edit Lessom" and
# "Edit Lesum" are one spelling habit apart; "Kirov" and "Kirovsk" (83) stay two places.
MERGE_SIMILARITY = 88
# A name this short (letters) is an acronym or a word too short to tell a spelling habit from
# another name: it joins only its own spelling.
ACRONYM_LETTERS = 4
# Two people join when their surnames are this similar (after the loose folds of pipeline.names.person.folding)
# and their given names fit: "Tokhtakhunov" / "Takhtakhunov", "Dolgopolov" / "Dolhopolov".
SURNAME_SIMILARITY = 85
# Given names are one name or two by pipeline.names.person.person_name.given_relation.

PATRONYMIC_MARK = "~"
# A unit of one document's alone ("new-senat@<document id>"): a name whose document says whose it
# is and the corpus does not (pipeline.names.discovery.per_article, a surname alone).
ARTICLE_MARK = "@"


# ... and one whose person no other document's name may be (discovery's `undecided`): it joins nothing.
UNDECIDED_MARK = "?"


def in_article(entity_id: str, document: str, undecided: bool = False) -> str:
    return f"{entity_id}{ARTICLE_MARK}{document}{UNDECIDED_MARK if undecided else ''}"


def patronymic_units(spellings: list[tuple[str, str, str | None]]) -> list[str]:
    """Each spelling's unit of merging: its proposed id, or where the spellings of one proposed
    person carry the patronymics of two fathers ("Andrey Grigoryevich Guryev", "Andrey
    Andreevich Guryev": father and son), the id and the patronymic ("new-andrei-gurev~andreevich");
    a spelling without one is then left alone (it could be either)."""
    patronymics: dict[str, list[str]] = defaultdict(list)
    found = []
    for variant, group_id, kind in spellings:
        person = parse_person(variant) if kind == PERSON or (kind is None and not variant.isupper()) else None
        patronymic = _fathers_mark(person) if person else ""
        found.append(patronymic)
        if patronymic and patronymic not in patronymics[group_id]:
            patronymics[group_id].append(patronymic)
    representative: dict[tuple[str, str], str] = {}
    for group_id, names in patronymics.items():
        clusters: list[str] = []
        for name in sorted(names):
            fits = [c for c in clusters if not _marks_differ(name, c)]
            if not fits:
                clusters.append(name)
            representative[(group_id, name)] = fits[0] if fits else name
        if len(clusters) < 2:
            for name in names:
                representative.pop((group_id, name))
    units = []
    for (_, group_id, _), patronymic in zip(spellings, found):
        if (group_id, patronymic) in representative:
            readable = proposed_id("n " + representative[(group_id, patronymic)]).removeprefix("new-")
            units.append(f"{group_id}{PATRONYMIC_MARK}{readable}")
        elif any(key[0] == group_id for key in representative):
            units.append(f"{group_id}{PATRONYMIC_MARK}")  # which of the two: left alone
        else:
            units.append(group_id)
    return units


# A person's middle names where the name has no patronymic: "George Herbert Walker Bush" and
# "George Walker Bush" are father and son as two patronymics would say.
MIDDLE_MARK = "+"


def _fathers_mark(person: PersonName) -> str:
    """What tells a father from a son of one name: the patronymic, else the middle names."""
    if person.patronymic or len(person.given) < 2:
        return person.patronymic
    return MIDDLE_MARK + " ".join(person.given[1:])


def _marks_differ(a: str, b: str) -> bool:
    """Two patronymics of two fathers; two runs of middle names whose initials differ ("Walker",
    "Herbert Walker"; "H. W." is "Herbert Walker"). A patronymic and middle names: unknown."""
    if a.startswith(MIDDLE_MARK) != b.startswith(MIDDLE_MARK):
        return False
    if a.startswith(MIDDLE_MARK):
        return [word[:1] for word in a[1:].split()] != [word[:1] for word in b[1:].split()]
    return fathers_differ_loosely(a, b)


class Spelling(Protocol):
    """A spelling of a proposed group, as the name table counts it."""

    @property
    def variant(self) -> str: ...

    @property
    def type(self) -> str | None: ...

    @property
    def kinds(self) -> set[str]: ...  # every type it was given (grouping.quoted)


S = TypeVar("S", bound=Spelling)


def merge_groups(groups: dict[str, list[S]]) -> tuple[dict[str, list[S]], dict[str, str]]:
    """Groups of the whole corpus joined where the per-document keys could not see it, and the
    reason (pipeline.names.grouping.reasons) of each group id that joined another."""
    groups, joined = join_quoted_to_bare(groups)
    kinds = {group_id: next((row.type for row in rows if row.type), None) for group_id, rows in groups.items()}
    roots = merge_ids(kinds, joined)
    merged: dict[str, list[S]] = defaultdict(list)
    for group_id, rows in groups.items():
        merged[roots[group_id]] += rows
    moved = _join_defined_acronyms(merged)
    joined |= {group_id: corpus_merge(ACRONYM_ELSEWHERE) for group_id, root in roots.items() if root in moved}
    return merged, joined


_ACRONYM = re.compile(r"^[A-ZА-ЯЁ&]{2,10}$")


def _join_defined_acronyms(merged: dict[str, list[S]]) -> set[str]:
    """A group of an acronym alone ("ФБК" in an article that never spells it out) joins the one
    full name some document of the corpus defined it as ("Фонд борьбы с коррупцией (ФБК)"), if
    of its type; an acronym the corpus defined as two names (СК: two committees) joins neither.
    `merged` changes in place; the ids of the groups that joined another come back."""
    moved = set()
    definers: dict[str, set[str]] = defaultdict(set)
    alone: dict[str, list[str]] = defaultdict(list)
    for group_id, rows in merged.items():
        if ARTICLE_MARK in group_id:
            continue  # "МИД" alone, of its article's country: no other document defines it
        acronyms = {variant_key(row.variant) for row in rows if _ACRONYM.match(row.variant)}
        if len(acronyms) == len({variant_key(row.variant) for row in rows}):
            for acronym in acronyms:
                alone[acronym].append(group_id)
        else:
            for acronym in acronyms:
                definers[acronym].add(group_id)
    for acronym, group_ids in sorted(alone.items()):
        if len(definers.get(acronym, ())) != 1:
            continue
        target = next(iter(definers[acronym]))
        kind = next((row.type for row in merged[target] if row.type), None)
        for group_id in group_ids:
            members = merged.get(group_id)
            other = next((row.type for row in members or [] if row.type), None)
            if members is not None and target in merged and (kind is None or other is None or kind == other):
                merged[target] += merged.pop(group_id)
                moved.add(group_id)
    return moved


def merge_ids(kinds: dict[str, str | None], joined: dict[str, str] | None = None) -> dict[str, str]:
    """Each proposed id's group after corpus-level merging (id -> the id of its merged group);
    `joined` gets the reason of each id that joined another, by the first rule that joined it.

    - People (type person, two or more words: given-name key, surname): one surname, given
      names that fit (the same name, a short form, an initial, or one spelling habit apart), and
      no other given name of that surname in the way; surnames one spelling habit apart join the
      same way (Ukrainian h for g, French -ine and -ou). Never two given names known to differ.
    - A surname alone joins the one proposed person with that surname (none, or two, and it stays
      alone). One kept to its article (ARTICLE_MARK) joins that person too; with none, the same
      name alone in other articles; with two or more, nothing (SURNAME_PER_ARTICLE). A body
      kept to its article joins nothing.
    - Other groups (not people) whose keys differ by a spelling habit join (same word count and
      first letter, never two types, never an acronym); a contraction joins the one name of
      several words it contracts ("Gosduma", "Gosudarstvennaya duma"); the sound skeleton joins only spellings
      of one type, some untyped (those of English text, where machine translation's are).
    """
    parent = {group_id: group_id for group_id in kinds}
    reasons = joined if joined is not None else {}

    def find(group_id: str) -> str:
        while parent[group_id] != group_id:
            parent[group_id] = parent[parent[group_id]]
            group_id = parent[group_id]
        return group_id

    def join(a: str, b: str, rule: str | None) -> None:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_a] = root_b
            if rule is not None:
                reasons.setdefault(a, corpus_merge(rule))
                reasons.setdefault(b, corpus_merge(rule))

    articles = {gid for gid in kinds if ARTICLE_MARK in gid}
    # A person left alone between two fathers' names ("new-andrei-gurev~") joins nobody.
    people = [
        gid
        for gid, kind in kinds.items()
        if kind == PERSON and len(_words(gid)) >= 2 and not gid.endswith(PATRONYMIC_MARK) and gid not in articles
    ]
    for a, b, rule in _people_to_join(people):
        join(a, b, rule)
    surname_holders: dict[str, set[str]] = defaultdict(set)
    for person in people:
        surname_holders[_words(person)[-1]].add(person)
    # A word the corpus writes as a person's given name ("Тарвис Зорумалов") is, alone, anybody's.
    given_names = {_words(person)[0] for person in people}
    alone_in_articles: dict[str, list[str]] = defaultdict(list)
    for group_id, kind in kinds.items():
        # A place or an organisation is no one's surname: "Коми" never joins James Comey; nor is
        # a body kept to its article (the only untyped names kept so).
        if len(_words(group_id)) != 1 or kind not in (PERSON, None) or (group_id in articles and kind is None):
            continue
        if group_id.endswith(UNDECIDED_MARK):
            continue  # whose it is, its article could not say: no other article can
        owners = {find(person) for person in surname_holders.get(_words(group_id)[0], ())}
        if len(owners) == 1:
            join(group_id, owners.pop(), SURNAME_ALONE)
        elif group_id in articles and owners:
            reasons[group_id] = SURNAME_PER_ARTICLE  # two people's: its article's alone
        elif group_id in articles and _words(group_id)[0] not in given_names:
            alone_in_articles[group_id.partition(ARTICLE_MARK)[0]].append(group_id)
    for members in alone_in_articles.values():  # no other candidate: one name, as its key says
        for group_id in sorted(members)[1:]:
            join(group_id, min(members), None)
    # People compare surname and given name apart; a name kept to its article joins no other.
    not_compared = {gid for gid, kind in kinds.items() if kind == PERSON and len(_words(gid)) >= 2} | articles
    # Types never mix: two typed names join only when of one type (untyped ones, from English
    # text, join either).
    blocks: dict[tuple[str, int], list[str]] = defaultdict(list)
    for group_id in sorted(set(kinds) - not_compared):
        blocks[(group_id.removeprefix("new-")[:1], len(_words(group_id)))].append(group_id)
    for members in blocks.values():
        texts = [" ".join(_words(group_id)) for group_id in members]
        for i, j in _similar_pairs(texts):
            kind_i, kind_j = kinds[members[i]], kinds[members[j]]
            if (kind_i is None or kind_j is None or kind_i == kind_j) and _spellings_alike(texts[i], texts[j], kind_i and kind_j):
                join(members[i], members[j], SPELLING_HABIT)
    for short, full in _contractions({gid: kinds[gid] for gid in set(kinds) - not_compared}):
        join(short, full, CONTRACTION)
    # Machine translation from Thai writes a sound two ways ("Put' Domoi" as "Bute Domoy",
    # "Bout Domoy", "Bot Domoy"; "Idite Lesom" as "Edit Lessom"): groups with one consonant
    # skeleton join where every pair of them is alike, so the skeleton alone joins nothing.
    # Only among spellings of one type, some of them untyped (the English finder's, where
    # machine translation's are): names NER typed in their own script are read, not misheard
    # (Румыния and Армения are two places).
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for group_id in sorted(set(kinds) - not_compared):
        skeleton = _skeleton(_words(group_id))
        if len(skeleton.replace(" ", "").rstrip("AV")) >= 3:
            by_skeleton[skeleton].append(group_id)
    for members in by_skeleton.values():
        types = {kinds[group_id] for group_id in members}
        if len(types - {None}) > 1 or None not in types:
            continue  # two types, or every spelling typed by NER in its own script
        clusters: dict[str, list[str]] = defaultdict(list)
        for group_id in members:
            clusters[find(group_id)].append(_sounds(_words(group_id)))
        if len(clusters) > 1 and _all_alike(list(clusters.values())):
            roots = sorted(clusters)
            for root in roots[1:]:
                join(root, roots[0], SOUND_SKELETON)
    return {group_id: find(group_id) for group_id in kinds}


# Voiced and voiceless consonants alike (Thai writes Russian p as ป, which English renders b or
# p), vowels and y/j left out; a last word that ends in a vowel keeps a mark of it, another for
# -a (Vlasov and Vlasova, Bobrinsky and Bobrinskaya stay two).
_SOUNDS = str.maketrans({"b": "p", "d": "t", "g": "k", "z": "s", "v": "f", "ʒ": "ʃ"})
# Every two groups joined by their skeleton have spellings at least this alike (rapidfuzz ratio
# of their sounds): "Idyte Lesom" / "Edity Lessom" 73, "Tyva" / "Tuva" 75.
SKELETON_SIMILARITY = 70


def _sounds(words: list[str]) -> str:
    return " ".join(fold_token(word).translate(_SOUNDS) for word in words)


def _skeleton(words: list[str]) -> str:
    sounds = _sounds(words).split()
    out = [re.sub(r"[aeiouy]", "", word) for word in sounds]
    if sounds and sounds[-1][-1:] in "aeiouy":
        out[-1] += "A" if sounds[-1].endswith("a") else "V"
    return " ".join(out)


def _all_alike(clusters: list[list[str]]) -> bool:
    """Every two groups have spellings this alike: no group is far from another."""
    from rapidfuzz import fuzz

    return all(
        max(fuzz.ratio(a, b) for a in one for b in other) >= SKELETON_SIMILARITY
        for i, one in enumerate(clusters)
        for other in clusters[i + 1 :]
    )


def _words(group_id: str) -> list[str]:
    return group_id.removeprefix("new-").partition(ARTICLE_MARK)[0].partition(PATRONYMIC_MARK)[0].split("-")


def _patronymic(group_id: str) -> str:
    return group_id.partition(PATRONYMIC_MARK)[2]


def _apart(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Two proposed people known to be two: other given names, or other fathers' names."""
    if given_relation(a[1], b[1]) < 0:
        return True
    pa, pb = _patronymic(a[0]), _patronymic(b[0])
    return bool(pa and pb and fathers_differ_loosely(pa, pb))


def _people_to_join(people: list[str]) -> list[tuple[str, str, str]]:
    """Pairs of proposed people that are one person, each with the rule that joins them.

    Constrained agglomerative clustering within a block of surnames (first letter): two groups
    whose surnames are one spelling habit apart and whose given names fit join, the closest
    first, unless a given name of one is another name than a given name of the other (so
    "Alexander" and "Alexei" never meet through "Aleksandr" and "Alex"); then an initial joins
    the one person it fits, and stays alone where two fit.
    """
    by_block: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for group_id in sorted(people):
        words = _words(group_id)
        surname = loose_surname("".join(words[1:]))
        by_block[surname[:1]].append((group_id, words[0], surname))
    pairs = []
    for members in by_block.values():
        surnames = sorted({surname for _, _, surname in members})
        position = {surname: index for index, surname in enumerate(surnames)}
        holders: dict[int, list[int]] = defaultdict(list)
        for index, (_, _, surname) in enumerate(members):
            holders[position[surname]].append(index)
        close: dict[int, list[tuple[int, float]]] = defaultdict(list)  # member -> (member, surname score)
        edges = []
        for i, j, score in _close_pairs(surnames, SURNAME_SIMILARITY):
            if man_and_woman(surnames[i], surnames[j]):
                continue
            for a in holders[i]:
                for b in holders[j]:
                    close[a].append((b, score))
                    if a < b and len(members[a][1]) > 1 and len(members[b][1]) > 1 and given_relation(members[a][1], members[b][1]) > 0:
                        edges.append((-score, a, b))
        cluster_of = list(range(len(members)))
        clusters: dict[int, list[int]] = {index: [index] for index in range(len(members))}
        for _, a, b in sorted(edges):
            ca, cb = cluster_of[a], cluster_of[b]
            if ca == cb or any(_apart(members[x], members[y]) for x in clusters[ca] for y in clusters[cb]):
                continue
            for x in clusters[cb]:
                cluster_of[x] = ca
            clusters[ca] += clusters.pop(cb)
            pairs.append((members[b][0], members[a][0], PERSON_FITS))
        for a, (group_id, given, _) in enumerate(members):
            if len(given) == 1:
                fitting = {cluster_of[b] for b, _ in close[a] if b != a and len(members[b][1]) > 1 and members[b][1].startswith(given)}
                if len(fitting) == 1:
                    pairs.append((group_id, members[clusters[fitting.pop()][0]][0], INITIAL_FITS))
    return pairs


# A contraction's piece of each word but the last has this many letters ("gos" of
# "gosudarstvennaya", "min" of "ministerstvo", "len" of "leningradskaya"; two letters make
# "Parizh" of "Pain-Ridzh"); its last piece is the last word's first LAST_PIECE letters or more
# ("Sovfed": "sov" "fed" of "Sovet Federatsii").
PIECE = (3, 5)
LAST_PIECE = 3


def _contracts(word: str, words: list[str]) -> bool:
    """`word` is the first letters of each of `words` run together: "gosduma" of "gosudarstvennaya duma"."""
    if len(words) == 1:
        return len(word) >= LAST_PIECE and words[0].startswith(word)
    return any(words[0].startswith(word[:cut]) and _contracts(word[cut:], words[1:]) for cut in range(PIECE[0], PIECE[1] + 1))


def _contractions(kinds: dict[str, str | None]) -> list[tuple[str, str]]:
    """(contraction, full name) where a one-word name contracts exactly one name of several
    words of its type ("Gosduma", "Gosudarstvennaya duma"; an acronym is another rule's)."""
    by_start: dict[str, list[str]] = defaultdict(list)
    for group_id in kinds:
        words = _words(group_id)
        if 2 <= len(words) <= 4:
            by_start[words[0][:2]].append(group_id)
    pairs = []
    for group_id, kind in sorted(kinds.items()):
        words = _words(group_id)
        if len(words) != 1 or len(words[0]) <= ACRONYM_LETTERS:
            continue
        fits = [
            full
            for full in by_start.get(words[0][:2], ())
            if (kind is None or kinds[full] is None or kind == kinds[full]) and _contracts(words[0], _words(full))
        ]
        if len(fits) == 1:
            pairs.append((group_id, fits[0]))
    return pairs


def _spellings_alike(a: str, b: str, typed: str | None) -> bool:
    """Two names close by ratio that are one: "Vlasov" and "Vlasova" are two, and so are "Stone"
    and "Stones"; an acronym is spelled one way (МВД is not МФТИ); and a name its own script gave
    (typed by NER) is alike word by word, so that one long shared word does not join
    "Kemerovskaia oblast" and "Kirovskaia oblast"."""
    from rapidfuzz import fuzz

    if a.endswith("a") != b.endswith("a") or len(a.replace(" ", "")) <= ACRONYM_LETTERS:
        return False
    if any(x + "s" == y or y + "s" == x for x, y in zip(a.split(), b.split())):
        return False  # an English plural is another name: "Rolling Stone", "Rolling Stones"
    return not typed or all(fuzz.ratio(x, y) >= MERGE_SIMILARITY for x, y in zip(a.split(), b.split()))


def _similar_pairs(texts: list[str]) -> list[tuple[int, int]]:
    return [(i, j) for i, j, _ in _close_pairs(texts, MERGE_SIMILARITY) if i < j]


# Rows of the similarity matrix computed at a time: memory stays flat however big a block is.
_ROWS = 512


def _close_pairs(texts: list[str], cutoff: float) -> list[tuple[int, int, float]]:
    """(i, j, ratio) for every two texts (both orders, and each with itself) at least this alike."""
    import numpy as np
    from rapidfuzz import fuzz, process

    pairs = []
    for first in range(0, len(texts), _ROWS):
        scores = process.cdist(texts[first : first + _ROWS], texts, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32)
        for i, j in zip(*np.nonzero(scores)):
            pairs.append((first + int(i), int(j), float(scores[i, j])))
    return pairs
