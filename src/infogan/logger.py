"""Where a run's numbers go: ``metrics.jsonl`` always, TensorBoard event files with ``--logger tensorboard``.

``metrics.jsonl`` is the record every command reads (plots, evaluation, selection); TensorBoard
is an optional view of the same numbers for those who watch runs in it
(``pip install 'infogan[tensorboard]'``), so it never holds anything the file lacks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from .checkpoint import atomic_write_text
from .config import ConfigError

TENSORBOARD_FOLDER = "tensorboard"


def tensorboard_tag(key: str) -> str | None:
    """The TensorBoard name of a logged number, grouped by kind; None for the step and the clock."""
    groups = {"mi_": "information/", "loss_": "loss/", "factor_": "factors/"}
    for prefix, group in groups.items():
        if key.startswith(prefix):
            return group + key[len(prefix):]
    if key == "accuracy":
        return "test/accuracy"
    return None if key in ("step", "elapsed_s") else f"train/{key}"


def read_rows(path: Path) -> list[dict]:
    """The rows of a ``metrics.jsonl``; a line that does not parse (cut by a kill on a file system
    that tore an append) is left out rather than failing every reader."""
    rows = []
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and "step" in row:
            rows.append(row)
    return rows


class TensorBoardLog:
    """Scalars and sample grids in ``RUN/tensorboard``; each code's information bound is drawn in one
    chart with its entropy ``H(c)``, the bound's ceiling for a categorical code (Custom Scalars tab)."""

    def __init__(self, run: Path, entropies: dict[str, float], resume_step: int = 0):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError("--logger tensorboard needs the tensorboard package: pip install 'infogan[tensorboard]'") from None
        # purge_step: a resumed run drops what it logged after its checkpoint, as metrics.jsonl does
        self.writer = SummaryWriter(str(run / TENSORBOARD_FOLDER), purge_step=resume_step + 1 if resume_step else None)
        self.entropies = entropies
        if entropies:
            layout = {name: ["Multiline", [f"information/{name}", f"entropy/{name}"]] for name in entropies}
            self.writer.add_custom_scalars({"information bound and H(c)": layout})

    def scalars(self, row: dict) -> None:
        step = row["step"]
        for key, value in row.items():
            tag = tensorboard_tag(key)
            if tag is not None:
                self.writer.add_scalar(tag, value, step)
        for name, entropy in self.entropies.items():
            if f"mi_{name}" in row:
                self.writer.add_scalar(f"entropy/{name}", entropy, step)
        self.writer.flush()

    def image(self, tag: str, picture: np.ndarray, step: int) -> None:
        """A uint8 picture H x W (gray) or H x W x 3 (colour)."""
        self.writer.add_image(tag, picture, step, dataformats="HW" if picture.ndim == 2 else "HWC")
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class MetricsLog:
    """The training loop's log: one JSON line per logged update, and the TensorBoard view when asked for."""

    def __init__(self, run: Path, logger: str, entropies: dict[str, float], resume_step: int = 0):
        path = run / "metrics.jsonl"
        if path.exists():  # drop lines logged after the checkpoint we resume from, atomically
            kept = [json.dumps(row) for row in read_rows(path) if row["step"] <= resume_step]
            atomic_write_text(path, "".join(line + "\n" for line in kept))
        self.tensorboard = TensorBoardLog(run, entropies, resume_step) if logger == "tensorboard" else None
        self.file = open(path, "a")

    def write(self, row: dict) -> None:
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()
        if self.tensorboard:
            self.tensorboard.scalars(row)

    def samples(self, path: Path, step: int) -> None:
        """A sample grid saved under ``RUN/samples``, shown in TensorBoard too."""
        if self.tensorboard:
            with Image.open(path) as picture:
                self.tensorboard.image("samples", np.asarray(picture), step)

    def close(self) -> None:
        self.file.close()
        if self.tensorboard:
            self.tensorboard.close()


def log_evaluation(run: Path, result: dict) -> None:
    """Add ``infogan evaluate``'s numbers to the run's TensorBoard view, at the step evaluated, under ``evaluate/``."""
    numbers = {f"information/{k}": v for k, v in result.get("mi", {}).items()}
    if "accuracy" in result:
        numbers["accuracy"] = result["accuracy"]
    for name, best in result.get("factors", {}).get("captured", {}).items():
        numbers[f"factors/{name}"] = best["score"]
    for key, value in {**result.get("disentanglement", {}), **result.get("quality", {})}.items():
        if isinstance(value, (int, float)) and key != "samples":
            numbers[key] = value
    log = TensorBoardLog(run, {})
    for tag, value in numbers.items():
        log.writer.add_scalar(f"evaluate/{tag}", value, result["step"])
    log.close()
