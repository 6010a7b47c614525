"""Pictures: image grids, the paper's Figure 2 traversals and Figure 1 information curves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def image_grid(images: torch.Tensor, columns: int, padding: int = 2, scale: int = 1) -> Image.Image:
    """Tile images N x C x H x W in [0, 1] (C = 1 gray, 3 colour) row by row into one picture."""
    images = images.detach().clamp(0, 1).cpu().numpy()
    n, channels, height, width = images.shape
    if channels not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels, got {channels}")
    rows = -(-n // columns)
    canvas = np.ones((rows * (height + padding) + padding, columns * (width + padding) + padding, channels), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = padding + r * (height + padding), padding + c * (width + padding)
        canvas[top : top + height, left : left + width] = image.transpose(1, 2, 0)
    pixels = (canvas * 255).round().astype(np.uint8)
    picture = Image.fromarray(pixels[:, :, 0], mode="L") if channels == 1 else Image.fromarray(pixels, mode="RGB")
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return picture


def save_grid(images: torch.Tensor, path: str | os.PathLike, columns: int, scale: int = 1) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image_grid(images, columns, scale=scale).save(path)
    return path


def category_rows(code, order: list[int] | None) -> torch.Tensor:
    """The categories shown as rows, top to bottom: ``order`` (e.g. sorted by the digit each
    category matches) or 0..K-1."""
    rows = torch.arange(code.categories) if order is None else torch.as_tensor(list(order), dtype=torch.long)
    if sorted(rows.tolist()) != list(range(code.categories)):
        raise ValueError(f"row order must list each category of {code.name} once, got {rows.tolist()}")
    return rows


def category_sweep(model, seed: int = 0, columns: int = 10, order: list[int] | None = None) -> tuple[torch.Tensor, int]:
    """Images of the first categorical code's every category (rows, in ``order``) for ``columns``
    noise draws, the same draw down each column, other codes at 0 (plain samples if no code is
    categorical)."""
    code = next((c for c in model.spec.codes if c.kind == "cat"), None)
    if code is None:
        return model.generate(10 * columns, seed=seed), columns
    categories = category_rows(code, order)
    noise, codes = model.latents(columns, seed=seed)
    noise = noise.repeat(len(categories), 1)
    for other in model.spec.codes:
        codes[other.name] = (
            categories.repeat_interleave(columns) if other is code else other.full(len(categories) * columns, 0.0)
        )
    return model.generate_from(noise, codes), columns


def code_traversal(model, name: str, values, seed: int = 0, order: list[int] | None = None) -> tuple[torch.Tensor, int]:
    """The paper's Figure 2 for a continuous code: one row per category of the first categorical
    code (in ``order``; 10 noise draws if there is no such code), columns sweep ``name`` over
    ``values``; noise and the other continuous codes (at 0) stay fixed along each row."""
    code = model.spec.by_name[name]
    values = torch.as_tensor(list(values), dtype=torch.float32)
    categorical = next((c for c in model.spec.codes if c.kind == "cat"), None)
    rows = categorical.categories if categorical else 10
    columns = len(values)
    noise, codes = model.latents(rows, seed=seed)
    noise = noise.repeat_interleave(columns, dim=0)
    for other in model.spec.codes:
        if other is code:
            codes[other.name] = values.repeat(rows)
        elif other is categorical:
            codes[other.name] = category_rows(categorical, order).repeat_interleave(columns)
        else:
            codes[other.name] = other.full(rows * columns, 0.0)
    return model.generate_from(noise, codes), columns


def read_metrics(run: str | os.PathLike) -> list[dict]:
    path = Path(run) / "metrics.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no metrics.jsonl in {run} (is it a training run folder?)")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_metric(runs: list[str], key: str, path: str | os.PathLike, ylabel: str, reference: float | None = None,
                reference_label: str = "", max_step=None) -> Path:
    """One logged metric against updates, one line per run, with an optional dashed reference level."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    for run in runs:
        rows = [r for r in read_metrics(run) if key in r and (max_step is None or r["step"] <= max_step)]
        if not rows:
            raise ValueError(f"{run} has no logged {key!r}")
        axes.plot([r["step"] for r in rows], [r[key] for r in rows], label=Path(run).name, marker="." if len(rows) < 40 else None)
    if reference is not None:
        axes.axhline(reference, color="grey", linestyle="--", label=reference_label)
    axes.set_xlabel("generator updates")
    axes.set_ylabel(ylabel)
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return Path(path)


def plot_information(runs: list[str], code: str, path: str | os.PathLike, entropy: float | None = None, max_step=None):
    """The paper's Figure 1: the information lower bound of ``code`` against updates, per run,
    with ``H(c)`` (its maximum for a discrete code) as a dashed line."""
    label = f"H({code}) = {entropy:.3f}" if entropy is not None else ""
    return plot_metric(runs, f"mi_{code}", path, f"L_I({code}) lower bound (nats)", entropy, label, max_step)


def plot_accuracy(runs: list[str], path: str | os.PathLike, max_step=None) -> Path:
    """Unsupervised test accuracy against updates, per run, with the paper's 95 % marked."""
    return plot_metric(runs, "accuracy", path, "unsupervised test accuracy", 0.95, "paper: 95 %", max_step)
