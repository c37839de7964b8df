"""Decoding raw bytes: UTF-8 (with or without BOM), UTF-16, and the legacy encodings Russian and
Thai sites use (Windows-1251, KOI8-R, TIS-620/Windows-874), checked for spelling no real text has."""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Iterable

from pipeline import scripts


class UnreadableFile(Exception):
    """The file (or JSONL line) cannot become a document; the message says why."""


_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive (or Office document)",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "executable",
}
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_THAI_CONSONANT = re.compile(r"[\u0e01-\u0e2e]")
_THAI_MARK = re.compile(r"[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
_THAI_LEADING_VOWEL = re.compile(r"[\u0e40-\u0e44]")
_CYRILLIC_LOWER_THEN_UPPER = re.compile(r"[а-яё][А-ЯЁ]")
# Latin, Cyrillic, Thai, general punctuation: what our sources are written in.
_EXPECTED_CHARS = re.compile(f"[\t\n\r\u0020-\u024f{scripts.CYRILLIC_BLOCK}{scripts.THAI_BLOCK}\u2000-\u206f\u20ac\u2116]")
_LETTER = re.compile(r"[^\W\d_]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _implausibility(text: str) -> float:
    """Spelling no real text has, per letter: used to choose between legacy decodings.

    KOI8-R read as Windows-1251 swaps letter case ("дВИЖЕНИЕ"); Cyrillic bytes read as
    Windows-874 give Thai marks with no consonant to sit on. Both show up here.
    """
    letters = len(_LETTER.findall(text)) or 1
    bad = len(_CYRILLIC_LOWER_THEN_UPPER.findall(text))
    previous = ""
    for char in text:
        if _THAI_MARK.match(char) and not (_THAI_CONSONANT.match(previous) or _THAI_MARK.match(previous)):
            bad += 1
        if _THAI_LEADING_VOWEL.match(previous) and not _THAI_CONSONANT.match(char):
            bad += 1
        previous = char
    return bad / letters


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (<meta charset> or http-equiv)."""
    if match := _META_CHARSET.search(data[:4096]):
        name = match.group(1).decode("ascii").lower()
        with contextlib.suppress(LookupError):
            return _text_encoding(codecs.lookup(name).name)
    return None


def _text_encoding(name: str) -> str | None:
    """`name` if it is an encoding of text: a page may declare zlib, base64, hex, rot13 or uu,
    which Python's codecs also know but which turn bytes into bytes or text into text."""
    try:
        "a".encode(name).decode(name)  # LookupError: "'zlib' is not a text encoding"
    except (LookupError, ValueError):
        return None
    return name


def decode_bytes(data: bytes, legacy_encodings: Iterable[str], declared: str | None = None) -> tuple[str, str]:
    """Decode file bytes; return (text, encoding) or raise UnreadableFile with the reason.

    Valid UTF-8 wins over a declared charset (pages are often mislabelled; bytes that happen to
    be valid UTF-8 in another encoding are rare); a declared charset wins over detection.
    """
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise UnreadableFile(f"binary file ({kind}), not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableFile(
                    f"starts with a {encoding} byte order mark but is not valid {encoding}: {error.reason} at byte {error.start}"
                ) from error
    if b"\x00" in data:
        # Text never holds NUL bytes, UTF-16 without a byte order mark does.
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if len(_EXPECTED_CHARS.findall(text)) >= 0.95 * len(text) and not _CONTROL.search(text):
                return text, encoding
        raise UnreadableFile("binary file (contains NUL bytes and is not UTF-16), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if declared and declared != "utf-8":
        # UnicodeError, not only UnicodeDecodeError: some codecs (idna) raise the base class.
        with contextlib.suppress(UnicodeError, LookupError):
            text = data.decode(declared)
            if not _CONTROL.search(text):
                return text, declared
    high_bytes = len(_HIGH_BYTE.findall(data))
    utf8_bytes = sum(len(m) for m in _UTF8_MULTIBYTE.findall(data))
    if high_bytes and utf8_bytes / high_bytes > 0.5:
        raise UnreadableFile(
            f"undecodable bytes: mostly UTF-8 but byte 0x{data[utf8_error.start]:02x} at offset "
            f"{utf8_error.start} is not valid UTF-8 (a damaged file?)"
        )
    from charset_normalizer import from_bytes  # here: only a file that is not UTF-8 needs it

    candidates = list(legacy_encodings)
    matches = from_bytes(data, cp_isolation=candidates)
    decoded = [(str(match), match.encoding) for match in matches]
    decoded = [(text, enc) for text, enc in decoded if len(_CONTROL.findall(text)) <= len(text) * 0.01]
    if not decoded:
        raise UnreadableFile(
            f"undecodable bytes: not UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset "
            f"{utf8_error.start}) and not any of {', '.join(candidates)}"
        )
    text, encoding = min(decoded, key=lambda item: _implausibility(item[0]))
    return text, encoding
