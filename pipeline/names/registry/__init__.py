"""The canonical name registry: its entities read from YAML (entities), its text kept and
written in place (text), edits entry by entry (edits), and a reviewed name table folded back
into it (review)."""

from pipeline.names.registry.entities import Registry, RegistryError, load_registry

__all__ = ["Registry", "RegistryError", "load_registry"]
