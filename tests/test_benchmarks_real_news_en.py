"""benchmarks/real_news_en.py reads GUM's files and scores against them: a hand-made document in
GUM's dep/*.conllu layout (tests/fixtures/gum_news_sample.conllu, no GUM text), so that a parser
broken by a format change fails here rather than printing a quietly wrong table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "gum_news_sample.conllu"
WIKI = {"Jane_Doe": "Q1", "Paris": "Q90"}


def _load():
    spec = importlib.util.spec_from_file_location("real_news_en", ROOT / "benchmarks" / "real_news_en.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_news_en"] = module
    spec.loader.exec_module(module)
    return module


real_news_en = _load()


@pytest.fixture(scope="module")
def document():
    return real_news_en.read_conllu(SAMPLE.read_text(encoding="utf-8"), WIKI)


def test_text_keeps_the_sentences_spacing_and_paragraphs(document):
    assert document.name == "GUM_news_sample"
    assert document.genre == "news"
    assert document.text == (
        "Jane Doe visits Paris\n\nPresident Jane Doe of the United States arrived in Paris on Monday. "
        "Doe's American team met the University of Lyon."
    )


def test_gold_is_the_name_mentions_of_people_places_and_organisations(document):
    golds = [(g.text, g.kind, g.wikidata, document.text[g.head_start : g.head_end]) for g in document.golds]
    assert golds == [
        ("Jane Doe", "person", "Q1", "Doe"),
        ("Paris", "place", "Q90", "Paris"),
        # a person's name stops before "of"; "United" is tagged VERB but NNP
        ("President Jane Doe", "person", "Q1", "Doe"),
        ("United States", "place", "United_States", "States"),  # no Wikidata id in the map: the title
        ("Paris", "place", "Q90", "Paris"),
        ("Doe", "person", "Q1", "Doe"),  # a word of the multiword token "Doe's"
        ("University of Lyon", "organisation", "University_of_Lyon_(old)", "University"),
        ("Lyon", "place", None, "Lyon"),  # a mention of no Wikipedia article: counted for recall only
    ]  # no time ("Monday"), no adjective ("American"), no common noun head ("Doe's American team")
    for gold in document.golds:
        assert document.text[gold.start : gold.end] == gold.text


def _found(document, spans):
    """Found spans (text, its occurrence, group) as offsets."""
    out = []
    for text, occurrence, group in spans:
        start = -1
        for _ in range(occurrence + 1):
            start = document.text.index(text, start + 1)
        out.append((start, start + len(text), group))
    return {document.name: out}


def test_a_perfect_system_scores_one(document):
    found = {document.name: [(g.start, g.end, g.wikidata or g.chain) for g in document.golds]}
    result = real_news_en.score({document.name: document.golds}, found)
    assert result["mention R"] == 1.0
    assert (result["items"], result["pair P"], result["pair R"], result["B3 F1"]) == (6, 1.0, 1.0, 1.0)


def test_a_span_inside_the_mention_must_cover_its_head(document):
    golds = {document.name: document.golds}
    title_left_out = _found(document, [("Jane Doe", 1, "a")])  # "Jane Doe" of "President Jane Doe"
    assert real_news_en.match(document.golds, title_left_out[document.name])[2] == "a"
    given_name_only = _found(document, [("Jane", 1, "a")])
    assert real_news_en.score(golds, given_name_only)["mention R"] == 0.0


def test_with_chains_an_unlinked_entity_is_its_documents_own(document):
    linked = real_news_en.with_chains([document])[0].golds
    assert [g.wikidata for g in linked] == [g.wikidata for g in document.golds][:-1] + ["GUM_news_sample#7"]


def test_a_nested_name_goes_to_the_span_it_fits(document):
    groups = real_news_en.match(document.golds, _found(document, [("Lyon", 0, "lyon")])[document.name])
    assert groups[-2:] == [None, "lyon"]


def test_pairs_of_one_id_split_over_groups_lower_recall_only(document):
    found = _found(document, [("Jane Doe", 0, "jane"), ("Jane Doe", 1, "jane"), ("Doe's", 0, "doe"), ("Paris", 0, "paris")])
    result = real_news_en.score({document.name: document.golds}, found)
    # items: jane doe, president jane doe (one group), doe (another), paris; true pairs of Q1: 3
    assert result["items"] == 4
    assert result["pair P"] == 1.0
    assert result["pair R"] == pytest.approx(1 / 3)
    assert result["e2e R"] == pytest.approx(1 / 3)


def test_report_runs_every_system_over_a_gum_folder(tmp_path, capsys):
    (tmp_path / "dep").mkdir()
    (tmp_path / "coref").mkdir()
    (tmp_path / "dep" / SAMPLE.name.replace("gum_news_sample", "GUM_news_sample")).write_text(SAMPLE.read_text(encoding="utf-8"))
    (tmp_path / "dep" / "GUM_reddit_sample.conllu").write_text("# newdoc id = GUM_reddit_sample\n# meta::genre = reddit\n")
    (tmp_path / "coref" / "wiki_map.tab").write_text("#FormattedTitle\tURLTitle\tWikidataID\tDateUpdated\nParis\tParis\tQ90\t2025-03-13\n")
    documents = real_news_en.read_corpus(real_news_en.extract(tmp_path))
    assert [d.name for d in documents] == ["GUM_news_sample"]  # reddit has no text in the repository
    assert {g.wikidata for g in documents[0].golds if g.text == "Paris"} == {"Q90"}
    real_news_en.report("sample", documents, 5)
    printed = capsys.readouterr().out
    assert "sample: 1 documents" in printed
    for system in ("our spans + exact spelling", "our spans + token_set >= 90", "ours (registry off)"):
        assert printed.count(system) == 2  # tune and held-out
