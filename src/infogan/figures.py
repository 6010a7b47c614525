"""Pictures: image grids, the paper's Figure 2 traversals, Figure 1 information curves and every logged curve of a run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .checkpoint import atomic_file
from .logger import read_rows


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
    """Write the grid as PNG through a temporary file and a rename: a kill never leaves half a picture."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        image_grid(images, columns, scale=scale).save(handle, format="PNG")
    return path


def category_rows(code, order: list[int] | None) -> torch.Tensor:
    """The categories shown as rows, top to bottom: ``order`` (e.g. sorted by the digit each
    category matches) or 0..K-1."""
    rows = torch.arange(code.categories) if order is None else torch.as_tensor(list(order), dtype=torch.long)
    if sorted(rows.tolist()) != list(range(code.categories)):
        raise ValueError(f"row order must list each category of {code.name} once, got {rows.tolist()}")
    return rows


def category_sweep(model, seed: int = 0, columns: int = 10, order: list[int] | None = None,
                   held: dict[str, float] | None = None) -> tuple[torch.Tensor, int]:
    """Images of the first categorical code's every category (rows, in ``order``) for ``columns``
    noise draws, the same draw down each column, other codes at 0 or their value in ``held``
    (plain samples, ``held`` codes fixed, if no code is categorical)."""
    code = next((c for c in model.spec.codes if c.kind == "cat"), None)
    if code is None:
        return model.generate(10 * columns, held, seed=seed), columns
    categories = category_rows(code, order)
    noise, codes = model.latents(columns, seed=seed)
    noise = noise.repeat(len(categories), 1)
    for other in model.spec.codes:
        codes[other.name] = (
            categories.repeat_interleave(columns) if other is code else other.full(len(categories) * columns, (held or {}).get(other.name, 0.0))
        )
    return model.generate_from(noise, codes), columns


def circle_sweep(columns: int) -> list[float]:
    """``columns`` angles once round the circle from -pi, evenly spaced (pi, the same as -pi, left out)."""
    return np.linspace(-np.pi, np.pi, columns, endpoint=False).tolist()


def code_traversal(model, name: str, values, seed: int = 0, order: list[int] | None = None,
                   held: dict[str, float] | None = None) -> tuple[torch.Tensor, int]:
    """The paper's Figure 2 for a continuous code: one row per category of the first categorical
    code (in ``order``; 10 noise draws if there is no such code), columns sweep ``name`` over
    ``values``; noise and the other continuous codes (at 0, or their value in ``held``, e.g. a pose
    code at one end to see what a code does on turned heads) stay fixed along each row."""
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
            codes[other.name] = other.full(rows * columns, (held or {}).get(other.name, 0.0))
    return model.generate_from(noise, codes), columns


def read_metrics(run: str | os.PathLike) -> list[dict]:
    path = Path(run) / "metrics.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no metrics.jsonl in {run} (is it a training run folder?)")
    return read_rows(path)


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


def curve_panels(rows: list[dict], entropies: dict[str, float]) -> list[tuple[str, list[str], float | None]]:
    """The panels ``plot_curves`` draws for these logged rows: (title, logged keys, dashed level)."""
    keys = {key for row in rows for key in row}
    panels = [("losses", [key for key in ("loss_d", "loss_g", "loss_cr") if key in keys], None)]
    for code in sorted((key[3:] for key in keys if key.startswith("mi_")), key=lambda name: (len(name), name)):
        panels.append((f"L_I({code}) (nats)", [f"mi_{code}"], entropies.get(code)))
    if "accuracy" in keys:
        panels.append(("test accuracy", ["accuracy"], None))
    factors = sorted(key for key in keys if key.startswith("factor_"))
    if factors:
        panels.append(("each factor's best code", factors, None))
    return panels


def plot_curves(runs: list[str], path: str | os.PathLike, max_step=None) -> Path:
    """Every logged curve of one or more runs in one picture, a panel each: the losses, each code's
    information bound (with ``H(c)`` dashed, from the first run's settings), and the test accuracy
    and factor scores where they were measured. Several runs: a run keeps its colour across panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .config import TrainConfig

    rows_of = {run: [r for r in read_metrics(run) if max_step is None or r["step"] <= max_step] for run in runs}
    empty = [str(run) for run, rows in rows_of.items() if not rows]
    if empty:
        raise ValueError(f"nothing logged{'' if max_step is None else f' up to step {max_step}'} in {', '.join(empty)}")
    entropies = {}
    try:
        entropies = TrainConfig.from_dict(json.loads((Path(runs[0]) / "config.json").read_text())).latent_spec().entropies()
    except (OSError, ValueError):
        pass
    panels = curve_panels([row for rows in rows_of.values() for row in rows], entropies)

    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.5 * columns, 3.2 * rows), dpi=100, squeeze=False)
    styles = ["-", "--", ":", "-."]
    for axis, (title, panel_keys, reference) in zip(axes.flat, panels):
        for colour, run in enumerate(runs):
            for index, key in enumerate(panel_keys):
                series = [(r["step"], r[key]) for r in rows_of[run] if key in r]
                if series:
                    name = key.removeprefix("factor_").removeprefix("loss_")
                    label = Path(run).name + ("" if len(panel_keys) == 1 else f" {name}")
                    if len(runs) > 1:  # colour tells the runs apart, line style the curves
                        axis.plot(*zip(*series), color=f"C{colour % 10}", linestyle=styles[index % len(styles)], label=label)
                    else:
                        axis.plot(*zip(*series), color=f"C{index % 10}", label=label)
        if reference is not None:
            axis.axhline(reference, color="grey", linestyle="--", linewidth=1, label=f"H = {reference:.2f}")
        axis.set_title(title)
        axis.set_xlabel("generator updates")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return Path(path)
