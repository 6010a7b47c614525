"""Do two continuous codes split slant and width? Measured without labels on generated images.

The paper's MNIST claim is that one continuous code learns rotation (slant) and another width.
Image moments measure both on any grey image: intensity is mass, and from the central second
moments ``mu20`` (horizontal spread), ``mu02`` (vertical spread) and ``mu11``:

- slant = mu11 / mu02: the horizontal shear per unit of height, positive when the top leans
  right (y counts upwards);
- width = sqrt(mu20 - mu11^2 / mu02): the horizontal spread once the shear is taken out, so a
  slanted digit is not counted as a wide one (it equals sqrt(mu20) for an upright shape; a
  rectangle w pixels wide has width w / sqrt(12)).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from ..codes import CodeError
from .factors import rank_correlation

MOMENTS = ("slant", "width")


def generate_in_chunks(model, noise: torch.Tensor, codes: dict[str, torch.Tensor], chunk: int = 1000) -> torch.Tensor:
    """``model.generate_from`` a chunk at a time, so thousands of images do not need gigabytes of activations."""
    parts = [
        model.generate_from(noise[start : start + chunk], {name: value[start : start + chunk] for name, value in codes.items()})
        for start in range(0, len(noise), chunk)
    ]
    return torch.cat(parts)


def image_moments(images: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
    """Slant and width of each image N x 1 x H x W (or N x H x W), intensities as mass.

    A blank image, or one with no vertical extent, gets slant 0."""
    mass = np.asarray(images, dtype=np.float64)
    if mass.ndim == 4:
        if mass.shape[1] != 1:
            raise ValueError(f"image moments need 1-channel images, got {mass.shape[1]} channels")
        mass = mass[:, 0]
    height, width = mass.shape[1:]
    up = (height - 1 - np.arange(height, dtype=np.float64))[None, :, None]
    across = np.arange(width, dtype=np.float64)[None, None, :]
    total = np.maximum(mass.sum(axis=(1, 2)), 1e-12)

    def mean(values):
        return (mass * values).sum(axis=(1, 2)) / total

    cx, cy = mean(across), mean(up)
    dx, dy = across - cx[:, None, None], up - cy[:, None, None]
    mu20, mu02, mu11 = mean(dx * dx), mean(dy * dy), mean(dx * dy)
    upright = mu02 > 1e-9
    slant = np.where(upright, mu11 / np.where(upright, mu02, 1.0), 0.0)
    return {"slant": slant, "width": np.sqrt(np.maximum(mu20 - slant * mu11, 0.0))}


def continuous_codes(model) -> list:
    """The model's continuous codes; the measures need at least two (one per moment) and grey images."""
    codes = [code for code in model.spec.codes if code.kind == "cont"]
    if len(codes) < 2:
        raise CodeError(f"slant/width separation needs at least two continuous codes; this model has {len(codes)}")
    return codes


def moment_table(model, n: int = 5000, seed: int = 0, sweep_points: int = 9, sweep_draws: int = 64) -> dict:
    """How each continuous code moves slant and width on generated images.

    ``spearman``: codes x moments |Spearman| between the code's value and the moment over ``n``
    images with every code and the noise drawn from their priors. ``traversal``: codes x moments,
    the mean over ``sweep_draws`` noise draws (other codes fixed) of the moment's least-squares
    slope when that code alone is swept over its range, per unit of code and divided by the
    moment's std over the ``n`` images: a code that changes width by one std over [-1, 1] scores 0.5.
    """
    codes = continuous_codes(model)
    generator = torch.Generator().manual_seed(seed)
    noise, values = model.spec.sample_noise(n, generator), model.spec.sample_codes(n, generator)
    moments = image_moments(generate_in_chunks(model, noise, values))
    spearman = [[abs(rank_correlation(values[code.name].numpy(), moments[m])) for m in MOMENTS] for code in codes]
    spread = {m: float(np.std(moments[m])) for m in MOMENTS}

    noise, fixed = model.spec.sample_noise(sweep_draws, generator), model.spec.sample_codes(sweep_draws, generator)
    traversal = []
    for code in codes:
        steps = torch.linspace(code.low, code.high, sweep_points)
        swept = {name: value.repeat_interleave(sweep_points) for name, value in fixed.items()}
        swept[code.name] = steps.repeat(sweep_draws)
        along = image_moments(generate_in_chunks(model, noise.repeat_interleave(sweep_points, dim=0), swept))
        x = steps.double().numpy() - steps.double().mean().item()
        row = []
        for m in MOMENTS:
            curves = along[m].reshape(sweep_draws, sweep_points)
            slopes = (curves - curves.mean(axis=1, keepdims=True)) @ x / (x @ x)
            row.append(float(slopes.mean() / spread[m]) if spread[m] > 0 else 0.0)
        traversal.append(row)
    return {
        "codes": [code.name for code in codes],
        "moments": list(MOMENTS),
        "spearman": np.round(spearman, 4).tolist(),
        "traversal": np.round(traversal, 4).tolist(),
        "moment_std": spread,
        "n": n,
        "seed": seed,
    }


def code_separation(table: dict) -> dict:
    """One number in [0, 1] for how cleanly the codes split the moments, and which code is which.

    Codes are matched one-to-one to moments to maximise the total |Spearman|; per moment, the gap
    is its matched code's |Spearman| minus the best other code's (clipped at 0, as MIG's gap
    between the top two), and ``separation`` is the mean gap: 1 when each moment follows one code
    and no other, 0 when the codes are interchangeable. As with MIG, the gap compares codes per
    moment only: one code driving both moments still earns the gap on the moment it wins (up to
    0.5 in all), so read ``per_moment`` alongside."""
    scores = np.abs(np.asarray(table["spearman"], dtype=np.float64))
    codes, moments = list(table["codes"]), list(table["moments"])
    if scores.shape != (len(codes), len(moments)) or len(codes) < len(moments):
        raise ValueError(f"need a codes x moments table with at least {len(moments)} codes, got shape {scores.shape}")
    code_rows, moment_columns = linear_sum_assignment(-scores)
    per_moment = {}
    for column, row in sorted(zip(moment_columns, code_rows)):
        others = np.delete(scores[:, column], row)
        per_moment[moments[column]] = {
            "code": codes[row],
            "spearman": float(scores[row, column]),
            "gap": float(max(scores[row, column] - others.max(), 0.0)),
        }
    return {
        "separation": float(np.mean([entry["gap"] for entry in per_moment.values()])),
        "assignment": {moment: entry["code"] for moment, entry in per_moment.items()},
        "per_moment": per_moment,
    }


def separation_report(model, n: int = 5000, seed: int = 0) -> dict | None:
    """The moment table and its separation, or None where it does not apply (fewer than two
    continuous codes, or images that are not 1-channel)."""
    image_shape = getattr(model, "image_shape", None)
    if sum(code.kind == "cont" for code in model.spec.codes) < 2 or (image_shape is not None and image_shape[0] != 1):
        return None
    table = moment_table(model, n=n, seed=seed)
    return {**table, **code_separation(table)}
