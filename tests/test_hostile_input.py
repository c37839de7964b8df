"""Hostile input (issue 26): no file, line or name stops a run, stalls it, or is read behind its back.

The reproductions of the audit, one test each, then a property test that feeds ingest random
and pathological files, and a time budget for pathological text as a ratio to a normal file's.
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import RunConfig
from pipeline.ingest import Ingest
from pipeline.ingest.dates import parse_date
from pipeline.run import run_pipeline
from pipeline.scripts import has_words
from tests.conftest import RAW, REGISTRY, run_in_process, write_config

GOOD = "date 2023-01-01\nThe wives of mobilised men went to the Kremlin again on Saturday morning.\n"
EXTENSIONS = [".txt", ".md", ".html", ".htm", ".jsonl"]
# Written by hand for the oracle, not taken from the code: characters that print as nothing.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u202e", "\u202d", "\u2066", "\u200f"]


def _ingest(folder: Path) -> Ingest:
    return Ingest(folder, EXTENSIONS, 5_000_000, ["cp1251", "koi8_r", "cp874"])


def _read(folder: Path) -> tuple[list[str], dict[str, list[str]]]:
    """(sources of the documents read, source -> reasons skipped)."""
    ingest = _ingest(folder)
    sources = [document.source for document in ingest.run()]
    skipped: dict[str, list[str]] = {}
    for item in ingest.skipped:
        skipped.setdefault(item["source"], []).append(item["reason"])
    return sources, skipped


def test_a_jsonl_line_nested_1000_deep_costs_that_line_alone(tmp_path: Path) -> None:
    # Before: RecursionError out of the furniture pass, and the run died.
    (tmp_path / "deep.jsonl").write_text(json.dumps({"text": GOOD}) + "\n" + "[" * 1000 + "]" * 1000 + "\n")
    sources, skipped = _read(tmp_path)
    assert sources == ["deep.jsonl"]
    assert skipped == {"deep.jsonl": ["line 2: could not be read: nested too deeply"]}


def test_a_jsonl_text_holding_line_separators_is_one_record(tmp_path: Path) -> None:
    # JSON strings may hold U+2028 and NEL as they are; JSON Lines ends a line at \n only.
    text = "The wives met again.\u2028They went to the Kremlin.\u0085Nobody came out."
    (tmp_path / "lines.jsonl").write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    sources, skipped = _read(tmp_path)
    assert (sources, skipped) == (["lines.jsonl"], {})


def test_a_file_of_unicode_whitespace_only_is_reported_empty(tmp_path: Path) -> None:
    # Found by the fuzz test: a .jsonl holding only NEL was neither published nor reported.
    for name, content in (("nel.jsonl", "\u0085"), ("spaces.txt", "\u3000\u2028\n")):
        (tmp_path / name).write_text(content, encoding="utf-8")
    sources, skipped = _read(tmp_path)
    assert (sources, skipped) == ([], {"nel.jsonl": ["empty file"], "spaces.txt": ["empty file"]})


def test_copies_of_one_article_are_not_taken_for_site_furniture(tmp_path: Path) -> None:
    # Found by the fuzz test: three files with the same text had every line counted as repeated
    # furniture, and all three were skipped as empty.
    for index in range(3):
        (tmp_path / f"{index}.txt").write_text(GOOD, encoding="utf-8")
    sources, skipped = _read(tmp_path)
    assert (sorted(sources), skipped) == (["0.txt", "1.txt", "2.txt"], {})


def test_a_file_name_that_is_not_utf8_is_read_under_an_escaped_name(tmp_path: Path) -> None:
    # Before: UnicodeEncodeError making the document id.
    with open(os.fsencode(tmp_path) + b"/b\xff.txt", "wb") as file:
        file.write(GOOD.encode())
    ingest = _ingest(tmp_path)
    documents = list(ingest.run())
    assert [document.source for document in documents] == ["b\\xff.txt"]
    assert documents[0].id and documents[0].source.encode("utf-8")


@pytest.mark.parametrize("charset", ["zlib", "bz2", "base64", "hex", "rot13", "uu", "idna", "no-such-charset"])
def test_a_page_declaring_a_codec_that_is_not_a_text_encoding_is_still_read(tmp_path: Path, charset: str) -> None:
    # Before: LookupError or UnicodeError (zlib.error for zlib) out of the decoder.
    page = f'<html><head><meta charset="{charset}"><title>Wives</title></head><body><p>{GOOD} caf\xe9.</p></body></html>'
    (tmp_path / "page.html").write_bytes(page.encode("latin-1"))
    sources, skipped = _read(tmp_path)
    assert sources == ["page.html"], skipped


def test_lone_surrogates_in_a_jsonl_line_become_replacement_characters(tmp_path: Path) -> None:
    # Before: UnicodeEncodeError (making the id, or writing parquet) and the run died.
    (tmp_path / "s.jsonl").write_text('{"text": "The wives \\ud800 went to the Kremlin.", "title": "x\\udc00y", "outlet": "O\\ud800"}\n')
    documents = list(_ingest(tmp_path).run())
    assert len(documents) == 1
    document = documents[0]
    assert "\ufffd" in document.text and document.title == "x\ufffdy" and document.outlet == "O\ufffd"
    for value in (document.text, document.title, document.outlet, document.paragraphs[0].text):
        value.encode("utf-8")  # no surrogate is left to fail on


def test_text_is_nfc_with_invisible_characters_folded_at_ingest(tmp_path: Path) -> None:
    decomposed = "Grigo\u0301ry Sverdlin and \u041f\u0443\u0442\u044c \u0434\u043e\u043c\u043e\u0438\u0306"
    (tmp_path / "a.txt").write_text(f"Put'\u200bDomoi and Sver\u00addlin. {decomposed} spoke.\n")
    text = next(iter(_ingest(tmp_path).run())).text
    assert not any(char in text for char in INVISIBLE)
    assert "Put'Domoi" in text and "Sverdlin." in text
    assert "Grigóry" in text and "Путь домой" in text  # composed: the registry's spellings


def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path: Path) -> None:
    # Before: checked, then read: the link's target (/etc/passwd) was published.
    (tmp_path / "a.txt").write_text(GOOD)
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" * 3)
    ingest = _ingest(tmp_path)
    ingest.files()  # listed while it was a file
    (tmp_path / "a.txt").unlink()
    (tmp_path / "a.txt").symlink_to(secret)
    assert list(ingest.run()) == []
    assert "outside the input folder" in ingest.skipped[0]["reason"]


def test_a_file_swapped_for_a_link_inside_the_folder_is_refused_at_open(tmp_path: Path) -> None:
    """Even a link the listing would allow is not followed when it appears after the listing."""
    from pipeline.files import NotReadable, read_regular_file

    (tmp_path / "b.txt").write_text(GOOD)
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    with pytest.raises(NotReadable, match="symbolic link"):
        read_regular_file(tmp_path / "a.txt", 1000)


def test_a_file_swapped_for_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    # Before: read_bytes() on the FIFO blocked forever (here: until the alarm below).
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(60)
    (tmp_path / "a.txt").write_text(GOOD)
    (tmp_path / "b.txt").write_text(GOOD + "More.")
    ingest = _ingest(tmp_path)
    ingest.files()
    (tmp_path / "a.txt").unlink()
    os.mkfifo(tmp_path / "a.txt")
    assert [document.source for document in ingest.run()] == ["b.txt"]
    signal.alarm(0)
    assert ingest.skipped[0]["source"] == "a.txt" and "not a regular file" in ingest.skipped[0]["reason"]


def _timeout(*_: object) -> None:
    raise TimeoutError("blocked on the FIFO")


def test_a_link_to_a_folder_holding_the_input_folder_is_not_walked(tmp_path: Path) -> None:
    # Before, with follow_external_links: a link to / walked the whole file system.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD)
    (folder / "root").symlink_to("/")
    (folder / "parent").symlink_to(tmp_path)
    ingest = Ingest(folder, EXTENSIONS, 5_000_000, ["cp1251"], follow_external_links=True)
    assert [path.name for path in ingest.files()] == ["a.txt"]
    assert {item["source"] for item in ingest.skipped} == {"root", "parent"}


def test_the_bad_files_of_the_audit_are_reported_and_the_run_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / "deep.jsonl").write_text(json.dumps({"text": GOOD}) + "\n" + "{" + '"a":{' * 1000 + "}" * 1001 + "\n")
    (folder / "s.jsonl").write_text('{"text": "The wives \\ud800 of mobilised men.", "outlet": "\\ud800"}\n')
    with open(os.fsencode(folder) + b"/b\xff.txt", "wb") as file:
        file.write(GOOD.replace("wives", "mothers").encode())
    (folder / "z.html").write_bytes(b'<meta charset="zlib"><p>The wives of mobilised men met on Saturday. caf\xe9</p>')
    config = write_config(
        tmp_path / "c.yaml",
        f"name: hostile\ninput: {folder}\noutput: {tmp_path / 'out'}\ntranslate:\n  enabled: false\nnormalize:\n  registry: {REGISTRY}\n",
    )
    result = run_in_process("run", str(config), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "out" / "hostile" / "run_report.json").read_text(encoding="utf-8"))
    assert [(item["source"], item["reason"]) for item in report["documents"]["skipped"]] == [
        ("deep.jsonl", "line 2: could not be read: nested too deeply")
    ]
    assert report["documents"]["published"] == 5


# --- Time: pathological text against a normal file of the same size and script ---------------

SIZE = 8_000


def _normal_english(size: int) -> str:
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted((RAW / "en").glob("*.txt")))
    return (text * (size // len(text) + 1))[:size]


def _normal_russian(size: int) -> str:
    text = (RAW / "ru" / "verstka_novosibirsk.txt").read_text(encoding="utf-8")
    return (text * (size // len(text) + 1))[:size]


PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "a@a@a@": lambda n: "a@" * (n // 2),
    "base64 data: URI": lambda n: "data:image/png;base64," + base64.b64encode(random.Random(1).randbytes(n * 3 // 4)).decode(),
    "one long word": lambda n: "x" * n,
    "spaces run": lambda n: "Headline " + " " * n + "| Outlet",
    "unclosed links": lambda n: "[a](" * (n // 4),
    "unclosed brackets": lambda n: "[" * n,
    "unclosed emphasis": lambda n: "*a " * (n // 3),
    "markdown headline of spaces": lambda n: "# a" + " \t" * (n // 2) + "b",
    "tags": lambda n: "<a" * (n // 2),
    "dotted": lambda n: "a.b" * (n // 3),
    "digits and dots": lambda n: "1." * (n // 2),
    "url of slashes": lambda n: "https://x/" + "a/" * (n // 2),
    "email-ish": lambda n: "a@a." * (n // 4),
}


def _stages() -> tuple[object, ...]:
    from pipeline.chain import build_steps

    config = RunConfig.model_validate({"name": "t", "translate": {"enabled": False}, "normalize": {"registry": str(REGISTRY)}})
    stages = build_steps(config).steps
    return stages[1], stages[3]  # detect, normalize: the per-document work on a file's text


def _seconds(stages: tuple[object, ...], folder: Path, name: str, text: str) -> float:
    """Seconds from reading one file to its normalized document (the best of two: less noise)."""
    detect, normalize = stages
    best = float("inf")
    for attempt in range(2):
        place = folder / f"{name}-{attempt}"
        place.mkdir()
        # Each attempt its own words: the stages' caches must not make the second one free.
        (place / "f.txt").write_text(f"{attempt} {text}", encoding="utf-8")
        started = time.perf_counter()
        documents = list(normalize.run(detect.run(_ingest(place).run())))  # type: ignore[attr-defined]
        best = min(best, time.perf_counter() - started)
        assert len(documents) <= 1
    return best


# Below this many seconds a ratio measures the scheduler of a loaded machine, not the code: 110 ms
# for a hostile file against 20 ms failed under a load of 5. The bugs these tests guard against
# took 30 to 80 s, far above 5 x this floor.
FLOOR = 0.1


@pytest.fixture(scope="module")
def text_stages() -> tuple[object, ...]:
    stages = _stages()
    # Load every lazily loaded model (Russian NER, morphology) before anything is timed.
    list(stages[1].run(stages[0].run(_ingest(RAW / "ru").run())))  # type: ignore[attr-defined]
    return stages


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_text_costs_at_most_5x_a_normal_file(tmp_path: Path, text_stages: tuple[object, ...], name: str) -> None:
    normal = _seconds(text_stages, tmp_path, "normal", _normal_english(SIZE))
    hostile = _seconds(text_stages, tmp_path, "hostile", PATHOLOGICAL[name](SIZE))
    assert hostile <= 5 * max(normal, FLOOR), f"{name}: {hostile:.3f}s against {normal:.3f}s for a normal file"


def test_a_long_cyrillic_token_costs_at_most_5x_a_normal_russian_file(tmp_path: Path, text_stages: tuple[object, ...]) -> None:
    normal = _seconds(text_stages, tmp_path, "normal", _normal_russian(SIZE))
    hostile = _seconds(text_stages, tmp_path, "hostile", "Я" * SIZE)
    assert hostile <= 5 * max(normal, FLOOR), f"{hostile:.3f}s against {normal:.3f}s"


def _ratio(function: Callable[[str], object], hostile: str, normal: str) -> float:
    def best(text: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            function(text)
            times.append(time.perf_counter() - started)
        return min(times)

    return best(hostile) / max(best(normal), FLOOR)


def test_the_address_pattern_is_linear_on_a_at_a_and_long_tokens() -> None:
    # Before: 6 KB of "a@a@..." took 83 s and a 128 KB token 32 s.
    normal = _normal_english(16_000)
    assert _ratio(has_words, "a@" * 8_000, normal) < 5
    assert _ratio(has_words, "x" * 16_000, normal) < 5


def test_a_long_published_value_is_not_a_date_and_costs_nothing() -> None:
    # Before: a 200 KB `published` value took 59 s in dateparser.
    assert parse_date("1 " * 100_000) is None
    assert _ratio(parse_date, "1 " * 100_000, "July 12, 2022") < 5
    assert str(parse_date("July 12, 2022")) == "2022-07-12"


# --- Property: random and pathological files; every run publishes the good ones ---------------

_GOOD_LINES = [
    "The wives of mobilised men went to the Kremlin again on Saturday morning.",
    "Put' Domoi asked the ministry to bring the men home before winter.",
    "Mothers from Buryatia wrote a letter to the governor about the losses.",
]


@st.composite
def _hostile_file(draw: st.DrawFn) -> tuple[bytes, bytes, bool]:
    """(file name, content, whether it is good: must be published)."""
    kind = draw(st.sampled_from(["good", "deep", "surrogate", "charset", "long token", "nul", "random bytes", "random text", "bad name"]))
    good = draw(st.sampled_from(_GOOD_LINES)).encode()
    if kind == "good":
        return b".txt", good, True
    if kind == "bad name":
        return draw(st.sampled_from([b"\xff.txt", b"\xc3(.md", b"\xed\xa0\x80.txt", b"a\x1b[2J.txt"])), good, True
    if kind == "deep":
        depth = draw(st.integers(500, 5_000))
        return b".jsonl", json.dumps({"text": good.decode()}).encode() + b"\n" + b"[" * depth + b"]" * depth, True
    if kind == "surrogate":
        escape = draw(st.sampled_from(["\\ud800", "\\udfff", "\\udc00\\ud800"]))
        line = '{"text": "' + good.decode() + " " + escape + '", "title": "' + escape + '"}'
        return b".jsonl", line.encode(), True
    if kind == "charset":
        charset = draw(st.sampled_from(["zlib", "bz2", "base64", "hex", "rot13", "uu", "idna", "utf-7", "x-nonsense"]))
        return b".html", b'<meta charset="' + charset.encode() + b'"><p>' + good + b" \xe9</p>", True
    if kind == "long token":
        return b".txt", good + b" " + draw(st.sampled_from([b"a@", b"x", b"<a", b"[a](", b"*a "])) * draw(st.integers(1, 3_000)), True
    if kind == "nul":
        return draw(st.sampled_from([b".txt", b".jsonl", b".html"])), good + b"\x00" + good, False
    if kind == "random bytes":
        return draw(st.sampled_from([b".txt", b".jsonl", b".html", b".md"])), draw(st.binary(max_size=300)), False
    text = draw(st.text(max_size=300))
    return draw(st.sampled_from([b".txt", b".jsonl", b".md"])), text.encode("utf-8", "surrogatepass"), False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(_hostile_file(), min_size=1, max_size=6))
def test_random_and_pathological_files_never_stop_a_run(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[bytes, bytes, bool]]
) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    folder = base / "raw"
    folder.mkdir()
    names, good = [], set()
    for index, (name, content, is_good) in enumerate(files):
        path = os.fsencode(folder) + b"/" + str(index).encode() + name
        with open(path, "wb") as file:
            file.write(content)
        source = os.fsencode(Path(os.fsdecode(path)).relative_to(folder).as_posix()).decode("utf-8", "backslashreplace")
        names.append(source)
        if is_good:
            good.add(source)
    config = RunConfig.model_validate(
        {
            "name": "fuzz",
            "input": folder,
            "output": base / "out",
            "quiet": True,
            "translate": {"enabled": False},
            "normalize": {"registry": REGISTRY},
        }
    )
    try:
        result = run_pipeline(config)
    except Exception as error:  # only "nothing at all to publish" may stop it, and only with no good file
        assert not good and type(error).__name__ == "NothingToPublish", error
        return
    documents = result.report["documents"]
    published = set(_published_sources(base / "out" / "fuzz"))
    reported = {item["source"] for item in documents["skipped"]}
    assert good <= published
    assert set(names) <= published | reported  # every file is published or reported with a reason
    for item in documents["skipped"]:
        assert item["reason"] and "Traceback" not in item["reason"]


def _published_sources(dataset: Path) -> list[str]:
    import pyarrow.parquet as pq

    return [
        source
        for path in sorted((dataset / "data").glob("*.parquet"))
        for source in pq.read_table(path, columns=["source"])["source"].to_pylist()
    ]
