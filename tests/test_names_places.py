"""Places and organisations of one spelling stay apart where the text says they are two
(pipeline.names.discovery.qualifiers, pipeline.names.grouping.quoted, .corpus), issue 22.

Every test goes through the real entry points: Russian text through `russian_names` (natasha's
NER, or spans given as NER would give them), its records into the name table, the corpus's
groups out of `corpus_group`. The property test's oracle is the generated corpus: which
documents quote a made-up name and which name a place by it, not any list of the implementation.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.names.discovery import russian_names
from pipeline.names.grouping.keys import discovered
from pipeline.names.grouping.reasons import QUOTED_BARE, corpus_merge
from pipeline.names.ner import Span
from pipeline.names.table import NameTable


def _record(found: Any) -> dict[str, Any]:
    return {"variant": found.text, "entity_id": found.entity_id, "canonical": found.canonical, "method": "discovered", "score": 0.0,
            "applied": False, "example": "", "type": found.kind, "reason": found.reason, "per_article": found.per_article}  # fmt: skip


def _groups(documents: dict[str, str], spans: dict[str, list[Span]] | None = None) -> dict[tuple[str, str], str | None]:
    """(document, the name as written) -> its group in the corpus of these documents."""
    table = NameTable()
    found = {name: russian_names(text, (spans or {}).get(name)) for name, text in documents.items()}
    for name, names in found.items():
        table.add(name, [_record(d) for d in names])
    out = {}
    for name, names in found.items():
        for d in names:
            group = table.corpus_group(d.text, d.entity_id, name)
            out[(name, documents[name][d.start : d.end])] = group[0] if group else None
    return out


def test_a_club_in_quotes_is_not_the_city_of_its_spelling() -> None:
    groups = _groups({"club": "Футбольный клуб «Милан» выиграл кубок Италии.", "city": "Мэр Милана открыл выставку в субботу."})
    assert groups[("club", "Милан")] is not None and groups[("city", "Милана")] is not None
    assert groups[("club", "Милан")] != groups[("city", "Милана")]


def test_an_organisation_in_quotes_joins_its_spelling_out_of_quotes_where_no_place_has_it() -> None:
    documents = {"quoted": "Акции «Газпрома» выросли.", "bare": "Газпром повысил цены на газ."}
    groups = _groups(documents)
    assert groups[("quoted", "Газпрома")] == groups[("bare", "Газпром")] is not None
    table = NameTable()
    for name, text in documents.items():
        table.add(name, [_record(d) for d in russian_names(text)])
    reasons = {row["reason"] for row in table.rows() if row["entity_id"] == groups[("bare", "Газпром")]}
    assert corpus_merge(QUOTED_BARE) in reasons


def test_a_body_named_with_another_country_is_another_body() -> None:
    groups = _groups(
        {
            "us": "Федеральная налоговая служба США начала проверку.",
            "bare": "Федеральная налоговая служба начала проверку.",
            "home": "Сотрудники Федеральной налоговой службы России пришли в офис.",
        }
    )
    bare = groups[("bare", "Федеральная налоговая служба")]
    assert bare is not None and groups[("home", "Федеральной налоговой службы")] == bare  # Russian news: Russia's own
    assert groups[("us", "Федеральная налоговая служба")] not in (bare, None)
    assert groups[("us", "США")] not in (bare, groups[("us", "Федеральная налоговая служба")])  # the place keeps its mention


def test_a_generic_word_alone_never_joins_a_name_containing_it() -> None:
    groups = _groups({"alone": "Об этом сообщила газета Новости.", "agency": "Об этом сообщает агентство РИА Новости."})
    assert groups[("alone", "Новости")] != groups[("agency", "РИА Новости")]
    senates = _groups({"alone": "Верховный суд отклонил иск.", "us": "Верховный суд США отклонил иск."})
    assert senates[("alone", "Верховный суд")] != senates[("us", "Верховный суд")]


def _table_of(*names: tuple[str, str | None]) -> dict[str, str | None]:
    """variant -> its group (None: a group of that spelling alone), each name (spelling, type)
    as a document's discovery gives it."""
    table = NameTable()
    found = [discovered(0, len(name), name, name, kind) for name, kind in names]
    for index, d in enumerate(found):
        table.add(f"d{index}", [_record(d)])
    return {d.text: group[0] if (group := table.corpus_group(d.text, d.entity_id, "")) else None for d in found}


def test_latin_names_do_not_fold_an_english_plural() -> None:
    groups = _table_of(("Rolling Stone", "organisation"), ("Rolling Stones", "organisation"), ("Roling Stones", "organisation"))
    assert groups["Roling Stones"] == groups["Rolling Stones"] is not None  # a spelling habit still joins
    assert groups["Rolling Stone"] != groups["Rolling Stones"]


def test_a_contraction_is_of_pieces_of_three_letters() -> None:
    groups = _table_of(("Ленобласть", "place"), ("Ленинградская область", "place"), ("Париж", "place"), ("Пайн-Ридж", "place"))
    assert groups["Ленобласть"] == groups["Ленинградская область"]
    assert groups["Париж"] != groups["Пайн-Ридж"]


# --- property: a made-up name quoted, and the place of its spelling ------------------------------

SYLLABLES = ["за", "ру", "ми", "то", "бе", "ка", "ло", "ни", "ду", "ве"]
ENDINGS = ["н", "р", "л", "т", "с", "в"]
# (the sentence, where the name goes, its NER type): a club in quotes, a town, a company unquoted.
CONTEXTS = {
    "quoted": ("В клубе «{}» сменился тренер.", "ORG"),
    "place": ("Жители города {} вышли на улицы.", "LOC"),
    "bare": ("Компания {} отчиталась о прибыли.", "ORG"),
}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=3),
    st.sampled_from(ENDINGS),
    st.lists(st.sampled_from(sorted(CONTEXTS)), min_size=1, max_size=6),
)
def test_a_quoted_name_never_joins_a_place_of_its_spelling(syllables: list[str], ending: str, contexts: list[str]) -> None:
    """The oracle: a place and a quoted name are two; the quoted name and the same name out of
    quotes (both organisations by NER) are one where no document names a place so."""
    name = ("".join(syllables) + ending).capitalize()
    documents, spans = {}, {}
    for index, context in enumerate(contexts):
        sentence, ner_type = CONTEXTS[context]
        documents[f"{context}{index}"] = text = sentence.format(name)
        spans[f"{context}{index}"] = [(text.index(name), text.index(name) + len(name), ner_type)]
    groups = _groups(documents, spans)
    by_context: dict[str, set[str | None]] = {}
    for index, context in enumerate(contexts):
        by_context.setdefault(context, set()).add(groups[(f"{context}{index}", name)])
    assert all(len(found) == 1 and None not in found for found in by_context.values())  # one entity per context
    quoted, place, bare = (next(iter(by_context.get(context, {None}))) for context in ("quoted", "place", "bare"))
    if quoted and place:
        assert quoted != place
    if quoted and bare:
        assert (quoted == bare) == (place is None)


def test_an_acronym_keeps_every_letter() -> None:
    """The transliteration key folds doubled letters and digraphs of names ("Kirkorov",
    "Kirkorrov"); an acronym's letters are each a word's: ВВС is not ВС, МИИТ not МИТ."""
    groups = _groups(
        {"air": "Командование ВВС сообщило.", "armed": "Командование ВС сообщило.", "miit": "Он окончил МИИТ.", "mit": "Он окончил МИТ."}
    )
    found = {written: group for (_, written), group in groups.items() if written in ("ВВС", "ВС", "МИИТ", "МИТ")}
    assert len(found) == 4 and len(set(found.values())) == 4
    us = _groups({"a": "Посол США заявил.", "b": "Соединённые Штаты заявили."})
    assert us[("a", "США")] == us[("b", "Соединённые Штаты")]  # an exonym's acronym stays its country


def test_a_body_every_country_has_named_with_russia_is_russias_across_the_corpus() -> None:
    documents = {
        "a": "Сотрудники МВД России задержали подозреваемого.",
        "b": "МВД РФ сообщило о задержании.",
        "c": "МВД сообщило о задержании.",
        "d": "Вчера МВД опровергло слухи.",
        "forces": "Генштаб Вооружённых сил РФ и Вооружённые силы СССР.",
    }
    groups = _groups(documents)
    assert groups[("a", "МВД")] == groups[("b", "МВД")] is not None
    # Without its country a body is its article's alone (pipeline.names.discovery.per_article).
    assert len({groups[("a", "МВД")], groups[("c", "МВД")], groups[("d", "МВД")]}) == 3
    assert groups[("forces", "Вооружённых сил")] not in (groups[("forces", "Вооружённые силы")], None)  # РФ, СССР: two
