"""Normalization: romanisation alternations, negatives, longest match, offsets, name table."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import NormalizeConfig
from pipeline.name_matching import NameIndex, find_mentions, fold
from pipeline.name_table import NameTable
from pipeline.names import load_registry
from pipeline.schema import Document, Paragraph
from pipeline.stages.normalize import Normalize
from tests.conftest import REGISTRY

REG = load_registry(REGISTRY)
INDEX = NameIndex(REG.entities.values(), REG.rejected)


def applied(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.entity.id) for m in find_mentions(text, INDEX, 0.92, 0.8) if m.applied]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Put' Domoj", "Put Domoi"),  # j / i, apostrophe marks
        ("Sergei", "Sergey"),
        ("Sergej", "Sergei"),  # ei / ey / ej
        ("Grigory", "Grigorii"),
        ("Grigoriy", "Grigory"),  # y / ii / iy
        ("Andreyeva", "Andreeva"),
        ("Solovyov", "Soloviev"),
        ("Vernyom", "Vernem"),  # e / ye / yo / io
        ("Khristoforov", "Hristoforov"),  # kh / h
        ("Tsukanova", "Cukanova"),
        ("Tzukanova", "Tsukanova"),  # ts / tz / c
        ("Zhukov", "Жуков"),  # zh / ж
        ("Shchukin", "Щукин"),
        ("Khrushchev", "Хрущёв"),  # shch / schtsch
        ("Swerdlin", "Sverdlin"),  # w / v
        ("Lessom", "Lesom"),  # doubled letters
        ("Navalny", "Navalnyy"),
        ("Put’ Domoi", "Putʹ Domoi"),  # y / yy, soft sign marks
        ("Aleksandra", "Alexandra"),  # ks / x
        ("Путь домой", "Put' Domoi"),  # Cyrillic romanised
    ],
)
def test_romanisation_alternations_share_a_key(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_known_variants_ignore_case_apostrophes_hyphens_and_spacing() -> None:
    text = "PUT DOMOI, put’ domoj, Idite-Lesom and Idite   Lesom met the Council of Mothers & Wives."
    assert applied(text) == [
        ("PUT DOMOI", "put-domoi"),
        ("put’ domoj", "put-domoi"),
        ("Idite-Lesom", "idite-lesom"),
        ("Idite   Lesom", "idite-lesom"),
        ("Council of Mothers & Wives", "council-of-mothers-and-wives"),
    ]


def test_every_seed_variant_resolves_to_its_entity() -> None:
    seeds = {
        "put-domoi": ["Put' Domoi", "Put' Domoj", "Put' domoi", "Bute Domoy", "Bout Domoy", "Bot Domoy"],
        "idite-lesom": ["Idite Lesom", "Idyte Lesom", "Idite lesom", "Edit Lesum", "Edity Lessom", "Edit Lessom", "Edit Lysum"],
        "grigory-sverdlin": ["Grigory Sverdlin", "Gregory Swerdlin"],
        "citizen-army-law": ["Grazdanin, Armia, Bravo"],
        "vernyom-rebyat": ["Vernyom Rebyat"],
        "mozhem-obyasnit": ["Mozhem Oblyasnit"],
        "dagestan": ["Daghestan"],
    }
    for entity_id, variants in seeds.items():
        for variant in variants:
            assert applied(f"Reports said {variant} was there.") == [(variant, entity_id)], variant


def test_unknown_spellings_found_by_transliteration() -> None:
    text = "Grigoriy Swerdlin and Sergej Kriwenko of Idyte Lessom met Olga Tsukanowa in Tchelyabinsk."
    assert applied(text) == [
        ("Grigoriy Swerdlin", "grigory-sverdlin"),
        ("Sergej Kriwenko", "sergei-krivenko"),
        ("Idyte Lessom", "idite-lesom"),
        ("Olga Tsukanowa", "olga-tsukanova"),
        ("Tchelyabinsk", "chelyabinsk"),
    ]


def test_different_entities_stay_apart() -> None:
    assert applied("Putin spoke.") == [("Putin", "vladimir-putin")]
    assert applied("They met in Sverdlovsk and flew to Tuvalu.") == []
    assert applied("Olga Katz and Olga Tsukanova") == [("Olga Katz", "olga-katz"), ("Olga Tsukanova", "olga-tsukanova")]
    assert applied("The Council of Europe said so.") == []
    assert applied("Aleksandr Sverdlin is somebody else.") == []
    pending = [m for m in find_mentions("They met in Sverdlovsk and Tuvalu.", INDEX, 0.92, 0.8)]
    assert pending == []


def test_longest_match_wins() -> None:
    assert applied("Free Buryatia said Buryatia suffers.") == [("Free Buryatia", "free-buryatia"), ("Buryatia", "buryatia")]


def test_person_with_patronymic_and_surname_only() -> None:
    assert applied("Vladimir Vladimirovich Putin") == [("Vladimir Vladimirovich Putin", "vladimir-putin")]
    assert applied("Navalny's Anti-Corruption Foundation") == [
        ("Navalny", "alexei-navalny"),
        ("Anti-Corruption Foundation", "anti-corruption-foundation"),
    ]


def test_normalized_text_and_offsets(tmp_path: Path) -> None:
    stage = Normalize(NormalizeConfig(registry=REGISTRY), REG)
    document = Document(
        id="d1",
        source="s",
        text="Участницы «Пути домой»",
        paragraphs=[Paragraph("x")],
        text_en="Members of Bute Domoy and Gregory Swerdlin met Putt Domoy.",
    )
    stage.normalize_document(document)
    assert document.text_en_normalized == "Members of Put' Domoi and Grigory Sverdlin met Put' Domoi."
    for name in document.names:
        assert document.text_en_normalized[name.start : name.end] == name.canonical
    assert [(n.variant, n.method) for n in document.names] == [
        ("Bute Domoy", "known-variant"),
        ("Gregory Swerdlin", "known-variant"),
        ("Putt Domoy", "transliteration"),
    ]
    names = NameTable()
    names.add(document.id, document.name_records)
    table = {(row["variant"], row["entity_id"]): row for row in names.rows()}
    assert table[("Putt Domoy", "put-domoi")]["status"] == "auto"
    assert table[("Bute Domoy", "put-domoi")]["status"] == "known"
    assert table[("Пути домой", "put-domoi")]["method"] == "known-variant"  # native form in the original
    assert "Putt Domoy" in table[("Putt Domoy", "put-domoi")]["example"]


def test_candidates_between_thresholds_are_pending_not_applied() -> None:
    mentions = find_mentions("Reporters from Mediasona came.", INDEX, 0.92, 0.8)
    assert [(m.text, m.entity.id, m.applied) for m in mentions] == [("Mediasona", "mediazona", False)]
    stage = Normalize(NormalizeConfig(registry=REGISTRY), REG)
    document = Document(id="d", source="s", text="", paragraphs=[], text_en="Reporters from Mediasona came.")
    stage.normalize_document(document)
    assert document.text_en_normalized == "Reporters from Mediasona came." and document.names == []
    names = NameTable()
    names.add(document.id, document.name_records)
    assert names.rows()[0]["status"] == "pending"
