"""One run at a time per dataset: a lock on `<output>/.<name>.lock`, beside the staging folder.

Two runs into one output would write the same staging folder and one would delete the other's
shards. The lock is an fcntl.flock on the lock file, which the operating system releases when
the holding process ends in any way (killed included): a stale lock file from a killed run is
simply locked again. The file holds who has it (pid, host, start time) for the second run's
message; it is left in place afterwards, since deleting it would let two runs lock two files.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


class OutputLocked(Exception):
    """Another running run is writing the same dataset; the message names it."""


def lock_file(output: Path, name: str) -> Path:
    return output / f".{name}.lock"


def _holder() -> str:
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    return f"pid {os.getpid()} on {socket.gethostname()}, started {started}"


@contextmanager
def hold_output(output: Path, name: str) -> Iterator[Path]:
    """Hold the dataset `<output>/<name>` for this run; OutputLocked if another run holds it."""
    path = lock_file(output, name)
    output.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # no O_TRUNC: the holder's line stays
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 1000, 0).decode("utf-8", "replace").strip() or "a run that has not said who it is yet"
            raise OutputLocked(
                f"{output / name} is being written by another run ({holder}; lock file {path}): "
                "wait for it to finish, or publish elsewhere with --output"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, (_holder() + "\n").encode(), 0)
        yield path
    finally:
        os.close(descriptor)  # closing releases the lock
