"""The review server on a shared network and with a hostile dataset folder (issue 26)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.config import RunConfig
from pipeline.names.table.spreadsheet import read_table
from pipeline.review import create_app
from pipeline.run import run_pipeline
from tests.conftest import RAW, REGISTRY, ROOT

HOST = "127.0.0.1:8765"


@pytest.fixture(scope="module")
def english_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("english")
    config = RunConfig.model_validate(
        {
            "name": "en",
            "input": RAW / "en",
            "output": folder,
            "quiet": True,
            "translate": {"enabled": False},
            "normalize": {"registry": REGISTRY},
        }
    )
    run_pipeline(config)
    return folder / "en"


@pytest.fixture
def workspace(tmp_path: Path, english_dataset: Path) -> tuple[Path, Path]:
    dataset = tmp_path / "en"
    shutil.copytree(english_dataset, dataset)
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    return dataset, registry


def _client(dataset: Path, registry: Path) -> TestClient:
    return TestClient(create_app(dataset, registry, {HOST}), base_url=f"http://{HOST}", follow_redirects=False)


def test_serving_beyond_this_machine_is_refused_without_allow_remote(workspace: tuple[Path, Path]) -> None:
    # Before: `--host 0.0.0.0` served the page (and its token) to the network, with no warning.
    dataset, registry = workspace
    command = [sys.executable, "-m", "pipeline", "review", str(dataset), "--registry", str(registry), "--host", "0.0.0.0", "--port", "0"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr


def test_served_beyond_this_machine_every_request_needs_the_token(workspace: tuple[Path, Path]) -> None:
    # Before: any client sending `Host: 0.0.0.0:P` got the page, its form token, and the registry.
    dataset, registry = workspace
    app = create_app(dataset, registry, {"0.0.0.0:8765"}, url_token="secret-token")
    client = TestClient(app, base_url="http://0.0.0.0:8765", follow_redirects=False)
    assert client.get("/").status_code == 403
    assert client.get("/", params={"token": "wrong"}).status_code == 403
    assert client.post("/action", data={"action": "undo"}).status_code == 403
    entry = client.get("/", params={"token": "secret-token"})
    assert entry.status_code == 303 and "review_token" in entry.headers["set-cookie"]
    assert client.get("/").status_code == 200  # the cookie carries it from now on


def test_a_chart_index_naming_a_file_outside_the_charts_folder_is_not_served(tmp_path: Path, workspace: tuple[Path, Path]) -> None:
    # Before: charts/index.json naming ../../secret.png had the server read and send that file.
    dataset, registry = workspace
    secret = dataset.parent / "secret.png"
    secret.write_text("not for the network")
    (dataset / "charts").mkdir(exist_ok=True)
    (dataset / "charts" / "index.json").write_text(json.dumps([{"file": "charts/../../secret.png", "title": "x"}]))
    response = _client(dataset, registry).get("/charts/secret.png")
    assert response.status_code == 404 and "not for the network" not in response.text


def _open_variants(dataset: Path) -> list[dict[str, str]]:
    return [row for row in read_table(dataset / "names.csv")[1] if row["status"] in ("new", "pending", "auto")]


def test_undo_is_each_reviewers_own(workspace: tuple[Path, Path]) -> None:
    # Before: one history per server: browser 1's Undo reverted browser 2's accept.
    dataset, registry = workspace
    app = create_app(dataset, registry, {HOST})
    first, second = (TestClient(app, base_url=f"http://{HOST}", follow_redirects=False) for _ in range(2))
    token = app.state.review.token
    rows = _open_variants(dataset)
    assert len(rows) >= 2, "the English sample has open spellings to review"
    one, two = rows[0], next(row for row in rows[1:] if row["variant"] != rows[0]["variant"])
    for client, row in ((first, one), (second, two)):
        client.get("/")
        fields = {"token": token, "action": "reject", "variant": row["variant"], "entity_id": row["entity_id"]}
        assert client.post("/action", data=fields).status_code == 303
    # The first reviewer's Undo: their decision was followed by another's, so it is refused; it
    # never reverts the second reviewer's.
    assert first.post("/action", data={"token": token, "action": "undo"}).status_code == 303
    statuses = {row["variant"]: row["status"] for row in read_table(dataset / "names.csv")[1]}
    assert statuses[two["variant"]] == "rejected"
    # The second reviewer's own Undo reverts their own decision.
    assert second.post("/action", data={"token": token, "action": "undo"}).status_code == 303
    statuses = {row["variant"]: row["status"] for row in read_table(dataset / "names.csv")[1]}
    assert statuses[two["variant"]] == two["status"] and statuses[one["variant"]] == "rejected"


@pytest.mark.parametrize("page", ["9" * 5000, "²", "-3", "1e9", "٣"])
def test_any_page_number_gives_a_page(workspace: tuple[Path, Path], page: str) -> None:
    # Before: 5,000 digits or "²" made int() raise: a 500.
    assert _client(*workspace).get("/", params={"page": page}).status_code == 200


def test_the_address_printed_takes_connections_before_the_server_has_started(
    workspace: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: the socket was bound but listened only once uvicorn had started, so a browser opened
    # at once on a loaded machine got "connection refused" (a flaky browser test).
    import io
    import socket
    import threading

    import uvicorn

    from pipeline.review.app import serve

    dataset, registry = workspace
    started = threading.Event()
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: started.wait(10))  # a slow start
    announce = io.StringIO()
    server = threading.Thread(target=serve, args=(dataset, registry), kwargs={"port": 0, "announce": announce}, daemon=True)
    server.start()
    try:
        for _ in range(200):
            if announce.getvalue():
                break
            threading.Event().wait(0.05)
        assert announce.getvalue().startswith("review: http://127.0.0.1:")
        port = int(announce.getvalue().split()[1].rsplit(":", 1)[1].strip("/"))
        # Refused (ConnectionRefusedError) unless the socket listens; queued while uvicorn starts.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            assert connection.getpeername()[1] == port
        assert not started.is_set() and server.is_alive()  # the server had not started yet
    finally:
        started.set()
        server.join(10)
