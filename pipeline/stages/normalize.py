"""Normalize: every known spelling of a name becomes the registry's canonical name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.config import NormalizeConfig
from pipeline.names import Registry
from pipeline.schema import Document
from pipeline.stages.base import Stage


class Normalize(Stage):
    name = "normalize"

    def __init__(self, config: NormalizeConfig, registry: Registry | None) -> None:
        super().__init__()
        self.config = config
        self.registry = registry

    @classmethod
    def from_config(cls, config: NormalizeConfig, registry: Registry | None) -> Normalize:
        return cls(config, registry)

    def name_table(self) -> list[dict[str, Any]]:
        return []

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            document.text_en_normalized = document.text_en
            yield document
