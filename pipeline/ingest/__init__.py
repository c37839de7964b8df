"""Ingest: every input file read into documents with their metadata and paragraphs."""

from pipeline.ingest.encodings import UnreadableFile, decode_bytes
from pipeline.ingest.formats import DEFAULT_EXTENSIONS, FORMATS, register_format
from pipeline.ingest.inputs import Format, InputFile, LeftOut, Part
from pipeline.ingest.readers import RawDocument, split_paragraphs
from pipeline.ingest.stage import Ingest, list_input_files, read_documents

__all__ = [
    "DEFAULT_EXTENSIONS",
    "FORMATS",
    "Format",
    "Ingest",
    "InputFile",
    "LeftOut",
    "Part",
    "RawDocument",
    "UnreadableFile",
    "decode_bytes",
    "list_input_files",
    "read_documents",
    "register_format",
    "split_paragraphs",
]
