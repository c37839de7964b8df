"""The registry: validation with line numbers, Russian inflected native forms, the review loop."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import NormalizeConfig
from pipeline.names import RegistryError, apply_review, load_registry
from pipeline.names.stage import Normalize
from pipeline.names.table import NameTable
from pipeline.schema import Document
from tests.conftest import RAW, REGISTRY, ROOT, run_in_process, write_config

REQUIRED = {
    "organisation": [
        "Put' Domoi",
        "Idite Lesom",
        "Council of Mothers and Wives",
        "Citizen. Army. Law",
        "Vernyom Rebyat",
        "Free Buryatia",
        "Combat Brotherhood",
        "Anti-Corruption Foundation",
    ],
    "person": [
        "Grigory Sverdlin",
        "Sergei Krivenko",
        "Olga Tsukanova",
        "Maria Andreeva",
        "Aleksandra Garmazhapova",
        "Olga Katz",
        "Vladimir Putin",
        "Sergei Shoigu",
        "Alexei Navalny",
        "Vladimir Solovyov",
        "Leonid Gosman",
        "Nikolai Bobrinsky",
        "Aleksei Tsydenov",
    ],
    "place": [
        "Buryatia",
        "Tyva",
        "Dagestan",
        "North Ossetia",
        "Ingushetia",
        "Chukotka",
        "Novosibirsk",
        "Krasnoyarsk",
        "Chelyabinsk",
        "Kemerovo",
        "Ulyanovsk",
        "Nizhnevartovsk",
        "Avdiivka",
        "Belgorod",
    ],
    "media": ["Mediazona", "Vyorstka", "IStories", "Mozhem Obyasnit", "Govorit NeMoskva", "7x7", "The Moscow Times"],
}


def test_registry_holds_the_required_entities() -> None:
    registry = load_registry(REGISTRY)
    by_type: dict[str, set[str]] = {}
    for entity in registry.entities.values():
        by_type.setdefault(entity.type, set()).add(entity.canonical)
    for kind, names in REQUIRED.items():
        assert set(names) <= by_type[kind], set(names) - by_type[kind]


@pytest.mark.parametrize(
    ("text", "entity_id"),
    [
        ("Участницы «Пути домой»", "put-domoi"),
        ("«Идите лесом»", "idite-lesom"),
        ("Совета матерей и жён", "council-of-mothers-and-wives"),
        ("Совету матерей и жен", "council-of-mothers-and-wives"),
        ("Григория Свердлина", "grigory-sverdlin"),
        ("Алексея Навального", "alexei-navalny"),
        ("в Бурятии", "buryatia"),
        ("กลุ่มปุต โดมอย", "put-domoi"),
    ],
)
def test_russian_inflected_and_thai_native_forms(text: str, entity_id: str) -> None:
    assert [m.entity.id for m in load_registry(REGISTRY).native_matcher.find(text)] == [entity_id]


def test_native_forms_do_not_swallow_other_words() -> None:
    text = "Путин сказал, что путь долгий, а Свердлина спросили."
    found = [(text[m.start : m.end], m.entity.id) for m in load_registry(REGISTRY).native_matcher.find(text)]
    assert found == [("Путин", "vladimir-putin"), ("Свердлина", "grigory-sverdlin")]  # surnames alone, "путь" is not Put' Domoi


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "names.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_validation_errors_name_the_line(tmp_path: Path) -> None:
    duplicate = "entities:\n  - id: a\n    canonical: A\n    type: place\n  - id: a\n    canonical: B\n    type: place\n"
    with pytest.raises(RegistryError, match=r"names.yaml:5: duplicate id 'a'"):
        load_registry(_write(tmp_path, duplicate))
    claimed = "entities:\n  - id: a\n    canonical: A\n    type: place\n    variants: [X]\n  - id: b\n    canonical: B\n    type: place\n    variants: [x]\n"
    with pytest.raises(RegistryError, match=r"names.yaml:6: 'x' of 'b' is already claimed by 'a' \(line 2\)"):
        load_registry(_write(tmp_path, claimed))
    empty = "entities:\n  - id: a\n    canonical: ''\n    type: place\n"
    with pytest.raises(RegistryError, match=r"names.yaml:2: entity 'a' has an empty canonical name"):
        load_registry(_write(tmp_path, empty))


def _run_names(registry: Path, text: str) -> dict[tuple[str, str], dict]:
    stage = Normalize(NormalizeConfig(registry=registry), load_registry(registry))
    document = stage.normalize_document(Document(id="d", source="s", text="", paragraphs=[], text_en=text))
    table = NameTable()
    table.add(document.id, document.name_records)
    return {(row["variant"], row["entity_id"]): row for row in table.rows()}


def _table(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "review.csv"
    path.write_text("variant,canonical,entity_id,method,score,count,documents,example,status\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_review_round_trip_accept_reject_reassign(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    text = "Putt Domoy said so. Bute Domoy agreed. Mediasona reported. Edit Lysum helped."
    before = _run_names(registry, text)
    assert before[("Putt Domoy", "put-domoi")]["method"] == "transliteration"
    assert before[("Mediasona", "mediazona")]["status"] == "pending"

    table = _table(
        tmp_path,
        [
            "Putt Domoy,Put' Domoi,put-domoi,transliteration,0.97,1,1,x,accepted",
            "Bute Domoy,Put' Domoi,put-domoi,known-variant,1,1,1,x,rejected",
            "Mediasona,Mediazona,mediazona,fuzzy,0.89,1,1,x,accepted",
            "Edit Lysum,Idite Lesom,put-domoi,known-variant,1,1,1,x,auto",
        ],
    )
    summary = apply_review(table, registry)
    assert summary == {"accepted": 2, "rejected": 1, "moved": 1, "unchanged": 0}
    after = _run_names(registry, text)
    assert after[("Putt Domoy", "put-domoi")]["method"] == "known-variant"  # accepted: exact next run
    assert ("Bute Domoy", "put-domoi") not in after  # rejected: gone next run
    assert after[("Mediasona", "mediazona")]["status"] == "known"  # pending, then accepted: a known spelling
    assert after[("Edit Lysum", "put-domoi")]["method"] == "known-variant"  # reassigned: moved
    assert ("Edit Lysum", "idite-lesom") not in after

    text_before = registry.read_text(encoding="utf-8")
    assert "# The canonical name registry." in text_before  # comments kept
    assert apply_review(table, registry) == {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": 4}
    assert registry.read_text(encoding="utf-8") == text_before  # applying twice changes nothing


def test_refused_tables_write_nothing(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    original = registry.read_text(encoding="utf-8")
    bad_entity = _table(
        tmp_path, ["Putt Domoy,Put' Domoi,put-domoi,fuzzy,0.9,1,1,x,accepted", "Foo,Foo,no-such-entity,fuzzy,0.9,1,1,x,accepted"]
    )
    with pytest.raises(RegistryError) as refused:
        apply_review(bad_entity, registry)
    assert str(refused.value) == f"{bad_entity}:3: unknown entity_id 'no-such-entity': add the entity to the registry ({registry}) first"
    bad_status = _table(tmp_path, ["Putt Domoy,Put' Domoi,put-domoi,fuzzy,0.9,1,1,x,maybe"])
    with pytest.raises(RegistryError, match=r"review.csv:2: unknown status 'maybe'"):
        apply_review(bad_status, registry)
    assert registry.read_text(encoding="utf-8") == original
    result = run_in_process("names", "apply", str(bad_status), "--registry", str(registry))
    assert result.returncode == 2 and "unknown status" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_tables_saved_with_semicolons_or_tabs_are_read(tmp_path: Path, delimiter: str) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    rows = [
        "Putt Domoy,Put' Domoi,put-domoi,transliteration,0.97,1,1,x,accepted",
        "Mediasona,Mediazona,mediazona,fuzzy,0.89,1,1,x,rejected",
    ]
    table = _table(tmp_path, rows)
    table.write_text(table.read_text(encoding="utf-8").replace(",", delimiter), encoding="utf-8")
    assert apply_review(table, registry) == {"accepted": 1, "rejected": 1, "moved": 0, "unchanged": 0}
    assert "Putt Domoy" in load_registry(registry).entities["put-domoi"].variants


def test_entity_ids_match_whatever_their_case_when_only_one_fits(tmp_path: Path) -> None:
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    table = _table(tmp_path, ["Putt Domoy,Put' Domoi,Put-Domoi,transliteration,0.97,1,1,x,Accepted"])
    assert apply_review(table, registry) == {"accepted": 1, "rejected": 0, "moved": 0, "unchanged": 0}
    assert "Putt Domoy" in load_registry(registry).entities["put-domoi"].variants  # the registry's id, not the table's

    two = tmp_path / "two.yaml"
    two.write_text(
        "entities:\n  - id: ab\n    canonical: A\n    type: place\n  - id: AB\n    canonical: B\n    type: place\n", encoding="utf-8"
    )
    table = _table(tmp_path, ["Ay,A,Ab,fuzzy,0.9,1,1,x,accepted", "Bee,B,AB,fuzzy,0.9,1,1,x,accepted"])
    with pytest.raises(RegistryError, match=r"review.csv:2: entity_id 'Ab' could be any of AB, ab: write it exactly"):
        apply_review(table, two)


def _names_apply_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline names apply ...` run from `folder`."""
    return run_in_process("names", "apply", *args, cwd=folder)


def test_names_apply_in_the_dataset_folder_updates_the_runs_registry(tmp_path: Path) -> None:
    registry = tmp_path / "registry" / "names.yaml"
    registry.parent.mkdir()
    shutil.copy(REGISTRY, registry)
    project_registry = REGISTRY.read_bytes()
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("Putt Domoy and Mediasona reported that the wives met again on Saturday.\n", encoding="utf-8")
    config = write_config(
        tmp_path / "c.yaml",
        f"name: ds\ninput: {raw}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {registry}\n",
    )
    assert run_in_process("run", str(config), "--quiet").returncode == 0
    folder = tmp_path / "out" / "ds"
    # Recorded relative to the dataset folder: no local path in a published report.
    assert json.loads((folder / "run_report.json").read_text())["names"]["registry"] == "../../registry/names.yaml"

    with (folder / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = [(row["variant"], row["entity_id"]) for row in rows if row["status"] in ("auto", "pending")]
    assert found
    with (folder / "names.csv").open("w", encoding="utf-8", newline="") as handle:  # the reviewer accepts them all
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "status": "accepted"} for row in rows)

    result = _names_apply_in(folder, "names.csv")  # as the dataset card says
    assert result.returncode == 0, result.stderr
    assert f"registry: {registry.resolve()} (the run's, from run_report.json)" in result.stderr
    assert applied_counts(result.stdout)["accepted"] == len(found)
    assert result.stdout.splitlines()[-1] == f"registry written: {registry.resolve()}"
    entities = load_registry(registry).entities
    assert all(variant in entities[entity_id].variants for variant, entity_id in found)
    assert REGISTRY.read_bytes() == project_registry


def applied_counts(stdout: str) -> dict[str, int]:
    """The short table `names apply` prints: one `what  count` line each, then where it wrote."""
    return {what: int(count) for what, count in (line.rsplit(None, 1) for line in stdout.splitlines()[:-1])}


def test_names_apply_without_a_run_report_uses_the_default_registry(tmp_path: Path) -> None:
    table = _table(tmp_path, ["Putt Domoy,Put' Domoi,put-domoi,transliteration,0.97,1,1,x,accepted"])
    result = _names_apply_in(tmp_path, table.name)  # no configs/names.yaml here: nothing can be written
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no registry: " in result.stderr and "there is no configs/names.yaml here; pass --registry FILE" in result.stderr
    (tmp_path / "configs").mkdir()
    shutil.copy(REGISTRY, tmp_path / "configs" / "names.yaml")
    result = _names_apply_in(tmp_path, table.name)
    assert result.returncode == 0 and "registry: configs/names.yaml (the default" in result.stderr
    assert applied_counts(result.stdout) == {"accepted": 1, "rejected": 0, "moved": 0, "unchanged": 0}


def test_a_run_without_a_registry_never_reviews_into_another(tmp_path: Path) -> None:
    """normalize.registry: null: `names apply` and `review` refuse to fall back to the
    configs/names.yaml of the current folder, and --registry new.yaml starts a registry."""
    folder = tmp_path / "ds"
    folder.mkdir()
    shutil.copy(_table(tmp_path, ["Putt Domoy,Put Domoy,new-put-domoy,discovered,0.0,1,1,x,new"]), folder / "names.csv")
    (folder / "run_report.json").write_text(json.dumps({"names": {"registry": None}}), encoding="utf-8")
    (tmp_path / "configs").mkdir()
    project = tmp_path / "configs" / "names.yaml"
    shutil.copy(REGISTRY, project)
    applied = _names_apply_in(tmp_path, "ds/names.csv")
    # `review` in a process of its own: were it to start serving, the timeout would end it.
    reviewed = subprocess.run(
        [sys.executable, "-m", "pipeline", "review", "ds", "--port", "0"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    for result in (applied, reviewed):
        assert result.returncode == 2, result.stderr
        assert "used no registry (normalize.registry: null): pass --registry FILE" in result.stderr
    assert project.read_bytes() == REGISTRY.read_bytes()
    result = _names_apply_in(tmp_path, "ds/names.csv", "--registry", "new.yaml")
    assert result.returncode == 0, result.stderr
    assert "(--registry, created empty)" in result.stderr
    assert load_registry(tmp_path / "new.yaml").entities == {}
    assert _names_apply_in(tmp_path, "ds/names.csv", "--registry", "no/such/folder.yaml").returncode == 2


def test_the_sample_data_gives_the_review_loop_pending_rows(tmp_path: Path) -> None:
    from pipeline.config import load_config
    from pipeline.run import run_pipeline

    config = write_config(
        tmp_path / "c.yaml",
        f"name: sample\ninput: {RAW}\noutput: {tmp_path / 'out'}\nquiet: true\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    folder = run_pipeline(load_config(config)).output
    with (folder / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        pending = [row["variant"] for row in csv.DictReader(handle) if row["status"] == "pending"]
    misspelt = (RAW / "en" / "regional_spellings.txt").read_text(encoding="utf-8")  # written for this
    assert any(variant in misspelt for variant in pending), pending


@pytest.mark.parametrize("text", ["entities: []\n", "# nothing registered yet\nentities:\n", "entities: []\nrejected: []\n"])
def test_an_empty_registry_is_valid(tmp_path: Path, text: str) -> None:
    registry = load_registry(write_config(tmp_path / "names.yaml", text))
    assert registry.entities == {} and registry.rejected == set()


@pytest.mark.parametrize("text", ["", "entity: []\n", "entities: {}\n", "- id: x\n"])
def test_a_registry_without_an_entities_list_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(RegistryError, match=r"names\.yaml: must be a mapping with an 'entities' list \(`entities: \[\]`"):
        load_registry(write_config(tmp_path / "names.yaml", text))


def test_a_run_with_an_empty_registry_publishes_and_its_table_applies(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    from pipeline.config import load_config
    from pipeline.run import run_pipeline
    from tests.conftest import tiny_config

    registry = write_config(tmp_path / "names.yaml", "entities: []\n")
    raw = tmp_path / "raw"
    raw.mkdir()
    for source in ("ru/idite_lesom.md", "th/bute_domoy.txt", "en/put_domoi_petition.txt"):
        (raw / Path(source).name).write_bytes((RAW / source).read_bytes())
    config = tiny_config(
        tmp_path / "c.yaml", tiny_models, input=raw, output=tmp_path / "out", quiet=True, normalize={"registry": str(registry)}
    )
    result = run_pipeline(load_config(config))
    assert result.report["documents"]["published"] == 3
    rows = result.report["names"]["table_rows"]  # only proposals: nothing is registered
    assert apply_review(result.output / "names.csv", registry) == {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": rows}
    assert registry.read_text(encoding="utf-8") == "entities: []\n"


# --- the name table: counts, documents, best score ----------------------------------------------


def _name_record(variant: str, score: float = 0.97, method: str = "transliteration") -> dict:
    return {
        "variant": variant,
        "entity_id": "put-domoi",
        "canonical": "Put' Domoi",
        "method": method,
        "score": score,
        "applied": True,
        "example": f"… {variant} …",
    }


def test_name_table_counts_mentions_and_documents_apart() -> None:
    table = NameTable()
    table.add("doc-1", [_name_record("Putt Domoy"), _name_record("Putt Domoy"), _name_record("Putt Domoy")])
    table.add("doc-2", [_name_record("PUTT DOMOY")])  # the same spelling: one row
    table.add("doc-3", [_name_record("Putt Domoy"), _name_record("Bute Domoy", 1.0, "known-variant")])
    rows = {row["variant"]: row for row in table.rows()}
    assert set(rows) == {"Putt Domoy", "Bute Domoy"}
    assert (rows["Putt Domoy"]["count"], rows["Putt Domoy"]["documents"]) == (5, 3)
    assert (rows["Bute Domoy"]["count"], rows["Bute Domoy"]["documents"]) == (1, 1)
    assert [row["variant"] for row in table.rows()] == ["Putt Domoy", "Bute Domoy"]  # most frequent first


def test_name_table_keeps_the_best_score_of_a_spelling() -> None:
    table = NameTable()
    table.add("doc-1", [_name_record("Putt Domoy", 0.85)])
    table.add("doc-2", [_name_record("Putt Domoy", 0.9712)])
    table.add("doc-3", [_name_record("Putt Domoy", 0.9)])
    [row] = table.rows()
    assert row["score"] == 0.9712  # neither the first score nor the last
    assert row["example"] == "… Putt Domoy …" and row["count"] == 3 and row["documents"] == 3


# --- Thai native forms: written with or without the space between words -----------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("องค์กรอีดิเต เลซอม ระบุว่า", [("อีดิเต เลซอม", "idite-lesom")]),  # as registered
        ("องค์กรอีดิเตเลซอมระบุว่า", [("อีดิเตเลซอม", "idite-lesom")]),  # no space, as Thai mostly writes
        ("องค์กรอีดิเต   เลซอม ระบุว่า", [("อีดิเต   เลซอม", "idite-lesom")]),  # several spaces
        ("โดยกริกอรี\u00a0สแวร์ดลิน", [("กริกอรี\u00a0สแวร์ดลิน", "grigory-sverdlin")]),  # a no-break space
        (
            "องค์กรอีดิเตเลซอมซึ่งก่อตั้งโดยกริกอรีสแวร์ดลินระบุว่า",
            [("อีดิเตเลซอม", "idite-lesom"), ("กริกอรีสแวร์ดลิน", "grigory-sverdlin")],
        ),
    ],
)
def test_thai_native_forms_match_whatever_the_spacing(text: str, found: list[tuple[str, str]]) -> None:
    matches = load_registry(REGISTRY).native_matcher.find(text)
    assert [(text[m.start : m.end], m.entity.id, m.sure) for m in matches] == [(variant, entity, True) for variant, entity in found]


# --- a rejected native form is never recorded as the entity ------------------------------------


def test_a_rejected_native_form_is_not_recorded() -> None:
    from pipeline.names import Registry, variant_key

    registry = load_registry(REGISTRY)
    rejecting = Registry(entities=registry.entities, rejected={(variant_key("Пути домой"), "put-domoi")}, path=None)
    text = "Участницы «Пути домой» и «Идите лесом» пришли."
    for reg, expected in (
        (registry, [("Пути домой", "put-domoi"), ("Идите лесом", "idite-lesom")]),
        (rejecting, [("Идите лесом", "idite-lesom")]),
    ):
        stage = Normalize(NormalizeConfig(registry=REGISTRY), reg)
        document = stage.normalize_document(Document(id="d", source="s", text=text, paragraphs=[], text_en="They came."))
        registered = [(r["variant"], r["entity_id"]) for r in document.name_records if r["entity_id"] in registry.entities]
        assert registered == expected
        assert stage.counters["native_forms"] == len(expected)


@pytest.mark.parametrize(
    ("cell", "encoding"),
    [
        ("Médiazona, Put’ Domoï", "cp1252"),
        ("Große Straße, École", "cp1252"),
        ("Совет матерей и жён", "cp1251"),
        ("Ёлка", "cp1251"),
        ("Эхо Москвы", "cp1251"),
        ("ปุต โดมอย", "cp874"),
        ("กรุงเทพ", "cp874"),
    ],
)
def test_a_short_table_saved_in_a_legacy_code_page_reads_back(tmp_path: Path, cell: str, encoding: str) -> None:
    """A spreadsheet's save in its locale's code page: a few words are enough to read it right
    (a statistical detector reads "Совет матерей" in Windows-1251 as Windows-1252's "Ñîâåò ìàòåðåé")."""
    from pipeline.names.table.spreadsheet import read_table

    table = tmp_path / "names.csv"
    table.write_bytes(f'variant;status\n"{cell}";accepted\nPut Damoi;accepted\n'.encode(encoding))
    assert read_table(table) == (
        ["variant", "status"],
        [{"variant": cell, "status": "accepted"}, {"variant": "Put Damoi", "status": "accepted"}],
    )


def test_the_registry_lock_file_is_not_something_to_commit() -> None:
    from pipeline.names.registry.edits import registry_lock

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    with registry_lock(ROOT / "configs" / "names.yaml"):
        lock = next((ROOT / "configs").glob(".names.yaml.lock"))
    result = subprocess.run(["git", "check-ignore", "-q", str(lock.relative_to(ROOT))], cwd=ROOT)
    assert result.returncode == 0  # ignored
