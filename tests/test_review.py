"""The review page: actions through the `names apply` code path, names.csv following, undo, two
savers at once, the safety rules (escaping, Host/Origin, token, files touched), and the charts."""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.names import RegistryError, apply_review, load_registry
from pipeline.names.registry.review import ReviewDecision
from pipeline.names.table.spreadsheet import read_table, write_table
from pipeline.publish.charts import read_charts, write_charts
from pipeline.publish.features import DOCUMENT_SCHEMA
from pipeline.publish.stage import write_parquet
from pipeline.review import create_app
from pipeline.review.actions import Reviewer
from tests.conftest import REGISTRY
from tests.test_end_to_end import run_cli

HOST = "127.0.0.1:8765"


@pytest.fixture
def workspace(tmp_path: Path, published: Path) -> tuple[Path, Path]:
    """A copy of the dataset and of the registry: (dataset folder, registry)."""
    dataset = tmp_path / "clean" / "sample"
    shutil.copytree(published, dataset)
    registry = tmp_path / "configs" / "names.yaml"
    registry.parent.mkdir()
    shutil.copy(REGISTRY, registry)
    return dataset, registry


def client_for(dataset: Path, registry: Path) -> TestClient:
    return TestClient(create_app(dataset, registry, {HOST}), base_url=f"http://{HOST}", follow_redirects=False)


def token_of(client: TestClient) -> str:
    return client.app.state.review.token  # type: ignore[attr-defined]


def rows_by_variant(dataset: Path) -> dict[str, dict[str, str]]:
    return {row["variant"]: row for row in read_table(dataset / "names.csv")[1]}


def post(client: TestClient, **fields: str) -> int:
    return client.post("/action", data={"token": token_of(client), **fields}).status_code


def test_the_page_puts_open_work_first_and_shows_contexts(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    page = client_for(dataset, registry).get("/")
    assert page.status_code == 200
    html = page.text
    # put-domoi has a pending spelling (Put Damoi); free-buryatia has none: open work comes first.
    assert html.index('id="g-put-domoi"') < html.index('id="g-free-buryatia"')
    assert "<mark>Put Damoi</mark>" in html
    # A native spelling's context is the original text, with its translation beside it.
    assert "<mark>Вернём ребят</mark>" in html


def test_filters_keep_only_matching_spellings(workspace: tuple[Path, Path]) -> None:
    client = client_for(*workspace)
    html = client.get("/", params={"status": "pending"}).text
    assert "Put Damoi" in html and 'data-variant="Buryatia"' not in html
    html = client.get("/", params={"q": "damoi"}).text
    assert 'id="g-put-domoi"' in html and 'id="g-mediazona"' not in html


def test_accept_goes_through_names_apply_and_the_table_follows(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    assert post(client, action="accept", entity_id="put-domoi", variant="Put Damoi") == 303
    assert "Put Damoi" in load_registry(registry).entities["put-domoi"].variants
    assert rows_by_variant(dataset)["Put Damoi"]["status"] == "accepted"
    # The table the page wrote is one `names apply` agrees with: applying it changes nothing.
    assert apply_review(dataset / "names.csv", registry) == {
        "accepted": 0,
        "rejected": 0,
        "moved": 0,
        "unchanged": len(rows_by_variant(dataset)),
    }


def test_reject_a_group_move_and_split_a_spelling(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    comments = [line for line in registry.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")]
    assert post(client, action="reject-group", entity_id="combat-brotherhood") == 303
    assert post(client, action="move", entity_id="mediazona", variant="Mediazone", target="istories — IStories") == 303
    assert post(client, action="split", entity_id="olga-tsukanova", variant="Цуканову") == 303
    loaded = load_registry(registry)
    assert ("combat brothers", "combat-brotherhood") in loaded.rejected
    assert "Mediazone" in loaded.entities["istories"].variants and "Mediazone" not in loaded.entities["mediazona"].variants
    assert loaded.entities["цуканову"].canonical == "Цуканову" and loaded.entities["цуканову"].type == "person"
    rows = rows_by_variant(dataset)
    assert rows["Combat Brothers"]["status"] == "rejected"
    assert (rows["Mediazone"]["entity_id"], rows["Mediazone"]["canonical"], rows["Mediazone"]["status"]) == (
        "istories",
        "IStories",
        "accepted",
    )
    assert rows["Combat Brothers"]["status"] == "rejected" and rows["Buryatia"]["status"] == "known"
    # Comments and order kept: the same comment lines, entities in their old order.
    assert [line for line in registry.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")] == comments
    assert list(loaded.entities)[:-1] == list(load_registry(REGISTRY).entities)


def test_rename_and_merge(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    assert post(client, action="rename", entity_id="put-domoi", canonical="Put Domoy") == 303
    entity = load_registry(registry).entities["put-domoi"]
    assert entity.canonical == "Put Domoy" and "Put' Domoi" in entity.variants
    assert rows_by_variant(dataset)["Put' Domoi"]["canonical"] == "Put Domoy"
    assert post(client, action="merge", entity_id="vernyom-rebyat", target="put-domoi") == 303
    loaded = load_registry(registry)
    assert "vernyom-rebyat" not in loaded.entities and "Vernyom Rebyat" in loaded.entities["put-domoi"].variants
    assert rows_by_variant(dataset)["Vernyom Rebyat"]["entity_id"] == "put-domoi"


def test_a_refused_action_writes_nothing_and_says_why(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    before = (registry.read_bytes(), (dataset / "names.csv").read_bytes())
    assert post(client, action="move", entity_id="mediazona", variant="Mediazone", target="no-such-entity") == 303
    assert (registry.read_bytes(), (dataset / "names.csv").read_bytes()) == before
    assert "unknown entity_id &#39;no-such-entity&#39;" in client.get("/").text


def test_undo_puts_both_files_back_unless_someone_saved_since(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    before = (registry.read_bytes(), (dataset / "names.csv").read_bytes())
    post(client, action="accept", entity_id="put-domoi", variant="Put Damoi")
    assert registry.read_bytes() != before[0]
    post(client, action="undo")
    assert (registry.read_bytes(), (dataset / "names.csv").read_bytes()) == before
    post(client, action="accept", entity_id="put-domoi", variant="Put Damoi")
    Reviewer(dataset, registry).decide([ReviewDecision(0, "Combat Brothers", "combat-brotherhood", "accepted", None)])  # another tab
    post(client, action="undo")
    assert "Combat Brothers" in load_registry(registry).entities["combat-brotherhood"].variants
    assert "someone else" in client.get("/").text


def test_two_tabs_saving_at_once_lose_nothing(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    pending = [(row["variant"], row["entity_id"]) for row in rows_by_variant(dataset).values() if row["status"] == "pending"]
    assert len(pending) >= 4
    tabs = [Reviewer(dataset, registry) for _ in pending]
    threads = [
        threading.Thread(target=tab.decide, args=([ReviewDecision(0, variant, entity_id, "rejected", None)],))
        for tab, (variant, entity_id) in zip(tabs, pending)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rejected = load_registry(registry).rejected
    rows = rows_by_variant(dataset)
    for variant, entity_id in pending:
        assert rows[variant]["status"] == "rejected", variant
        assert any(pair[1] == entity_id for pair in rejected)
    assert len(rejected) >= len(pending)


def test_names_are_shown_as_text_never_run(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    add_script_row(dataset)
    html = client_for(dataset, registry).get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def add_script_row(dataset: Path) -> None:
    columns, rows = read_table(dataset / "names.csv")
    script = "<script>alert(1)</script>"
    rows.insert(0, {**rows[0], "variant": script, "entity_id": "put-domoi", "status": "pending", "example": f"x {script} y"})
    write_table(dataset / "names.csv", columns, rows)


def test_foreign_host_and_origin_are_refused(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    before = registry.read_bytes()
    assert client.get("/", headers={"Host": "attacker.example:8765"}).status_code == 403
    refused = client.post(
        "/action",
        data={"token": token_of(client), "action": "accept", "entity_id": "put-domoi", "variant": "Put Damoi"},
        headers={"Origin": "http://attacker.example"},
    )
    assert refused.status_code == 403 and registry.read_bytes() == before
    assert client.get("/", headers={"Origin": f"http://{HOST}"}).status_code == 200


def test_posts_without_the_session_token_are_refused(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    before = (registry.read_bytes(), (dataset / "names.csv").read_bytes())
    for token in ("", "guessed", client_for(dataset, registry).app.state.review.token):  # type: ignore[attr-defined]
        response = client.post("/action", data={"token": token, "action": "accept", "entity_id": "put-domoi", "variant": "Put Damoi"})
        assert response.status_code == 403
    assert (registry.read_bytes(), (dataset / "names.csv").read_bytes()) == before


def test_only_the_dataset_folder_and_the_registry_are_touched(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, registry = workspace
    (tmp_path / "secret.txt").write_text("not yours", encoding="utf-8")

    def snapshot() -> dict[Path, bytes]:
        return {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    before = snapshot()
    client = client_for(dataset, registry)
    post(client, action="accept", entity_id="put-domoi", variant="Put Damoi")
    post(client, action="reject-group", entity_id="council-of-mothers-and-wives")
    post(client, action="rename", entity_id="put-domoi", canonical="Put Domoy")
    post(client, action="undo")
    # No request names a path: nothing outside the dataset's charts and the package's static files.
    for url in ("/charts/..%2Frun_report.json", "/charts/%2E%2E%2F..%2Fsecret.txt", "/static/..%2F..%2Fsecret.txt"):
        assert client.get(url).status_code == 404, url
    assert client.get("/charts/documents_per_language.png").content[:4] == b"\x89PNG"
    after = snapshot()
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed <= {dataset / "names.csv", registry, registry.with_name(".names.yaml.lock")}
    assert {dataset / "names.csv", registry} <= changed


def test_charts_exist_for_a_run_of_data_raw_and_the_card_shows_them(published: Path) -> None:
    charts = {chart.file: chart for chart in read_charts(published)}
    card = (published / "README.md").read_text(encoding="utf-8")
    for file in ("charts/mentions_per_month.png", "charts/documents_per_language.png"):
        assert charts[file].missing is None and (published / file).read_bytes()[:4] == b"\x89PNG"
        assert f"]({file})" in card
    outlet = charts["charts/mentions_per_outlet.png"]
    # No outlet column yet: the card says so instead of drawing an empty chart.
    if outlet.missing:
        assert not (published / outlet.file).exists() and f"Mentions per outlet: not drawn, {outlet.missing}" in card


def test_a_corpus_without_dates_says_so(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    names = [{"entity_id": "x", "canonical": "X", "variant": "X", "start": 0, "end": 1, "method": "exact", "score": 1.0}]
    row = {"id": "1", "source": "a.txt", "lang": "en", "text": "X", "text_en": "X", "text_en_normalized": "X", "names": names}
    write_parquet([row], tmp_path / "data" / "train-00000-of-00001.parquet", DOCUMENT_SCHEMA)
    charts = {chart.file: chart for chart in write_charts(tmp_path)}
    assert charts["charts/mentions_per_month.png"].missing == "no document has a `published` date"
    assert not (tmp_path / "charts" / "mentions_per_month.png").exists()
    assert charts["charts/documents_per_language.png"].missing is None


def test_review_on_a_folder_that_is_not_a_dataset_is_one_line(tmp_path: Path) -> None:
    result = run_cli("review", str(tmp_path))
    assert result.returncode == 2 and result.stderr.strip() == f"error: {tmp_path}: not a published dataset (no names.csv)"


def test_csv_rows_written_by_the_page_are_escaped_for_spreadsheets(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    columns, rows = read_table(dataset / "names.csv")
    rows[0]["example"] = "=HYPERLINK(1)"
    write_table(dataset / "names.csv", columns, rows)
    post(client_for(dataset, registry), action="accept", entity_id="put-domoi", variant="Put Damoi")
    with (dataset / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.DictReader(handle))["example"] == "'=HYPERLINK(1)"


def test_proposed_new_groups_come_first_and_the_page_says_how_to_rerun(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    columns, rows = read_table(dataset / "names.csv")
    proposed = {
        **rows[-1],
        "variant": "Soyuz Zhyon",
        "canonical": "Soyuz Zhyon",
        "entity_id": "new-soyuz-zhyon",
        "status": "new",
        "count": "1",
    }
    write_table(dataset / "names.csv", columns, [*rows, proposed])
    html = client_for(dataset, registry).get("/").text
    assert html.index('id="g-new-soyuz-zhyon"') < html.index('id="g-put-domoi"')
    assert "re-normalizes from the translation cache (no model calls)" in html


def test_the_table_written_line_by_line_is_the_one_write_table_writes(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    from pipeline.review.corpus import read_table_kept, write_table_kept

    dataset, _ = workspace
    table = dataset / "names.csv"
    columns, rows = read_table(table)
    rows[1]["example"] = '=HYPERLINK(1), with a comma and a "quote"\nand a line break'
    write_table_kept(table, columns, rows)  # every line formatted
    changed = [dict(row) for row in read_table_kept(table)[1]]
    changed[2]["status"], changed[-1]["variant"] = "rejected", "-minus first"
    write_table_kept(table, columns, changed)  # two lines formatted again, the others kept
    write_table(tmp_path / "expected.csv", columns, changed)
    assert table.read_bytes() == (tmp_path / "expected.csv").read_bytes()
    assert read_table(table)[1] == changed


def add_proposed_group(dataset: Path, entity_id: str, canonical: str, variants: list[str], kind: str = "") -> None:
    """Rows of a group the run proposed (status new, method discovered), as a run writes them."""
    columns, rows = read_table(dataset / "names.csv")
    proposed = [
        {
            **rows[-1],
            "variant": variant,
            "canonical": canonical,
            "entity_id": entity_id,
            "method": "discovered",
            "score": "0.0",
            "status": "new",
            "count": "2",
            "type": kind,
        }
        for variant in variants
    ]
    write_table(dataset / "names.csv", columns, [*rows, *proposed])


def test_accepting_a_proposed_group_creates_the_entity_as_names_apply_does(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, registry = workspace
    add_proposed_group(dataset, "new-soyuz-zhyon", "Soyuz Zhyon", ["Soyuz Zhyon", "Soyuz Zhen", "Союз жён"], "organisation")
    # The same decision in the spreadsheet, applied to a copy of the registry.
    by_apply = tmp_path / "by-apply.yaml"
    shutil.copy(registry, by_apply)
    columns, rows = read_table(dataset / "names.csv")
    table = tmp_path / "reviewed.csv"
    write_table(table, columns, [{**row, "status": "accepted"} if row["entity_id"] == "new-soyuz-zhyon" else row for row in rows])
    apply_review(table, by_apply)

    client = client_for(dataset, registry)
    assert 'id="g-new-soyuz-zhyon"' in client.get("/").text
    assert post(client, action="accept-group", entity_id="new-soyuz-zhyon") == 303
    assert registry.read_text(encoding="utf-8") == by_apply.read_text(encoding="utf-8")
    # Registered under an id made from its name, not the proposal's `new-` id.
    entity = load_registry(registry).entities["soyuz-zhyon"]
    assert "new-soyuz-zhyon" not in load_registry(registry).entities
    assert (entity.canonical, entity.type, entity.native, set(entity.variants)) == (
        "Soyuz Zhyon",
        "organisation",
        ("Союз жён",),
        {"Soyuz Zhen"},  # the canonical name is not listed again
    )
    assert {row["status"] for row in read_table(dataset / "names.csv")[1] if row["entity_id"] == "soyuz-zhyon"} == {"accepted"}
    # Creating the entity counts, even for the row spelled as its canonical name.
    assert 'id="message">3 accepted</p>' in client.get("/").text


def test_a_proposed_group_is_named_typed_and_decided_on_the_page(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    add_proposed_group(dataset, "new-soyuz-zhyon", "Soyuz Zhyon", ["Soyuz Zhyon", "Soyuz Zhen"])
    add_proposed_group(dataset, "new-mediazone-daily", "Mediazone Daily", ["Mediazone Daily"])
    add_proposed_group(dataset, "new-snow-patrol", "Snow Patrol", ["Snow Patrol", "Snow Patroll"])
    client = client_for(dataset, registry)
    before = registry.read_bytes()
    # Without a type, accepting is refused and says why; nothing is written.
    assert post(client, action="accept", entity_id="new-soyuz-zhyon", variant="Soyuz Zhen") == 303
    assert "set type to one of" in client.get("/").text and registry.read_bytes() == before
    # Name and type of a proposal live in names.csv until it is accepted.
    assert post(client, action="rename", entity_id="new-soyuz-zhyon", canonical="Soyuz Zhyon Rossii", type="organisation") == 303
    assert registry.read_bytes() == before
    rows = [row for row in read_table(dataset / "names.csv")[1] if row["entity_id"] == "new-soyuz-zhyon"]
    assert {(row["canonical"], row["type"]) for row in rows} == {("Soyuz Zhyon Rossii", "organisation")}
    assert post(client, action="accept", entity_id="new-soyuz-zhyon", variant="Soyuz Zhen") == 303
    entity = load_registry(registry).entities["soyuz-zhyon-rossii"]  # the id follows the name the reviewer gave
    assert (entity.canonical, entity.type, entity.variants) == ("Soyuz Zhyon Rossii", "organisation", ("Soyuz Zhen",))
    # The group's open spellings moved with it, still open.
    assert (rows_by_variant(dataset)["Soyuz Zhyon"]["entity_id"], rows_by_variant(dataset)["Soyuz Zhyon"]["status"]) == (
        "soyuz-zhyon-rossii",
        "new",
    )
    # Move a proposed spelling to a registered entity; merge a proposed group into one; reject one.
    assert post(client, action="move", entity_id="new-mediazone-daily", variant="Mediazone Daily", target="mediazona — Mediazona") == 303
    assert post(client, action="merge", entity_id="new-snow-patrol", target="soyuz-zhyon-rossii — Soyuz Zhyon Rossii") == 303
    loaded = load_registry(registry)
    assert "Mediazone Daily" in loaded.entities["mediazona"].variants
    assert {"Snow Patrol", "Snow Patroll"} <= set(loaded.entities["soyuz-zhyon-rossii"].variants)
    rows_now = rows_by_variant(dataset)
    assert (rows_now["Mediazone Daily"]["entity_id"], rows_now["Mediazone Daily"]["status"]) == ("mediazona", "accepted")
    assert (rows_now["Snow Patroll"]["entity_id"], rows_now["Snow Patroll"]["status"]) == ("soyuz-zhyon-rossii", "accepted")
    # What the page wrote is what `names apply` agrees with.
    assert apply_review(dataset / "names.csv", registry)["accepted"] == 0


def test_rejecting_and_merging_proposals_that_stay_proposals(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    add_proposed_group(dataset, "new-snow-patrol", "Snow Patrol", ["Snow Patrol", "Snow Patroll"], "organisation")
    add_proposed_group(dataset, "new-snow-patrols", "Snow Patrols", ["Snow Patrols"], "organisation")
    add_proposed_group(dataset, "new-green-day", "Green Day", ["Green Day", "Green Dey"], "organisation")
    client = client_for(dataset, registry)
    before = registry.read_bytes()
    assert post(client, action="merge", entity_id="new-snow-patrols", target="new-snow-patrol") == 303
    assert registry.read_bytes() == before  # two proposals joined: names.csv alone
    assert rows_by_variant(dataset)["Snow Patrols"]["entity_id"] == "new-snow-patrol"
    assert post(client, action="reject-group", entity_id="new-green-day") == 303
    assert {("green day", "new-green-day"), ("green dey", "new-green-day")} <= load_registry(registry).rejected
    assert post(client, action="accept-group", entity_id="new-snow-patrol") == 303
    assert set(load_registry(registry).entities["snow-patrol"].variants) == {"Snow Patroll", "Snow Patrols"}


def test_not_a_name_on_the_page(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    add_proposed_group(dataset, "new-snow-patrol", "Snow Patrol", ["Snow Patrol", "Snow Patroll"])
    client = client_for(dataset, registry)
    comments = [line for line in registry.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")]
    assert post(client, action="not-a-name", entity_id="new-snow-patrol", variant="Snow Patroll") == 303
    assert post(client, action="not-a-name", entity_id="put-domoi", variant="Put Damoi") == 303
    loaded = load_registry(registry)
    assert loaded.not_names == {"snow patroll", "put damoi"}
    assert [line for line in registry.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")] == comments
    rows = rows_by_variant(dataset)
    assert rows["Snow Patroll"]["status"] == rows["Put Damoi"]["status"] == "not_a_name"
    assert rows["Snow Patrol"]["status"] == "new"
    assert "1 not a name" in client.get("/").text
    assert apply_review(dataset / "names.csv", registry) == {"accepted": 0, "rejected": 0, "moved": 0, "unchanged": len(rows)}


# --- decisions that must take (issue 23) ---------------------------------------------------------


def test_accepting_a_native_unsure_spelling_makes_it_sure_on_the_next_run(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    from pipeline.config import NormalizeConfig
    from pipeline.names.stage import Normalize
    from pipeline.schema import Document

    dataset, registry = workspace
    columns, rows = read_table(dataset / "names.csv")
    unsure = {row["variant"]: row for row in rows if row["method"] == "native-unsure"}
    # A case form morphology cannot settle (his or hers). (The registered native forms that open a
    # sentence in the sample are sure since they cannot be everyday words there.)
    assert "Цуканову" in unsure
    table = tmp_path / "reviewed.csv"
    write_table(table, columns, [{**row, "status": "accepted"} if row["variant"] in unsure else row for row in rows])
    assert apply_review(table, registry)["accepted"] == len(unsure)
    assert apply_review(table, registry)["accepted"] == 0  # applied twice: nothing more to do

    def methods(registry_path: Path, variant: str) -> list[str]:
        loaded = load_registry(registry_path)
        text = unsure[variant]["example"].strip("…")
        document = Normalize(NormalizeConfig(registry=registry_path), loaded).normalize_document(
            Document(id="d", source="s", text=text, paragraphs=[], text_en="They came.")
        )
        return [record["method"] for record in document.name_records if record["variant"] == variant]

    for variant in unsure:
        assert "native-unsure" in methods(REGISTRY, variant)
        assert set(methods(registry, variant)) == {"known-variant"}  # the next run applies it: nothing pending
    # Rejected later: unsure again, and no longer recorded for that entity.
    write_table(table, columns, [{**row, "status": "rejected"} if row["variant"] == "Цуканову" else row for row in rows])
    assert apply_review(table, registry)["rejected"] == 1
    assert methods(registry, "Цуканову") == []
    assert ("цуканову", "olga-tsukanova") not in load_registry(registry).confirmed


def test_accepting_a_native_unsure_spelling_on_the_page(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    assert post(client, action="accept", entity_id="olga-tsukanova", variant="Цуканову") == 303
    assert "1 accepted" in client.get("/").text
    assert ("цуканову", "olga-tsukanova") in load_registry(registry).confirmed


def test_accepting_the_canonical_row_of_a_proposed_group_creates_the_entity(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, registry = workspace
    # In a spreadsheet: only the row spelled as the proposed canonical, accepted.
    columns, rows = read_table(dataset / "names.csv")
    table = tmp_path / "reviewed.csv"
    accepted = [
        {**row, "status": "accepted", "type": "place"} if (row["variant"], row["entity_id"]) == ("Moscow", "new-moscow") else row
        for row in rows
    ]
    write_table(table, columns, accepted)
    by_apply = tmp_path / "by-apply.yaml"
    shutil.copy(registry, by_apply)
    assert apply_review(table, by_apply)["accepted"] == 1
    assert load_registry(by_apply).entities["moscow"].canonical == "Moscow"
    assert apply_review(table, by_apply)["accepted"] == 0  # applied again: joins the entity named so, creates nothing
    # On the page: renamed first, then its canonical-spelling row accepted (key a, or the button).
    client = client_for(dataset, registry)
    assert post(client, action="rename", entity_id="new-kremlin", canonical="The Kremlin", type="place") == 303
    assert post(client, action="accept", entity_id="new-kremlin", variant="Kremlin") == 303
    assert "1 accepted" in client.get("/").text
    entity = load_registry(registry).entities["the-kremlin"]
    assert (entity.canonical, entity.type, entity.variants) == ("The Kremlin", "place", ("Kremlin",))


def test_moving_by_canonical_name_writes_the_registry_id(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    assert post(client, action="move", entity_id="mediazona", variant="Mediazone", target="IStories") == 303
    assert "Mediazone" in load_registry(registry).entities["istories"].variants
    row = rows_by_variant(dataset)["Mediazone"]
    assert (row["entity_id"], row["canonical"], row["status"]) == ("istories", "IStories", "accepted")
    html = client.get("/").text
    assert 'id="g-IStories"' not in html and "1 moved" in html


def test_the_message_is_said_once_and_focus_goes_to_the_next_row(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    response = client.post(
        "/action",
        data={"token": token_of(client), "action": "accept", "entity_id": "put-domoi", "variant": "Put Damoi", "anchor": "x", "row": "y"},
    )
    assert response.headers["location"] == "/?at=x&row=y#g-x"
    assert "1 accepted" in client.get("/").text
    assert 'id="message"' not in client.get("/").text  # not on the next page load
    html = client.get("/", params={"at": "put-domoi", "row": "Put' Domoi"}).text
    assert html.count("data-focus") == 1 and 'data-variant="Put&#39; Domoi" data-focus' in html


# --- what the page shows (issue 23) --------------------------------------------------------------


def spelling_row(html: str, entity_id: str, variant: str) -> str:
    section = html[html.index(f'id="g-{entity_id}"') :]
    section = section[: section.index("</section>")]
    start = section.index(f'data-variant="{variant}"')
    return section[start : section.index("</tr>", start)]


def test_contexts_dates_and_outlets_of_spellings_as_written(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    html = client_for(dataset, registry).get("/").text
    # A Russian name the run put in the nominative is found in its case form, with its dates.
    moscow = spelling_row(html, "new-moscow", "Москва")
    assert "<mark>Москвы</mark>" in moscow and "no dates" not in moscow
    header = html[html.index('id="g-new-kremlin"') :]
    assert "2023-11-20" in header[: header.index("<table>")]  # the group's dates count the Russian document
    # A replaced spelling is shown as written, not as the canonical name that replaced it.
    assert "<mark>Bot Domoy</mark>" in spelling_row(html, "put-domoi", "Bot Domoy")
    # Case forms that are rows of their own, and Thai without spaces before it, are highlighted.
    assert "<mark>Пути домой</mark>" in spelling_row(html, "put-domoi", "Пути домой")
    assert "<mark>ปุต โดมอย</mark>" in spelling_row(html, "put-domoi", "ปุต โดมอย")


# --- names.csv in a spreadsheet (issue 23) -------------------------------------------------------


def test_names_csv_opens_in_excel_and_reads_back_from_its_legacy_saves(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, registry = workspace
    table = dataset / "names.csv"
    assert table.read_bytes().startswith(b"\xef\xbb\xbfvariant,")  # the BOM that tells Excel it is UTF-8
    text = table.read_text(encoding="utf-8-sig")
    assert "Цуканову" in text and "ปุต โดมอย" in text
    columns, rows = read_table(table)
    decided = {"Put Damoi": "accepted", "Цуканову": "accepted", "Mediazone": "rejected"}
    reviewed = [{**row, "status": decided.get(row["variant"], row["status"])} for row in rows]
    # Excel in a Russian locale: Windows-1251, `;` between cells; Thai letters become '?'.
    russian = tmp_path / "ru.csv"
    write_table(russian, columns, reviewed)
    russian.write_bytes(russian.read_text(encoding="utf-8-sig").replace(",", ";").encode("cp1251", errors="replace"))
    assert apply_review(russian, registry) == {"accepted": 2, "rejected": 1, "moved": 0, "unchanged": len(rows) - 3}
    loaded = load_registry(registry)
    assert "Put Damoi" in loaded.entities["put-domoi"].variants and ("цуканову", "olga-tsukanova") in loaded.confirmed
    # Western Excel (Windows-1252): Cyrillic is lost, so a decision on a Cyrillic spelling is refused, naming the line.
    western = tmp_path / "west.csv"
    write_table(western, columns, [{**row, "status": "rejected"} if row["variant"] == "Путь домой" else row for row in rows])
    western.write_bytes(western.read_text(encoding="utf-8-sig").encode("cp1252", errors="replace"))
    before = registry.read_bytes()
    with pytest.raises(RegistryError, match=r"west.csv:\d+: '\?+ \?+': the table was saved as cp125[12].*save it as \"CSV UTF-8\""):
        apply_review(western, registry)
    assert registry.read_bytes() == before
    # ... and where the Cyrillic rows were left alone, it applies.
    write_table(western, columns, [{**row, "status": "accepted"} if row["variant"] == "Bot Domoy" else row for row in rows])
    western.write_bytes(western.read_text(encoding="utf-8-sig").encode("cp1252", errors="replace"))
    assert apply_review(western, registry)["unchanged"] == len(rows)
    # The page reads such a save too.
    shutil.copy(russian, table)
    assert "Цуканову" in client_for(dataset, registry).get("/").text


# --- what reviewers of such tables expect (issue 23) ---------------------------------------------


def group_order(html: str) -> list[str]:
    import re

    return re.findall(r'<section class="group[^"]*" id="g-([^"]+)"', html)


def test_groups_sort_by_mentions_or_by_doubt(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    rows = read_table(dataset / "names.csv")[1]
    client = client_for(dataset, registry)
    mentions: dict[str, int] = {}
    doubt: dict[str, float] = {}
    for row in rows:  # the oracle: from the table itself
        mentions[row["entity_id"]] = mentions.get(row["entity_id"], 0) + int(row["count"])
        unsure = {"new": 0.5, "pending": 1 - float(row["score"] or 0)}.get(row["status"], 0.0)
        doubt[row["entity_id"]] = max(doubt.get(row["entity_id"], 0.0), unsure)
    by_mentions = group_order(client.get("/", params={"sort": "mentions"}).text)
    assert [mentions[g] for g in by_mentions] == sorted((mentions[g] for g in by_mentions), reverse=True)
    by_doubt = group_order(client.get("/", params={"sort": "doubt"}).text)
    assert [round(doubt[g], 6) for g in by_doubt] == sorted((round(doubt[g], 6) for g in by_doubt), reverse=True)
    assert by_doubt != by_mentions
    # The order is kept across an action (it is part of where the reviewer was).
    response = client.post(
        "/action",
        data={"token": token_of(client), "action": "accept", "entity_id": "put-domoi", "variant": "Put Damoi", "back": "sort=doubt"},
    )
    assert response.headers["location"].startswith("/?sort=doubt")


def test_the_page_says_what_the_review_changed_since_the_run(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    assert "Since the run:" not in client.get("/").text
    post(client, action="accept", entity_id="put-domoi", variant="Put Damoi")
    post(client, action="reject", entity_id="mediazona", variant="Mediazone")
    post(client, action="not-a-name", entity_id="combat-brotherhood", variant="Combat Brothers")
    assert "<strong>Since the run:</strong> 1 accepted, 1 rejected, 1 not a name." in client.get("/").text


def test_ticked_spellings_move_or_become_one_entity_in_one_action(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    before = registry.read_bytes()
    fields = {"token": token_of(client), "entity_id": "put-domoi"}
    response = client.post("/action", data={**fields, "action": "split-selected", "selected": ["Bout Domoy", "Bot Domoy", "Put' Domoj"]})
    assert response.status_code == 303
    entity = load_registry(registry).entities["bout-domoy"]
    assert (entity.canonical, entity.type, set(entity.variants)) == ("Bout Domoy", "organisation", {"Bot Domoy", "Put' Domoj"})
    assert not {"Bout Domoy", "Bot Domoy", "Put' Domoj"} & set(load_registry(registry).entities["put-domoi"].variants)
    assert {rows_by_variant(dataset)[v]["entity_id"] for v in ("Bout Domoy", "Bot Domoy", "Put' Domoj")} == {"bout-domoy"}
    assert post(client, action="undo") == 303 and registry.read_bytes() == before  # one action, one undo
    data = {**fields, "action": "move-selected", "selected": ["Bot Domoy", "Put' Domoj"], "target": "Idite Lesom"}
    assert client.post("/action", data=data).status_code == 303
    assert "2 moved" in client.get("/").text
    assert {"Bot Domoy", "Put' Domoj"} <= set(load_registry(registry).entities["idite-lesom"].variants)
    assert post(client, action="move-selected", entity_id="put-domoi", target="idite-lesom") == 303
    assert "tick the spellings first" in client.get("/").text  # nothing ticked: said, nothing done
    assert apply_review(dataset / "names.csv", registry)["moved"] == 0  # names.csv agrees with the registry


def test_each_group_shows_its_decisions_of_the_session(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    post(client, action="accept", entity_id="put-domoi", variant="Put Damoi")
    post(client, action="move", entity_id="mediazona", variant="Mediazone", target="istories — IStories")
    post(client, action="undo")
    html = client.get("/").text
    put_domoi = html[html.index('id="g-put-domoi"') :]
    put_domoi = put_domoi[: put_domoi.index("</section>")]
    assert "1 decision(s) on this group" in put_domoi and "accept &#39;Put Damoi&#39;: 1 accepted</li>" in put_domoi
    istories = html[html.index('id="g-istories"') :]
    assert "move &#39;Mediazone&#39; → istories: 1 moved</li>" in istories[: istories.index("</section>")]  # where it went, too


def test_the_page_says_why_each_group_was_grouped(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    html = client.get("/").text
    moscow = html[html.index('id="g-new-moscow"') :]
    moscow = moscow[: moscow.index("</section>")]
    assert "grouped by: exonym list" in moscow  # "Москва" and "Moscow", by the exonym list
    put_domoi = html[html.index('id="g-put-domoi"') :]
    assert "registry match fuzzy" in put_domoi[: put_domoi.index("</section>")]  # Put Damoi, pending
    # A spelling a reviewer moved no longer says why the run grouped it where it was.
    assert post(client, action="move", entity_id="mediazona", variant="Mediazone", target="IStories") == 303
    assert rows_by_variant(dataset)["Mediazone"]["reason"] == "moved by the reviewer"


def test_a_native_spelling_split_off_a_proposed_group_can_be_accepted(workspace: tuple[Path, Path]) -> None:
    dataset, registry = workspace
    client = client_for(dataset, registry)
    assert post(client, action="split", entity_id="new-moscow", variant="Москва") == 303
    assert rows_by_variant(dataset)["Москва"]["entity_id"] == "new-moskva"  # romanized, as a run names a group
    assert post(client, action="rename", entity_id="new-moskva", canonical="Moskva", type="place") == 303
    assert post(client, action="accept", entity_id="new-moskva", variant="Москва") == 303
    assert load_registry(registry).entities["moskva"].native == ("Москва",)
