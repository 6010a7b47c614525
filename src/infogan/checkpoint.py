"""Checkpoints: written atomically (a crash never leaves a half-written file), loaded safely
(``weights_only``: tensors, numbers, strings and containers only, no pickled code)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A run folder or checkpoint that cannot be used."""


def save_checkpoint(state: dict, path: str | os.PathLike) -> None:
    """Write ``state`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save({"format_version": FORMAT_VERSION, **state}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def checkpoint_path(run_or_file: str | os.PathLike) -> Path:
    path = Path(run_or_file)
    return path / CHECKPOINT_NAME if path.is_dir() else path


def load_checkpoint(run_or_file: str | os.PathLike, map_location="cpu") -> dict:
    """Load a checkpoint from a run folder or a checkpoint file."""
    path = checkpoint_path(run_or_file)
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path} (is {run_or_file} a training run folder?)")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:
        raise CheckpointError(f"{path} is not a readable infogan checkpoint ({type(error).__name__}: {error})") from None
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} is not an infogan checkpoint of format {FORMAT_VERSION}")
    return state
