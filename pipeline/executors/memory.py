"""What the document steps held, given back before the corpus steps and publish (the run
process's peak RSS; pipeline/__init__.py picks Arrow's allocator for the same reason)."""

from __future__ import annotations

import ctypes
import gc
import sys


def release_document_memory() -> None:
    """Once every document has gone through the document steps in this process: clear the
    pipeline's memo caches (the NER model is one, with the words and spans they keep), collect,
    and hand the freed heap back to the system, so that the corpus steps and publish do not add
    their memory on top of it. The caches are pure: a later call fills them again."""
    for name, module in list(sys.modules.items()):
        if name == "pipeline" or name.startswith("pipeline."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    gc.collect()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
    if trim is not None:
        trim(0)
