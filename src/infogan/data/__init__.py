"""Datasets: one interface (``base.Dataset``) and one place where a name becomes a dataset.

Sources: IDX files (MNIST, Fashion-MNIST), SVHN's ``.mat`` files, CelebA's aligned JPEG folder,
any folder of images, and three rendered sets with known generating factors (``sprites``,
``faces3d``, ``chairs3d``) that need no files at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .base import ArrayDataset, Dataset, DataError, Factor, RenderedDataset, border_level, to_unit_range
from .files import cache_root, candidate_roots, find_file, locate
from .idx import read_idx, read_idx_bytes, write_idx


@dataclass(frozen=True)
class Source:
    name: str
    network: str  # the network its images fit (``--network auto``)
    resized: bool  # images are resized to the network's size (else they must already fit)
    description: str


SOURCES = {
    source.name: source
    for source in (
        Source("mnist", "mnist", False, "MNIST digits, IDX files (downloaded and verified when missing)"),
        Source("fashion-mnist", "mnist", False, "Fashion-MNIST, IDX files (downloaded and verified when missing)"),
        Source("svhn", "svhn", False, "SVHN cropped digits, train_32x32.mat / test_32x32.mat (downloaded and verified when missing)"),
        Source("celeba", "celeba", True, "CelebA aligned JPEGs (img_align_celeba/), centre-cropped and resized"),
        Source("folder", "celeba", True, "any folder of PNG/JPEG images (--data-dir), searched recursively, resized"),
        Source("sprites", "sprites", False, "rendered dSprites: shape, scale, orientation, x, y (737,280 images)"),
        Source("faces3d", "faces", False, "rendered shaded heads: azimuth, elevation, lighting, width, identity"),
        Source("chairs3d", "chairs", False, "rendered chairs: style, azimuth, width"),
    )
}
DATASET_NAMES = tuple(SOURCES)


def load_dataset(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    verify: bool = True,
    shape: tuple[int, int, int] | None = None,
    allow_download: bool = True,
) -> Dataset:
    """The ``split`` ("train" or "test") of dataset ``name``.

    ``shape`` (channels, height, width) is the network's input, to which image folders are
    resized; the other sources have a fixed size, checked by the caller against the network.
    """
    if name not in SOURCES:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(SOURCES)}")
    if split not in ("train", "test"):
        raise DataError(f"unknown split {split!r}; use train or test")
    if name in ("mnist", "fashion-mnist"):
        from .idx import load_idx_dataset

        return load_idx_dataset(name, split, data_dir, verify, allow_download)
    if name == "svhn":
        from .svhn import load_svhn

        return load_svhn(split, data_dir, verify, allow_download)
    if name in ("celeba", "folder"):
        from .images import load_celeba, load_folder

        shape = shape or (3, 32, 32)
        return load_celeba(split, data_dir, shape) if name == "celeba" else load_folder(data_dir, shape)
    if name == "sprites":
        from .sprites import Sprites

        return Sprites(split)
    if name == "faces3d":
        from .faces3d import Faces3D

        return Faces3D(split)
    from .chairs3d import Chairs3D

    return Chairs3D(split)


__all__ = [
    "ArrayDataset", "Dataset", "DataError", "Factor", "RenderedDataset", "SOURCES", "DATASET_NAMES", "Source",
    "border_level", "cache_root", "candidate_roots", "find_file", "load_dataset", "locate", "read_idx",
    "read_idx_bytes", "to_unit_range", "write_idx",
]
