"""Start-up: what a run imports and loads before its first document, and what it leaves for the
documents that need it (benchmarks/scale.py --startup measures the seconds)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

from pipeline import scripts

ROOT = Path(__file__).resolve().parent.parent

# What `python -m pipeline run` imports before its first document (pipeline.cli's _run and the
# chain it builds).
RUN_PATH = ["pipeline.cli", "pipeline.config", "pipeline.names", "pipeline.publish", "pipeline.report", "pipeline.run", "pipeline.chain"]
# Imported by the stage or reader that needs them, when it first does: each costs a tenth of a
# second to seconds, and many runs need none of them (no HTML, no Word file, translation off).
LAZY = [
    "matplotlib",  # the charts, at publish
    "torch",
    "transformers",
    "datasets",
    "pandas",  # pyarrow imports it at the first shard written, not before
    "natasha",  # the NER tagger, on the first Russian text
    "slovnet",
    "trafilatura",  # HTML pages
    "dateparser",  # dates that are not ISO
    "docx",
    "pypdfium2",
    "warcio",
    "tldextract",  # outlets from URLs
    "charset_normalizer",  # files that are not UTF-8
]


def _imported_after(code: str) -> set[str]:
    """The top-level packages of LAZY that are imported once `code` has run in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(name for name in {LAZY!r} if name in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_run_path_imports_no_heavy_package():
    assert _imported_after("\n".join(f"import {module}" for module in RUN_PATH)) == set()


def test_english_text_does_not_load_the_ner_tagger():
    code = "from pipeline.names.ner import ner_spans\nassert ner_spans([]) == [] and ner_spans(['', ' ']) == [[], []]"
    assert "natasha" not in _imported_after(code)


def test_russian_text_loads_the_ner_tagger():
    # The check above could pass with a tagger never loaded at all.
    assert "natasha" in _imported_after("from pipeline.names.ner import ner_spans\nner_spans(['Жёны собрались в Москве.'])")


def test_format_characters_are_found_in_their_planes_alone():
    every = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"]
    assert scripts.format_characters(scripts.FORMAT_CHARACTER_PLANES) == every
    assert "\u200b" in every and "\U000e0001" in every  # zero-width space; plane 14's language tag
