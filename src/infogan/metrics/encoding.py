"""Q's estimate of every code for a dataset's images: the representation every score reads."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..data import Dataset, to_unit_range


def encode_dataset(model, dataset: Dataset, indices: np.ndarray, chunk: int = 1000) -> dict[str, np.ndarray]:
    """Q's estimate of every code for the images at ``indices``, converted to floats a chunk at a time."""
    parts = {name: [] for name in model.spec.by_name}
    for start in range(0, len(indices), chunk):
        for name, value in model.encode(to_unit_range(dataset.images(indices[start : start + chunk])), chunk).items():
            parts[name].append(value.numpy())
    return {name: np.concatenate(values) for name, values in parts.items()}


def evaluation_sample(dataset: Dataset, n: int, seed: int = 0) -> np.ndarray:
    """``n`` indices of ``dataset`` drawn without replacement (all of it when smaller), sorted."""
    if n >= len(dataset):
        return np.arange(len(dataset))
    return np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))


def representation_encoder(model) -> Callable[[torch.Tensor], np.ndarray]:
    """The encoder the disentanglement scores call: images in [0, 1] -> ``model.representation``."""
    return lambda images: model.representation(images).numpy()
