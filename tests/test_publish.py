"""Publishing: Hub layout, dataset card, atomic swap, push_to_hub without the network."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.config import DetectConfig, NormalizeConfig, TranslateConfig
from pipeline.names import load_registry, read_review_table
from pipeline.names.group_names import GroupNames
from pipeline.names.table.spreadsheet import escape_cell, unescape_cell
from pipeline.publish import CardInfo, NothingToPublish, Publish, push_to_hub
from pipeline.publish.features import DOCUMENT_COLUMNS, DOCUMENT_SCHEMA, NAME_TABLE_COLUMNS, NAME_TABLE_SCHEMA
from pipeline.schema import Document, Paragraph
from tests.conftest import REGISTRY, ROOT, run_in_process, write_config


def _documents(n: int, source: str = "a.txt") -> list[Document]:
    return [
        Document(
            id=f"{source}-{i}",
            source=source,
            text=f"Text {i}",
            paragraphs=[Paragraph(f"Text {i}", "en", 1.0, f"Text {i}")],
            lang="en",
            lang_score=1.0,
            text_en=f"Text {i}",
            text_en_normalized=f"Text {i}",
            name_records=[
                {
                    "variant": "Put Domoj",
                    "entity_id": "put-domoi",
                    "canonical": "Put' Domoi",
                    "method": "transliteration",
                    "score": 0.97,
                    "applied": True,
                    "example": "… Put Domoj …",
                }
            ],
        )
        for i in range(n)
    ]


def _info(**fields: Any) -> CardInfo:
    values: dict[str, Any] = {
        "name": "ds",
        "license": "cc-by-4.0",
        "pretty_name": "Test set",
        "pipeline_version": "9.9",
        "config_hash": "abc123",
        "models": {"ru": "some/model@main"},
    }
    return CardInfo(**{**values, **fields})


def _publish(output: Path, documents: list[Document], shard_rows: int = 2, info: CardInfo | None = None) -> Path:
    publish = Publish(output, info or _info(), shard_rows)
    assert list(publish.run(documents)) == documents
    GroupNames().run_corpus(publish.staged())  # the name table, as the chain's corpus step makes it
    return publish.finalize({"documents": {"published": len(documents)}})


def test_hub_layout_card_and_names_config(tmp_path: Path) -> None:
    folder = _publish(tmp_path, _documents(3, "a.txt") + _documents(2, "b.txt"))
    assert sorted(p.name for p in (folder / "data").iterdir()) == ["train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]
    card = (folder / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["license"] == "cc-by-4.0" and header["language"] == ["en"]
    assert [c["config_name"] for c in header["configs"]] == ["default", "names"]
    assert "some/model@main" in card and "abc123" in card and "9.9" in card
    rows = datasets.load_dataset(str(folder), split="train")
    assert rows.num_rows == 5 and rows.features["lang_score"].dtype == "float32"
    names = datasets.load_dataset(str(folder), "names", split="train")
    assert names.to_list() == [
        {
            "variant": "Put Domoj",
            "canonical": "Put' Domoi",
            "entity_id": "put-domoi",
            "method": "transliteration",
            "score": pytest.approx(0.97),
            "count": 5,
            "documents": 5,
            "example": "… Put Domoj …",
            "status": "auto",
            "type": "",
            "reason": "registry match transliteration",
        }
    ]
    assert (folder / "names.csv").read_text(encoding="utf-8-sig").splitlines()[
        0
    ] == "variant,canonical,entity_id,method,score,count,documents,example,status,type,reason"
    assert not list(tmp_path.glob(".ds.*"))  # no staging or old copies left behind


def test_shards_end_at_file_boundaries(tmp_path: Path) -> None:
    folder = _publish(tmp_path, _documents(3, "a.jsonl") + _documents(1, "b.txt") + _documents(1, "c.txt"), shard_rows=2)
    sizes = [datasets.load_dataset("parquet", data_files=str(p), split="train").num_rows for p in sorted((folder / "data").iterdir())]
    assert sizes == [3, 2]  # a.jsonl whole in one shard, even past shard_rows


def test_batches_prepared_elsewhere_stage_the_same_shards_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Ray executor's workers make the rows (`prepare`), the driver only writes them: the
    shards, their row groups and name records are the bytes the documents give, wherever a batch
    ends (mid row group, mid shard)."""
    from pipeline.publish import stage

    monkeypatch.setattr(stage._ShardWriter, "ROW_GROUP", 4)
    documents = _documents(7, "a.jsonl") + _documents(1, "b.txt") + _documents(6, "c.jsonl") + _documents(3, "d.txt")
    documents[2].published, documents[3].paragraphs[0].lang, documents[4].input_format = "2023-11-07", "ru", "jsonl"
    by_document = Publish(tmp_path / "documents", _info(), shard_rows=5)
    assert list(by_document.run(documents)) == documents
    prepared = Publish(tmp_path / "prepared", _info(), shard_rows=5)
    batches = [prepared.prepare(documents[start : start + 3]) for start in range(0, len(documents), 3)]
    assert sum(prepared.run_prepared(batches)) == len(documents)
    assert prepared.shards == by_document.shards and len(prepared.shards) == 3
    assert prepared.stats.languages == by_document.stats.languages and prepared.counters == by_document.counters
    for shard in by_document.shards:
        for file in (shard["file"], shard["file"].replace(".parquet", ".names.jsonl")):
            assert (prepared.staging / "data" / file).read_bytes() == (by_document.staging / "data" / file).read_bytes()
    assert pq.ParquetFile(by_document.staging / "data" / by_document.shards[0]["file"]).num_row_groups == 2


def test_a_new_run_replaces_the_dataset_and_loads_fresh(tmp_path: Path) -> None:
    _publish(tmp_path, _documents(2))
    assert datasets.load_dataset(str(tmp_path / "ds"), split="train").num_rows == 2
    _publish(tmp_path, _documents(4))
    assert datasets.load_dataset(str(tmp_path / "ds"), split="train").num_rows == 4  # not a stale cache


class FakeHub:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def create_repo(self, repo_id: str, **kwargs: Any) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs: Any) -> None:
        kwargs["files"] = sorted(
            p.relative_to(kwargs["folder_path"]).as_posix() for p in Path(kwargs["folder_path"]).rglob("*") if p.is_file()
        )
        self.calls.append(("upload_folder", kwargs))


def test_push_to_hub_sends_the_folder_with_the_token_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _publish(tmp_path, _documents(2))
    hub = FakeHub()
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    assert push_to_hub(folder, "org/news", private=True, api=hub) == "datasets/org/news"
    (create, create_args), (upload, upload_args) = hub.calls
    assert create == "create_repo" and create_args == {
        "repo_id": "org/news",
        "repo_type": "dataset",
        "private": True,
        "exist_ok": True,
        "token": "hf_secret",
    }
    assert upload == "upload_folder" and upload_args["repo_type"] == "dataset" and upload_args["token"] == "hf_secret"
    # The charts go too: the card links them. These documents have no dates, so no month chart.
    assert upload_args["files"] == [
        "README.md",
        "charts/documents_per_language.png",
        "charts/index.json",
        "data/train-00000-of-00001.parquet",
        "names.csv",
        "names/train-00000-of-00001.parquet",
        "run_report.json",
    ]
    assert "hf_secret" not in json.dumps(json.loads((folder / "run_report.json").read_text()))


def test_push_to_hub_without_a_token_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    with pytest.raises(RuntimeError, match="HF_TOKEN is not in the environment"):
        push_to_hub(tmp_path, "org/news", private=True, api=FakeHub())


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x","Put Domoi")', '\'=HYPERLINK("http://x","Put Domoi")'),
        ("+7 999", "'+7 999"),
        ("-Put Domoi", "'-Put Domoi"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tPut Domoi", "'\tPut Domoi"),
        ("\rPut Domoi", "'\rPut Domoi"),
        ("'=already quoted", "''=already quoted"),
        ("'quoted", "'quoted"),
        ("Put' Domoi", "Put' Domoi"),
        ("", ""),
    ],
)
def test_spreadsheet_cells_are_escaped_and_read_back_unchanged(text: str, cell: str) -> None:
    assert escape_cell(text) == cell
    assert unescape_cell(cell) == text


def _record(variant: str, example: str) -> dict[str, Any]:
    return {
        "variant": variant,
        "entity_id": "put-domoi",
        "canonical": "Put' Domoi",
        "method": "fuzzy",
        "score": 0.85,
        "applied": False,
        "example": example,
    }


def test_names_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    documents = _documents(1)
    documents[0].name_records = [
        _record("-Put Domoi", '=HYPERLINK("http://x","Put Domoi") said Put Domoi members.'),
        _record("'=Put Domoi", "+Put Domoi, said @someone"),
        _record("Put Domoy", "\tPut Domoy…"),
    ]
    folder = _publish(tmp_path, documents)
    with (folder / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert '\'=HYPERLINK("http://x","Put Domoi") said Put Domoi members.' in cells and "'-Put Domoi" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    raw = datasets.load_dataset(str(folder), "names", split="train").to_list()  # the parquet table keeps raw text
    assert {(row["variant"], row["example"]) for row in raw} == {
        ("-Put Domoi", '=HYPERLINK("http://x","Put Domoi") said Put Domoi members.'),
        ("'=Put Domoi", "+Put Domoi, said @someone"),
        ("Put Domoy", "\tPut Domoy…"),
    }
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    decisions = read_review_table(folder / "names.csv", load_registry(registry))
    assert sorted(decision.variant for decision in decisions) == sorted(row["variant"] for row in raw)


def test_a_document_that_starts_with_a_formula_is_harmless_in_names_csv(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "formula.txt").write_text('=HYPERLINK("http://x","Put Domoi") said Put Domoi members.\n', encoding="utf-8")
    config = write_config(
        tmp_path / "c.yaml",
        f"name: ds\ninput: {raw}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    assert run_in_process("run", str(config), "--quiet").returncode == 0
    with (tmp_path / "out" / "ds" / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        examples = [row["example"] for row in csv.DictReader(handle)]
    assert examples and all(example.startswith("'=HYPERLINK(") for example in examples)


def _card(tmp_path: Path, **fields: Any) -> str:
    return (_publish(tmp_path, _documents(2), info=_info(**fields)) / "README.md").read_text()


def test_card_licence_other_says_the_texts_belong_to_their_publishers(tmp_path: Path) -> None:
    card = _card(tmp_path, license="other")
    assert yaml.safe_load(card.split("---")[1])["license"] == "other"
    assert "## License\n\n`other`. The source texts are news articles that belong to their publishers" in card


def test_card_licence_set_by_the_config_says_so(tmp_path: Path) -> None:
    card = _card(tmp_path, license="cc-by-4.0")
    license_section = card.split("## License")[1].split("##")[0]
    assert "`cc-by-4.0`, as the run config set it (`publish.license`)" in license_section
    assert "belong to their publishers" in license_section


def test_card_says_which_models_are_tiny_test_models(tmp_path: Path) -> None:
    card = _card(tmp_path, models={"ru": "tiny-ru@local-1", "th": "Helsinki-NLP/opus-mt-th-en@main"}, tiny_models=["ru"])
    models = card.split("## Translation models")[1].split("##")[0]
    assert "- ru: `tiny-ru@local-1` (a tiny test model built by the project with random weights: its translations are noise)" in models
    assert "- th: `Helsinki-NLP/opus-mt-th-en@main`\n" in models
    assert "The translations from ru are noise" in card.split("## Limitations")[1]
    assert "noise" not in _card(tmp_path / "real", models={"ru": "Helsinki-NLP/opus-mt-ru-en@main"})


def test_card_gives_a_meaning_for_every_column(tmp_path: Path) -> None:
    card = _card(tmp_path)
    documents, name_table = card.split("## Columns")[1].split("##")[0].split("The name table (config `names`")
    rows = [line for line in documents.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(DOCUMENT_COLUMNS)
    name_rows = [line for line in name_table.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in name_rows] == list(NAME_TABLE_COLUMNS)
    assert all(row.rstrip(" |").rsplit("|", 1)[1].strip() for row in name_rows)
    assert any(row.startswith("| `reason` | string | why the spelling is in its group") for row in name_rows)
    assert all(row.rstrip(" |").rsplit("|", 1)[1].strip() for row in rows)  # a meaning after the type
    assert "| `lang` | string | language of the document (ISO 639-1), `und` where unsure |" in rows
    assert any(row.startswith("| `names` | list of {entity_id: string,") for row in rows)


@pytest.mark.parametrize("schema", [DOCUMENT_SCHEMA, NAME_TABLE_SCHEMA], ids=["documents", "name table"])
def test_the_schemas_are_what_datasets_makes_of_their_features(schema: pa.Schema) -> None:
    # Written without importing datasets (start-up): the types and the metadata the loader reads
    # must be exactly what datasets itself writes for the same features.
    features = datasets.Features.from_arrow_schema(schema)
    assert features.arrow_schema.equals(schema, check_metadata=True)
    assert features["lang" if "lang" in features else "variant"] == datasets.Value("string")


def test_a_run_does_not_import_datasets_or_pandas() -> None:
    # datasets (with pandas) is some 1.5 s and 140 MB of every start; the run path needs neither.
    code = "import sys, pipeline.run, pipeline.chain; print(sorted(m for m in ('datasets', 'pandas', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_card_loads_from_the_published_folder(tmp_path: Path) -> None:
    card = _card(tmp_path, path="data/clean/smoke", repo_id="org/news")
    assert 'load_dataset("data/clean/smoke", split="train")' in card
    assert 'load_dataset("data/clean/smoke", "names", split="train")' in card
    assert 'load_dataset("org/news", split="train")' in card and "path/to" not in card


def test_card_says_how_it_was_made(tmp_path: Path) -> None:
    card = _card(
        tmp_path,
        detect=DetectConfig(languages=["ru", "en"], seed=7, min_score=0.65),
        translate=TranslateConfig(backend="ctranslate2"),
        normalize=NormalizeConfig(registry=Path("configs/names.yaml"), auto_threshold=0.93, review_threshold=0.81),
    )
    made = card.split("## How it was made")[1].split("## Limitations")[0]
    assert "langdetect (seed 7" in made and "ru, en" in made and "under 0.65 becomes `und`" in made
    assert "ctranslate2 backend" in made
    assert "registry `configs/names.yaml`" in made and "at or above 0.93 they are replaced (`auto`)" in made
    assert "from 0.81 up to that they are listed as `pending`" in made
    assert "Machine translation makes mistakes" in card.split("## Limitations")[1]


def test_card_without_translation_or_normalization_says_so(tmp_path: Path) -> None:
    card = _card(tmp_path, models={}, translate=TranslateConfig(enabled=False), normalize=NormalizeConfig(enabled=False))
    made = card.split("## How it was made")[1]
    assert "**Translation**: none" in made and "**Name normalization**: none" in made


def test_no_documents_replace_nothing(tmp_path: Path) -> None:
    _publish(tmp_path, _documents(2))
    before = (tmp_path / "ds" / "README.md").read_text()
    with pytest.raises(NothingToPublish, match=r"no documents to publish .*ds was left as it was"):
        _publish(tmp_path, [])
    assert (tmp_path / "ds" / "README.md").read_text() == before
    assert datasets.load_dataset(str(tmp_path / "ds"), split="train").num_rows == 2
    assert not (tmp_path / ".ds.partial").exists()


@pytest.mark.parametrize(
    ("documents", "category"),
    [
        (1, "n<1K"),
        (999, "n<1K"),
        (1000, "1K<n<10K"),
        (9_999, "1K<n<10K"),
        (10_000, "10K<n<100K"),
        (99_999, "10K<n<100K"),
        (100_000, "100K<n<1M"),
    ],
)
def test_card_size_category_follows_the_document_count(tmp_path: Path, documents: int, category: str) -> None:
    from collections import Counter

    from pipeline.publish.card import dataset_card

    (tmp_path / "data").mkdir()
    card = dataset_card(_info(), Counter({"en": documents}), documents, 0, tmp_path)
    header = yaml.safe_load(card.split("---")[1])
    assert header["size_categories"] == [category]
    assert header["dataset_info"][0]["splits"][0]["num_examples"] == documents
    assert f"{documents} documents; 0 (variant, entity) rows in the name table." in card


def test_a_row_has_every_field_as_asdict_gives_it_but_the_unpublished_ones() -> None:
    from dataclasses import asdict

    from pipeline.schema import NameMention

    document = Document(
        "abc",
        "ru/a.txt",
        "Текст",
        [Paragraph("Текст", "ru", 0.99, "Text")],
        url="https://example.org/a",
        published="2024-03-01",
        lang="ru",
        text_en="Text",
        names=[NameMention("e1", "Canon", "Variant", 0, 5, "exact", 1.0)],
        name_records=[{"variant": "x"}],
        furniture_lines=2,
    )
    expected = asdict(document)
    del expected["name_records"], expected["furniture_lines"], expected["title_paragraph"]
    del expected["input_file"], expected["input_format"]  # not published: resuming and counting formats
    expected["published"] = dt.date(2024, 3, 1)
    row = document.to_row()
    assert row == expected and list(row) == list(expected)


def test_card_describes_name_discovery_as_configured(tmp_path: Path) -> None:
    default = _card(tmp_path / "default").split("## How it was made")[1]
    assert "registry `configs/names.yaml`" in default and "**Names nobody registered**" in default
    assert "left as written until a reviewer accepts the group" in default
    applied = _card(tmp_path / "applied", normalize=NormalizeConfig(registry=None, apply_proposals=True))
    made = applied.split("## How it was made")[1].split("## Limitations")[0]
    assert "no registry" in made and "replaced by the group's proposed canonical" in made
    assert "the groups of names nobody registered are normalized" in applied.split("## Limitations")[1]
    off = _card(tmp_path / "off", normalize=NormalizeConfig(discover=False)).split("## How it was made")[1]
    assert "Names nobody registered" not in off.split("## Limitations")[0]


def test_the_card_says_the_table_status_and_how_to_review_into_which_registry(tmp_path: Path) -> None:
    from collections import Counter

    from pipeline.publish.card import dataset_card

    with_registry = dataset_card(_info(normalize=NormalizeConfig(registry=REGISTRY)), Counter({"en": 1}), 1, 0, tmp_path)
    assert "(status `known` in the name table" in with_registry and "status `accepted` in the name table" not in with_registry
    assert "`python -m pipeline names apply <this folder>/names.csv`" in with_registry
    assert "`python -m pipeline review <this folder>`" in with_registry
    without = dataset_card(_info(normalize=NormalizeConfig(registry=None)), Counter({"en": 1}), 1, 0, tmp_path)
    assert "`python -m pipeline names apply <this folder>/names.csv --registry FILE`" in without
    assert "This run used no registry" in without


def test_the_month_chart_legend_covers_no_data_and_no_outlet_mentions_are_a_bar() -> None:
    from collections import Counter

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from pipeline.publish.charts import CorpusCounts, _count_document, months_figure, outlet_bars

    counts = CorpusCounts({}, Counter(), Counter(), 0, True)
    months = ["2023-01-05", "2023-06-05", "2023-12-05"]
    for number, name in enumerate(["Put' Domoi", "Idite Lesom", "Free Buryatia", "Mediazona", "Vyorstka", "IStories"]):
        for published in months:
            names = [{"canonical": name, "method": "exact"}] * (number + 1)
            _count_document(counts, {"published": published, "outlet": "Vyorstka" if number % 2 else None, "lang": "en", "names": names})
    figure = months_figure(counts)
    FigureCanvasAgg(figure).draw()
    axes = figure.axes[0]
    legend = axes.get_legend().get_window_extent()
    assert not legend.overlaps(axes.get_window_extent())  # beside the plot, not on its lines
    assert figure.bbox.contains(legend.x1 - 1, legend.y0 + 1)  # and not cut off
    bars = outlet_bars(counts)
    assert bars == Counter({"Vyorstka": 3 * (2 + 4 + 6), "(no outlet)": 3 * (1 + 3 + 5)})


def test_the_card_and_charts_describe_the_files_published_after_regrouping(published: Path) -> None:
    """The card's sizes and content fingerprint are those of the parquet files in the folder,
    read after the corpus step rewrote the shards; the charts count the published mentions."""
    import hashlib

    files = sorted((published / "data").glob("*.parquet"))
    header = yaml.safe_load((published / "README.md").read_text(encoding="utf-8").split("---")[1])
    (info,) = [entry for entry in header["dataset_info"] if entry["config_name"] == "default"]
    assert info["dataset_size"] == sum(path.stat().st_size for path in files)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:16]
    (config,) = [entry for entry in header["configs"] if entry["config_name"] == "default"]
    assert config["description"].endswith(f"content sha256 {digest}")
    # The sample has names nobody registered: their mentions carry the corpus's proposed ids.
    rows = [row for path in files for row in pa.parquet.read_table(path).to_pylist()]
    assert any(name["entity_id"].startswith("new-") for row in rows for name in row["names"])


def test_the_charts_count_every_row_of_a_shard_read_a_batch_at_a_time(tmp_path: Path) -> None:
    from pipeline.publish.charts import ROW_BATCH, count_corpus

    rows = 2 * ROW_BATCH + 1
    shard = tmp_path / "shard.parquet"
    languages = ["ru" if row % 3 else "th" for row in range(rows)]
    names = [[{"canonical": "Mediazona", "method": "exact"}] if row % 2 else [] for row in range(rows)]
    pq.write_table(pa.table({"lang": languages, "published": ["2023-01-05"] * rows, "names": names}), shard)
    counts = count_corpus([shard, shard])
    assert counts.languages == {"ru": 2 * languages.count("ru"), "th": 2 * languages.count("th")}
    assert counts.months == {"Mediazona": {"2023-01": 2 * (rows // 2)}}


def test_the_card_fingerprint_is_that_of_the_whole_files(tmp_path: Path) -> None:
    import hashlib

    from pipeline.publish.card import _fingerprint

    files = [tmp_path / "a", tmp_path / "b"]
    files[0].write_bytes(bytes(range(256)) * 5000)  # over a MB: read in pieces
    files[1].write_bytes(b"second")
    assert _fingerprint(files) == hashlib.sha256(files[0].read_bytes() + files[1].read_bytes()).hexdigest()[:16]
