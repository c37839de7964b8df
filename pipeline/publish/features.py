"""The published columns as datasets.Features (the record schema, typed for parquet and the Hub)."""

from __future__ import annotations

import datasets


def _string() -> datasets.Value:
    return datasets.Value("string")


FEATURES = datasets.Features(
    {
        "id": _string(),
        "source": _string(),
        "url": _string(),
        "outlet": _string(),
        "title": _string(),
        "title_en": _string(),
        "published": datasets.Value("date32"),
        "lang": _string(),
        "lang_score": datasets.Value("float32"),
        "text": _string(),
        "text_en": _string(),
        "text_en_normalized": _string(),
        "names": datasets.List(
            {
                "entity_id": _string(),
                "canonical": _string(),
                "variant": _string(),
                "start": datasets.Value("int32"),
                "end": datasets.Value("int32"),
                "method": _string(),
                "score": datasets.Value("float32"),
                "field": _string(),
            }
        ),
        "paragraphs": datasets.List(
            {
                "text": _string(),
                "lang": _string(),
                "lang_score": datasets.Value("float32"),
                "text_en": _string(),
            }
        ),
        "translation_model": _string(),
        "pipeline_version": _string(),
        "config_hash": _string(),
    }
)

# What each published column means (the dataset card lists it beside the type).


NAME_TABLE_FEATURES = datasets.Features(
    {
        "variant": _string(),
        "canonical": _string(),
        "entity_id": _string(),
        "method": _string(),
        "score": datasets.Value("float32"),
        "count": datasets.Value("int32"),
        "documents": datasets.Value("int32"),
        "example": _string(),
        "status": _string(),
        "type": _string(),
    }
)
