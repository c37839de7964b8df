"""Upload a published dataset folder to the Hugging Face Hub."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def push_to_hub(folder: Path, repo_id: str, private: bool, api: Any = None) -> str:
    """Upload the published folder as a dataset repo; the token comes from the environment only."""
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if not token:
        raise RuntimeError("publish.push_to_hub is set but HF_TOKEN is not in the environment")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True, token=token)
    api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type="dataset",
        token=token,
        commit_message="Publish dataset from the news name pipeline",
    )
    return f"datasets/{repo_id}"
