"""Translation backends behind one interface: transformers (Marian, NLLB/M2M) and CTranslate2.

Both load by Hugging Face id or local folder, never run remote code, and translate a batch of
sentences in one call. Loading errors become ModelLoadError with what to do about them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from pipeline.files import atomic_target


class ModelLoadError(Exception):
    """A translation model that cannot be loaded; the message names language, model and remedy."""


class Backend(Protocol):
    model_key: str
    max_source_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def translate(self, sentences: list[str]) -> list[str]: ...


def quiet_transformers() -> None:
    """Loading bars and advice from transformers are noise in a batch job's output."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def resolve_device(device: str) -> str:
    """The device to load models on; one this torch cannot use is refused, saying what to write."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError):
        raise ModelLoadError(f"translate.device: {device!r} is not a device (use auto, cpu, or cuda)") from None
    if kind == "cuda" and not torch.cuda.is_available():
        build = "this torch is built without CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
        raise ModelLoadError(f"translate.device: {device!r}, but {build}: use device: auto (or cpu)")
    return device


def looks_like_path(model: str) -> bool:
    """Hub ids are "owner/name"; anything else (or an existing folder) is a local path."""
    return Path(model).exists() or model.startswith((".", "/", "~")) or model.count("/") != 1


@functools.cache
def _hub_reachable(endpoint: str, timeout: float) -> bool:
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=timeout).close()
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False
    return True


def use_cache_if_hub_unreachable(model: str, timeout: float = 3.0) -> None:
    """A model id while the Hub cannot be reached: look in the local cache only, and at once.

    Otherwise huggingface_hub retries every file for about a minute before it gives up.
    """
    if looks_like_path(model):
        return
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or _hub_reachable(constants.ENDPOINT, timeout):
        return
    os.environ["HF_HUB_OFFLINE"] = "1"
    constants.HF_HUB_OFFLINE = True  # read at import; transformers asks huggingface_hub each time


def model_key(model: str, revision: str | None) -> str:
    """Model id and revision, as recorded in each document and in the translation cache key.

    A local folder has no revision: its files' names and sizes and its config stand in for one,
    so that a different model copied to the same path never meets the old model's translations.
    """
    folder = Path(model)
    if revision is None and folder.is_dir():
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}".encode())
        if (folder / "config.json").is_file():
            digest.update((folder / "config.json").read_bytes())
        return f"{model}@local-{digest.hexdigest()[:12]}"
    return f"{model}@{revision or 'main'}"


def check_model(lang: str, model: str, revision: str | None) -> None:
    """What loading would say, without the weights: for a driver that only hands the model on."""
    from transformers import AutoConfig

    quiet_transformers()
    if looks_like_path(model) and not Path(model).is_dir():
        raise _load_error(lang, model, FileNotFoundError("no such folder"))
    use_cache_if_hub_unreachable(model)
    try:
        settings = AutoConfig.from_pretrained(model, revision=revision, trust_remote_code=False)
    except Exception as error:
        raise _load_error(lang, model, error) from error
    if not getattr(settings, "is_encoder_decoder", False):
        raise _load_error(lang, model, ValueError(f"a {settings.model_type} model is not an encoder-decoder translation model"))


def _offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _load_error(lang: str, model: str, error: Exception) -> ModelLoadError:
    where = "folder" if looks_like_path(model) else "model id"
    hint = (
        f"download it on a connected machine (hf download {model} --local-dir DIR) and point translate.models.{lang}.model at that folder"
        if where == "model id"
        else "check that the folder holds a transformers seq2seq model (config.json, weights, tokenizer files)"
    )
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if where == "model id" and _offline():
        reason = "the Hugging Face Hub cannot be reached from here (offline) and the model is not in the local cache"
    return ModelLoadError(f"translate.models.{lang}: cannot load {where} {model!r}: {reason[:300].rstrip('.')}. To fix: {hint}.")


class _TokenizerBackend:
    """What both backends share: the tokenizer, device, settings and the source length limit.

    A backend adds `_load_model` (its own settings as keyword arguments) and, where its library is
    an extra, `_check_installed`, which runs before anything is loaded."""

    def __init__(
        self,
        lang: str,
        model: str,
        revision: str | None,
        device: str,
        num_beams: int,
        max_new_tokens: int,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        threads: int = 0,
        min_new_tokens: int = 0,
        **backend_settings: Any,
    ) -> None:
        from transformers import AutoConfig, AutoTokenizer

        self._check_installed()
        quiet_transformers()
        if looks_like_path(model) and not Path(model).is_dir():
            raise _load_error(lang, model, FileNotFoundError("no such folder"))
        use_cache_if_hub_unreachable(model)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, revision=revision, trust_remote_code=False)
            self.model_config = AutoConfig.from_pretrained(model, revision=revision, trust_remote_code=False)
        except Exception as error:  # transformers raises many kinds: all mean "cannot load"
            raise _load_error(lang, model, error) from error
        if src_lang:
            self.tokenizer.src_lang = src_lang
        self.lang, self.model_id, self.revision = lang, model, revision
        self.device = resolve_device(device)
        self.model_key = model_key(model, revision)
        self.num_beams = num_beams
        self.max_new_tokens = max_new_tokens
        self.tgt_lang = tgt_lang
        self.threads = threads
        # min_new_tokens only for benchmarks: a fixed output length makes speed comparable.
        self.min_new_tokens = min_new_tokens
        # The model's position limit and the tokenizer's, less room for the special tokens.
        limit = getattr(self.model_config, "max_position_embeddings", 512) or 512
        self.max_source_tokens = min(limit, int(getattr(self.tokenizer, "model_max_length", limit) or limit)) - 2
        self._load_model(**backend_settings)

    def _check_installed(self) -> None:
        pass

    def _load_model(self) -> None:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])


class TransformersBackend(_TokenizerBackend):
    """tokenizer + model.generate on sorted, token-budgeted batches."""

    def _load_model(self) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            self.model = AutoModelForSeq2SeqLM.from_pretrained(self.model_id, revision=self.revision, trust_remote_code=False)
        except Exception as error:
            raise _load_error(self.lang, self.model_id, error) from error
        self.model.to(self.device).eval()
        self.generate_kwargs: dict[str, Any] = {"min_new_tokens": self.min_new_tokens} if self.min_new_tokens else {}
        if self.tgt_lang:
            self.generate_kwargs["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(self.tgt_lang)

    def translate(self, sentences: list[str]) -> list[str]:
        import torch

        inputs = self.tokenizer(sentences, return_tensors="pt", padding=True, truncation=False).to(self.device)
        with torch.inference_mode():
            output = self.model.generate(**inputs, num_beams=self.num_beams, max_new_tokens=self.max_new_tokens, **self.generate_kwargs)
        return [text.strip() for text in self.tokenizer.batch_decode(output, skip_special_tokens=True)]


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")


class CTranslate2Backend(_TokenizerBackend):
    """CTranslate2 int8 on CPU, float16 on GPU; converts the transformers model once and keeps it."""

    def _check_installed(self) -> None:
        try:
            import ctranslate2  # noqa: F401
        except ImportError as error:
            raise ModelLoadError(
                'translate.backend is ctranslate2 but it is not installed: pip install -c requirements.lock -e ".[ct2]"'
            ) from error

    def _load_model(self, compute_type: str = "auto", convert_dir: Path = Path("data/cache/ct2"), batch_tokens: int = 4096) -> None:
        import ctranslate2

        if compute_type == "auto":
            compute_type = "float16" if self.device == "cuda" else "int8"
        quantization = "int8" if compute_type.startswith("int8") else compute_type
        target = convert_dir / _safe_name(f"{self.model_key}-{quantization}")
        if not (target / "model.bin").exists():
            try:
                converter = ctranslate2.converters.TransformersConverter(self.model_id, revision=self.revision, trust_remote_code=False)
                with atomic_target(target) as partial:
                    converter.convert(str(partial), quantization=quantization, force=True)
            except Exception as error:
                raise _load_error(self.lang, self.model_id, error) from error
        cpu_threads = self.threads or os.cpu_count() or 1
        self.translator = ctranslate2.Translator(
            str(target),
            device=self.device,
            compute_type=compute_type,
            inter_threads=1,
            intra_threads=cpu_threads if self.device == "cpu" else 0,
        )
        self.batch_tokens = batch_tokens

    def translate(self, sentences: list[str]) -> list[str]:
        ids = self.tokenizer(sentences, add_special_tokens=True)["input_ids"]
        source = [self.tokenizer.convert_ids_to_tokens(row) for row in ids]
        prefix = [[self.tgt_lang] for _ in sentences] if self.tgt_lang else None
        results = self.translator.translate_batch(
            source,
            target_prefix=prefix,
            beam_size=self.num_beams,
            max_decoding_length=self.max_new_tokens,
            max_batch_size=self.batch_tokens,
            batch_type="tokens",
            min_decoding_length=self.min_new_tokens,
        )
        outputs = []
        for result in results:
            tokens = result.hypotheses[0]
            if self.tgt_lang and tokens and tokens[0] == self.tgt_lang:
                tokens = tokens[1:]
            token_ids = self.tokenizer.convert_tokens_to_ids(tokens)
            outputs.append(str(self.tokenizer.decode(token_ids, skip_special_tokens=True)).strip())
        return outputs


def load_backend(backend: str, lang: str, **settings: Any) -> Backend:
    if backend == "ctranslate2":
        return CTranslate2Backend(lang, **settings)
    settings.pop("compute_type", None)
    settings.pop("convert_dir", None)
    settings.pop("batch_tokens", None)
    return TransformersBackend(lang, **settings)
