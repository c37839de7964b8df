"""Ingest: every input file read into documents with their metadata and paragraphs."""

from pipeline.ingest.encodings import UnreadableFile, decode_bytes
from pipeline.ingest.formats import DEFAULT_EXTENSIONS, FORMATS
from pipeline.ingest.inputs import LeftOut
from pipeline.ingest.readers import RawDocument, split_paragraphs
from pipeline.ingest.stage import Ingest, list_input_files, read_documents

__all__ = [
    "DEFAULT_EXTENSIONS",
    "FORMATS",
    "Ingest",
    "LeftOut",
    "RawDocument",
    "UnreadableFile",
    "decode_bytes",
    "list_input_files",
    "read_documents",
    "split_paragraphs",
]
