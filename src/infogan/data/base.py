"""The one interface every image source implements.

A dataset is a split of images, uint8 N x C x H x W, fetched by index so that large sets stay
on disk (memory-mapped) and rendered sets are drawn on demand. It may carry class labels
(MNIST, SVHN) and a table of known generating factors (the rendered sets). Pixels are converted
to float32 in [0, 1] one batch at a time by ``to_unit_range``: the package's single pixel
convention, the range of the paper's sigmoid outputs; the tanh networks rescale their output to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InfoganError


class DataError(InfoganError, RuntimeError):
    """Dataset files that are missing, damaged or not what they claim to be."""


@dataclass(frozen=True)
class Factor:
    """One generating factor of a rendered dataset.

    ``kind`` is "discrete" (``values`` distinct values, e.g. a sprite's shape), "continuous"
    (any value in [low, high]) or "circular" (an angle in [low, high), the ends meet; scored on
    its cosine and sine).
    """

    name: str
    kind: str
    low: float
    high: float
    values: int | None = None  # number of distinct values (discrete and gridded factors)

    def angle(self, values: np.ndarray) -> np.ndarray:
        """A circular factor's values in radians from ``low``: [low, high) is one turn."""
        return (np.asarray(values, dtype=np.float64) - self.low) * 2 * np.pi / (self.high - self.low)

    def discretize(self, values: np.ndarray, bins: int = 20) -> np.ndarray:
        """Integer classes 0..n-1 of factor values: the grid index for a factor with ``values``
        distinct values (circular ones step ``(high - low) / values``), else one of ``bins`` equal
        bins over [low, high]."""
        values = np.asarray(values, dtype=np.float64)
        span = self.high - self.low
        if self.values is not None:
            steps = self.values if self.kind == "circular" else max(self.values - 1, 1)
            index = np.rint((values - self.low) / span * steps).astype(np.int64)
            return index % self.values if self.kind == "circular" else np.clip(index, 0, self.values - 1)
        index = np.floor((values - self.low) / span * bins).astype(np.int64)
        return index % bins if self.kind == "circular" else np.clip(index, 0, bins - 1)

    def value_of(self, classes: np.ndarray, bins: int = 20, rng: np.random.Generator | None = None) -> np.ndarray:
        """Factor values of integer classes, the inverse of ``discretize``: a gridded factor's grid
        value; for a binned one a value drawn uniformly inside the bin with ``rng`` (its centre
        without one), kept 1e-9 of a bin off the edges so that it discretizes back exactly."""
        classes = np.asarray(classes, dtype=np.float64)
        span = self.high - self.low
        if self.values is not None:
            steps = self.values if self.kind == "circular" else max(self.values - 1, 1)
            return self.low + classes * (span / steps)
        edge = 1e-9
        offset = np.full(classes.shape, 0.5) if rng is None else edge + (1.0 - 2.0 * edge) * rng.random(classes.shape)
        return self.low + (classes + offset) * (span / bins)


class Dataset:
    """A split of uint8 images N x C x H x W, with optional labels and factor values."""

    name: str = "dataset"
    shape: tuple[int, int, int] = (1, 28, 28)  # channels, height, width
    classes: int | None = None  # number of label classes, None when unlabelled
    factors: tuple[Factor, ...] = ()  # empty when the generating factors are unknown
    data_dir: str | None = None  # the --data-dir that finds these files again (None: rendered, nothing to find)

    def __len__(self) -> int:
        raise NotImplementedError

    def images(self, indices: np.ndarray) -> np.ndarray:
        """uint8 array len(indices) x C x H x W."""
        raise NotImplementedError

    def labels(self, indices: np.ndarray) -> np.ndarray:
        """int64 class labels of the images at ``indices``."""
        raise DataError(f"{self.name} has no class labels")

    def factor_values(self, indices: np.ndarray) -> np.ndarray:
        """float64 array len(indices) x len(factors): each image's factor values."""
        raise DataError(f"{self.name} has no known generating factors")


class ArrayDataset(Dataset):
    """Images held in a uint8 array (in memory or memory-mapped), labels optional."""

    def __init__(self, name: str, images: np.ndarray, labels: np.ndarray | None = None, classes: int | None = None):
        if images.ndim != 4 or images.dtype != np.uint8:
            raise DataError(f"{name}: images must be a uint8 array N x C x H x W, got {images.dtype} {images.shape}")
        if labels is not None and len(labels) != len(images):
            raise DataError(f"{name}: {len(images)} images but {len(labels)} labels")
        self.name = name
        self.array = images
        self.shape = tuple(int(s) for s in images.shape[1:])
        self.label_array = None if labels is None else np.asarray(labels, dtype=np.int64)
        if self.label_array is not None:
            self.classes = classes or (int(self.label_array.max()) + 1 if len(self.label_array) else 0)

    def __len__(self) -> int:
        return len(self.array)

    def images(self, indices: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.array[np.asarray(indices)])

    def labels(self, indices: np.ndarray) -> np.ndarray:
        if self.label_array is None:
            return super().labels(indices)
        return self.label_array[np.asarray(indices)]


class RenderedDataset(Dataset):
    """Images drawn on demand from their factor values, which are a pure function of the index:
    no file, no download, and the factor grid is never held in memory."""

    size: int = 0
    cache: np.ndarray | None = None  # the whole split pre-rendered (``prerendered.attach_render_cache``)

    def __len__(self) -> int:
        return self.size

    def render(self, factor_values: np.ndarray) -> np.ndarray:
        """uint8 images len(factor_values) x C x H x W for rows of factor values."""
        raise NotImplementedError

    def images(self, indices: np.ndarray) -> np.ndarray:
        if self.cache is not None:
            return np.ascontiguousarray(self.cache[self.check_indices(indices)])
        return self.render(self.factor_values(indices))

    def check_indices(self, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self.size):
            raise IndexError(f"{self.name}: index out of range 0..{self.size - 1}")
        return indices


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def splitmix64(keys: np.ndarray) -> np.ndarray:
    """splitmix64's output function of uint64 keys (a bijection with full avalanche), vectorised."""
    z = np.asarray(keys, dtype=np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def hashed_uniform(domain: int, tag: int, indices: np.ndarray, column: int) -> np.ndarray:
    """Uniform floats in [0, 1), a pure function of (domain, tag, index, column): a counter-based
    random stream, so any index is drawn without the ones before it. ``tag`` tells splits apart;
    indices < 2^40 and columns < 256."""
    indices = np.asarray(indices, dtype=np.int64).astype(np.uint64)
    keys = (np.uint64(tag) << np.uint64(48)) ^ (indices << np.uint64(8)) ^ np.uint64(column)
    bits = splitmix64(splitmix64(keys) ^ np.uint64(domain))
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


class HashedFactorsDataset(RenderedDataset):
    """A rendered set whose factor values are drawn uniformly (discrete ones on their grid) from a
    counter-based hash of (``factor_domain``, split, index, factor), so any index is drawn without
    the ones before it and the splits differ. ``splits`` maps a split to (hash tag, size)."""

    splits: dict[str, tuple[int, int]] = {}
    factor_domain: int = 0

    def __init__(self, split: str = "train"):
        if split not in self.splits:
            raise ValueError(f"unknown split {split!r}; use train or test")
        self.split = split
        self.split_tag, self.size = self.splits[split]

    def factor_values(self, indices: np.ndarray) -> np.ndarray:
        indices = self.check_indices(indices).reshape(-1)
        values = np.empty((indices.size, len(self.factors)), dtype=np.float64)
        for column, factor in enumerate(self.factors):
            uniform = hashed_uniform(self.factor_domain, self.split_tag, indices, column)
            if factor.kind == "discrete":
                values[:, column] = factor.low + np.floor(uniform * factor.values)
            else:
                values[:, column] = factor.low + uniform * (factor.high - factor.low)
        return values


def border_level(images: np.ndarray) -> float:
    """The median of the outermost ring of pixels of uint8 images N x C x H x W, in [0, 1]: the
    background's level, for images of objects on a plain background."""
    ring = np.concatenate([images[..., 0, :], images[..., -1, :], images[..., 1:-1, 0], images[..., 1:-1, -1]], axis=-1)
    return float(np.median(ring)) / 255.0


def to_unit_range(images: np.ndarray | torch.Tensor, device=None) -> torch.Tensor:
    """uint8 images -> float32 tensor in [0, 1] (on ``device``): the package's pixel convention."""
    tensor = torch.from_numpy(images) if isinstance(images, np.ndarray) else images
    return tensor.to(device).float().div_(255.0)

