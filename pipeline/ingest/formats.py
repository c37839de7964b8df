"""The readers, registered by extension: the one table the default of `ingest.extensions`, the
listing of input files, the pass that counts repeated lines and both executors go by.

A new format is one reader function (InputFile -> documents, reasons, parts left out) and one
`Format` line in FORMATS, or, from outside the package, `register_format(Format(...))` before
the run. An extension given in `ingest.extensions` that no format registers is
read as plain text (a `.log` or `.text` file a user asks for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pipeline.ingest.encodings import UnreadableFile, declared_charset, decode_bytes
from pipeline.ingest.inputs import Format, InputFile, Item, Part, unexpected
from pipeline.ingest.office import read_docx, read_odt
from pipeline.ingest.pdf import read_pdf
from pipeline.ingest.readers import RawDocument, RepeatedFor, parse_html, parse_jsonl_line, parse_markdown, parse_plain_text
from pipeline.ingest.warc import read_warc
from pipeline.scripts import fold_text


def file_text(file: InputFile, html: bool = False) -> str:
    """The file decoded (an HTML page's declared charset considered) and folded."""
    data = file.read_bytes()
    if not data.strip():
        raise UnreadableFile("empty file")
    declared = declared_charset(data) if html else None
    text = fold_text(decode_bytes(data, file.legacy_encodings, declared)[0])
    if not text.strip():  # whitespace only, in any script's sense (NEL, ideographic spaces)
        raise UnreadableFile("empty file")
    return text


def _one_document(parse: Callable[[str, RepeatedFor], RawDocument], html: bool = False) -> Callable[[InputFile], Iterator[Item]]:
    def read(file: InputFile) -> Iterator[Item]:
        raw = parse(file_text(file, html), file.repeated_for)
        if not raw.paragraphs:
            raise UnreadableFile("no text in the file after removing markup and metadata")
        yield Part(raw)

    return read


def read_jsonl(file: InputFile) -> Iterator[Item]:
    """One document per line; whatever fails on a line costs that line alone.

    Lines end at \n only: a JSON string may hold U+2028 or NEL, which splitlines() breaks at."""
    for number, line in enumerate(file_text(file).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield Part(parse_jsonl_line(line, number, file.repeated_for), part=str(number))
        except UnreadableFile as error:
            yield error
        except Exception as error:
            yield UnreadableFile(f"line {number}: {unexpected(error)}")


TEXT = Format("text", (".txt",), _one_document(parse_plain_text), counts_lines=True, description="text dumps of articles")
FORMATS = [
    TEXT,
    Format("markdown", (".md",), _one_document(parse_markdown), counts_lines=True, description="Markdown"),
    Format("html", (".html", ".htm"), _one_document(parse_html, html=True), description="saved web pages"),
    Format("jsonl", (".jsonl",), read_jsonl, counts_lines=True, description="JSON Lines, one article per line"),
    Format("pdf", (".pdf",), read_pdf, description="PDF with a text layer"),
    Format("docx", (".docx",), read_docx, description="Word"),
    Format("odt", (".odt",), read_odt, description="OpenDocument text"),
    Format("warc", (".warc", ".warc.gz"), read_warc, description="web archives, one document per HTML or text response record"),
]
BY_EXTENSION = {extension: fmt for fmt in FORMATS for extension in fmt.extensions}
# What `ingest.extensions` is when the config leaves it out: every extension a reader is registered for.
DEFAULT_EXTENSIONS = list(BY_EXTENSION)


def register_format(found: Format) -> Format:
    """Read files with `found`'s extensions with its reader; the extensions join the default of
    `ingest.extensions`. An extension already registered to a format of another name is refused;
    a format registered again under its name (the copy a Ray worker gets) changes nothing."""
    taken = [ext for ext in found.extensions if BY_EXTENSION.get(ext, found).name != found.name]
    if taken:
        raise ValueError(f"{', '.join(taken)}: already read as {BY_EXTENSION[taken[0]].name}")
    if all(known.name != found.name for known in FORMATS):
        FORMATS.append(found)
    for extension in found.extensions:
        if extension not in BY_EXTENSION:
            BY_EXTENSION[extension] = found
            DEFAULT_EXTENSIONS.append(extension)
    return found


def matching_extension(name: str, extensions: Iterable[str]) -> str | None:
    """The longest of `extensions` the file name ends with (".warc.gz" before ".gz"), any case."""
    lowered = name.lower()
    # "" takes the files with no extension (README), not every file.
    found = [ext.lower() for ext in extensions if (lowered.endswith(ext.lower()) if ext else "." not in lowered.lstrip("."))]
    return max(found, key=len) if found else None


def format_for(name: str, extensions: Iterable[str]) -> Format:
    """The reader of a file taken for one of `extensions`: registered, or plain text if none is."""
    extension = matching_extension(name, extensions) or ""
    return BY_EXTENSION.get(extension) or Format(TEXT.name, (extension,), TEXT.read, counts_lines=True)
