"""Why a spelling is in its group: each reason set where the grouping decision is made, carried
into the name table's `reason` column (pipeline.names.grouping.reasons)."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.names.discovery import english_names, russian_names
from pipeline.names.grouping.keys import group_key, key_and_reason, proposed_id
from pipeline.names.grouping.reasons import (
    ACRONYM_DEFINED,
    EXONYM_LIST,
    GIVEN_NAME_GROUP,
    LEGAL_FORM,
    SAME_ARTICLE,
    TERRITORY_NAMES,
    TRANSLITERATION_KEY,
    in_document,
    registry_reason,
)
from pipeline.names.table import NameTable


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("Andrej Kurotchkin", None, TRANSLITERATION_KEY),
        ("Sasha Ivanov", "person", GIVEN_NAME_GROUP),  # under "Aleksandr Ivanov"
        ("Apple Inc.", None, LEGAL_FORM),
        ("Respublika Bashkortostan", "place", LEGAL_FORM),
        ("Moskva", None, EXONYM_LIST),
        ("Avstraliya", "place", TERRITORY_NAMES),  # CLDR's Russian name of Australia
    ],
)
def test_a_group_key_says_what_made_it(name: str, kind: str | None, reason: str) -> None:
    key, why = key_and_reason(name, kind)
    assert (key, why) == (group_key(name, kind), reason)


def _reasons(found: list[Any], text: str) -> dict[str, set[str]]:
    reasons: dict[str, set[str]] = {}
    for name in found:
        reasons.setdefault(text[name.start : name.end], set()).add(name.reason)
    return reasons


def test_a_short_form_says_it_joined_the_full_form_of_its_article() -> None:
    text = "Bill Gates met reporters on Monday. Later Gates said the plan was ready."
    assert _reasons(english_names(text), text) == {"Bill Gates": {TRANSLITERATION_KEY}, "Gates": {SAME_ARTICLE}}
    russian = "Джохар Царнаев предстал перед судом. Царнаев молчал."
    assert _reasons(russian_names(russian), russian)["Царнаев"] == {SAME_ARTICLE}


def test_an_acronym_says_its_document_defined_it() -> None:
    text = "The Federal Security Service (FSB) said on Monday that the FSB had detained two men."
    reasons = _reasons(english_names(text), text)
    assert reasons["FSB"] == {ACRONYM_DEFINED} and reasons["Federal Security Service"] == {TRANSLITERATION_KEY}
    assert in_document(ACRONYM_DEFINED, "news/a.txt") == "acronym defined in news/a.txt"


def _records(document: str, *names: tuple[str, str | None], reason: str = "") -> tuple[str, list[dict[str, Any]]]:
    """One document's records of discovered names, as the normalize stage makes them."""
    records = []
    for variant, kind in names:
        key, why = key_and_reason(variant, kind)
        records.append(
            {"variant": variant, "entity_id": proposed_id(key), "canonical": variant, "method": "discovered", "score": 0.0,
             "applied": False, "example": variant, "type": kind, "reason": reason or why}
        )  # fmt: skip
    return document, records


def _table_reasons(*documents: tuple[str, list[dict[str, Any]]]) -> dict[str, tuple[str, str]]:
    """variant -> (group id, reason) of the name table made of the documents."""
    table = NameTable()
    for document in documents:
        table.add(*document)
    return {row["variant"]: (row["entity_id"], row["reason"]) for row in table.rows()}


@pytest.mark.parametrize(
    ("names", "rule"),
    [
        ([("Dmitry Dolgopolov", "person"), ("Dmytro Dolhopolov", "person")], "given name and surname fit"),
        ([("Alexander Petrov", "person"), ("A. Petrov", "person")], "initial fits one person"),
        ([("Leonid Gosman", "person"), ("Gosman", None)], "surname of one person"),
        ([("Edit Lessom", None), ("Edit Lesum", None)], "spellings one habit apart"),
        ([("Put Domoi", "organisation"), ("Bute Domoy", None), ("Bot Domoy", None)], "sound skeleton"),
    ],
)
def test_a_group_joined_across_the_corpus_says_by_which_rule(names: list[tuple[str, str | None]], rule: str) -> None:
    rows = _table_reasons(*(_records(f"d{number}", name) for number, name in enumerate(names)))
    assert len({group_id for group_id, _ in rows.values()}) == 1
    reasons = sorted(reason for _, reason in rows.values())
    # The fullest name's spelling anchors the group; every other joined it by the rule.
    assert reasons.count(f"corpus merge ({rule})") == len(names) - 1
    assert set(reasons) - {f"corpus merge ({rule})"} <= {TRANSLITERATION_KEY, GIVEN_NAME_GROUP}


def test_an_acronym_alone_says_another_document_defined_it() -> None:
    full = "Фонд борьбы с коррупцией"
    key = proposed_id(group_key(full, "organisation"))
    defined = ("a.txt", [_record(full, key), _record("ФБК", key, in_document(ACRONYM_DEFINED, "a.txt"))])
    alone = ("b.txt", [_record("ФБК", "new-fbk")])
    table = NameTable()
    for document in (defined, alone):
        table.add(*document)
    rows = {(row["variant"], row["reason"]) for row in table.rows()}
    assert ("ФБК", "acronym defined in a.txt") in rows
    assert ("ФБК", "corpus merge (acronym defined in another document)") in rows
    assert len({row["entity_id"] for row in table.rows()}) == 1


def _record(variant: str, entity_id: str, reason: str = TRANSLITERATION_KEY, method: str = "discovered") -> dict[str, Any]:
    return {"variant": variant, "entity_id": entity_id, "canonical": variant, "method": method, "score": 1.0,
            "applied": method != "discovered", "example": variant, "type": "organisation", "reason": reason}  # fmt: skip


def test_a_rows_reason_is_the_same_whatever_order_the_documents_come_in() -> None:
    full, acronym = "Federal Security Service", "FSB"
    key = proposed_id(group_key(full, None))
    documents = [
        (source, [_record(full, key), _record(acronym, key, in_document(ACRONYM_DEFINED, source))]) for source in ("b.txt", "a.txt")
    ]
    assert _table_reasons(*documents) == _table_reasons(*reversed(documents))
    assert _table_reasons(*documents)[acronym][1] == "acronym defined in a.txt"


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("exact", "registry canonical"),
        ("known-variant", "registry variant"),
        ("fuzzy", "registry match fuzzy"),
        ("native-unsure", "registry match native-unsure"),
    ],
)
def test_a_registered_spelling_says_how_the_registry_matched_it(method: str, reason: str) -> None:
    record = _record("Put Damoi", "put-domoi", method=method)
    del record["reason"]  # the stage leaves a registered name's reason to its method
    assert registry_reason(method) == reason
    assert _table_reasons(("a.txt", [record])) == {"Put Damoi": ("put-domoi", reason)}
