"""The run report: what a run read, published, skipped and how long each stage took."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.ingest import Ingest
from pipeline.ingest.stage import HIDDEN, HIDDEN_FOLDER
from pipeline.publish import Publish
from pipeline.schema import Stage

# C0 and C1 control characters: a file name may hold them, a log must not (ESC moves the cursor).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character written as an escape, for a summary that goes to logs."""
    return CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def ignored_by_extension(ignored: list[dict[str, str]]) -> dict[str, int]:
    """How many files were ignored, per extension; hidden files and folders apart, whatever their extension."""
    apart = {HIDDEN: "(hidden)", HIDDEN_FOLDER: "(hidden folder)"}
    keys = Counter(apart.get(item["reason"]) or item["extension"] or "(none)" for item in ignored)
    return dict(sorted(keys.items()))


def registry_path_from_dataset(registry: Path, dataset: Path) -> str:
    """The registry's path as seen from the dataset folder (`../../configs/names.yaml`)."""
    return Path(os.path.relpath(registry.resolve(), dataset.resolve())).as_posix()


def build_report(stages: list[Stage], config: RunConfig, seconds: dict[str, float], wall: float) -> dict[str, Any]:
    by_name = {stage.name: stage for stage in stages}
    skipped = [item for stage in stages for item in stage.skipped]
    ingest, publish = by_name["ingest"], by_name["publish"]
    assert isinstance(ingest, Ingest) and isinstance(publish, Publish)
    detect_counts = by_name["detect"].counters
    # This session's paragraphs and those of the shards a resumed run took over: the whole run's.
    counted = Counter({key.split(".", 1)[1]: value for key, value in detect_counts.items() if key.startswith("paragraphs.")})
    paragraphs = dict(sorted((counted + publish.resumed_paragraphs).items()))
    return {
        "name": config.name,
        "pipeline_version": __version__,
        "config_hash": config.content_hash(),
        "documents": {
            "files": ingest.counters["files"] + ingest.counters["files_resumed"],
            "read": ingest.counters["documents"] + len(ingest.skipped) + publish.resumed_documents,
            "published": publish.counters["documents"],
            "resumed": publish.resumed_documents,
            "skipped": skipped,
            # Files under the input folder that are not input: other extensions, hidden files.
            "ignored": ingest.ignored,
            "ignored_by_extension": ignored_by_extension(ingest.ignored),
            # Documents published per input format (resumed ones too).
            "formats": dict(sorted(publish.formats.items())),
            # Parts of files that are not documents by design (an archive's request records,
            # images, repeated URLs), counted per reason: per file, and over all files.
            "left_out": {source: dict(sorted(reasons.items())) for source, reasons in sorted(ingest.left_out.items())},
            "left_out_by_reason": dict(sorted(sum(ingest.left_out.values(), Counter()).items())),
            # Lines of site furniture (menus, share buttons, banners) dropped, per source file.
            "furniture_lines": dict(sorted(ingest.furniture.items())) if isinstance(ingest, Ingest) else {},
        },
        "languages": {"documents": dict(sorted(publish.languages.items())), "paragraphs": paragraphs},
        "names": {
            # Where `names apply` folds the review back: relative to the dataset folder, so that the
            # report (published, pushed to the Hub) carries no local path and a moved checkout works.
            "registry": registry_path_from_dataset(config.normalize.registry, config.output / config.name)
            if config.normalize.registry
            else None,
            "table_rows": len(rows := publish.table.rows()),
            # Rows per status, as names.csv has them: what the reviewer has to look at.
            "table_statuses": dict(sorted(Counter(row["status"] for row in rows).items())),
            **{k: v for k, v in sorted(by_name["normalize"].counters.items())},
        },
        "stages": {
            stage.name: {
                "seconds": seconds[stage.name],
                **{k: v for k, v in sorted(stage.counters.items()) if not k.startswith(("documents.", "paragraphs."))},
            }
            for stage in stages
        },
        "seconds": round(wall, 3),
    }


def format_report(report: dict[str, Any]) -> str:
    """The summary table printed at the end of a run."""
    docs = report["documents"]
    lines = [
        f"run {report['name']}: {docs['read']} read, {docs['published']} published, {len(docs['skipped'])} skipped"
        + (f", {len(docs['ignored'])} files ignored" if docs["ignored"] else "")
        + (f", {docs['resumed']} taken over from an interrupted run" if docs["resumed"] else "")
        + f", {report['seconds']:.1f}s",
        "",
        f"{'stage':<10} {'seconds':>8}  counts",
    ]
    for name, stage in report["stages"].items():
        counts = ", ".join(f"{k}={v}" for k, v in stage.items() if k != "seconds")
        lines.append(f"{name:<10} {stage['seconds']:>8.2f}  {counts}")
    lines += ["", f"{'language':<10} {'documents':>9} {'paragraphs':>10}"]
    langs = report["languages"]
    for lang in sorted(set(langs["documents"]) | set(langs["paragraphs"])):
        lines.append(f"{lang:<10} {langs['documents'].get(lang, 0):>9} {langs['paragraphs'].get(lang, 0):>10}")
    if formats := docs.get("formats"):
        lines += ["", "formats: " + ", ".join(f"{name} {count}" for name, count in formats.items())]
    names = report["names"]
    statuses = names.get("table_statuses", {})
    # Spellings (rows of names.csv), native forms morphology could not settle included.
    pending = statuses.get("pending", names.get("mentions_pending", 0) + names.get("native_forms_unsure", 0))
    lines += [
        "",
        f"names: {names['table_rows']} (variant, entity) pairs, {names.get('mentions_applied', 0)} mentions replaced, "
        f"{pending} pending review" + (f", {statuses['new']} in proposed new groups" if statuses.get("new") else ""),
    ]
    if kept := names.get("unapplied_review_kept"):
        lines.append(f"names.csv of the replaced dataset held review decisions not in the registry: kept as {kept} (names apply it)")
    if docs["ignored"]:
        counts = ", ".join(f"{printable(extension)} {count}" for extension, count in docs["ignored_by_extension"].items())
        lines += ["", f"ignored (not in ingest.extensions, or hidden; listed in run_report.json): {counts}"]
    if left_out := docs.get("left_out_by_reason"):
        lines += ["", "left out of archives (not pages; per file in run_report.json):"]
        lines += [f"  {printable(reason)}: {count}" for reason, count in left_out.items()]
    if docs["skipped"]:
        lines += ["", "skipped:"]
        lines += [f"  {printable(item['source'])}: {printable(item['reason'])}" for item in docs["skipped"]]
    return "\n".join(lines)


def report_warnings(report: dict[str, Any]) -> list[str]:
    """What a run did that its user must hear of even with --quiet: paragraphs in a language no
    model was configured for are published with an empty text_en."""
    from pipeline.publish.card import untranslated_languages

    counters = report.get("stages", {}).get("translate", {})
    missing = untranslated_languages({key.split(".", 1)[1]: n for key, n in counters.items() if key.startswith("untranslated.")})
    if not missing:
        return []
    return [f"warning: not translated: {missing}: translate.models has no model for them, so their text_en is empty"]
