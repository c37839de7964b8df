"""Translation: Russian and Thai to English through transformers or CTranslate2, batched and cached,
names protected; plus the tiny-model builder the offline configs and tests use."""

from pipeline.translation.backends import ModelLoadError
from pipeline.translation.stage import Translate, batches_by_tokens

__all__ = ["ModelLoadError", "Translate", "batches_by_tokens"]
