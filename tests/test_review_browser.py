"""The review page in a real browser: headless Chromium (Debian's chromium + chromium-driver)
driven by Selenium against `python -m pipeline review` on a run of data/raw.

Skips when no Chromium is installed (a developer machine); CI (.ci/run) installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.names import load_registry
from tests.conftest import REGISTRY, ROOT
from tests.test_review import add_script_row, rows_by_variant

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="no browser: install Chromium (apt-get install -y chromium chromium-driver) to run these"
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture
def served(tmp_path: Path, published: Path) -> Iterator[tuple[str, Path, Path]]:
    """`python -m pipeline review` on a copy of the run, on a free port: (address, dataset, registry)."""
    dataset = tmp_path / "sample"
    shutil.copytree(published, dataset)
    add_script_row(dataset)
    registry = tmp_path / "names.yaml"
    shutil.copy(REGISTRY, registry)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pipeline", "review", str(dataset), "--registry", str(registry), "--port", "0"]
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("review: http://127.0.0.1:"), line + (server.stderr.read() if server.stderr else "")
        yield line.split()[1], dataset, registry
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module: each test opens its own server's page (its own port,
    so its own origin and storage)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def row(driver: object, entity_id: str, variant: str) -> object:
    from selenium.webdriver.common.by import By

    for candidate in driver.find_elements(By.CSS_SELECTOR, f"#g-{entity_id} tr.spelling"):  # type: ignore[attr-defined]
        if candidate.get_attribute("data-variant") == variant:
            return candidate
    raise AssertionError(f"no row {variant!r} in {entity_id}")


def click(driver: object, element: object) -> Callable[[], object]:
    """A click on an element brought to the middle of the window (not under the sticky header)."""

    def press() -> object:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)  # type: ignore[attr-defined]
        return element.click()  # type: ignore[attr-defined]

    return press


def submit(driver: object, press: Callable[[], object]) -> str:
    """Do what submits a form, wait for the next page, and return its message."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")  # type: ignore[attr-defined]
    press()
    WebDriverWait(driver, 20).until(staleness_of(page))  # type: ignore[arg-type]
    # and for its script to have run (it puts the focus back where the reviewer was)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")  # type: ignore[attr-defined]
    return str(driver.find_element(By.ID, "message").text)  # type: ignore[attr-defined]


def test_review_in_a_browser(served: tuple[str, Path, Path], browser: object) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    address, dataset, registry = served
    driver = browser
    driver.get(address)  # type: ignore[attr-defined]
    # The <script> spelling is text on the page, and nothing ran.
    script_row = row(driver, "put-domoi", "<script>alert(1)</script>")
    assert script_row.find_element(By.CSS_SELECTOR, "td.variant").text == "<script>alert(1)</script>"  # type: ignore[attr-defined]
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # type: ignore[attr-defined]  # noqa: B018

    # Accept a pending spelling with the keyboard: focus its row, press a.
    driver.execute_script("arguments[0].focus()", row(driver, "put-domoi", "Put Damoi"))  # type: ignore[attr-defined]
    assert "1 accepted" in submit(driver, lambda: driver.switch_to.active_element.send_keys("a"))  # type: ignore[attr-defined]

    # Reject a group.
    reject_group = driver.find_element(By.CSS_SELECTOR, "#g-combat-brotherhood button[value='reject-group']")  # type: ignore[attr-defined]
    assert "rejected" in submit(driver, click(driver, reject_group))

    # Move a spelling to another entity, typed in its search box.
    mediazone = row(driver, "mediazona", "Mediazone")
    mediazone.find_element(By.NAME, "target").send_keys("istories — IStories")  # type: ignore[attr-defined]
    assert "1 moved" in submit(driver, click(driver, mediazone.find_element(By.CSS_SELECTOR, "button[value='move']")))  # type: ignore[attr-defined]
    assert row(driver, "istories", "Mediazone")

    loaded = load_registry(registry)
    assert "Put Damoi" in loaded.entities["put-domoi"].variants
    assert ("combat brothers", "combat-brotherhood") in loaded.rejected
    assert "Mediazone" in loaded.entities["istories"].variants
    rows = rows_by_variant(dataset)
    assert rows["Put Damoi"]["status"] == "accepted"
    assert rows["Combat Brothers"]["status"] == "rejected"
    assert (rows["Mediazone"]["entity_id"], rows["Mediazone"]["status"]) == ("istories", "accepted")

    # Undo takes the move back.
    assert "undone" in submit(driver, click(driver, driver.find_element(By.ID, "undo")))  # type: ignore[attr-defined]
    assert rows_by_variant(dataset)["Mediazone"]["entity_id"] == "mediazona"


def test_the_page_shows_why_each_group_was_grouped(served: tuple[str, Path, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By

    address, _, _ = served
    driver = browser
    driver.get(address)  # type: ignore[attr-defined]
    # A proposed group: "Москва" and "Moscow" by the exonym list, said beside the group and each spelling.
    head = driver.find_element(By.CSS_SELECTOR, "#g-new-moscow .group-head .reason")  # type: ignore[attr-defined]
    assert head.is_displayed() and head.text == "grouped by: exonym list"
    spelling = row(driver, "new-moscow", "Москва").find_element(By.CSS_SELECTOR, "td.status .reason")  # type: ignore[attr-defined]
    assert spelling.text == "exonym list"
    # A registered one: its canonical name, its registered variants, a spelling matched for review.
    registered = driver.find_element(By.CSS_SELECTOR, "#g-put-domoi .group-head .reason").text  # type: ignore[attr-defined]
    assert {"registry canonical", "registry variant", "registry match fuzzy"} <= set(registered.removeprefix("grouped by: ").split("; "))


def test_keys_move_edit_and_mark_not_a_name(served: tuple[str, Path, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By

    address, dataset, registry = served
    driver = browser
    driver.get(address)  # type: ignore[attr-defined]
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.spelling")  # type: ignore[attr-defined]

    def press(key: str) -> object:
        driver.switch_to.active_element.send_keys(key)  # type: ignore[attr-defined]
        return driver.switch_to.active_element  # type: ignore[attr-defined]

    # j and k move between spellings, from the top of the page.
    assert press("j") == rows[0] and press("j") == rows[1] and press("j") == rows[2] and press("k") == rows[1]
    # e edits the canonical name of the current spelling's group.
    group = rows[1].find_element(By.XPATH, "./ancestor::section")  # type: ignore[attr-defined]
    editing = press("e")
    assert editing.get_attribute("name") == "canonical"  # type: ignore[attr-defined]
    assert editing == group.find_element(By.NAME, "canonical")  # type: ignore[attr-defined]

    # n marks the focused spelling "not a name".
    driver.execute_script("arguments[0].focus()", row(driver, "put-domoi", "Put Damoi"))  # type: ignore[attr-defined]
    assert "1 not a name" in submit(driver, lambda: press("n"))
    assert "put damoi" in load_registry(registry).not_names
    assert rows_by_variant(dataset)["Put Damoi"]["status"] == "not_a_name"


def focused(driver: object) -> tuple[str, str] | None:
    """(group id, variant) of the spelling row that has the focus (None: no row has it)."""
    import time

    for _ in range(50):  # the page's script restores the focus once the page has loaded
        element = driver.switch_to.active_element  # type: ignore[attr-defined]
        if element.tag_name == "tr":
            return element.find_element("xpath", "./ancestor::section").get_attribute("data-entity"), element.get_attribute("data-variant")
        time.sleep(0.1)
    return None


# (group id, variant, first word of the shown status) of every spelling row, in one round trip
# to the browser: asked element by element, a page of rows took seconds, and a whole pass minutes.
SPELLING_ROWS = """
return Array.from(document.querySelectorAll("tr.spelling"), (row) => [
    row.closest("section").getAttribute("data-entity"),
    row.getAttribute("data-variant"),
    row.querySelector("td.status").innerText.trim().split(/\\s+/)[0],
]);
"""


def open_rows(driver: object) -> list[tuple[str, str, str]]:
    rows = driver.execute_script(SPELLING_ROWS)  # type: ignore[attr-defined]
    return [(entity, variant, status) for entity, variant, status in rows if status in ("new", "pending")]


@pytest.mark.slow
def test_a_reviewers_whole_pass_with_keys_only(served: tuple[str, Path, Path], browser: object, tmp_path: Path) -> None:
    """j once, then a/r/n only: each decision saved, the focus on the next open spelling every time
    (not back at the top), and what the page saved is what `names apply` makes of the same rows."""
    from pipeline.names import apply_review
    from pipeline.names.table.spreadsheet import read_table
    from tests.conftest import REGISTRY

    address, dataset, registry = served
    driver = browser
    driver.get(address)  # type: ignore[attr-defined]
    original = read_table(dataset / "names.csv")
    # A Russian-source spelling the run did not replace shows its document's date.
    moscow = row(driver, "new-moscow", "Москва")
    assert "no dates" not in moscow.find_element("css selector", "td.meta").text  # type: ignore[attr-defined]
    keys = {"Минюст": "r", "Combat Brothers": "r", "<script>alert(1)</script>": "n"}
    driver.switch_to.active_element.send_keys("j")  # type: ignore[attr-defined]
    decided: list[tuple[str, str]] = []
    for _ in range(40):
        todo = open_rows(driver)
        if not todo:
            break
        here = focused(driver)
        assert here is not None, decided  # never lost: no Tab or click needed to go on
        if here[1] not in {variant for _, variant, _ in todo}:
            driver.switch_to.active_element.send_keys("j")  # type: ignore[attr-defined]
            continue
        variants = [variant for _, variant, _ in open_rows(driver)]
        expected = variants[variants.index(here[1]) + 1] if variants.index(here[1]) + 1 < len(variants) else None
        key = keys.get(here[1], "a")
        message = submit(driver, lambda: driver.switch_to.active_element.send_keys(key))  # type: ignore[attr-defined]  # noqa: B023
        assert not message.startswith("not saved") and "unchanged" not in message, (here, message)  # every decision took
        decided.append((here[1], key))
        if expected is not None:  # on to the next open spelling, not back at the top of the page
            assert (focused(driver) or ("", ""))[1] == expected, (here, expected, decided)
    assert not open_rows(driver) and len(decided) == len([r for r in original[1] if r["status"] in ("new", "pending")])
    # The Moscow row is its proposed group's canonical spelling: accepting it created the entity.
    page_registry = load_registry(registry)
    assert page_registry.entities["moscow"].native == ("Москва",)
    # The same rows through `names apply`, on the registry as it was: the same registry.
    by_apply = tmp_path / "by-apply.yaml"
    shutil.copy(REGISTRY, by_apply)
    apply_review(dataset / "names.csv", by_apply)
    applied = load_registry(by_apply)
    assert applied.entities == page_registry.entities
    assert (applied.rejected, applied.not_names, applied.confirmed) == (
        page_registry.rejected,
        page_registry.not_names,
        page_registry.confirmed,
    )
    assert apply_review(dataset / "names.csv", registry)["accepted"] == 0  # and names.csv says what the registry holds


def test_enter_in_the_move_box_moves(served: tuple[str, Path, Path], browser: object) -> None:
    from selenium.webdriver.common.keys import Keys

    address, dataset, registry = served
    driver = browser
    driver.get(address)  # type: ignore[attr-defined]
    mediazone = row(driver, "mediazona", "Mediazone")
    box = mediazone.find_element("name", "target")  # type: ignore[attr-defined]
    box.send_keys("IStories")  # the canonical name, not the id
    assert "1 moved" in submit(driver, lambda: box.send_keys(Keys.ENTER))
    loaded = load_registry(registry)
    assert "Mediazone" in loaded.entities["istories"].variants and "Mediazone" not in loaded.entities["mediazona"].variants
    moved = rows_by_variant(dataset)["Mediazone"]
    assert (moved["entity_id"], moved["canonical"], moved["status"]) == ("istories", "IStories", "accepted")
    assert row(driver, "istories", "Mediazone")
