"""Names: every spelling of a name becomes its canonical; names nobody registered are proposed.

Module map, in import order (a module imports only those above it; tests/test_names_layout.py):
- entity.py: an Entity, its types (PERSON, PLACE, ...) and variant_key; morphology.py: pymorphy3.
- person/: the person-name model: spelling folds, given names, patronymics, surnames' gender forms.
- matching/: the registry's spellings found in text: index (fuzzy lookup), mentions, native_forms.
- ner.py: natasha's NER re-implemented in batches, pinned to natasha's own output (tests).
- grouping/: group keys and proposed ids (keys), the corpus-wide merge of groups (corpus).
- discovery/: spans of names nobody registered, one finder per language, in-document links.
- table/: the name table (name_table) and names.csv's one writer and reader (spreadsheet).
- registry/: the YAML registry (entities), its text and edits (text, edits), the review loop.
- stage.py: the Normalize step that runs them over documents; group_names.py: the corpus step
  after the barrier (the name table of the whole corpus, proposals regrouped in the shards).
A new name type: its constant in entity.py, its parts (if it has any) in person/. A new finder:
a module in discovery/, called from discovery/__init__.py.
"""

from pipeline.names.entity import Entity, variant_key
from pipeline.names.registry.entities import Registry, RegistryError, load_registry
from pipeline.names.registry.review import apply_review, read_review_table
from pipeline.names.stage import Normalize

__all__ = ["Entity", "Normalize", "Registry", "RegistryError", "apply_review", "load_registry", "read_review_table", "variant_key"]
