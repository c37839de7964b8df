"""The review page: actions through the `names apply` code path, names.csv following, undo, two
savers at once, the safety rules (escaping, Host/Origin, token, files touched), and the charts."""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.names import apply_review, load_registry
from pipeline.names.review import ReviewDecision
from pipeline.names.spreadsheet import read_table, write_table
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
    assert post(client, action="reject-group", entity_id="council-of-mothers-and-wives") == 303
    assert post(client, action="move", entity_id="mediazona", variant="Mediazone", target="istories — IStories") == 303
    assert post(client, action="split", entity_id="olga-tsukanova", variant="Цуканову") == 303
    loaded = load_registry(registry)
    assert ("совет матерей и жен", "council-of-mothers-and-wives") in loaded.rejected
    assert "Mediazone" in loaded.entities["istories"].variants and "Mediazone" not in loaded.entities["mediazona"].variants
    assert loaded.entities["цуканову"].canonical == "Цуканову" and loaded.entities["цуканову"].type == "person"
    rows = rows_by_variant(dataset)
    assert rows["Совет матерей и жён"]["status"] == "rejected"
    assert (rows["Mediazone"]["entity_id"], rows["Mediazone"]["canonical"], rows["Mediazone"]["status"]) == (
        "istories",
        "IStories",
        "accepted",
    )
    assert rows["Совет матерей и жён"]["status"] == "rejected" and rows["Buryatia"]["status"] == "known"
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
    with (dataset / "names.csv").open(encoding="utf-8", newline="") as handle:
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
    entity = load_registry(registry).entities["new-soyuz-zhyon"]
    assert (entity.canonical, entity.type, entity.native, set(entity.variants)) == (
        "Soyuz Zhyon",
        "organisation",
        ("Союз жён",),
        {"Soyuz Zhen"},  # the canonical name is not listed again
    )
    assert {row["status"] for row in read_table(dataset / "names.csv")[1] if row["entity_id"] == "new-soyuz-zhyon"} == {"accepted"}
    assert 'id="message">2 accepted, 1 unchanged</p>' in client.get("/").text


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
    entity = load_registry(registry).entities["new-soyuz-zhyon"]
    assert (entity.canonical, entity.type, entity.variants) == ("Soyuz Zhyon Rossii", "organisation", ("Soyuz Zhen",))
    # Move a proposed spelling to a registered entity; merge a proposed group into one; reject one.
    assert post(client, action="move", entity_id="new-mediazone-daily", variant="Mediazone Daily", target="mediazona — Mediazona") == 303
    assert post(client, action="merge", entity_id="new-snow-patrol", target="new-soyuz-zhyon — Soyuz Zhyon Rossii") == 303
    loaded = load_registry(registry)
    assert "Mediazone Daily" in loaded.entities["mediazona"].variants
    assert {"Snow Patrol", "Snow Patroll"} <= set(loaded.entities["new-soyuz-zhyon"].variants)
    rows_now = rows_by_variant(dataset)
    assert (rows_now["Mediazone Daily"]["entity_id"], rows_now["Mediazone Daily"]["status"]) == ("mediazona", "accepted")
    assert (rows_now["Snow Patroll"]["entity_id"], rows_now["Snow Patroll"]["status"]) == ("new-soyuz-zhyon", "accepted")
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
    assert set(load_registry(registry).entities["new-snow-patrol"].variants) == {"Snow Patroll", "Snow Patrols"}


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
