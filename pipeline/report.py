"""The run report: what a run read, published, skipped and how long each stage took."""

from __future__ import annotations

import operator
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.executors.barrier import Executed
from pipeline.step import Step, StepStats

# C0 and C1 control characters: a file name may hold them, a log must not (ESC moves the cursor).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character written as an escape, for a summary that goes to logs."""
    return CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def registry_path_from_dataset(registry: Path, dataset: Path) -> str:
    """The registry's path as seen from the dataset folder (`../../configs/names.yaml`)."""
    return Path(os.path.relpath(registry.resolve(), dataset.resolve())).as_posix()


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    """A step's part of a section merged in: counts add up (counts per key into one count per
    key, in key order), lists join, anything else is the step's own."""
    for key, value in part.items():
        known = into.get(key)
        if isinstance(known, dict) and isinstance(value, dict):
            into[key] = dict(sorted((Counter(known) + Counter(value)).items()))
        elif isinstance(known, int) and isinstance(value, int) or isinstance(known, list) and isinstance(value, list):
            into[key] = operator.add(known, value)
        else:
            into[key] = dict(sorted(value.items())) if isinstance(value, Counter) else value


def build_report(steps: list[Step], executed: Executed, config: RunConfig, wall: float) -> dict[str, Any]:
    """The run report: each step's stats say what they add to it (StepStats.report_sections),
    the executor's what it took over from an interrupted run."""
    every: list[StepStats] = [step.stats for step in steps] + [executed.completions.stats]
    report: dict[str, Any] = {
        "name": config.name,
        "pipeline_version": __version__,
        "config_hash": config.content_hash(),
        "documents": {"read": 0, "resumed": 0, "skipped": [item for stats in every for item in stats.skipped]},
        "languages": {"documents": {}, "paragraphs": {}},
        "names": {
            # Where `names apply` folds the review back: relative to the dataset folder, so that the
            # report (published, pushed to the Hub) carries no local path and a moved checkout works.
            "registry": registry_path_from_dataset(config.normalize.registry, config.output / config.name)
            if config.normalize.registry
            else None,
        },
    }
    for stats in every:
        for section, part in stats.report_sections().items():
            _merge(report.setdefault(section, {}), part)
    report["stages"] = {
        step.name: {"seconds": executed.seconds.get(step.name, 0.0), **step.stats.stage_counts()} for step in steps if step.stats.in_stages
    }
    report["seconds"] = round(wall, 3)
    return report


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
        f"names: {names.get('table_rows', 0)} (variant, entity) pairs, {names.get('mentions_applied', 0)} mentions replaced, "
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
