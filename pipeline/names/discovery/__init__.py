"""Names nobody registered: found in every document and grouped across spellings and scripts.

- Russian source text: natasha's NER (pipeline.names.discovery.russian_finder), each span in the
  nominative and romanized.
- English text: proper-name spans found by rule (pipeline.names.discovery.english_finder).
- In each document a short form of a person joins the one full form it fits
  (pipeline.names.discovery.coreference), and an acronym the document defines joins its full name
  (pipeline.names.discovery.acronyms); a body named without its country ("Сенат") joins the one
  name of its document that says whose it is, or stays its document's (pipeline.names.discovery.per_article).
- In Russian text an organisation in quotes is not the place of its spelling («Милан», Милан), and
  a body NER found apart from the place after it takes the key of the two ("Верховный суд" +
  "США") (pipeline.names.discovery.qualifiers).

Every mention gets a group key that is a pure function of its spelling, or of the full form it
was linked to in its document (pipeline.names.grouping.keys); the name table merges the corpus's groups.
"""

from __future__ import annotations

from pipeline.names.discovery.acronyms import link_acronyms
from pipeline.names.discovery.coreference import link_in_document, repeated_in_document
from pipeline.names.discovery.english_finder import english_names as _english_names
from pipeline.names.discovery.per_article import keep_bodies_per_article
from pipeline.names.discovery.qualifiers import mark_quoted, name_bodies_by_place
from pipeline.names.discovery.russian_finder import other_forms
from pipeline.names.discovery.russian_finder import russian_names as _russian_names
from pipeline.names.grouping.keys import Discovered
from pipeline.names.ner import Span, ner_spans

# ner_spans: a chunk of documents' Russian texts tagged at once, their spans then given to russian_names.
__all__ = ["english_names", "ner_spans", "russian_names"]


def russian_names(text: str, spans: list[Span] | None = None) -> list[Discovered]:
    """Names natasha's NER finds in Russian text, and their other places in it (written alike,
    or a one-word name in another case); short forms linked to their full forms. `spans`: the
    text's NER spans where `ner_spans` found them already, with other texts'."""
    found = repeated_in_document(text, mark_quoted(text, _russian_names(text, spans)))
    found = name_bodies_by_place(text, link_acronyms(text, other_forms(text, found)))
    return keep_bodies_per_article(link_in_document(found, text))


def english_names(text: str) -> list[Discovered]:
    """Proper-name spans in English text, short forms linked to their full forms."""
    return keep_bodies_per_article(link_in_document(link_acronyms(text, _english_names(text)), text))
