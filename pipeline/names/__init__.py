"""Names: the registry, native-form and English matching, the normalize stage, the name table and
the review loop."""

from pipeline.names.entity import Entity, variant_key
from pipeline.names.registry.entities import Registry, RegistryError, load_registry
from pipeline.names.registry.review import apply_review, read_review_table
from pipeline.names.stage import Normalize

__all__ = ["Entity", "Normalize", "Registry", "RegistryError", "apply_review", "load_registry", "read_review_table", "variant_key"]
