"""Rediscovering the registry: would discovery have found and grouped its names unaided?

    python benchmarks/rediscover.py ../shared/seeds [--translate]

The documents go through ingest, language detection, translation (with --translate: the tiny
test models, whose output is noise, so this measures the English and Russian source text) and
normalization twice: once with configs/names.yaml, once with an empty registry. The truth is
each registry entity's spellings that the first run finds; the prediction is the group that
discovery gives each of those spellings in the second run (a spelling it does not find stands
alone). Pairwise precision and recall over the spellings (groups as the published name table shows
them, after its corpus-level merging), and the spellings found, per entity.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.config import NormalizeConfig, RunConfig  # noqa: E402
from pipeline.ingest import Ingest  # noqa: E402
from pipeline.langid import Detect  # noqa: E402
from pipeline.names import Normalize, Registry, load_registry, variant_key  # noqa: E402
from pipeline.names.table import NameTable  # noqa: E402
from pipeline.schema import Document  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def documents(folder: Path, translate: bool) -> list[Document]:
    config = RunConfig(name="rediscover", input=folder)
    ingest = Ingest(folder, [".txt", ".md", ".html", ".htm", ".jsonl"], 5_000_000, ["cp1251", "koi8_r", "cp874"])
    detect = Detect(config.detect.languages, config.detect.seed, config.detect.min_score, config.detect.short_paragraph_chars)
    docs = list(detect.run(ingest.run()))
    if translate:
        from pipeline.translation import Translate
        from pipeline.translation.tiny_models import build_from_samples

        models = Path(tempfile.mkdtemp())
        settings = {lang: {"model": str(build_from_samples(models / lang, lang, ROOT / "data" / "raw"))} for lang in ("ru", "th")}
        stage = Translate.from_config(config.translate.model_copy(update={"models": settings, "cache": None, "device": "cpu"}))
        docs = list(stage.run(docs))
    else:
        for doc in docs:
            doc.text_en = "\n\n".join(p.text for p in doc.paragraphs if p.lang == "en")
    return docs


def name_records(docs: list[Document], registry: Registry) -> list[dict]:
    stage = Normalize(NormalizeConfig(), registry)
    records = []
    for doc in docs:
        copy = Document(**{**doc.__dict__, "names": [], "name_records": []})
        records += stage.normalize_document(copy).name_records
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--translate", action="store_true")
    args = parser.parse_args()
    docs = documents(args.folder, args.translate)
    registry = load_registry(ROOT / "configs" / "names.yaml")
    truth: dict[str, str] = {}
    for record in name_records(docs, registry):
        if record["method"] != "discovered":
            truth.setdefault(variant_key(record["variant"]), record["entity_id"])
    discovered = [r for r in name_records(docs, Registry(entities={})) if r["method"] == "discovered"]
    table = NameTable()
    table.add("all", discovered)  # the corpus-level grouping the published name table shows
    found = {variant_key(r["variant"]): r["entity_id"] for r in discovered}
    found.update({variant_key(row["variant"]): row["entity_id"] for row in table.rows()})
    spellings = sorted(truth)
    predicted = {s: found.get(s, f"alone:{s}") for s in spellings}
    true_pairs = {pair for pair in combinations(spellings, 2) if truth[pair[0]] == truth[pair[1]]}
    pred_pairs = {pair for pair in combinations(spellings, 2) if predicted[pair[0]] == predicted[pair[1]]}
    both = len(true_pairs & pred_pairs)
    precision = both / len(pred_pairs) if pred_pairs else 1.0
    recall = both / len(true_pairs) if true_pairs else 1.0
    print(f"{len(docs)} documents; {len(spellings)} registry spellings of {len(set(truth.values()))} entities found by the normal run")
    print(f"discovery with an empty registry finds {sum(1 for s in spellings if s in found)} of them")
    print(
        f"pairwise precision {precision:.3f}, recall {recall:.3f} ({both} of {len(true_pairs)} same-entity pairs, {len(pred_pairs)} predicted)\n"
    )
    by_entity: dict[str, list[str]] = defaultdict(list)
    for spelling in spellings:
        by_entity[truth[spelling]].append(spelling)
    for entity, group in sorted(by_entity.items()):
        marks = [f"{s}{'' if s in found else ' (not found)'} -> {found.get(s, '-')}" for s in group]
        print(f"{entity}: " + "; ".join(marks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
