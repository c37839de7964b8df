"""What the pipeline knows of each language, one folder per language (as spaCy's `lang/`).

`pipeline/lang/<code>/language.yaml` says what code asks about the language:

    name: Russian
    script: cyrillic         # its letters: a script of pipeline/scripts.py (cyrillic, thai, latin)
    segmenter: punctuation   # its sentence splitter in pipeline/translation/segment.py; none: the generic one
    ner: natasha             # the finder of names in its source text (names/stage.py asks); none:
                             # its names are found in the translation only
    nllb: rus_Cyrl           # its NLLB language code; none: the tiny NLLB-style model leaves it out
    detect_prior: 3.0        # the language detector's prior towards it; 1.0 when not said

Beside it lie its word lists as plain text, each optional; a module that uses a list asks for
it here and skips the languages that lack it:

    function_words.txt    langid/rules.py: common words no other language of its script writes
    word_frequencies.txt  langid/rules.py: the word vote (benchmarks/build_langid_data.py writes it)
    abbreviations.txt     translation/segment.py: no sentence ends after one of these
    furniture.txt         ingest/furniture.py: site furniture phrases (regular expressions)
    sample_text.txt       translation/tiny_models.py: what the tiny test models are trained on
    given_names.txt       names/given_names.py: given names and their gender
    legal_forms.txt       names/keys.py: legal forms folded out of group keys ("ООО", "Inc")
    exonyms.txt           names/keys.py: English names of places ("Moskva" is Moscow)

and lists only one language's code reads: ru/ given_name_spellings.txt, case_endings.txt,
copulas.txt; ru/ and en/ titles_by_gender.txt; en/ words.txt, place_words.txt, name_titles.txt, ... (names/);
ru/ and en/ generic_bodies.txt (names/discovery/per_article.py: "Сенат", "Supreme Court").
Nothing else in the package names a language's folder, so a new language is a new folder (plus
its model in the run config), and a language without a folder is one the code knows nothing
special of.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from importlib.abc import Traversable

DECLARATION = "language.yaml"
SCRIPTS = ("cyrillic", "thai", "latin")
# The language the corpus is translated into.
TARGET = "en"


class UnknownLanguage(LookupError):
    """A language code with no folder in pipeline/lang/."""


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str
    folder: Traversable
    segmenter: str | None = None
    ner: str | None = None
    nllb: str | None = None
    detect_prior: float = 1.0

    def has(self, filename: str) -> bool:
        return (self.folder / filename).is_file()

    def text(self, filename: str) -> str:
        return (self.folder / filename).read_text(encoding="utf-8")

    def lines(self, filename: str) -> list[str]:
        """The lines of a word list, without blank lines and `#` comments."""
        return [line for line in self.text(filename).splitlines() if line.strip() and not line.startswith("#")]

    def rows(self, filename: str) -> list[list[str]]:
        """Each line of a word list cut at spaces: `GENDER name name ...`, `ZIPF word word ...`."""
        return [line.split() for line in self.lines(filename)]

    def words(self, filename: str) -> frozenset[str]:
        """Every word of a word list, whatever line it is on."""
        return frozenset(word for row in self.rows(filename) for word in row)


# The folder the languages are read from; a test may point it at a folder of its own.
ROOT: Traversable = resources.files(__name__)


def read_language(folder: Traversable) -> Language:
    """The language a folder declares; a ValueError names the file and what is wrong in it."""
    where = f"pipeline/lang/{folder.name}/{DECLARATION}"
    declared: Any = yaml.safe_load((folder / DECLARATION).read_text(encoding="utf-8"))
    fields = {"name", "script", "segmenter", "ner", "nllb", "detect_prior"}
    if not isinstance(declared, dict) or not {"name", "script"} <= set(declared) or set(declared) - fields:
        raise ValueError(f"{where}: say name and script, and nothing but {', '.join(sorted(fields))}")
    if declared["script"] not in SCRIPTS:
        raise ValueError(f"{where}: script {declared['script']!r} is none of {', '.join(SCRIPTS)}")
    return Language(code=folder.name, folder=folder, **declared)


# The languages read under each ROOT, by code.
_READ: dict[str, dict[str, Language]] = {}


def _languages() -> dict[str, Language]:
    """The languages of the folders under ROOT, read once."""
    if str(ROOT) not in _READ:
        folders = sorted((entry for entry in ROOT.iterdir() if entry.is_dir() and (entry / DECLARATION).is_file()), key=lambda f: f.name)
        _READ[str(ROOT)] = {folder.name: read_language(folder) for folder in folders}
    return _READ[str(ROOT)]


def all_languages() -> list[Language]:
    """Every language with a folder, by code."""
    return list(_languages().values())


def language_codes() -> list[str]:
    return list(_languages())


def find_language(code: str) -> Language | None:
    """The language of a code, None when it has no folder."""
    return _languages().get(code)


def get_language(code: str) -> Language:
    """The language of a code; UnknownLanguage, naming the known ones, when it has no folder."""
    language = find_language(code)
    if language is None:
        raise UnknownLanguage(f"no language {code!r} in pipeline/lang/ (there are: {', '.join(language_codes())})")
    return language


def languages_with(filename: str) -> list[Language]:
    """The languages whose folder has this word list, by code."""
    return [language for language in all_languages() if language.has(filename)]
