"""Build the language-ID evaluation sets in benchmarks/data/ from Universal Dependencies treebanks.

    python benchmarks/build_langid_data.py MIRRORS_DIR

MIRRORS_DIR holds bare git clones named like `UniversalDependencies+UD_Russian-GSD/repo` (any
clone of github.com/UniversalDependencies/<name> works). Sentences are the `# text =` lines.
The tune split comes from the treebanks' dev files, the held-out split from their test files;
for Bulgarian both come from BTB's dev file (first half tune, second half held-out), since BTB's
test file is kept for the project's own check (and the train file is too large for our mirror).
Not used: UD PUD (in ../shared already) and the test files of Russian-Taiga, Ukrainian-IU,
Bulgarian-BTB, English-EWT and Thai-TUD (kept apart for the project's own check).
"""

from __future__ import annotations

import argparse
import random
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"
PER_LANGUAGE = 300
# language -> [(treebank, tune file, held-out file)]; two Russian treebanks, half each.
SOURCES = {
    "ru": [
        ("UD_Russian-GSD", "ru_gsd-ud-dev.conllu", "ru_gsd-ud-test.conllu"),
        ("UD_Russian-Poetry", "ru_poetry-ud-dev.conllu", "ru_poetry-ud-test.conllu"),
    ],
    "uk": [("UD_Ukrainian-ParlaMint", "uk_parlamint-ud-dev.conllu", "uk_parlamint-ud-test.conllu")],
    "bg": [("UD_Bulgarian-BTB", "bg_btb-ud-dev.conllu:1", "bg_btb-ud-dev.conllu:2")],
    "en": [("UD_English-GUM", "en_gum-ud-dev.conllu", "en_gum-ud-test.conllu")],
}


def sentences(mirrors: Path, treebank: str, spec: str) -> list[str]:
    """The sentences of a file; `FILE:1` / `FILE:2` is its first / second half."""
    filename, _, half = spec.partition(":")
    repo = mirrors / f"UniversalDependencies+{treebank}" / "repo"
    text = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{filename}"], capture_output=True, text=True, check=True).stdout
    found = [line.removeprefix("# text =").strip() for line in text.splitlines() if line.startswith("# text =")]
    # A tab or a line without letters is not a sentence to label.
    unique = list(dict.fromkeys(s for s in found if "\t" not in s and any(c.isalpha() for c in s)))
    middle = len(unique) // 2
    return {"": unique, "1": unique[:middle], "2": unique[middle:]}[half]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirrors", type=Path)
    args = parser.parse_args()
    for split, index in (("tune", 1), ("heldout", 2)):
        rows: list[tuple[str, str, str]] = []
        for lang, sources in SOURCES.items():
            share = PER_LANGUAGE // len(sources)
            for source in sources:
                pool = sentences(args.mirrors, source[0], source[index])
                picked = random.Random(f"{lang}-{split}-{source[0]}").sample(pool, min(share, len(pool)))
                rows += [(lang, source[0], text) for text in picked]
        # Plain tab-separated lines (no quoting): the texts hold no tab or newline.
        lines = ["lang\tsource\ttext"] + ["\t".join(row) for row in rows]
        (OUT / f"langid_{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{split}: {len(rows)} sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
