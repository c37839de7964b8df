"""Publish: write the documents as a Hugging Face dataset in the Hub layout, atomically.

<output>/<name>/README.md            dataset card (YAML header with configs, languages, license)
<output>/<name>/data/*.parquet       the documents, with explicit datasets.Features
<output>/<name>/names/*.parquet      the name table (config "names"), also as names.csv
<output>/<name>/run_report.json      what the run did, skipped and how long it took

Everything is written to a hidden staging folder first and renamed into place at the end, so
an interrupted run never leaves a half-written dataset where a complete one stood.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from pipeline.schema import FEATURES, NAME_TABLE_FEATURES, Document
from pipeline.stages.base import Stage

NAME_TABLE_COLUMNS = list(NAME_TABLE_FEATURES)


@dataclass
class CardInfo:
    name: str
    license: str
    pretty_name: str | None
    pipeline_version: str
    config_hash: str
    models: dict[str, str] = field(default_factory=dict)


def write_parquet(rows: list[dict[str, Any]], path: Path, features: Any) -> None:
    table = pa.Table.from_pylist(rows, schema=features.arrow_schema)
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def write_text_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def dataset_card(info: CardInfo, languages: Counter[str], documents: int, names: int) -> str:
    header: dict[str, Any] = {
        "pretty_name": info.pretty_name or info.name,
        "license": info.license,
        "language": sorted(lang for lang in languages if lang != "und") or ["en"],
        "multilinguality": "translation",
        "task_categories": ["translation", "token-classification"],
        "size_categories": [
            "n<1K" if documents < 1000 else "1K<n<10K" if documents < 10_000 else "10K<n<100K" if documents < 100_000 else "100K<n<1M"
        ],
        "configs": [
            {"config_name": "default", "default": True, "data_files": [{"split": "train", "path": "data/*.parquet"}]},
        ],
    }
    if names:  # datasets cannot load a config whose only file has no rows
        header["configs"].append({"config_name": "names", "data_files": [{"split": "train", "path": "names/*.parquet"}]})
    per_language = "\n".join(f"| {lang} | {count} |" for lang, count in sorted(languages.items()))
    columns = "\n".join(f"| `{name}` | {feature!r} |" for name, feature in FEATURES.items())
    models = "\n".join(f"- {lang}: `{model}`" for lang, model in sorted(info.models.items())) or "- none (nothing was translated)"
    return f"""---
{yaml.safe_dump(header, sort_keys=False, allow_unicode=True).strip()}
---

# {info.pretty_name or info.name}

News articles in Russian, Thai and English about the families of mobilised Russian soldiers,
translated into English, with every known spelling of a group's or person's name mapped to one
canonical name.

```python
from datasets import load_dataset
documents = load_dataset("path/to/{info.name}", split="train")
names = load_dataset("path/to/{info.name}", "names", split="train")
```

## Counts

{documents} documents; {names} (variant, entity) rows in the name table.

| language | documents |
| --- | --- |
{per_language}

## Columns

| column | type |
| --- | --- |
{columns}

## Translation models

{models}

## Provenance

- pipeline version: `{info.pipeline_version}`
- config hash: `{info.config_hash}`
- `run_report.json` lists what the run read, skipped (with the reason) and how long each stage took.
- `names.csv` is the name table for review: edit `status`/`entity_id` and run
  `python -m pipeline names apply names.csv`.
"""


class Publish(Stage):
    """Streams documents into parquet shards in a staging folder; `finalize` moves it into place."""

    name = "publish"

    def __init__(self, output: Path, info: CardInfo, shard_rows: int) -> None:
        super().__init__()
        self.target = output / info.name
        self.staging = output / f".{info.name}.partial"
        self.info = info
        self.shard_rows = shard_rows
        self.languages: Counter[str] = Counter()
        self.shards: list[Path] = []

    def _flush(self, rows: list[dict[str, Any]]) -> None:
        path = self.staging / "data" / f"shard-{len(self.shards):05d}.parquet"
        write_parquet(rows, path, FEATURES)
        self.shards.append(path)

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        if self.staging.exists():
            shutil.rmtree(self.staging)
        (self.staging / "data").mkdir(parents=True)
        (self.staging / "names").mkdir()
        rows: list[dict[str, Any]] = []
        for document in documents:
            rows.append(document.to_row())
            self.languages[document.lang] += 1
            self.counters["documents"] += 1
            if len(rows) >= self.shard_rows:
                self._flush(rows)
                rows = []
            yield document
        if rows or not self.shards:
            self._flush(rows)

    def finalize(self, name_table: list[dict[str, Any]], report: dict[str, Any]) -> Path:
        """Name table, card and report into staging, then swap staging for the old dataset."""
        count = len(self.shards)
        for index, shard in enumerate(self.shards):
            shard.rename(shard.with_name(f"train-{index:05d}-of-{count:05d}.parquet"))
        if name_table:
            write_parquet(name_table, self.staging / "names" / "train-00000-of-00001.parquet", NAME_TABLE_FEATURES)
        with (self.staging / "names.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=NAME_TABLE_COLUMNS)
            writer.writeheader()
            writer.writerows(name_table)
        card = dataset_card(self.info, self.languages, self.counters["documents"], len(name_table))
        (self.staging / "README.md").write_text(card, encoding="utf-8")
        (self.staging / "run_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        old = self.target.with_name(f".{self.target.name}.old-{int(time.time() * 1000)}")
        if self.target.exists():
            os.replace(self.target, old)
        os.replace(self.staging, self.target)
        if old.exists():
            shutil.rmtree(old)
        return self.target


def push_to_hub(folder: Path, repo_id: str, private: bool, api: Any = None) -> str:
    """Upload the published folder as a dataset repo; the token comes from the environment only."""
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if not token:
        raise RuntimeError("publish.push_to_hub is set but HF_TOKEN is not in the environment")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True, token=token)
    api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type="dataset",
        token=token,
        commit_message="Publish dataset from the news name pipeline",
    )
    return f"datasets/{repo_id}"
