"""Putting a finished dataset in place: only over a dataset of ours, in one step, losing no review.

`<output>/<name>` may hold anything a user put there. A run replaces it only if a run of ours
made it (it has our run_report.json); anything else stops the run before any work is done.
The new dataset takes the old one's place in one step (Linux: renameat2 RENAME_EXCHANGE):
at no moment is there no dataset under the name. Where the system cannot exchange two folders,
two renames are used, and a run that died between them is mended by the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline.names.registry import RegistryError
from pipeline.names.registry.edits import registry_lock
from pipeline.names.registry.review import apply_decisions, read_review_table
from pipeline.publish.lock import OutputLocked

REPORT_FILE = "run_report.json"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputNotOurs(OutputLocked):
    """`<output>/<name>` holds something a run of ours did not make: nothing is written over it."""


def is_our_dataset(folder: Path, name: str) -> bool:
    """Whether `folder` is a dataset a run of this pipeline published under `name` (by its report)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and report.get("name") == name and "pipeline_version" in report and "config_hash" in report


def check_target(target: Path) -> None:
    """OutputNotOurs unless `target` is absent or a dataset of ours."""
    if not (target.exists() or target.is_symlink()) or is_our_dataset(target, target.name):
        return
    what = "a file" if target.is_file() else "a symbolic link" if target.is_symlink() else "a folder"
    raise OutputNotOurs(
        f"{target} is {what} this pipeline did not publish (no {REPORT_FILE} of a run named {target.name!r}); "
        "nothing was written: move it away, or choose another name or --output"
    )


def _old_copies(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.old-*"))


def recover_interrupted_swap(target: Path) -> None:
    """Mend what a run killed between the two renames of the fallback swap left behind.

    With no dataset under the name, the newest old copy goes back in place; with one, the old
    copies are leftovers of a finished swap and are removed (only ones that are ours).
    """
    old = [path for path in _old_copies(target) if is_our_dataset(path, target.name)]
    if old and not (target.exists() or target.is_symlink()):
        os.rename(old.pop(), target)
    for path in old:
        shutil.rmtree(path, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step; False where the system has no such call."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # the kernel or file system cannot
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_into_place(staging: Path, target: Path) -> None:
    """Move the finished `staging` folder to `target`, replacing the dataset there in one step."""
    if not (target.exists() or target.is_symlink()):
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now the old dataset
        return
    old = target.with_name(f".{target.name}.old-{int(time.time() * 1000)}")
    os.replace(target, old)
    os.replace(staging, target)  # killed before this line: the next run puts `old` back
    shutil.rmtree(old)


def table_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _recorded_digest(dataset: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError, AttributeError, KeyError, TypeError):
        value = json.loads((dataset / REPORT_FILE).read_text(encoding="utf-8"))["names"]["table_sha256"]
        return value if isinstance(value, str) else None
    return None


def has_unapplied_decisions(table: Path, registry: Path | None, digest: str | None) -> bool:
    """Whether the published names.csv holds review decisions the registry does not have yet.

    Unchanged since the run wrote it (its digest is in the run report): none. Otherwise the
    decisions are applied, as `names apply` would, to a copy of the registry: if the copy
    changes, they are not in the registry yet. A table that cannot be read as a review, or
    with no registry to compare with, is taken to hold some: keeping it costs one file.
    """
    if digest is not None and table_digest(table) == digest:
        return False
    if registry is None or not registry.is_file():
        return True
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / registry.name
        shutil.copyfile(registry, copy)
        before = copy.read_bytes()
        try:
            apply_decisions(lambda parsed: read_review_table(table, parsed), copy)
        except (RegistryError, OSError, ValueError):
            return True
        return copy.read_bytes() != before


def keep_unapplied_review(target: Path, registry: Path | None) -> Path | None:
    """Copy the old dataset's names.csv beside the dataset if a reviewer's decisions in it would be lost."""
    table = target / "names.csv"
    if not table.is_file() or not has_unapplied_decisions(table, registry, _recorded_digest(target)):
        return None
    kept = target.with_name(f"{target.name}.names-unapplied-{time.strftime('%Y%m%d-%H%M%S')}.csv")
    shutil.copyfile(table, kept)
    return kept


@contextlib.contextmanager
def dataset_lock(registry: Path | None) -> Iterator[None]:
    """The lock the review page saves under: a save and the swap of its dataset never interleave."""
    if registry is None or not registry.parent.is_dir():
        yield
        return
    with registry_lock(registry):
        yield
