"""A name that does not say whose it is keeps to its article (pipeline.names.discovery.per_article,
pipeline.names.grouping.corpus): a body without its country ("Сенат"), a surname alone that the
corpus gives to several people (Barack and Michelle Obama).

The property test's oracle is the generated corpus itself: which full-named people it holds,
by surname, is counted here from the generated names, not from any list of the implementation.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.names.discovery import russian_names
from pipeline.names.discovery.per_article import is_generic_body, keep_bodies_per_article
from pipeline.names.discovery.russian_finder import romanize
from pipeline.names.grouping.keys import Discovered, discovered, group_key, proposed_id
from pipeline.names.grouping.reasons import BODY_PER_ARTICLE, SAME_ARTICLE, SURNAME_ALONE, SURNAME_PER_ARTICLE, corpus_merge
from pipeline.names.table import NameTable


def _record(found: Any) -> dict[str, Any]:
    return {"variant": found.text, "entity_id": found.entity_id, "canonical": found.canonical, "method": "discovered", "score": 0.0,
            "applied": False, "example": "", "type": found.kind, "reason": found.reason, "per_article": found.per_article,
            "undecided": found.undecided}  # fmt: skip


def _table(documents: dict[str, str]) -> tuple[NameTable, dict[str, list[Any]]]:
    table = NameTable()
    found = {name: russian_names(text) for name, text in documents.items()}
    for name, names in found.items():
        table.add(name, [_record(d) for d in names])
    return table, found


def _group(table: NameTable, found: dict[str, list[Any]], document: str, written: str, text: str) -> tuple[str, str] | None:
    name = next(d for d in found[document] if text[d.start : d.end] == written)
    return table.corpus_group(name.text, name.entity_id, document)


def test_a_generic_body_is_a_body_of_no_country() -> None:
    assert is_generic_body("Сенат") and is_generic_body("Верховный суд") and is_generic_body("МИД")
    assert is_generic_body("Вооружённые силы") and is_generic_body("Supreme Court") and is_generic_body("Ministry of Defence")
    assert not is_generic_body("Сенат США") and not is_generic_body("МИД России") and not is_generic_body("Госдума")
    assert not is_generic_body("Федеральная служба безопасности")  # one country's body
    assert not is_generic_body("Federal Security Service")


def test_a_body_alone_joins_the_one_name_of_its_article_that_says_whose_it_is() -> None:
    def body(start: int, native: str) -> Discovered:
        return discovered(start, start + len(native), native, romanize(native), "organisation")

    us, italy, alone = body(0, "Сенат США"), body(20, "Сенат Италии"), body(40, "Сенат")
    joined = keep_bodies_per_article([us, alone])[1]
    assert (joined.key, joined.reason, joined.per_article) == (us.key, SAME_ARTICLE, False)
    apart = keep_bodies_per_article([us, italy, alone])[2]  # two senates: whose, the article does not say
    assert (apart.key, apart.reason, apart.per_article) == (alone.key, BODY_PER_ARTICLE, True)


def test_a_senate_without_its_country_is_its_articles() -> None:
    documents = {
        "a": "Сенат принял бюджет страны в среду.",
        "b": "Вчера Сенат отклонил поправку к закону.",
        "c": "Сенат Италии одобрил закон. В среду Сенат собрался снова.",
    }
    table, found = _table(documents)
    a = _group(table, found, "a", "Сенат", documents["a"])
    b = _group(table, found, "b", "Сенат", documents["b"])
    assert a is not None and b is not None and a != b  # two senates, perhaps two countries'
    # natasha finds "Сенат" and "Италии" apart: the article's senate is still its own.
    assert _group(table, found, "c", "Сенат", documents["c"]) not in (a, b)
    rows = {(row["variant"], row["entity_id"]): row for row in table.rows()}
    assert rows[("Сенат", a[0])]["reason"] == BODY_PER_ARTICLE == rows[("Сенат", b[0])]["reason"]
    # Whatever order the documents come in, the same groups.
    again, found_again = _table(dict(reversed(documents.items())))
    assert _group(again, found_again, "a", "Сенат", documents["a"]) == a


OBAMAS = {
    "barack": "Барак Обама выступил в Чикаго. Обама сказал, что рад.",
    "michelle": "Мишель Обама выступила в школе.",
    "one": "Вчера Обама прилетел в Лондон.",
    "two": "В среду Обама приехал в Берлин с визитом.",
}


def test_a_surname_alone_of_two_people_joins_neither_nor_another_articles() -> None:
    table, found = _table(OBAMAS)
    barack = _group(table, found, "barack", "Барак Обама", OBAMAS["barack"])
    michelle = _group(table, found, "michelle", "Мишель Обама", OBAMAS["michelle"])
    one = _group(table, found, "one", "Обама", OBAMAS["one"])
    two = _group(table, found, "two", "Обама", OBAMAS["two"])
    assert len({barack, michelle, one, two}) == 4
    assert _group(table, found, "barack", "Обама", OBAMAS["barack"]) == barack  # his article names him
    reasons = {row["reason"] for row in table.rows() if row["variant"] == "Обама" and row["entity_id"] in (one[0], two[0])}  # type: ignore[index]
    assert reasons == {SURNAME_PER_ARTICLE}


def test_a_surname_alone_of_one_person_joins_him_and_of_none_joins_itself() -> None:
    documents = {name: OBAMAS[name] for name in ("barack", "one", "two")}
    table, found = _table(documents)
    barack = _group(table, found, "barack", "Барак Обама", OBAMAS["barack"])
    assert _group(table, found, "one", "Обама", OBAMAS["one"]) == barack == _group(table, found, "two", "Обама", OBAMAS["two"])
    reasons = {row["reason"] for row in table.rows() if row["variant"] == "Обама"}
    assert corpus_merge(SURNAME_ALONE) in reasons
    alone, found_alone = _table({name: OBAMAS[name] for name in ("one", "two")})
    one = _group(alone, found_alone, "one", "Обама", OBAMAS["one"])
    assert one is not None and one == _group(alone, found_alone, "two", "Обама", OBAMAS["two"])


# --- property: a surname alone, across generated corpora ------------------------------------------

GIVEN = ["Ignat", "Efim", "Timur", "Rodion", "Vsevolod", "Glafira"]
SURNAMES = ["Zorkin", "Bashlykov", "Tumanyan"]


def _person_record(name: str, per_article: bool) -> dict[str, Any]:
    return {"variant": name, "entity_id": proposed_id(group_key(name, "person")), "canonical": name, "method": "discovered",
            "score": 0.0, "applied": False, "example": "", "type": "person", "per_article": per_article}  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(GIVEN), st.sampled_from(SURNAMES), st.booleans()), min_size=1, max_size=8))
def test_a_surname_alone_joins_a_person_only_where_the_corpus_has_no_other(documents: list[tuple[str, str, bool]]) -> None:
    """Each generated document names one person: in full, or by surname alone. The oracle: the
    full names of the corpus by surname."""
    table = NameTable()
    for index, (given_name, surname, full) in enumerate(documents):
        table.add(f"d{index}", [_person_record(f"{given_name} {surname}" if full else surname, per_article=not full)])
    holders: dict[str, set[str]] = {}
    for given_name, surname, full in documents:
        if full:
            holders.setdefault(surname, set()).add(given_name)
    groups: dict[str, set[tuple[str, str]]] = {}  # group id -> (variant, document) in it
    for index, (given_name, surname, full) in enumerate(documents):
        variant = f"{given_name} {surname}" if full else surname
        group = table.corpus_group(variant, proposed_id(group_key(variant, "person")), f"d{index}")
        if group is not None:
            groups.setdefault(group[0], set()).add((variant, f"d{index}"))
    for members in groups.values():
        full_names = {variant for variant, _ in members if " " in variant}
        alone = {(variant, document) for variant, document in members if " " not in variant}
        assert len(full_names) <= 1  # never two people in one group
        for variant, _ in alone:
            if full_names:  # joined a person: the only one of that surname
                assert holders.get(variant) == {next(iter(full_names)).split()[0]}
            else:  # by itself or with the same surname alone elsewhere: no two people were named so
                assert len(holders.get(variant, ())) != 1
                assert len(holders.get(variant, ())) < 2 or len({d for v, d in alone if v == variant}) == 1
