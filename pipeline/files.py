"""Atomic writes: a file or folder appears whole under its name, or not at all."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write a file or folder into; renamed to `path` on success.

    On an error the temporary file or folder is removed and `path` is left as it was.
    """
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.is_dir() and not temporary.is_symlink():
            shutil.rmtree(temporary, ignore_errors=True)
        elif temporary.exists():
            temporary.unlink()


# What tells a file changed: modification and change times, size and inode.
FileStamp = tuple[int, int, int, int]


def file_stamp(path: Path) -> FileStamp:
    """What tells a file changed: its modification and change times, size and inode (a file
    replaced by rename, as every atomic write here does, has a new inode)."""
    status = path.stat()
    return status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino


def write_text_atomically(path: Path, text: str) -> None:
    with atomic_target(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


class NotReadable(Exception):
    """A path that is not read: not a regular file now, a link now, or too large; the message says which."""


def open_regular_file(path: Path, max_bytes: int | None = None) -> BinaryIO:
    """The regular file at `path`, opened once for reading: what is checked is what is read.

    Checking a path and then opening it lets the file be swapped in between (for a link to
    /etc/passwd, or a pipe that blocks forever). So it is opened without following a link and
    without blocking, and the open file itself is checked (fstat) before a byte is read.
    NotReadable says why not; other OSErrors (permission, vanished) pass through. `max_bytes`
    (None: no limit, for an archive read as a stream) refuses a larger file.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotReadable("became a symbolic link during the run: not read") from error
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotReadable("not a regular file (a pipe, a device or a folder now): not read")
        if max_bytes is not None and status.st_size > max_bytes:
            raise NotReadable(f"file is {status.st_size:,} bytes, over the limit of {max_bytes:,} (ingest.max_file_bytes)")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path` (see open_regular_file), never more than `max_bytes`."""
    with open_regular_file(path, max_bytes) as file:
        chunks, size = [], 0
        # Read to the end, but never past the limit: the file may grow while it is read.
        while chunk := file.read(min(1 << 20, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise NotReadable(f"file grew past the limit of {max_bytes:,} bytes while it was read (ingest.max_file_bytes)")
        return b"".join(chunks)
