"""Acronyms defined in a document join their full name; Russian forms keep an acronym's letters."""

from __future__ import annotations

from pipeline.names.discovery import english_names, russian_names
from pipeline.names.discovery.russian_finder import nominative
from pipeline.names.table import NameTable

FBK = "Фонд борьбы с коррупцией (ФБК) опубликовал расследование. Позже ФБК сообщил о новых данных."


def _keys(found: list, text: str) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for name in found:
        keys.setdefault(text[name.start : name.end], set()).add(name.key)
    return keys


def test_an_acronym_defined_in_a_russian_document_joins_its_full_name() -> None:
    keys = _keys(russian_names(FBK), FBK)
    assert "Фонд борьбы с коррупцией" in keys  # the bracket is not part of the name
    assert keys["ФБК"] == keys["Фонд борьбы с коррупцией"]  # both places that write it


def test_an_acronym_defined_in_an_english_document_joins_its_full_name() -> None:
    text = "The Federal Security Service (FSB) said on Monday that the FSB had detained two men."
    keys = _keys(english_names(text), text)
    assert keys["FSB"] == keys["Federal Security Service"]


def test_a_bracket_after_a_person_or_another_letter_defines_nothing() -> None:
    text = "The chairman Ivan Petrov (FSB) and the Moscow City Court (FSB) met."
    keys = _keys(english_names(text), text)
    assert keys.get("FSB", set()).isdisjoint(keys.get("Ivan Petrov", set()) | keys.get("Moscow City Court", set()))


def _records(document: str, *spellings: tuple[str, str, str]) -> tuple[str, list[dict]]:
    return document, [
        {"variant": variant, "entity_id": entity_id, "canonical": variant, "method": "discovered", "score": 0.0,
         "applied": False, "example": variant, "type": "organisation"}
        for variant, entity_id, _ in spellings
    ]  # fmt: skip


def _groups(*documents: tuple[str, list[dict]]) -> list[set[str]]:
    table = NameTable()
    for document in documents:
        table.add(*document)
    groups: dict[str, set[str]] = {}
    for row in table.rows():
        groups.setdefault(row["entity_id"], set()).add(row["variant"])
    return sorted(groups.values(), key=sorted)


def test_an_acronym_written_alone_elsewhere_joins_the_one_full_name_the_corpus_defined() -> None:
    defined = _records("a", ("Фонд борьбы с коррупцией", "new-fond", ""), ("ФБК", "new-fond", ""))
    alone = _records("b", ("ФБК", "new-fbk", ""), ("Фонд Мира", "new-fond-mira", ""))
    assert {"Фонд борьбы с коррупцией", "ФБК"} in _groups(defined, alone)
    table = NameTable()
    for document in (defined, alone):
        table.add(*document)
    assert table.corpus_group("ФБК", "new-fbk") == table.corpus_group("Фонд борьбы с коррупцией", "new-fond")
    assert not any("ФБК" in group and "Фонд Мира" in group for group in _groups(defined, alone))
    # СК defined as two committees in two documents: the СК written alone joins neither.
    one = _records("c", ("Следственный комитет", "new-sk-ru", ""), ("СК", "new-sk-ru", ""))
    two = _records("d", ("Спортивный клуб", "new-sk-club", ""), ("СК", "new-sk-club", ""))
    three = _records("e", ("СК", "new-sk", ""), ("Москва", "new-moscow", ""))
    groups = _groups(one, two, three)
    assert {"СК"} in groups  # left alone
    table = NameTable()
    for document in (one, two, three):
        table.add(*document)
    alone_group = table.corpus_group("СК", "new-sk")
    assert alone_group not in (table.corpus_group("СК", "new-sk-ru"), table.corpus_group("СК", "new-sk-club"))
    assert {"Следственный комитет", "СК"} in groups and {"Спортивный клуб", "СК"} in groups


def test_russian_forms_keep_an_acronyms_letters_and_an_indeclinable_name() -> None:
    assert nominative("США", "place") == "США"
    assert nominative("МИДа", "organisation") == "МИД"
    assert nominative("Тиффани Трамп", "person") == "Тиффани Трамп"
    assert nominative("Андрея Курочкина", "person") == "Андрей Курочкин"  # a declinable name still declines


def test_an_organisations_words_agree_with_its_head_noun_in_the_nominative() -> None:
    """Issue 22: "Вооружённые сила", "Следственное комитет", "Соединённых Штаты"."""
    assert nominative("Вооружённых сил", "organisation") == "Вооружённые силы"
    assert nominative("Вооружённые силы", "organisation") == "Вооружённые силы"
    assert nominative("Следственного комитета", "organisation") == "Следственный комитет"
    assert nominative("Соединённых Штатов", "place") == "Соединённые Штаты"
    assert nominative("Белом доме", "organisation") == "Белый дом"  # "дома" is a plural too: the singular here
    assert nominative("Совета матерей", "organisation") == "Совет матерей"  # after the head noun, as written


def test_an_english_full_name_whose_surname_stands_alone_later_is_a_person() -> None:
    text = "Apple co-founder Steve Jobs spoke on Monday. Later Jobs said that Bill Gates had called. Gates laughed."
    found = {text[d.start : d.end]: d for d in english_names(text)}
    assert found["Steve Jobs"].kind == "person" and found["Jobs"].key == found["Steve Jobs"].key
    assert found["Gates"].key == found["Bill Gates"].key
    # A place whose last word stands alone is no person ("New York" ... "York").
    for full, short in [("New York", "York"), ("Free Buryatia", "Buryatia"), ("Trkto Tyva", "Tyva")]:  # "Free" is a word, not a given name
        text = f"{full} was quiet on Monday. {short} was not."
        found = {text[d.start : d.end]: d for d in english_names(text)}
        assert found[full].kind is None and found[short].key != found[full].key


def test_legal_forms_and_republic_fold_and_cldr_gives_country_exonyms() -> None:
    from pipeline.names.discovery.russian_finder import russian_forms
    from pipeline.names.grouping.keys import exonym, group_key

    def key(name: str) -> str:
        return russian_forms(name, "organisation" if "«" in name else "place")[2]

    assert group_key("Apple Inc.", None) == group_key("Apple", None)
    assert key("ООО «Ромашка»") == key("ПАО «Ромашка»") == russian_forms("Ромашка", "organisation")[2]
    assert key("Республики Башкортостан") == key("Башкортостан")
    assert group_key("East India Company", None) != group_key("East India", None)  # a whole word stays
    # Countries CLDR names (not in our own exonym list): the Russian name meets the English one.
    assert exonym("Chekhiya") == "Czechia" and key("Чехии") == group_key("Czechia", None)
    assert key("Тринидад и Тобаго") == group_key("Trinidad and Tobago", None)
