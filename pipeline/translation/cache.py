"""On-disk translation cache (SQLite), shared by runs and configs.

Keyed by model id + revision + generation settings + source sentence, so a rerun on unchanged
input makes no model call, and one cache file can serve several configs and models. Each batch
is committed as soon as it is translated: a crash loses at most the batch in flight.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def cache_key(model_key: str, settings: dict[str, Any], source: str) -> str:
    blob = json.dumps([model_key, settings, source], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class TranslationCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        # Ray actors call from worker threads: one connection, used under a lock.
        self.lock = threading.Lock()
        if path is None:
            self.connection = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
            self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, output TEXT NOT NULL)")
        self.connection.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        with self.lock:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self.connection.execute(f"SELECT key, output FROM translations WHERE key IN ({marks})", chunk)
                found.update(rows)
        return found

    def put_many(self, items: dict[str, str]) -> None:
        with self.lock, self.connection:
            self.connection.executemany("INSERT OR REPLACE INTO translations (key, output) VALUES (?, ?)", items.items())

    def close(self) -> None:
        self.connection.close()
