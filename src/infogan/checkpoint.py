"""Checkpoints: written atomically (a crash never leaves a half-written file), loaded safely
(``weights_only``: tensors, numbers, strings and containers only, no pickled code)."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from contextlib import contextmanager
import warnings
from pathlib import Path

import torch

from .errors import InfoganError

CHECKPOINT_NAME = "checkpoint.pt"
HISTORY_FOLDER = "checkpoints"  # --keep N: the last N checkpoints, step_NNNNNN.pt
BEST_NAME = "best.pt"  # the checkpoint of the best evaluation so far
FORMAT_VERSION = 1
# how torch's weights-only unpickler words its refusal of a class or function (else the file is damaged)
OBJECTS_REFUSED = ("GLOBAL", "Can only create", "Can only build", "unrecognized function")


class CheckpointError(InfoganError, RuntimeError):
    """A run folder or checkpoint that cannot be used."""


@contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb"):
    """A file handle whose contents replace ``path`` only once written whole: through a temporary
    file in the same folder, fsynced, then renamed, so a kill leaves the old file or the new one,
    never an empty or cut one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(state: dict, path: str | os.PathLike) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        torch.save({"format_version": FORMAT_VERSION, **state}, handle)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Replace a small text file (settings, metrics, results) atomically."""
    with atomic_file(path, "w") as handle:
        handle.write(text)


def remove_temporaries(run: Path) -> None:
    """Delete the half-written files a killed process left (``*.tmp`` beside the run's files)."""
    for pattern in ("*.tmp", f"{HISTORY_FOLDER}/*.tmp", "samples/*.tmp"):
        for leftover in run.glob(pattern):
            leftover.unlink(missing_ok=True)


def keep_history(run: Path, step: int, keep: int) -> None:
    """After ``checkpoint.pt`` of ``step`` is written: with ``keep`` > 1, keep it also as
    ``checkpoints/step_NNNNNN.pt`` (a hard link where the file system allows, so no second copy)
    and delete all but the ``keep`` newest there."""
    if keep <= 1:
        return
    folder = run / HISTORY_FOLDER
    folder.mkdir(exist_ok=True)
    target = folder / f"step_{step:06d}.pt"
    tmp = folder / (target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(run / CHECKPOINT_NAME, tmp)
    except OSError:
        shutil.copyfile(run / CHECKPOINT_NAME, tmp)
    os.replace(tmp, target)
    for old in sorted(folder.glob("step_*.pt"))[:-keep]:
        old.unlink()


def checkpoint_bytes(*modules: torch.nn.Module) -> int:
    """About the size of a checkpoint of these modules trained with Adam: weights and buffers,
    and Adam's two moments per weight."""
    weights = sum(p.numel() * p.element_size() for m in modules for p in m.parameters())
    buffers = sum(b.numel() * b.element_size() for m in modules for b in m.buffers())
    return 3 * weights + buffers + (1 << 20)


def check_writable(run: Path, needed_bytes: int) -> None:
    """Refuse to start a run whose folder cannot be written or has no room for two checkpoints
    (the new one is written beside the old before replacing it)."""
    try:
        run.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=run, suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise CheckpointError(f"cannot write in the run folder {run}: {error.strerror or error}") from None
    free = shutil.disk_usage(run).free
    if free < 2 * needed_bytes:
        raise CheckpointError(f"{run} has {free / 2**20:.1f} MiB free, less than the {2 * needed_bytes / 2**20:.1f} MiB "
                              "two checkpoints of this run need; free some space or choose another --out")


def checkpoint_path(run_or_file: str | os.PathLike) -> Path:
    path = Path(run_or_file)
    return path / CHECKPOINT_NAME if path.is_dir() else path


def first_sentence(text: str, limit: int = 120) -> str:
    """The start of another library's error message, on one line: its first sentence, cut at ``limit``."""
    text = " ".join(text.split())
    sentence = text.split(". ")[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def load_checkpoint(run_or_file: str | os.PathLike, map_location="cpu") -> dict:
    """Load a checkpoint from a run folder or a checkpoint file; a file holding pickled objects
    other than tensors, numbers, strings and containers is refused without running anything."""
    path = checkpoint_path(run_or_file)
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path} (is {run_or_file} a training run folder?)")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols it then refuses anyway
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        # torch's own message advises weights_only=False, the one thing never to do with such a file
        reason = next((line for line in str(error).split("WeightsUnpickler error:")[-1].splitlines() if line.strip()), "")
        if any(words in reason for words in OBJECTS_REFUSED):
            raise CheckpointError(f"{path} is not a readable infogan checkpoint: refused, it holds Python objects other than tensors and "
                                  "numbers, and loading them could run code (infogan never writes such files)") from None
        raise CheckpointError(f"{path} is not a readable infogan checkpoint (truncated, damaged or another kind of file: "
                              f"unpickling failed: {first_sentence(reason)})") from None
    except Exception as error:
        raise CheckpointError(f"{path} is not a readable infogan checkpoint (truncated, damaged or another kind of file: "
                              f"{type(error).__name__}: {first_sentence(str(error))})") from None
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} is not an infogan checkpoint of format {FORMAT_VERSION}")
    return state
