"""Language identification: langdetect, made deterministic, with script and orthography rules."""

from pipeline.config import unknown_languages
from pipeline.langid.stage import Detect, LanguageDetector, detect_paragraph_languages, document_language

__all__ = ["Detect", "LanguageDetector", "detect_paragraph_languages", "document_language", "unknown_languages"]
