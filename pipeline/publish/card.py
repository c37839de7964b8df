"""The dataset card: the README.md with the YAML header the Hub and `datasets` read."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from pipeline.config import DetectConfig, NormalizeConfig, TranslateConfig
from pipeline.publish.charts import charts_section
from pipeline.publish.features import DOCUMENT_COLUMNS, NAME_TABLE_COLUMNS, describe
from pipeline.schema import COLUMN_MEANINGS, NAME_TABLE_MEANINGS


@dataclass
class CardInfo:
    """What the dataset card says about the run."""

    name: str
    license: str
    pretty_name: str | None
    pipeline_version: str
    config_hash: str
    models: dict[str, str] = field(default_factory=dict)
    # Languages whose model is a tiny test model built by pipeline.translation.tiny_models (its output is noise).
    tiny_models: list[str] = field(default_factory=list)
    # The published folder as the config names it, for the loading example; the Hub repo if pushed.
    path: str = ""
    repo_id: str | None = None
    detect: DetectConfig = field(default_factory=DetectConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    # Paragraphs per language left untranslated for want of a model (from the run report).
    untranslated: dict[str, int] = field(default_factory=dict)


def untranslated_languages(untranslated: dict[str, int]) -> str:
    """ "ru (12 paragraphs), th (3 paragraphs)": languages a model was missing for (`und` is no language)."""
    return ", ".join(
        f"{lang} ({count} paragraph{'s' if count != 1 else ''})" for lang, count in sorted(untranslated.items()) if lang != "und"
    )


def _fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as file:  # a piece at a time: a shard is tens of MB
            for piece in iter(lambda: file.read(1 << 20), b""):
                digest.update(piece)
    return digest.hexdigest()[:16]


def _config(config_name: str, pattern: str, files: list[Path], what: str) -> dict[str, Any]:
    # datasets caches a local folder by its name and its card: the content fingerprint in the
    # description makes a new run's files load fresh instead of from a stale cache.
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
        f"{', '.join(detect.languages)}, after orthography rules (Thai script; letters, letter pairs and word "
        "endings a language never writes; its commonest function words; among Russian, Ukrainian and Bulgarian, "
        "the frequencies of a line's words in each) have settled what they can; "
        f"a label scoring under {detect.min_score} becomes `und`. Paragraphs shorter than "
        f"{detect.short_paragraph_chars} characters take the document's language unless their script says otherwise; "
        "the document's language is the length-weighted vote of its paragraphs."
    ]
    if translate.enabled and info.models:
        steps.append(
            f"- **Translation**: {translate.backend} backend, beam size {translate.num_beams}, the models listed above. "
            "Paragraphs are cut into sentences, names in native script from the registry are replaced by their "
            "canonical English name first, and English paragraphs are kept as they were. Each title is translated "
            "the same way, on its own, into `title_en`."
        )
    else:
        steps.append("- **Translation**: none; `text_en` holds only the English paragraphs, and `title_en` only English titles.")
    if normalize.enabled:
        if normalize.registry is None:
            steps.append("- **Name normalization**: no registry; only the names found in the texts (below).")
        else:
            steps.append(
                f"- **Name normalization**: registry `{normalize.registry}`. Spellings it lists are replaced by their "
                f"canonical name (status `known` in the name table; `accepted` once a reviewer accepted it). Other spellings are scored by "
                f"transliteration-aware similarity: at or above {normalize.auto_threshold} they are replaced (`auto`); "
                f"from {normalize.review_threshold} up to that they are listed as `pending` for review and left as written. "
                "Titles are searched and normalized as the body is: their mentions have `field` `title_en`."
            )
        if normalize.discover:
            applied = (
                "replaced by the group's proposed canonical (`normalize.apply_proposals`)"
                if normalize.apply_proposals
                else "left as written until a reviewer accepts the group"
            )
            steps.append(
                "- **Names nobody registered**: people, places and organisations found in the texts (Russian "
                "named-entity recognition on the source, put in the nominative and romanized; proper-name spans in "
                "the English text), grouped across spellings and scripts and listed in the name table with status "
                f"`new` and a proposed id (`new-...`); their spellings are {applied}."
            )
    else:
        steps.append("- **Name normalization**: none; `text_en_normalized` equals `text_en`.")
    return "\n".join(steps)


def _limitations(info: CardInfo) -> str:
    normalize = info.normalize
    normalized = (
        "names in the registry, spellings close to them and the groups of names nobody registered"
        if normalize.discover and normalize.apply_proposals
        else "names in the registry and spellings close to them"
    )
    items = [
        "- Machine translation makes mistakes; read `text` where the wording matters.",
        f"- Only {normalized} are normalized; `pending` and `new` "
        "spellings stay as written until a reviewer accepts them, and spellings scoring under the review threshold are not listed at all.",
        "- Language labels can be wrong for short or mixed paragraphs; `und` means the detector was not sure.",
        "- `url`, `title`, `published` and `outlet` come only from the files and are null where a file has none;"
        " a text dump's title and date are read from its first lines, and a date only mentioned in the body is never taken.",
        "- The texts belong to their publishers (see License).",
    ]
    if untranslated := untranslated_languages(info.untranslated):
        items.insert(0, f"- **Not translated: {untranslated}**: `translate.models` has no model for them, so their `text_en` is empty.")
    if info.tiny_models:
        langs = ", ".join(sorted(info.tiny_models))
        items.insert(0, f"- **The translations from {langs} are noise**: made by tiny test models, not real ones.")
    return "\n".join(items)


def _outlets_and_months(files: list[Path]) -> str:
    """Documents per outlet and per month of publication, read back from the written shards.

    Read from the parquet rather than counted on the way, so that documents of a resumed run's
    earlier shards are counted as well.
    """
    outlets: Counter[str] = Counter()
    months: Counter[str] = Counter()
    for file in files:
        table = pq.read_table(file, columns=["outlet", "published"]).to_pydict()
        outlets.update(outlet or "(unknown)" for outlet in table["outlet"])
        months.update(date.strftime("%Y-%m") if date else "(no date)" for date in table["published"])
    # Most documents first; the unknown last, however many.
    per_outlet = sorted(outlets.items(), key=lambda item: (item[0] == "(unknown)", -item[1], item[0]))
    per_month = sorted(months.items(), key=lambda item: (item[0] == "(no date)", item[0]))
    outlet_rows = "\n".join(f"| {outlet} | {count} |" for outlet, count in per_outlet)
    month_rows = "\n".join(f"| {month} | {count} |" for month, count in per_month)
    return f"""## Outlets and months

`outlet` and `published` come from the files (bylines, date lines, page metadata); documents
without them are counted as unknown.

| outlet | documents |
| --- | --- |
{outlet_rows}

| month published | documents |
| --- | --- |
{month_rows}"""


def dataset_card(
    info: CardInfo,
    languages: Counter[str],
    documents: int,
    names: int,
    folder: Path,
    formats: Counter[str] | None = None,
    files: list[Path] | None = None,
) -> str:
    """The card of the dataset in `folder`; `files` are its document shards as they will be
    published (default: folder/data's), whatever their names are while the card is written."""
    files = sorted((folder / "data").glob("*.parquet")) if files is None else files
    table = sorted((folder / "names").glob("*.parquet"))
    header: dict[str, Any] = {
        "pretty_name": info.pretty_name or info.name,
        "license": info.license,
        "language": sorted(lang for lang in languages if lang != "und") or ["en"],
        "multilinguality": "translation",
        "task_categories": ["translation", "token-classification"],
        "size_categories": [
            "n<1K" if documents < 1000 else "1K<n<10K" if documents < 10_000 else "10K<n<100K" if documents < 100_000 else "100K<n<1M"
        ],
        "configs": [{**_config("default", "data/*.parquet", files, "documents"), "default": True}],
    }
    # Sizes, as the Hub writes them; they also tell datasets' cache that the content changed.
    header["dataset_info"] = [_dataset_info("default", files, documents)]
    if names:  # datasets cannot load a config whose only file has no rows
        header["configs"].append(_config("names", "names/*.parquet", table, "name table"))
        header["dataset_info"].append(_dataset_info("names", table, names))
    per_language = "\n".join(f"| {lang} | {count} |" for lang, count in sorted(languages.items()))
    per_format = "\n".join(f"| {name} | {count} |" for name, count in sorted((formats or Counter()).items()))
    columns = "\n".join(f"| `{name}` | {describe(kind)} | {COLUMN_MEANINGS.get(name, '')} |" for name, kind in DOCUMENT_COLUMNS.items())
    name_columns = "\n".join(
        f"| `{name}` | {describe(kind)} | {NAME_TABLE_MEANINGS.get(name, '')} |" for name, kind in NAME_TABLE_COLUMNS.items()
    )
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

Formats read (the input files the documents came from):

| format | documents |
| --- | --- |
{per_format}

{_outlets_and_months(files)}

## Columns

| column | type | meaning |
| --- | --- | --- |
{columns}

The name table (config `names`, and `names.csv` for review):

| column | type | meaning |
| --- | --- | --- |
{name_columns}

## Translation models

{_model_lines(info)}

## How it was made

{_how_it_was_made(info)}

## Limitations

{_limitations(info)}

## Charts

{charts_section(folder)}

## Provenance

- pipeline version: `{info.pipeline_version}`
- config hash: `{info.config_hash}`
- `run_report.json` lists what the run read, skipped (with the reason) and how long each stage took.
{_review_note(info)}
"""


def _review_note(info: CardInfo) -> str:
    """How to review the name table, with the registry the decisions go to."""
    registry = "" if info.normalize.registry else " --registry FILE"
    note = (
        "- `names.csv` is the name table for review (UTF-8 with a byte order mark: spreadsheets open it as it is). Review it in a\n"
        f"  web page with `python -m pipeline review <this folder>{registry}`, or in a spreadsheet: set `status` to `accepted`,\n"
        "  `rejected` or `not_a_name` (or edit `entity_id` to move a spelling), save it as CSV and run\n"
        f"  `python -m pipeline names apply <this folder>/names.csv{registry}`."
    )
    if not info.normalize.registry:
        note += "\n  This run used no registry: `--registry FILE` names the one to update (an empty one is created if missing)."
    return note
