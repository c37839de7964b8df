"""Publish: write the documents as a Hugging Face dataset in the Hub layout, atomically.

<output>/<name>/README.md            dataset card (YAML header with configs, languages, license)
<output>/<name>/data/*.parquet       the documents, with explicit datasets.Features
<output>/<name>/names/*.parquet      the name table (config "names"), also as names.csv
<output>/<name>/run_report.json      what the run did, skipped and how long it took

Everything is written to a hidden staging folder first and renamed into place at the end, so
an interrupted run never leaves a half-written dataset where a complete one stood.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
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

from pipeline.config import DetectConfig, NormalizeConfig, TranslateConfig
from pipeline.name_table import NameTable
from pipeline.schema import COLUMN_MEANINGS, FEATURES, NAME_TABLE_FEATURES, Document
from pipeline.spreadsheet import escape_cell
from pipeline.stages.base import Stage

NAME_TABLE_COLUMNS = list(NAME_TABLE_FEATURES)
PROGRESS_FILE = "progress.json"


class NothingToPublish(Exception):
    """A run with no document to publish: the dataset already in place is left as it was."""


@dataclass
class CardInfo:
    """What the dataset card says about the run."""

    name: str
    license: str
    pretty_name: str | None
    pipeline_version: str
    config_hash: str
    models: dict[str, str] = field(default_factory=dict)
    # Languages whose model is a tiny test model built by pipeline.tiny_models (its output is noise).
    tiny_models: list[str] = field(default_factory=list)
    # The published folder as the config names it, for the loading example; the Hub repo if pushed.
    path: str = ""
    repo_id: str | None = None
    detect: DetectConfig = field(default_factory=DetectConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)


def staging_folder(output: Path, name: str) -> Path:
    """Where a run writes its shards before the dataset is moved into place (and resumes from)."""
    return output / f".{name}.partial"


def write_parquet(rows: list[dict[str, Any]], path: Path, features: Any) -> None:
    table = pa.Table.from_pylist(rows, schema=features.arrow_schema)
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def write_text_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _config(config_name: str, pattern: str, folder: Path, what: str) -> dict[str, Any]:
    # datasets caches a local folder by its name and its card: the content fingerprint in the
    # description makes a new run's files load fresh instead of from a stale cache.
    files = sorted(folder.glob(pattern))
    return {
        "config_name": config_name,
        "data_files": [{"split": "train", "path": pattern}],
        "description": f"{what}; content sha256 {_fingerprint(files)}",
    }


def _dataset_info(config_name: str, files: list[Path], rows: int) -> dict[str, Any]:
    size = sum(path.stat().st_size for path in files)
    return {
        "config_name": config_name,
        "splits": [{"name": "train", "num_bytes": size, "num_examples": rows}],
        "download_size": size,
        "dataset_size": size,
    }


def _license_note(info: CardInfo) -> str:
    publishers = "The source texts are news articles that belong to their publishers"
    if info.license == "other":
        return f"`other`. {publishers}: they are not ours to license, and this dataset grants no rights to them."
    return (
        f"`{info.license}`, as the run config set it (`publish.license`). {publishers}: "
        f"`{info.license}` covers them only as far as their publishers allow."
    )


def _model_lines(info: CardInfo) -> str:
    lines = []
    for lang, model in sorted(info.models.items()):
        tiny = " (a tiny test model built by the project with random weights: its translations are noise)"
        lines.append(f"- {lang}: `{model}`" + (tiny if lang in info.tiny_models else ""))
    return "\n".join(lines) or "- none (nothing was translated)"


def _how_it_was_made(info: CardInfo) -> str:
    detect, translate, normalize = info.detect, info.translate, info.normalize
    steps = [
        f"- **Language detection**: langdetect (seed {detect.seed}, so every run gives the same labels) among "
        f"{', '.join(detect.languages)}, with letter rules for Thai script and for Belarusian and Ukrainian; "
        f"a label scoring under {detect.min_score} becomes `und`. Paragraphs shorter than "
        f"{detect.short_paragraph_chars} characters take the document's language unless their script says otherwise; "
        "the document's language is the length-weighted vote of its paragraphs."
    ]
    if translate.enabled and info.models:
        steps.append(
            f"- **Translation**: {translate.backend} backend, beam size {translate.num_beams}, the models listed above. "
            "Paragraphs are cut into sentences, names in native script from the registry are replaced by their "
            "canonical English name first, and English paragraphs are kept as they were."
        )
    else:
        steps.append("- **Translation**: none; `text_en` holds only the English paragraphs.")
    if normalize.enabled:
        steps.append(
            f"- **Name normalization**: registry `{normalize.registry}`. Spellings it lists are replaced by their "
            f"canonical name (status `accepted` in the name table). Other spellings are scored by "
            f"transliteration-aware similarity: at or above {normalize.auto_threshold} they are replaced (`auto`); "
            f"from {normalize.review_threshold} up to that they are listed as `pending` for review and left as written."
        )
    else:
        steps.append("- **Name normalization**: none; `text_en_normalized` equals `text_en`.")
    return "\n".join(steps)


def _limitations(info: CardInfo) -> str:
    items = [
        "- Machine translation makes mistakes; read `text` where the wording matters.",
        "- Only names in the registry and spellings close to them are normalized; `pending` spellings stay "
        "as written until a reviewer accepts them, and spellings scoring under the review threshold are not listed at all.",
        "- Language labels can be wrong for short or mixed paragraphs; `und` means the detector was not sure.",
        "- `url`, `title` and `published` come only from the files and are null where a file has none.",
        "- The texts belong to their publishers (see License).",
    ]
    if info.tiny_models:
        langs = ", ".join(sorted(info.tiny_models))
        items.insert(0, f"- **The translations from {langs} are noise**: made by tiny test models, not real ones.")
    return "\n".join(items)


def dataset_card(info: CardInfo, languages: Counter[str], documents: int, names: int, folder: Path) -> str:
    header: dict[str, Any] = {
        "pretty_name": info.pretty_name or info.name,
        "license": info.license,
        "language": sorted(lang for lang in languages if lang != "und") or ["en"],
        "multilinguality": "translation",
        "task_categories": ["translation", "token-classification"],
        "size_categories": [
            "n<1K" if documents < 1000 else "1K<n<10K" if documents < 10_000 else "10K<n<100K" if documents < 100_000 else "100K<n<1M"
        ],
        "configs": [{**_config("default", "data/*.parquet", folder, "documents"), "default": True}],
    }
    # Sizes, as the Hub writes them; they also tell datasets' cache that the content changed.
    header["dataset_info"] = [_dataset_info("default", sorted((folder / "data").glob("*.parquet")), documents)]
    if names:  # datasets cannot load a config whose only file has no rows
        header["configs"].append(_config("names", "names/*.parquet", folder, "name table"))
        header["dataset_info"].append(_dataset_info("names", sorted((folder / "names").glob("*.parquet")), names))
    per_language = "\n".join(f"| {lang} | {count} |" for lang, count in sorted(languages.items()))
    columns = "\n".join(f"| `{name}` | {feature!r} | {COLUMN_MEANINGS.get(name, '')} |" for name, feature in FEATURES.items())
    where = info.path or info.name
    loading = f'documents = load_dataset("{where}", split="train")'
    if names:
        loading += f'\nnames = load_dataset("{where}", "names", split="train")'
    if info.repo_id:
        loading += f'\n# from the Hub: load_dataset("{info.repo_id}", split="train")'
    return f"""---
{yaml.safe_dump(header, sort_keys=False, allow_unicode=True).strip()}
---

# {info.pretty_name or info.name}

News articles in Russian, Thai and English about the families of mobilised Russian soldiers,
translated into English, with every known spelling of a group's or person's name mapped to one
canonical name.

```python
from datasets import load_dataset
{loading}
```

## License

{_license_note(info)}

## Counts

{documents} documents; {names} (variant, entity) rows in the name table.

| language | documents |
| --- | --- |
{per_language}

## Columns

| column | type | meaning |
| --- | --- | --- |
{columns}

## Translation models

{_model_lines(info)}

## How it was made

{_how_it_was_made(info)}

## Limitations

{_limitations(info)}

## Provenance

- pipeline version: `{info.pipeline_version}`
- config hash: `{info.config_hash}`
- `run_report.json` lists what the run read, skipped (with the reason) and how long each stage took.
- `names.csv` is the name table for review: edit `status`/`entity_id` and run
  `python -m pipeline names apply names.csv`.
"""


class _ShardWriter:
    """One shard in the making: rows go to parquet a row group at a time, so memory stays flat."""

    ROW_GROUP = 256

    def __init__(self, folder: Path, file: str) -> None:
        self.folder, self.file = folder, file
        self.writer = pq.ParquetWriter(folder / f"{file}.partial", FEATURES.arrow_schema)
        self.names = (folder / f"{_names_file(file)}.partial").open("w", encoding="utf-8")
        self.buffer: list[dict[str, Any]] = []
        self.rows = 0
        self.sources: list[str] = []
        self.languages: Counter[str] = Counter()

    def add(self, document: Document) -> None:
        self.buffer.append(document.to_row())
        if len(self.buffer) >= self.ROW_GROUP:
            self._write()
        self.names.write(json.dumps([document.id, document.name_records], ensure_ascii=False) + "\n")
        if not self.sources or self.sources[-1] != document.source:
            self.sources.append(document.source)
        self.languages[document.lang] += 1
        self.rows += 1

    def _write(self) -> None:
        self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=FEATURES.arrow_schema))
        self.buffer = []

    def close(self) -> dict[str, Any]:
        """Finish both files and give them their names; return the shard's progress entry."""
        if self.buffer:
            self._write()
        self.writer.close()
        self.names.close()
        os.replace(self.folder / f"{self.file}.partial", self.folder / self.file)
        os.replace(self.folder / f"{_names_file(self.file)}.partial", self.folder / _names_file(self.file))
        return {"file": self.file, "rows": self.rows, "sources": self.sources, "languages": dict(self.languages)}


def _names_file(shard_file: str) -> str:
    """The name records of a shard's documents, kept beside it until the run is complete."""
    return shard_file.replace(".parquet", ".names.jsonl")


class Publish(Stage):
    """Streams documents into parquet shards in a staging folder; `finalize` moves it into place.

    Shards end at file boundaries and are listed in progress.json as they are written, so a run
    that was killed can `resume`: the files already in shards are not read again, and the
    shards come out exactly as an uninterrupted run would have written them.
    """

    name = "publish"

    def __init__(self, output: Path, info: CardInfo, shard_rows: int) -> None:
        super().__init__()
        self.target = output / info.name
        self.staging = staging_folder(output, info.name)
        self.info = info
        self.shard_rows = shard_rows
        self.languages: Counter[str] = Counter()
        self.table = NameTable()
        self.shards: list[dict[str, Any]] = []
        self.resumed_documents = 0
        self.input_stamps: dict[str, list[int]] = {}

    def resume(self, input_stamps: dict[str, list[int]] | None = None) -> set[str]:
        """Sources published by an interrupted run of the same config; otherwise start afresh.

        `input_stamps` (source -> [size, mtime_ns]) of the files now: a shard whose files have
        changed since it was written is not taken over.
        """
        self.input_stamps = input_stamps or {}
        state = None
        with contextlib.suppress(OSError, ValueError):
            state = json.loads((self.staging / PROGRESS_FILE).read_text(encoding="utf-8"))
        usable = (
            isinstance(state, dict)
            and state.get("config_hash") == self.info.config_hash
            and all((self.staging / "data" / shard["file"]).exists() for shard in state.get("shards", []))
            and all((self.staging / "data" / _names_file(shard["file"])).exists() for shard in state.get("shards", []))
            and all(
                shard.get("stamps", {}).get(source) == self.input_stamps.get(source)
                for shard in state.get("shards", [])
                for source in shard["sources"]
            )
        )
        if not usable:
            if self.staging.exists():
                shutil.rmtree(self.staging)
            return set()
        assert isinstance(state, dict)
        for shard in state["shards"]:
            self.shards.append(shard)
            self.languages.update(shard["languages"])
            with (self.staging / "data" / _names_file(shard["file"])).open(encoding="utf-8") as lines:
                for line in lines:
                    document_id, records = json.loads(line)
                    self.table.add(document_id, records)
            self.counters["documents"] += shard["rows"]
            self.resumed_documents += shard["rows"]
        return {source for shard in self.shards for source in shard["sources"]}

    def _finish(self, shard: _ShardWriter) -> None:
        entry = shard.close()
        entry["stamps"] = {source: self.input_stamps.get(source) for source in entry["sources"]}
        self.shards.append(entry)
        progress = {"config_hash": self.info.config_hash, "shards": self.shards}
        write_text_atomically(self.staging / PROGRESS_FILE, json.dumps(progress, ensure_ascii=False))

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        (self.staging / "data").mkdir(parents=True, exist_ok=True)
        shard: _ShardWriter | None = None
        for document in documents:
            if shard and document.source != shard.sources[-1] and shard.rows >= self.shard_rows:
                self._finish(shard)
                shard = None
            if shard is None:
                shard = _ShardWriter(self.staging / "data", f"shard-{len(self.shards):05d}.parquet")
            shard.add(document)
            self.table.add(document.id, document.name_records)
            self.languages[document.lang] += 1
            self.counters["documents"] += 1
            yield document
        if shard or not self.shards:
            self._finish(shard or _ShardWriter(self.staging / "data", f"shard-{len(self.shards):05d}.parquet"))

    def finalize(self, report: dict[str, Any]) -> Path:
        """Name table, card and report into staging, then swap staging for the old dataset.

        The shards keep their progress names until everything else is written, so a run killed
        here still resumes from them. A run with no document replaces nothing: NothingToPublish.
        """
        if not self.counters["documents"]:
            shutil.rmtree(self.staging, ignore_errors=True)
            documents = report.get("documents", {})
            skipped = documents.get("skipped", [])
            first = f" (first: {skipped[0]['source']}: {skipped[0]['reason']})" if skipped else ""
            kept = f"{self.target} was left as it was" if self.target.exists() else "nothing was written"
            found = f"{documents.get('files', 0)} input files, {len(skipped)} skipped as bad input{first}"
            raise NothingToPublish(f"no documents to publish ({found}); {kept}")
        name_table = self.table.rows()
        (self.staging / "names").mkdir(exist_ok=True)
        if name_table:
            write_parquet(name_table, self.staging / "names" / "train-00000-of-00001.parquet", NAME_TABLE_FEATURES)
        with (self.staging / "names.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=NAME_TABLE_COLUMNS)
            writer.writeheader()
            # Opened in spreadsheets: no cell may start a formula (the parquet table keeps raw text).
            writer.writerows(
                {key: escape_cell(value) if isinstance(value, str) else value for key, value in row.items()} for row in name_table
            )
        card = dataset_card(self.info, self.languages, self.counters["documents"], len(name_table), self.staging)
        (self.staging / "README.md").write_text(card, encoding="utf-8")
        (self.staging / "run_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (self.staging / PROGRESS_FILE).unlink()
        count = len(self.shards)
        for index, shard in enumerate(self.shards):
            (self.staging / "data" / shard["file"]).rename(self.staging / "data" / f"train-{index:05d}-of-{count:05d}.parquet")
            (self.staging / "data" / _names_file(shard["file"])).unlink()
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
