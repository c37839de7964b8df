"""Pictures of the corpus, written beside the data: mentions per month of the top entities,
mentions per outlet, documents per language.

PNGs in <dataset>/charts/, listed in charts/index.json (which the card and the review page
read). A chart with nothing to draw (no `published` dates, no `outlet` values) is not drawn:
the index says why, and the card says so instead of showing an empty chart.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.files import write_text_atomically

CHARTS_FOLDER = "charts"
INDEX_FILE = "index.json"
TOP_ENTITIES = 6
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# Rows read back at a time: the `names` column of a whole shard as Python objects is some 30 MB.
ROW_BATCH = 1024


@dataclass(frozen=True)
class Chart:
    file: str  # relative to the dataset folder
    title: str
    missing: str | None = None  # why it was not drawn


@dataclass
class CorpusCounts:
    months: dict[str, Counter[str]]  # canonical name -> month -> mentions
    outlets: Counter[str]  # outlet -> mentions
    languages: Counter[str]  # lang -> documents
    dated_documents: int
    has_outlet_column: bool
    no_outlet: int = 0  # mentions in documents with no outlet: a bar of their own, not left out


def data_files(dataset: Path) -> list[Path]:
    """The document shards of a published dataset, in order."""
    return sorted((dataset / "data").glob("*.parquet"))


def count_corpus(files: list[Path]) -> CorpusCounts:
    """Read only the columns the charts need, a row group at a time."""
    counts = CorpusCounts({}, Counter(), Counter(), 0, False)
    for path in files:
        schema_names = pq.read_schema(path).names
        columns = [name for name in ("published", "outlet", "lang", "names") if name in schema_names]
        counts.has_outlet_column |= "outlet" in columns
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_BATCH, columns=columns):
            for row in batch.to_pylist():
                _count_document(counts, row)
    return counts


def _month(published: Any) -> str:
    """YYYY-MM of a publication date: a date column, or (older datasets) text starting YYYY-MM."""
    if isinstance(published, date):
        return published.strftime("%Y-%m")
    match = _MONTH.match(published or "")
    return match.group(0) if match else ""


def _count_document(counts: CorpusCounts, row: dict[str, Any]) -> None:
    counts.languages[row.get("lang") or "und"] += 1
    month = _month(row.get("published"))
    counts.dated_documents += bool(month)
    for mention in row.get("names") or []:
        if mention.get("method") == "discovered":
            continue  # proposals are not entities yet: only registered names are counted
        if month:
            counts.months.setdefault(mention["canonical"], Counter())[month] += 1
        if row.get("outlet"):
            counts.outlets[row["outlet"]] += 1
        else:
            counts.no_outlet += 1


def _figure(width: float = 7.0, height: float = 3.6) -> Any:
    # A Figure without pyplot: no global state, no GUI backend, safe in any thread.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(figure: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No timestamp in the file: a rerun writes the same bytes.
    figure.savefig(path, format="png", metadata={"Software": None})


def _month_range(months: set[str]) -> list[str]:
    """Every month from the first to the last, so that a quiet month shows as zero, not as a gap."""
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:7])
    result = []
    while f"{year:04d}-{month:02d}" <= last:
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def _months_chart(counts: CorpusCounts, path: Path) -> str | None:
    if not counts.dated_documents:
        return "no document has a `published` date"
    if not counts.months:
        return "no name mention in a dated document"
    _save(months_figure(counts), path)
    return None


def months_figure(counts: CorpusCounts) -> Any:
    """Lines per entity; the legend beside the plot, where it covers no line."""
    months = _month_range({month for by_month in counts.months.values() for month in by_month})
    top = sorted(counts.months, key=lambda name: (-sum(counts.months[name].values()), name))[:TOP_ENTITIES]
    figure = _figure(9.0, 3.6)  # wider: the legend takes the right side
    axes = figure.subplots()
    for name in top:
        axes.plot(months, [counts.months[name][month] for month in months], marker="o", label=name)
    axes.set_ylabel("mentions")
    axes.set_title(f"Mentions per month, top {len(top)} entities")
    axes.set_xticks(range(0, len(months), max(1, len(months) // 12)))
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return figure


NO_OUTLET = "(no outlet)"


def outlet_bars(counts: CorpusCounts) -> Counter[str]:
    """Mentions per outlet, and those in documents with no outlet as a bar of their own: a
    chart that silently left them out would make the known outlets look like the whole corpus."""
    bars = Counter(counts.outlets)
    if counts.no_outlet:
        bars[NO_OUTLET] = counts.no_outlet
    return bars


def _bar_chart(values: Counter[str], title: str, unit: str, path: Path) -> None:
    items = values.most_common(20)
    figure = _figure(7.0, max(2.0, 0.35 * len(items) + 1))
    axes = figure.subplots()
    axes.barh([label for label, _ in reversed(items)], [count for _, count in reversed(items)])
    axes.set_xlabel(unit)
    axes.set_title(title)
    _save(figure, path)


def write_charts(dataset: Path, files: list[Path] | None = None) -> list[Chart]:
    """Draw the charts of the documents in `files` (default: dataset/data) into dataset/charts;
    return what was drawn."""
    counts = count_corpus(data_files(dataset) if files is None else files)
    folder = dataset / CHARTS_FOLDER
    charts = []
    missing = _months_chart(counts, folder / "mentions_per_month.png")
    charts.append(Chart(f"{CHARTS_FOLDER}/mentions_per_month.png", "Mentions per month of the top entities", missing))
    outlet_chart = Chart(f"{CHARTS_FOLDER}/mentions_per_outlet.png", "Mentions per outlet")
    if not counts.has_outlet_column:
        outlet_chart = Chart(outlet_chart.file, outlet_chart.title, "the documents have no `outlet` column")
    elif not counts.outlets:
        outlet_chart = Chart(outlet_chart.file, outlet_chart.title, "no document with a name mention has an `outlet`")
    else:
        _bar_chart(outlet_bars(counts), outlet_chart.title, "mentions", dataset / outlet_chart.file)
    charts.append(outlet_chart)
    languages = Chart(f"{CHARTS_FOLDER}/documents_per_language.png", "Documents per language")
    _bar_chart(counts.languages, languages.title, "documents", dataset / languages.file)
    charts.append(languages)
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomically(folder / INDEX_FILE, json.dumps([asdict(chart) for chart in charts], indent=2) + "\n")
    return charts


def read_charts(dataset: Path) -> list[Chart]:
    """The charts a run wrote (none for a dataset published before charts existed)."""
    try:
        items = json.loads((dataset / CHARTS_FOLDER / INDEX_FILE).read_text(encoding="utf-8"))
        return [Chart(str(item["file"]), str(item["title"]), item.get("missing")) for item in items]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def charts_section(dataset: Path) -> str:
    """The card's Charts section: each picture, or why it is not there."""
    lines = []
    for chart in read_charts(dataset):
        lines.append(f"- {chart.title}: not drawn, {chart.missing}." if chart.missing else f"![{chart.title}]({chart.file})")
    return "\n\n".join(lines) or "No charts were drawn."
