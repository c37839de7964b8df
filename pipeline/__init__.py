"""Russian, Thai and English news into one English corpus with canonical names."""

import os

# One BLAS thread, set before numpy loads: the NER tagger multiplies small matrices, where
# OpenBLAS's extra threads only spin against each other and the rest of the process (three
# times slower per document on two busy cores). A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Arrow's allocator, read once when pyarrow first allocates: its default (mimalloc) keeps some
# 50 MB resident per shard read back of which 5 MB were ever allocated; the C library's heap
# gives it back (the run process's peak RSS, executors/memory.py).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"
