"""Discovery on real English news linked to Wikipedia: GUM's Wikinews documents.

    python benchmarks/real_news_en.py /work/.mirror/amir-zeldes+gum/repo [--errors 10] [--chains] [--all-genres]

GUM (github.com/amir-zeldes/gum; annotations CC BY 4.0; its news genre is English Wikinews, CC BY
2.5) marks every mention of an entity, its type and, where Wikipedia has an article, that article
("Wikification"; coref/wiki_map.tab gives its Wikidata id). Read from `dep/*.conllu` (the CorefUD
`Entity` column, the sentence's own spacing, parts of speech and syntax); the path is a checkout or
a bare git directory, the files are extracted into data/cache/gum (ignored by git), nothing of
them is shipped. The reddit documents carry no text in the repository and are left out; so is
GENTLE (another corpus in the same folder).

Gold: the name mentions of people, places and organisations: the mention's syntactic head is a
proper noun ("the girls' team" is no name; "American" of United States is an adjective). Its
span is the run of proper nouns around that head inside the mention ("US President Donald
Trump", "Daughters of the American Revolution"); the head is the word the span must cover.
Mentions of one Wikidata id (the Wikipedia title where the map has none) are one entity.

- mention recall: gold name mentions that a found span matches: it lies inside the gold span and
  covers its head (the finder leaves titles out: "Donald Trump" of "US President Donald Trump"),
  or the two overlap by at least half of the longer; all name mentions, linked or not.
- pairwise and B-cubed over distinct spellings, as benchmarks/real_news.py: an item is a gold
  spelling of one id that was found, in the group most of its mentions got; `e2e R` counts the
  true pairs of every linked spelling, found or not.

Systems, registry off, translation off, each over the document text alone: ours
(`pipeline.names.discovery.english_names`, each document's records into the name table, the
corpus's proposed groups); the same spans grouped by their exact spelling; the same spans grouped
by rapidfuzz token_set_ratio >= 90 (no English NER model installs here, so the baselines share
our spans and differ only in grouping).

Documents are split by a hash of their name into a tune part (the rules may be looked at against
it: `--errors` prints its errors only) and a held-out part (scores only); each part is grouped as
a corpus of its own. The news genre is the line that counts; `--all-genres` adds every GUM genre,
`--chains` the news again with each entity that has no Wikipedia article one of its document's own
(GUM's coreference), so that joins inside a document count for people nobody wrote an article on.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import subprocess
import sys
import tarfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import real_news  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from pipeline.names.discovery import english_names  # noqa: E402
from pipeline.names.table import NameTable  # noqa: E402

FOLDERS = ["dep", "coref/wiki_map.tab"]
CACHE = ROOT / "data" / "cache" / "gum"
SALT = "issue-22 real-news-en held-out"
KINDS = {"person": "person", "place": "place", "organization": "organisation"}
# Words inside a name between its proper nouns: "Daughters of the American Revolution".
CONNECTORS = {"of", "the", "and", "&", "for", "de", "du", "la", "von", "van", "-"}
_OPENING = re.compile(r"\((\d+)-([^()]*)(\))?")
_CLOSING = re.compile(r"(\d+)\)")


@dataclass
class Gold:
    start: int
    end: int
    text: str
    kind: str
    wikidata: str | None  # the entity id: Wikidata where the map has it, else the Wikipedia title
    head_start: int = 0
    head_end: int = 0
    chain: str = ""  # GUM's entity in its document: "document#number", linked or not


@dataclass
class Word:
    start: int
    end: int
    form: str
    proper: bool  # a proper noun: PROPN, or tagged NNP ("United" of "United States" is a VERB)
    head: int  # index of its syntactic head in the document's words, -1 for a sentence's root


@dataclass
class Document:
    name: str
    genre: str
    text: str
    golds: list[Gold] = field(default_factory=list)


def extract(source: Path) -> Path:
    """GUM's dependency and entity files and its Wikidata map, from a checkout or a bare git
    directory, into the cache."""
    if (source / "dep").is_dir():
        return source
    if not (CACHE / "dep").is_dir():
        archive = subprocess.run(["git", f"--git-dir={source}", "archive", "HEAD", *FOLDERS], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(CACHE, filter="data")
    return CACHE


def read_wiki_map(path: Path) -> dict[str, str]:
    """Wikipedia title as GUM writes it -> Wikidata id."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) >= 3 and fields[2].startswith("Q"):
            out[fields[0]] = fields[2]
            out.setdefault(fields[1], fields[2])
    return out


def read_conllu(conllu: str, wiki: dict[str, str]) -> Document:
    """One GUM document: its text (the sentences' own spacing; a blank line between
    paragraphs) and its gold name mentions."""
    name = genre = ""
    pieces: list[str] = []
    length = 0
    words: list[Word] = []
    entities: list[tuple[int, str]] = []  # (word index, Entity value)
    sentence_base = 0  # index of the sentence's first word in `words`
    surface_end = 0  # last word id a multiword token covers
    surface, cursor = (0, ""), 0  # that token's offset and text; how far its words have come
    for line in conllu.splitlines():
        if line.startswith("# newdoc id = "):
            name = line.split("=", 1)[1].strip()
        elif line.startswith("# meta::genre = "):
            genre = line.split("=", 1)[1].strip()
        elif line.startswith("# newpar") and not line.startswith("# newpar_block") and pieces:
            if pieces[-1].endswith(" "):  # after the last word: no offset moves
                pieces[-1] = pieces[-1][:-1]
                length -= 1
            pieces.append("\n\n")
            length += 2
        elif line.startswith("# sent_id") and pieces and not pieces[-1].endswith((" ", "\n")):
            pieces.append(" ")
            length += 1
        elif not line.strip():
            sentence_base, surface_end = len(words), 0
        elif line.startswith("#"):
            continue
        else:
            cols = line.split("\t")
            if "." in cols[0]:
                continue  # an empty node: no text
            misc = dict(item.split("=", 1) for item in cols[9].split("|") if "=" in item)
            if "-" in cols[0]:  # a multiword token ("NSW's", "don't"): its words are in its text
                surface_end, surface, cursor = int(cols[0].split("-")[1]), (length, cols[1]), 0
                pieces.append(cols[1] + ("" if misc.get("SpaceAfter") == "No" else " "))
                length += len(pieces[-1])
                continue
            index = int(cols[0])
            if index <= surface_end:
                if surface[1].startswith(cols[1], cursor):  # "NSW" + "'s"
                    start, end = surface[0] + cursor, surface[0] + cursor + len(cols[1])
                    cursor += len(cols[1])
                else:  # a word not written as such ("wanna" = "want" + "to"): the whole token
                    start, end = surface[0], surface[0] + len(surface[1])
            else:
                surface_end = 0
                start, end = length, length + len(cols[1])
                pieces.append(cols[1] + ("" if misc.get("SpaceAfter") == "No" else " "))
                length += len(pieces[-1])
            head = int(cols[6]) if cols[6].isdigit() else 0
            proper = cols[3] == "PROPN" or cols[4] in ("NNP", "NNPS")
            words.append(Word(start, end, cols[1], proper, sentence_base + head - 1 if head else -1))
            if "Entity" in misc:
                entities.append((len(words) - 1, misc["Entity"]))
    document = Document(name, genre, "".join(pieces).rstrip())
    document.golds = _golds(document, words, _mentions(entities), wiki)
    return document


def _mentions(entities: list[tuple[int, str]]) -> list[tuple[int, int, list[str]]]:
    """(first word, last word, fields) of every mention in the `Entity` column."""
    open_: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    out = []
    for index, value in entities:
        position = 0
        while position < len(value):
            opening = _OPENING.match(value, position)
            if opening:
                fields = [opening.group(1), *opening.group(2).split("-", 6)]
                if opening.group(3):
                    out.append((index, index, fields))
                else:
                    open_[opening.group(1)].append((index, fields))
                position = opening.end()
                continue
            closing = _CLOSING.match(value, position)
            if not closing:
                raise ValueError(f"unreadable Entity value: {value!r}")
            first, fields = open_[closing.group(1)].pop()
            out.append((first, index, fields))
            position = closing.end()
    return out


def _golds(document: Document, words: list[Word], mentions: list[tuple[int, int, list[str]]], wiki: dict[str, str]) -> list[Gold]:
    golds, text = [], document.text
    for first, last, fields in mentions:
        kind = KINDS.get(fields[1]) if len(fields) > 1 else None
        inside = range(first, last + 1)
        heads = [i for i in inside if words[i].head not in inside]
        if kind is None or not heads or not words[heads[-1]].proper:
            continue
        head = heads[-1]
        left = right = head
        while (step := _name_continues(words, left, -1, first)) is not None:
            left = step
        # "Ann Chiang of DAB": a person, then the body she is of (the finder's own rule).
        while (step := _name_continues(words, right, 1, last, kind != "person")) is not None:
            right = step
        start, end = words[left].start, words[right].end
        title = fields[7] if len(fields) > 7 and fields[7] else None
        entity = (wiki.get(title) or unquote(title)) if title else None
        chain = f"{document.name}#{fields[0]}"
        golds.append(Gold(start, end, text[start:end], kind, entity, words[head].start, words[head].end, chain))
    return sorted(golds, key=lambda gold: (gold.start, gold.end))


def _name_continues(words: list[Word], at: int, step: int, bound: int, across_of: bool = True) -> int | None:
    """The next proper noun of the name from `at` in direction `step`, across connectors,
    within the mention; None where the name ends."""
    index = at + step
    connectors = CONNECTORS if across_of else CONNECTORS - {"of"}
    while (index - bound) * step <= 0 and words[index].form.casefold() in connectors:
        index += step
    if (index - bound) * step <= 0 and words[index].proper:
        return index
    return None


def held_out(name: str) -> bool:
    return int(hashlib.sha256(f"{SALT}:{name}".encode()).hexdigest(), 16) % 3 == 0


# --- systems: each gives, per document, found spans (start, end, text) and a group label each --

Found = list[tuple[int, int, str]]


def our_spans(documents: dict[str, str]) -> dict[str, list[tuple[int, int, str, str]]]:
    """Our spans (start, end, text, group) with the corpus's proposed groups."""
    table = NameTable()
    found = {}
    for name, text in documents.items():
        names = english_names(text)
        found[name] = names
        table.add(name, [{"variant": n.text, "entity_id": n.entity_id, "canonical": n.canonical, "method": "discovered",
                          "score": 0.0, "applied": False, "example": "", "type": n.kind, "reason": n.reason,
                          "per_article": n.per_article} for n in names])  # fmt: skip
    out = {}
    for name, names in found.items():
        out[name] = []
        for n in names:
            group = table.corpus_group(n.text, n.entity_id, name)
            out[name].append((n.start, n.end, n.text, group[0] if group else n.entity_id))
    return out


def ours(spans: dict[str, list[tuple[int, int, str, str]]]) -> dict[str, Found]:
    return {name: [(s, e, group) for s, e, _, group in found] for name, found in spans.items()}


def exact(spans: dict[str, list[tuple[int, int, str, str]]]) -> dict[str, Found]:
    return {name: [(s, e, text.casefold()) for s, e, text, _ in found] for name, found in spans.items()}


def token_set(spans: dict[str, list[tuple[int, int, str, str]]]) -> dict[str, Found]:
    cluster: dict[str, int] = {}
    representatives: list[str] = []
    for text in sorted({text.casefold() for found in spans.values() for _, _, text, _ in found}):
        best = process.extractOne(text, representatives, scorer=fuzz.token_set_ratio, score_cutoff=90) if representatives else None
        cluster[text] = best[2] if best else len(representatives)
        if not best:
            representatives.append(text)
    return {name: [(s, e, str(cluster[text.casefold()])) for s, e, text, _ in found] for name, found in spans.items()}


# --- scoring -----------------------------------------------------------------------------------


def _fits(gold: Gold, start: int, end: int) -> float:
    """How well a found span fits a gold one: 0 when it does not match it, else the
    intersection over union."""
    overlap = min(end, gold.end) - max(start, gold.start)
    if overlap <= 0:
        return 0.0
    inside = gold.start <= start and end <= gold.end and start <= gold.head_start and gold.head_end <= end
    if not inside and overlap * 2 < max(end - start, gold.end - gold.start):
        return 0.0
    return overlap / (max(end, gold.end) - min(start, gold.start))


def match(gold: list[Gold], found: Found) -> list[str | None]:
    """Each gold span's system group, or None: a found span goes to the gold span it fits best,
    so that one found span ("US") never counts for two nested gold spans ("US Navy")."""
    out: list[str | None] = [None] * len(gold)
    for start, end, group in found:
        fits = [_fits(span, start, end) for span in gold]
        best = max(range(len(gold)), key=fits.__getitem__, default=-1)
        if best >= 0 and fits[best] > 0 and out[best] is None:
            out[best] = group
    return out


def score(golds: dict[str, list[Gold]], found: dict[str, Found]) -> dict[str, float]:
    """real_news.py's columns, each gold span matched as `match` says."""
    return real_news.score(golds, found, match)


def errors(golds: dict[str, list[Gold]], found: dict[str, Found], limit: int) -> dict[str, list[str]]:
    """The tune part's errors: groups joining two ids, ids split over groups, spans missed."""
    by_group: dict[str, set[tuple[str, str]]] = defaultdict(set)
    by_id: dict[str, set[tuple[str, str]]] = defaultdict(set)
    missed: Counter[str] = Counter()
    for name, gold in golds.items():
        for span, group in zip(gold, match(gold, found[name])):
            if group is None:
                missed[f"{span.text} ({span.kind})"] += 1
            elif span.wikidata:
                by_group[group].add((span.text, span.wikidata))
                by_id[span.wikidata].add((span.text, group))
    joined = [
        f"{group}: " + ", ".join(sorted(f"{t}[{w}]" for t, w in items))[:300]
        for group, items in sorted(by_group.items(), key=lambda kv: -len({w for _, w in kv[1]}))
        if len({w for _, w in items}) > 1
    ]
    split = [
        f"{entity}: " + ", ".join(sorted(f"{t}[{g}]" for t, g in items))[:300]
        for entity, items in sorted(by_id.items(), key=lambda kv: -len({g for _, g in kv[1]}))
        if len({g for _, g in items}) > 1
    ]
    return {
        "joined": joined[:limit],
        "apart": split[:limit],
        "missed": [f"{text} x{count}" for text, count in missed.most_common(limit * 4)],
    }


def read_corpus(folder: Path) -> list[Document]:
    wiki = read_wiki_map(folder / "coref" / "wiki_map.tab")
    documents = []
    for path in sorted((folder / "dep").glob("GUM_*.conllu")):
        if path.stem.startswith("GUM_reddit"):
            continue  # no text in the repository
        documents.append(read_conllu(path.read_text(encoding="utf-8"), wiki))
    return documents


def with_chains(documents: list[Document]) -> list[Document]:
    """The same documents where an entity Wikipedia has no article for is one of its document's
    own (GUM's coreference: "Steve Whitmore" ... "Whitmore"), so in-document joins count too."""
    return [Document(d.name, d.genre, d.text, [replace(g, wikidata=g.wikidata or g.chain) for g in d.golds]) for d in documents]


def report(label: str, documents: list[Document], error_limit: int) -> None:
    parts: dict[str, dict[str, str]] = {"tune": {}, "held-out": {}}
    golds = {d.name: d.golds for d in documents}
    for document in documents:
        parts["held-out" if held_out(document.name) else "tune"][document.name] = document.text
    systems: list[tuple[str, Callable[[dict[str, list[tuple[int, int, str, str]]]], dict[str, Found]]]] = [
        ("our spans + exact spelling", exact),
        ("our spans + token_set >= 90", token_set),
        ("ours (registry off)", ours),
    ]
    columns = ["mention R", "pair P", "pair R", "pair F1", "e2e R", "B3 F1"]
    print(f"\n{label}: {len(documents)} documents, tune {len(parts['tune'])}, held-out {len(parts['held-out'])}")
    print(f"{'system':<30}{'part':<10}{'mentions':>9}{'items':>7}" + "".join(f"{c:>10}" for c in columns) + f"{'s':>7}")
    for part, texts in parts.items():
        started = time.perf_counter()
        spans = our_spans(texts)
        seconds = time.perf_counter() - started
        for name, system in systems:
            found = system(spans)
            result = score({n: golds[n] for n in texts}, found)
            print(
                f"{name:<30}{part:<10}{result['mentions']:>9}{result['items']:>7}"
                + "".join(f"{result[c]:>10.3f}" for c in columns)
                + f"{seconds:>7.1f}"
            )
            if error_limit and part == "tune" and system is ours:
                for kind, lines in errors({n: golds[n] for n in texts}, found, error_limit).items():
                    print(f"   {kind}:", *lines, sep="\n     ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gum", type=Path, help="a checkout or bare git directory of amir-zeldes/gum")
    parser.add_argument("--errors", type=int, default=0, help="print N errors of each kind, tune part only")
    parser.add_argument("--all-genres", action="store_true", help="also score every GUM genre (reddit aside) as one corpus")
    parser.add_argument("--chains", action="store_true", help="also score the news with unlinked entities as their document's own")
    args = parser.parse_args()
    documents = read_corpus(extract(args.gum))
    report("GUM news (English Wikinews)", [d for d in documents if d.genre == "news"], args.errors)
    if args.chains:
        report("GUM news, unlinked entities their document's own", with_chains([d for d in documents if d.genre == "news"]), 0)
    if args.all_genres:
        report("GUM, every genre but reddit", documents, 0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
