"""After the barrier: every document is staged; the corpus steps run on the staged dataset, in
the order the chain lists them, in this process (on Ray too: the driver holds the staging folder)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from pipeline.chain import Chain
from pipeline.executors.resume import Completions


@dataclass
class Executed:
    """What an executor hands back: the seconds of each step and the run's completion records."""

    seconds: dict[str, float]
    completions: Completions


def run_corpus_steps(chain: Chain) -> dict[str, float]:
    """Run every corpus step on the sink's staged dataset; the seconds of each."""
    staged = chain.sink.staged()
    seconds = {}
    for step in chain.corpus_steps:
        started = time.perf_counter()
        step.run_corpus(staged)
        seconds[step.name] = round(time.perf_counter() - started, 3)
    return seconds
