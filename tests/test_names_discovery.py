"""Names nobody registered: found in English and Russian text, grouped, proposed, reviewed."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import datasets
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.names.discovery import english_names, russian_names
from pipeline.names.grouping.keys import group_key, proposed_id
from pipeline.names.registry import load_registry
from pipeline.schema import Document, Paragraph
from tests.conftest import REGISTRY, run_in_process


def spans(text: str) -> list[str]:
    return [found.text for found in english_names(text)]


def test_english_spans_leave_titles_nationalities_and_sentence_starts_out() -> None:
    text = (
        "Yesterday Andrei Kurochkin met Russian President Vladimir Putin in Yekaterinburg. "
        "Members said in November that the Council of Mothers and Wives would write again. "
        "On Monday, Governor Alexei Tsydenov of Buryatia declined."
    )
    assert spans(text) == [
        "Andrei Kurochkin",
        "Vladimir Putin",
        "Yekaterinburg",
        "Council of Mothers and Wives",
        "Alexei Tsydenov",
        "Buryatia",
    ]


def test_a_sentence_initial_word_is_a_name_only_if_written_capitalised_elsewhere() -> None:
    assert spans("Mobilised men wait. Relatives wait too.") == []
    assert spans("Kurochkin spoke. Reporters asked Kurochkin again.") == ["Kurochkin", "Kurochkin"]


def test_two_capital_letters_are_a_name_but_not_two_letters_in_lower_case_or_tv() -> None:
    # GUM's Wikinews (benchmarks/real_news_en.py): "the UK", "LA Weekly" were dropped as too short.
    assert spans("Migrants reached the UK and the EU. She told LA Weekly on TV, OK?") == ["UK", "EU", "LA Weekly"]
    assert spans("He met Jo at the bar.") == []


def test_a_name_before_a_lower_case_ending_after_a_hyphen_is_found_alone() -> None:
    text = "The Kremlin-backed party held Warhol-like shows in Rostov-on-Don and Komsomolsk-on-Amur."
    assert spans(text) == ["Kremlin", "Warhol", "Rostov-on-Don", "Komsomolsk-on-Amur"]


def test_russian_names_come_in_the_nominative_and_romanized() -> None:
    found = {
        (d.text, d.canonical, d.kind) for d in russian_names("Жёны встретились с Андреем Курочкиным и Екатериной Власовой в Екатеринбурге.")
    }
    assert found == {
        ("Андрей Курочкин", "Andrey Kurochkin", "person"),
        ("Екатерина Власова", "Yekaterina Vlasova", "person"),
        ("Екатеринбург", "Yekaterinburg", "place"),
    }


@pytest.mark.parametrize(
    ("same", "kind"),
    [
        (["Andrey Kurochkin", "Andrei Kurochkin", "Andrej Kurotchkin"], "person"),
        (["Yekaterinburg", "Ekaterinburg", "Jekaterinburg"], None),
        (["Mikhail Zhuravlyov", "Mikhail Zhuravlev", "Michail Zhuravljov"], "person"),
    ],
)
def test_spellings_of_one_name_share_a_group(same: list[str], kind: str | None) -> None:
    assert len({group_key(name, kind) for name in same}) == 1, [group_key(name, kind) for name in same]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Alexander Petrov", "Alexei Petrov"),
        ("Yevgeny Vlasov", "Yekaterina Vlasova"),
        ("Kirov", "Kirovsk"),
        ("Yekaterina", "Yekaterinburg"),
    ],
)
def test_look_alikes_stay_apart(a: str, b: str) -> None:
    assert group_key(a, None) != group_key(b, None)


def test_a_group_key_gives_one_id_in_every_document() -> None:
    assert (
        proposed_id(group_key("Andrej Kurotchkin", None)) == proposed_id(group_key("Andrey Kurochkin", "person")) == "new-andrei-kurochkin"
    )


ISSUE_22_NAMES = "Джохар Царнаев и Вооружённые силы Российской Федерации. Российская Федерация ответила. Царнаев молчал."


def _proposed_ids(*documents: tuple[str, str]) -> dict[str, str]:
    """variant -> the id the name table proposes for it, of Russian documents (source, text)."""
    from pipeline.names.table import NameTable

    table = NameTable()
    for source, text in documents:
        records = [
            {"variant": found.text, "entity_id": found.entity_id, "canonical": found.canonical, "method": "discovered", "score": 0.0,
             "applied": False, "example": text, "type": found.kind, "reason": found.reason}
            for found in russian_names(text)
        ]  # fmt: skip
        table.add(source, records)
    return {row["variant"]: row["entity_id"] for row in table.rows()}


def test_proposed_ids_are_the_romanized_canonical_not_the_key() -> None:
    """Issue 22: "new-rosiskaia-federatsia", "new-zhohar-tsarnaev" lost letters to the comparison key."""
    ids = _proposed_ids(("a.txt", ISSUE_22_NAMES))
    assert ids["Российская Федерация"] == "new-russia"  # Russia's official long form (exonyms.txt): Russia's id
    assert ids["Джохар Царнаев"] == ids["Царнаев"] == "new-dzhokhar-tsarnayev"
    # The plural kept ("сила" was issue 22's too); named with Russia, they are Russia's (discovery.qualifiers).
    assert ids["Вооружённые силы России"] == "new-vooruzhyonnye-sily-rossii"
    # The same ids whatever order the documents come in.
    other = "Российская Федерация и Джохар Царнаев."
    assert _proposed_ids(("a.txt", ISSUE_22_NAMES), ("b.txt", other)) == _proposed_ids(("b.txt", other), ("a.txt", ISSUE_22_NAMES))


def test_two_groups_of_one_name_get_two_ids() -> None:
    from pipeline.names.grouping.keys import readable_id
    from pipeline.names.table import NameTable

    def record(variant: str, entity_id: str, kind: str) -> dict[str, object]:
        return {"variant": variant, "entity_id": entity_id, "canonical": "Sokol", "method": "discovered", "score": 0.0,
                "applied": False, "example": variant, "type": kind}  # fmt: skip

    # The village and the club: two types never join, and both are "Sokol".
    for order in ([0, 1], [1, 0]):
        documents = [("a", [record("Сокол", "new-sokol", "place")]), ("b", [record("«Сокол»", "new-sokol-club", "organisation")])]
        table = NameTable()
        for index in order:
            table.add(*documents[index])
        ids = {row["variant"]: row["entity_id"] for row in table.rows()}
        assert ids == {"Сокол": "new-sokol", "«Сокол»": "new-sokol-2"}  # in the order of their keys, not of the documents
    assert readable_id("Ivan Sidorov", "x", {"new-ivan-sidorov"}) == "new-ivan-sidorov-2"
    assert readable_id("Straße", "x") == "new-strasse" and readable_id("Müller", "x") == "new-muller"
    assert readable_id("ปูติน", "new-fallback") == "new-fallback"  # nothing Latin in it


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("date 2024-01-10\nThe volunteer Andrei Kurochkin drove aid to Yekaterinburg again this week.\n")
    (folder / "b.txt").write_text("date 2024-02-03\nA second trip: Andrej Kurotchkin said the roads to Ekaterinburg were closed.\n")
    (folder / "c.txt").write_text("date 2024-02-04\nВолонтёр Андрей Курочкин снова отвёз помощь в Екатеринбург на этой неделе.\n")
    return folder


def _run(tmp_path: Path, registry: Path, name: str = "disc", normalize: str = "") -> Path:
    """A run of tmp_path/raw, translation off; `normalize`: more keys of that section (", key: value")."""
    config = tmp_path / f"{name}.yaml"
    config.write_text(
        f"name: {name}\ninput: {tmp_path / 'raw'}\noutput: {tmp_path / 'out'}\n"
        f"translate: {{enabled: false}}\nnormalize: {{registry: {registry}{normalize}}}\n",
        encoding="utf-8",
    )
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp_path / "out" / name


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_run_proposes_groups_across_spellings_and_scripts_and_review_registers_them(tmp_path: Path) -> None:
    _corpus(tmp_path / "raw")
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    folder = _run(tmp_path, registry)
    rows = _rows(folder)
    group = {row["variant"]: row for row in rows if row["entity_id"] == "new-andrey-kurochkin"}
    assert set(group) == {"Andrei Kurochkin", "Andrej Kurotchkin", "Андрей Курочкин"}
    assert {row["status"] for row in group.values()} == {"new"}
    assert {row["canonical"] for row in group.values()} == {"Andrey Kurochkin"}  # the romanized Russian form
    assert {row["type"] for row in group.values()} == {"person"}
    city = {row["variant"] for row in rows if row["entity_id"] == "new-yekaterinburg"}
    assert city == {"Yekaterinburg", "Ekaterinburg", "Екатеринбург"}
    # every document lists its discovered names, with offsets into text_en_normalized
    documents = datasets.load_dataset(str(folder), split="train").to_list()
    english = next(d for d in documents if d["source"] == "b.txt")
    found = {(n["entity_id"], english["text_en_normalized"][n["start"] : n["end"]]) for n in english["names"]}
    assert ("new-andrey-kurochkin", "Andrej Kurotchkin") in found
    assert english["text_en_normalized"] == english["text_en"]  # proposals are not applied

    # The reviewer accepts the person (with its type), rejects the city group.
    table = tmp_path / "reviewed.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            if row["entity_id"] == "new-andrey-kurochkin":
                row["status"] = "accepted"
            elif row["entity_id"] == "new-yekaterinburg":
                row["status"] = "rejected"
            writer.writerow(row)
    result = run_in_process("names", "apply", str(table), "--registry", str(registry))
    assert result.returncode == 0, result.stderr
    entity = load_registry(registry).entities["andrey-kurochkin"]  # its id made from its canonical name
    assert (entity.canonical, entity.type, entity.native) == ("Andrey Kurochkin", "person", ("Андрей Курочкин",))
    assert set(entity.variants) == {"Andrei Kurochkin", "Andrej Kurotchkin"}

    again = _rows(_run(tmp_path, registry, "again"))
    assert {row["status"] for row in again if row["entity_id"] == "andrey-kurochkin"} == {"known"}
    # Rejected: not proposed again, under that id or any other the corpus gives the group now.
    assert not {row["variant"] for row in again if row["status"] == "new"} & {"Yekaterinburg", "Ekaterinburg", "Екатеринбург"}
    report = json.loads((tmp_path / "out" / "again" / "run_report.json").read_text())
    assert report["names"]["mentions_applied"] >= 2


def test_names_csv_says_why_each_spelling_is_in_its_group_and_names_apply_ignores_it(tmp_path: Path) -> None:
    from pipeline.names.registry.review import apply_review
    from pipeline.names.table.spreadsheet import read_table, write_table

    raw = _corpus(tmp_path / "raw")
    (raw / "d.txt").write_text(
        "date 2024-03-01\nThe Federal Security Service (FSB) questioned Andrei Kurochkin. Later Kurochkin said the FSB kept his phone.\n"
    )
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    folder = _run(tmp_path, registry)
    columns, rows = read_table(folder / "names.csv")
    assert columns[-1] == "reason"
    reasons = {row["variant"]: (row["entity_id"], row["reason"]) for row in rows if row["status"] == "new"}
    assert reasons["Kurochkin"] == ("new-andrey-kurochkin", "same article full form")
    assert reasons["Андрей Курочкин"] == ("new-andrey-kurochkin", "transliteration key")
    assert reasons["FSB"] == (reasons["Federal Security Service"][0], "acronym defined in d.txt")
    assert all(row["reason"] for row in rows)
    names = datasets.load_dataset(str(folder), "names", split="train").to_list()
    assert {(row["variant"], row["reason"]) for row in names} == {(row["variant"], row["reason"]) for row in rows}

    # A reviewer accepts the person; whether the reasons were edited too makes no difference.
    accepted = [{**row, "status": "accepted"} if row["entity_id"] == "new-andrey-kurochkin" else row for row in rows]
    results = []
    for edit in ("", "my own note"):
        table, target = tmp_path / f"reviewed{len(results)}.csv", tmp_path / f"names{len(results)}.yaml"
        shutil.copy(REGISTRY, target)
        write_table(table, columns, [{**row, "reason": edit or row["reason"]} for row in accepted])
        results.append((apply_review(table, target), target.read_bytes()))
    assert results[0] == results[1] and results[0][0]["accepted"] == 4


def test_an_accepted_group_without_a_type_is_refused_with_its_line(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    before = registry.read_bytes()
    table = tmp_path / "t.csv"
    table.write_text(
        "variant,canonical,entity_id,method,score,count,documents,example,status,type\n"
        "Foo Barov,Foo Barov,new-foo-barov,discovered,0,1,1,x,accepted,\n",
        encoding="utf-8",
    )
    from pipeline.names.registry import RegistryError
    from pipeline.names.registry.review import apply_review

    with pytest.raises(RegistryError, match=r"t.csv:2: new entity 'new-foo-barov': set type"):
        apply_review(table, registry)
    assert registry.read_bytes() == before


def _discovered(variant: str, entity_id: str, kind: str | None = None, document: str = "d") -> tuple[str, list[dict]]:
    return document, [
        {"variant": variant, "entity_id": entity_id, "canonical": variant, "method": "discovered", "score": 0.0,
         "applied": False, "example": variant, "type": kind}
    ]  # fmt: skip


def test_the_name_table_merges_groups_across_the_corpus_but_not_look_alikes() -> None:
    from pipeline.names.table import NameTable

    table = NameTable()
    for variant, entity_id, kind in [
        ("Leonid Gosman", "new-leonid-gosman", "person"),
        ("Gosman", "new-gosman", None),  # the surname alone: the one proposed person with it
        ("Edit Lessom", "new-edit-lesom", None),
        ("Edit Lesum", "new-edit-lesum", None),  # one spelling habit apart
        ("Kirov", "new-kirov", "place"),
        ("Kirovsk", "new-kirovsk", "place"),  # another place
        ("Alexander Petrov", "new-aleksandr-petrov", "person"),
        ("Alexei Petrov", "new-aleksei-petrov", "person"),  # another person
        ("Petrov", "new-petrov", None),  # two people fit: stays alone
    ]:
        table.add(*_discovered(variant, entity_id, kind))
    groups: dict[str, set[str]] = {}
    for row in table.rows():
        groups.setdefault(row["entity_id"], set()).add(row["variant"])
    assert sorted(groups.values(), key=sorted) == [{"Edit Lessom", "Edit Lesum"}, {"Leonid Gosman", "Gosman"}]
    assert "new-leonid-gosman" in groups  # a merged group takes its fullest name's id


def test_without_any_registry_a_run_still_finds_and_groups_names(tmp_path: Path) -> None:
    _corpus(tmp_path / "raw")
    rows = _rows(_run(tmp_path, Path("null")))  # `registry: null`
    assert {row["variant"] for row in rows if row["entity_id"] == "new-andrey-kurochkin"} == {
        "Andrei Kurochkin",
        "Andrej Kurotchkin",
        "Андрей Курочкин",
    }
    assert {row["status"] for row in rows} == {"new"}


def _merged(names: list[str]) -> list[set[str]]:
    from pipeline.names.grouping.corpus import merge_ids, patronymic_units

    units = patronymic_units([(name, proposed_id(group_key(name, "person")), "person") for name in names])
    roots = merge_ids({unit: "person" for unit in units})
    groups: dict[str, set[str]] = {}
    for name, unit in zip(names, units):
        groups.setdefault(roots[unit], set()).add(name)
    return sorted(groups.values(), key=sorted)


def test_the_table_joins_one_persons_spellings_across_given_name_and_surname_habits() -> None:
    same = [
        ["Alimzhan Tokhtakhunov", "Alimzhon Tokhtakhunov", "Alimjan Takhtakhunov", "Alimzan Tokhtakhounov"],
        ["Andrey Dolgopolov", "Andriy Dolhopolov"],
        ["Nikolai Trushchalov", "Nikolaj Truschalov"],
        ["Akhmed Chatayev", "Achmed Tschatajev", "Ahmed Chataev"],
        ["Zakhar Kalashov", "Zakhary Kalashov", "Zacharias Kalashov"],
        ["Arkady Rotenberg", "Arkadiy Rotenberh"],  # Ukrainian h for g
        ["Andrei Tiourine", "Andrey Tyurin"],  # French -ou-, -ine
    ]
    for names in same:
        assert _merged(names) == [set(names)], names


def test_the_table_keeps_other_given_names_and_other_fathers_apart() -> None:
    assert len(_merged(["Alexander Petrov", "Alexei Petrov", "A. Petrov", "Aleksandr Petrov"])) == 3  # "A." could be either
    assert _merged(["Andrey Grigoryevich Guryev", "Andrei Grigorievich Guriev", "Andrey Andreevich Guryev", "Andrey Guryev"]) == [
        {"Andrey Grigoryevich Guryev", "Andrei Grigorievich Guriev"},
        {"Andrey Andreevich Guryev"},
        {"Andrey Guryev"},  # father or son: left alone
    ]
    assert len(_merged(["Yevgeny Vlasov", "Yekaterina Vlasova"])) == 2
    assert len(_merged(["Natan Viner", "Anton Viner"])) == 2


def test_romanized_russian_places_take_their_english_exonym() -> None:
    assert group_key("Moskva", None) == group_key("Moscow", None) == "n mostsov"
    assert proposed_id(group_key("Moskva", None)) == "new-moscow"  # the exonym reads better than its key
    assert proposed_id(group_key("Sankt-Peterburg", "place")) == "new-saint-petersburg"
    assert group_key("Sankt-Peterburg", None) == group_key("St. Petersburg", None) == group_key("Saint Petersburg", None)
    assert group_key("Tyva", "place") == group_key("Tuva", "place")
    assert group_key("Tuvalu", None) != group_key("Tuva", None)
    assert [(d.text, d.canonical) for d in russian_names("Он уехал из Москвы в Санкт-Петербург.")] == [
        ("Москва", "Moscow"),
        ("Санкт-Петербург", "Saint Petersburg"),
    ]


def test_spans_keep_soft_sign_apostrophes_quoted_names_and_a_mid_sentence_the() -> None:
    spans = [d.text for d in english_names("An appeal on the Put' Domoj channel; the \"Put' domoi\" channel. He told The Moscow Times.")]
    assert spans == ["Put' Domoj", "Put' domoi", "The Moscow Times"]
    assert group_key("The Moscow Times", None) == group_key("Moscow Times", None)
    assert [d.text for d in english_names('She said "Thank you" and the Russians\' Army left.')] == ["Army"]


def _merged_places(names: list[str]) -> list[set[str]]:
    from pipeline.names.grouping.corpus import merge_ids

    ids = {name: proposed_id(group_key(name, None)) for name in names}
    roots = merge_ids({group_id: None for group_id in ids.values()})
    groups: dict[str, set[str]] = {}
    for name, group_id in ids.items():
        groups.setdefault(roots[group_id], set()).add(name)
    return sorted(groups.values(), key=sorted)


def test_machine_translated_spellings_join_by_sound_but_look_alikes_stay_apart() -> None:
    assert _merged_places(["Put' Domoi", "Bute Domoy", "Bout Domoy", "Bot Domoy"]) == [
        {"Put' Domoi", "Bute Domoy", "Bout Domoy", "Bot Domoy"}
    ]
    assert _merged_places(["Idite Lesom", "Edit Lessom", "Edity Lessom"]) == [{"Idite Lesom", "Edit Lessom", "Edity Lessom"}]
    for a, b in [
        ("Kirov", "Kirovsk"),
        ("Vlasov", "Vlasova"),
        ("Bobrinsky", "Bobrinskaya"),
        ("Yekaterina", "Yekaterinburg"),
        ("Tuva", "Tuvalu"),
        ("Putin", "Put' Domoi"),
    ]:
        assert len(_merged_places([a, b])) == 2, (a, b)


_SPELLINGS = ["Andrei Kurochkin", "Andrej Kurotchkin", "Moskva", "Moscow", "Kiev", "Edit Lessom", "Vladimir Putin", "Grigori Sverdlyn"]
_FILLER = ["the volunteer", "said on Monday that", "drove to", "and", "met", "in", "again", "wrote about"]


def _normalized(text_en: str, source: str = "", apply_proposals: bool = True) -> Document:
    """One document through the normalize stage, then its proposed names through the name table
    and regroup_mentions, as publishing applies them."""
    from pipeline.config import NormalizeConfig
    from pipeline.names.stage import Normalize
    from pipeline.names.table import NameTable, regroup_mentions
    from pipeline.schema import NameMention

    stage = Normalize(NormalizeConfig(apply_proposals=apply_proposals), load_registry(REGISTRY))
    paragraphs = [Paragraph(source, "ru")] if source else []
    document = stage.normalize_document(Document(id="d", source="s", text=source, paragraphs=paragraphs, text_en=text_en))
    table = NameTable()
    table.add(document.id, document.name_records)
    names = [name for name in document.to_row()["names"] if name["field"] == "text_en"]  # the source's are not rewritten
    text, names = regroup_mentions(document.text_en_normalized, names, table, apply_proposals)
    document.text_en_normalized, document.names = text, [NameMention(**name) for name in names]
    return document


def _put_back(document: Document) -> str:
    """text_en_normalized with every replaced name put back as it was written."""
    out, position = [], 0
    for name in sorted(document.names, key=lambda n: n.start):
        out.append(document.text_en_normalized[position : name.start])
        written = document.text_en_normalized[name.start : name.end]
        assert written in (name.canonical, name.variant), (written, name)
        out.append(name.variant)
        position = name.end
    return "".join(out) + document.text_en_normalized[position:]


def test_apply_proposals_replaces_proposed_spellings_by_the_groups_canonical() -> None:
    text = "The volunteer Andrei Kurochkin drove to Moskva. Later Andrej Kurotchkin said Grigori Sverdlyn was in Kiev."
    source = "Волонтёр Андрей Курочкин снова поехал в Москву."
    document = _normalized(text, source)
    assert document.text_en_normalized == (
        "The volunteer Andrey Kurochkin drove to Moscow. Later Andrey Kurochkin said Grigory Sverdlin was in Kyiv."
    )
    assert _put_back(document) == text
    assert _normalized(text, source, apply_proposals=False).text_en_normalized == (
        "The volunteer Andrei Kurochkin drove to Moskva. Later Andrej Kurotchkin said Grigory Sverdlin was in Kiev."
    )  # off (the default): registered names only


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_FILLER), st.sampled_from(_SPELLINGS)), min_size=1, max_size=8), st.booleans())
def test_with_apply_proposals_only_name_spellings_change(parts: list[tuple[str, str]], russian: bool) -> None:
    text = "Then " + " ".join(f"{filler} {name}," for filler, name in parts) + " the end."
    document = _normalized(text, "Андрей Курочкин уехал из Москвы." if russian else "")
    assert _put_back(document) == text
    assert "Moskva" not in document.text_en_normalized and "Kiev" not in document.text_en_normalized
    for name in document.names:
        assert document.text_en_normalized[name.start : name.end] in (name.canonical, name.variant)


def test_a_patronymic_in_the_surname_slot_and_jr_do_not_make_another_person() -> None:
    assert group_key("ANATOLYEVICH, Vorobyov Stanislav", "person") == group_key("VOROBYEV, Stanislav", "person")
    assert group_key("IVANOV JR., Sergey", "person") == group_key("IVANOV, Sergei", "person")
    assert group_key("GHAZOGHLI, Fadi Ferzanda", "person") == group_key("GHAZOGHLI, Fadi", "person")  # -ogly: a surname here


def test_the_name_table_proposes_two_fathers_sons_as_two_people() -> None:
    from pipeline.names.table import NameTable

    table = NameTable()
    for variant in ["Andrey Grigoryevich Guryev", "Andrei Grigorievich Guriev", "Andrey Andreevich Guryev", "Andrei Andreevich Gurev"]:
        table.add(*_discovered(variant, proposed_id(group_key(variant, "person")), "person"))
    groups: dict[str, set[str]] = {}
    for row in table.rows():
        groups.setdefault(row["entity_id"], set()).add(row["variant"])
    assert groups == {
        "new-andrei-andreevich-gurev": {"Andrey Andreevich Guryev", "Andrei Andreevich Gurev"},
        "new-andrei-grigorievich-guriev": {"Andrey Grigoryevich Guryev", "Andrei Grigorievich Guriev"},
    }


def _regroup_corpus(raw: Path) -> None:
    raw.mkdir(parents=True)
    (raw / "a.txt").write_text(
        "Reporters met Andrei Kurochkin in Perm on Monday.\n\nOn Tuesday Andrei Kurochkin drove home again.\n", encoding="utf-8"
    )
    (raw / "b.txt").write_text("A week later Andrej Kurotchkin wrote to the volunteers from Perm.\n", encoding="utf-8")
    (raw / "c.txt").write_text("The volunteers said that Kurochkin had left the city.\n", encoding="utf-8")
    (raw / "d.txt").write_text("Nobody in Perm had heard of Andrei Kurochkin before the spring.\n", encoding="utf-8")


@pytest.mark.parametrize("apply_proposals", [False, True])
def test_published_mentions_follow_the_corpus_groups_of_the_name_table(tmp_path: Path, apply_proposals: bool) -> None:
    """Per-document keys cannot see corpus-level merges (a surname alone joins the one person
    with it; the canonical is the corpus's most frequent spelling): the published `names`
    column takes the ids of names.csv, and applied proposals one canonical across documents."""
    _regroup_corpus(tmp_path / "raw")
    folder = _run(tmp_path, Path("null"), "ds", f", apply_proposals: {str(apply_proposals).lower()}")
    rows = [row for row in _rows(folder) if row["status"] == "new"]
    ids = {row["variant"]: row["entity_id"] for row in rows}
    canonical = {row["variant"]: row["canonical"] for row in rows}
    assert ids["Andrej Kurotchkin"] == ids["Andrei Kurochkin"] == ids["Kurochkin"]
    assert set(canonical.values()) == {"Andrei Kurochkin"}  # the most frequent spelling: no Russian form here

    documents = {d["source"]: d for d in datasets.load_dataset(str(folder), split="train").to_list()}
    for document in documents.values():
        names = sorted(document["names"], key=lambda name: name["start"])
        for name in names:
            if name["variant"] in ids:
                assert (name["entity_id"], name["canonical"]) == (ids[name["variant"]], canonical[name["variant"]])
        # Only name spellings change: put every mention's spelling back and the text is text_en.
        pieces, position, text = [], 0, document["text_en_normalized"]
        for name in names:
            written = text[name["start"] : name["end"]]
            assert written == (name["canonical"] if apply_proposals and name["variant"] in ids else name["variant"])
            pieces += [text[position : name["start"]], name["variant"]]
            position = name["end"]
        assert "".join(pieces) + text[position:] == document["text_en"]
    person = ids["Kurochkin"]
    assert person in {name["entity_id"] for name in documents["c.txt"]["names"]}
    b = documents["b.txt"]["text_en_normalized"]
    assert ("Andrei Kurochkin" in b and "Andrej" not in b) if apply_proposals else ("Andrej Kurotchkin" in b)


def test_a_proposed_place_without_a_russian_form_takes_its_english_exonym() -> None:
    from pipeline.names.table import NameTable

    table = NameTable()
    for document, variant in [("a", "Moskva"), ("b", "Moskva"), ("c", "Moscow")]:
        table.add(*_discovered(variant, proposed_id(group_key(variant, "place")), "place", document))
    assert {(row["variant"], row["canonical"]) for row in table.rows()} == {("Moskva", "Moscow"), ("Moscow", "Moscow")}
    assert table.corpus_group("Moskva", proposed_id(group_key("Moskva", "place")))[1] == "Moscow"  # type: ignore[index]


def test_a_word_repeated_by_a_stuck_translation_is_no_name() -> None:
    text = "The model wrote Ве Ве Ве and On On On before Andrei Kurochkin arrived."
    assert [name.text for name in english_names(text)] == ["Andrei Kurochkin"]
