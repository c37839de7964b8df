"""Publish: the documents and the name table as a Hugging Face dataset, with its card."""

from pipeline.publish.card import CardInfo, dataset_card
from pipeline.publish.hub import push_to_hub
from pipeline.publish.lock import OutputLocked, hold_output
from pipeline.publish.stage import NothingToPublish, Publish, staging_folder

__all__ = [
    "CardInfo",
    "NothingToPublish",
    "OutputLocked",
    "Publish",
    "dataset_card",
    "hold_output",
    "push_to_hub",
    "staging_folder",
]
