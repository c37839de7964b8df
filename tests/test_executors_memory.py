"""What the run process gives back before the corpus steps and publish, and Arrow's allocator."""

from __future__ import annotations

import subprocess
import sys

from pipeline.executors.memory import release_document_memory
from pipeline.names.person.folding import fold_token


def test_release_empties_the_memo_caches_and_they_fill_again() -> None:
    folded = fold_token("Иванов")
    assert fold_token.cache_info().currsize > 0
    release_document_memory()
    assert fold_token.cache_info().currsize == 0
    assert fold_token("Иванов") == folded


def test_arrow_allocates_from_the_c_library_once_pipeline_is_imported() -> None:
    # In a fresh process: the pool is chosen when pyarrow first allocates.
    code = "import pipeline, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "system"
