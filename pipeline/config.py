"""Run configuration: YAML validated by pydantic, with errors that name the file, key and line."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Languages found by langid's letter rules alone: Belarusian has no langdetect profile.
RULE_LANGUAGES = frozenset({"be"})


def unknown_languages(languages: Iterable[str]) -> list[str]:
    """The codes that neither a langdetect profile nor a letter rule can ever give as a label."""
    profiles = {entry.name for entry in (resources.files("langdetect") / "profiles").iterdir()}
    return [lang for lang in dict.fromkeys(languages) if lang not in RULE_LANGUAGES and lang not in profiles]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML with each key once per mapping: a second `translate:` block would silently replace the
    first (and its `enabled: false`)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key]}): say each key once", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


class ConfigError(Exception):
    """A config that cannot be used; the message names the file, the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestConfig(_Strict):
    # None (the default): every extension a reader is registered for (pipeline/ingest/formats.py).
    # An extension listed here that no reader is registered for is read as plain text.
    extensions: list[str] | None = None
    max_file_bytes: int = Field(default=5_000_000, gt=0)
    # Legacy encodings tried when a file is not UTF-8/UTF-16: the ones Russian and Thai sites use.
    legacy_encodings: list[str] = ["cp1251", "koi8_r", "cp874"]
    # A symbolic link that leads out of the input folder is skipped unless this allows it.
    follow_external_links: bool = False
    # A short line found in this many documents of one outlet (and in 30% of them) is site furniture.
    furniture_min_documents: int = Field(default=3, ge=2)


class DetectConfig(_Strict):
    languages: list[str] = ["ru", "th", "en", "uk", "be", "bg", "de", "fr", "es"]
    min_score: float = Field(default=0.6, ge=0.0, le=1.0)
    short_paragraph_chars: int = Field(default=40, ge=0)
    seed: int = 0

    @field_validator("languages")
    @classmethod
    def _languages_are_known(cls, value: list[str]) -> list[str]:
        unknown = unknown_languages(value)
        if unknown:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)}: langdetect has no profile for them")
        return value


class ModelConfig(_Strict):
    model: str
    revision: str | None = None
    # NLLB/M2M-style models need language codes; Marian models do not.
    src_lang: str | None = None
    tgt_lang: str | None = None


# What torch and CTranslate2 take: `gpu0` or `cuda0` would pass here and fail once the models load.
DEVICE = re.compile(r"auto|cpu|mps|cuda(?::\d+)?")


class TranslateConfig(_Strict):
    enabled: bool = True
    backend: Literal["transformers", "ctranslate2"] = "transformers"
    device: str = "auto"
    models: dict[str, ModelConfig] = {}
    num_beams: int = Field(default=1, ge=1)
    max_new_tokens: int = Field(default=256, gt=0)
    batch_tokens: int = Field(default=4096, gt=0)
    batch_documents: int = Field(default=64, gt=0)
    cache: Path | None = Path("data/cache/translations.sqlite")
    threads: int = Field(default=0, ge=0)
    ct2_compute_type: str = "auto"
    ct2_dir: Path = Path("data/cache/ct2")
    build_tiny_models: bool = False

    @field_validator("device")
    @classmethod
    def _device_is_known(cls, value: str) -> str:
        if not DEVICE.fullmatch(value):
            raise ValueError(f"unknown device {value!r}: use auto, cpu, cuda, cuda:N (N the GPU's number) or mps")
        return value


class NormalizeConfig(_Strict):
    enabled: bool = True
    # null: no registry at all; names are still found, grouped and proposed.
    registry: Path | None = Path("configs/names.yaml")
    # Find and group names the registry does not know (proposed as new entities for review).
    discover: bool = True
    # Also replace, in text_en_normalized, the spellings of proposed (not yet registered) groups
    # by their proposed canonical (one per group across the corpus, applied when publishing).
    apply_proposals: bool = False
    auto_threshold: float = Field(default=0.92, ge=0.0, le=1.0)
    review_threshold: float = Field(default=0.8, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _auto_is_above_review(self) -> NormalizeConfig:
        # A match scored between the two goes to review; auto below review would apply unreviewed
        # what the config asks to have reviewed.
        if self.auto_threshold < self.review_threshold:
            raise ValueError(
                f"auto_threshold ({self.auto_threshold}) is below review_threshold ({self.review_threshold}): "
                "matches at or above auto_threshold are applied without review, so it must not be lower"
            )
        return self


class PublishConfig(_Strict):
    # The texts belong to their publishers: "other" unless the config says what applies.
    license: str = "other"
    pretty_name: str | None = None
    shard_rows: int = Field(default=5000, gt=0)
    push_to_hub: bool = False
    repo_id: str | None = None
    private: bool = True

    @model_validator(mode="after")
    def _push_needs_a_repo(self) -> PublishConfig:
        if self.push_to_hub and not self.repo_id:
            raise ValueError("push_to_hub is true but publish.repo_id is not set (<org>/<name> on the Hub)")
        return self


class LocalConfig(_Strict):
    # Processes that run the document steps (the reader and the sink stay in the run's own):
    # "auto" is one per CPU, or one where a step holds a model (translation), which already
    # keeps every core busy. The dataset is the same whatever the number.
    workers: int | Literal["auto"] = "auto"

    @field_validator("workers", mode="before")
    @classmethod
    def _workers_is_a_count(cls, value: Any) -> Any:
        if value != "auto" and (type(value) is not int or value < 1):
            raise ValueError(f"{value!r} is not a number of processes: use a whole number, 1 or more, or auto")
        return value


class RayConfig(_Strict):
    address: str | None = None
    num_cpus: int | None = None
    translation_actors: int = 1
    gpus_per_actor: float = 0.0


class RunConfig(_Strict):
    name: str
    input: Path = Path("data/raw")
    output: Path = Path("data/clean")
    quiet: bool = False
    executor: Literal["local", "ray"] = "local"
    # The steps of the chain by name, in order (pipeline/chain.py checks them against the
    # registered ones); None: ingest, detect, translate, normalize, group_names, publish.
    stages: list[str] | None = None
    ingest: IngestConfig = IngestConfig()
    detect: DetectConfig = DetectConfig()
    translate: TranslateConfig = TranslateConfig()
    normalize: NormalizeConfig = NormalizeConfig()
    publish: PublishConfig = PublishConfig()
    local: LocalConfig = LocalConfig()
    ray: RayConfig = RayConfig()

    @field_validator("name")
    @classmethod
    def _name_is_a_folder_name(cls, value: str) -> str:
        if not value or "/" in value or value.startswith("."):
            raise ValueError("must be a plain folder name (no '/', not starting with '.')")
        if _CONTROL.search(value):
            raise ValueError("must be a plain folder name: no control characters (a NUL, a newline)")
        return value

    @field_validator("input", "output")
    @classmethod
    def _path_has_no_nul(cls, value: Path) -> Path:
        if "\x00" in str(value):
            raise ValueError("a path cannot hold a NUL character")
        return value

    def content_hash(self) -> str:
        """Hash of everything that shapes the rows; where files live and how it runs are left out.

        The registry counts by its content, not its path.
        """
        data = self.model_dump(mode="json", exclude={"input", "output", "quiet", "executor", "local", "ray"})
        if data["stages"] is None:  # the default chain: the hash configs had before `stages` existed
            del data["stages"]
        for key in ("cache", "ct2_dir", "device", "threads"):
            data["translate"].pop(key, None)
        data["publish"] = {key: data["publish"][key] for key in ("license", "pretty_name")}
        registry = self.normalize.registry
        data["normalize"]["registry"] = hashlib.sha256(registry.read_bytes()).hexdigest() if registry and registry.is_file() else None
        blob = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _key_line(text: str, path: tuple[Any, ...]) -> int | None:
    """Line (1-based) of the key at `path` in the YAML text, or of its closest parent."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(key):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read and validate a run config; raise ConfigError with one readable line on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror or error}") from error
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {getattr(error, 'problem', error)}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys, not {type(data).__name__}")
    data.update({key: value for key, value in (overrides or {}).items() if value is not None})
    try:
        return RunConfig.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"]) or "(top level)"
            line = _key_line(text, item["loc"])
            where = f" (line {line})" if line else ""
            message = item["msg"]
            if item["type"] == "extra_forbidden":
                message = "unknown key"
            problems.append(f"{key}{where}: {message}")
        raise ConfigError(f"{path}: " + "; ".join(problems)) from error
