"""Bodies named without their country or owner: whose they are, only their article says.

"Сенат", "МИД", "Верховный суд", "the Supreme Court" are a different body in every country
that has one: four senates in one corpus are four entities. Such a name (every word of it one
of the language's generic_bodies.txt) joins the one name of its article that says whose it is
("Сенат" after "Сенат США"); with none, or two ("Сенат США" and "Сенат Италии"), its group is
its article's alone (`per_article`: the name table keeps it apart from every other article's).
NER finds "МИД России" as two names, "МИД" and "России": joined into one, the place's own
mention would be lost (on NEREL's tune part that cost more mentions than it grouped).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from pipeline import scripts
from pipeline.lang import languages_with
from pipeline.names.entity import PERSON
from pipeline.names.grouping.keys import Discovered
from pipeline.names.grouping.reasons import BODY_PER_ARTICLE, SAME_ARTICLE
from pipeline.names.morphology import russian_morphology

# Words of a body's name that never tell whose it is: "Ministry of Defence".
_LINKING_WORDS = frozenset({"the", "of", "for", "and", "по", "и"})


@cache
def _generic_words() -> frozenset[str]:
    return frozenset(word for language in languages_with("generic_bodies.txt") for word in language.words("generic_bodies.txt"))


@cache
def _normal_form(word: str) -> str:
    word = word.strip("«»\"“”'()").casefold().replace("ё", "е")
    if scripts.CYRILLIC.search(word):
        return str(russian_morphology().parse(word)[0].normal_form).replace("ё", "е")
    return word


def is_generic_body(name: str) -> bool:
    """A body's name of words that every country's body of that kind has ("Верховный суд")."""
    words = [_normal_form(word) for word in name.split()]
    words = [word for word in words if word not in _LINKING_WORDS]
    return bool(words) and all(word in _generic_words() for word in words)


def _extends(generic: str, name: str) -> bool:
    """`name` is the generic name and more ("Сенат США" of "Сенат")."""
    head, words = generic.casefold().split(), name.casefold().split()
    return len(words) > len(head) and words[: len(head)] == head


def keep_bodies_per_article(found: list[Discovered]) -> list[Discovered]:
    """The document's names, each body named without its country carrying the key of the one
    name of the document that says whose it is, or else marked `per_article`."""
    generic = {d.text for d in found if d.kind != PERSON and is_generic_body(d.text)}
    if not generic:
        return found
    owned = [d for d in found if d.kind != PERSON and d.text not in generic]
    out = []
    for name in found:
        if name.text in generic:
            owners = {d.key: d for d in owned if _extends(name.text, d.text)}
            if len(owners) == 1:
                owner = next(iter(owners.values()))
                name = replace(name, canonical=owner.canonical, kind=owner.kind or name.kind, key=owner.key, reason=SAME_ARTICLE)
            else:
                name = replace(name, per_article=True, reason=BODY_PER_ARTICLE)
        out.append(name)
    return out
