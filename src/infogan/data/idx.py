"""MNIST and Fashion-MNIST: IDX files (gzip-compressed or raw), read whole into uint8 memory."""

from __future__ import annotations

import gzip
import math
import os
import struct
from pathlib import Path

import numpy as np

from .base import ArrayDataset, DataError
from .files import RemoteFiles, find_file, locate, read_verified

IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

REMOTE = {
    "mnist": RemoteFiles(
        "mnist",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        {
            "train-images-idx3-ubyte": "sha256:ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte": "sha256:65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte": "sha256:0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte": "sha256:ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
    ),
    "fashion-mnist": RemoteFiles(
        "fashion-mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        {
            "train-images-idx3-ubyte": "sha256:c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte": "sha256:bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte": "sha256:5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte": "sha256:0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
    ),
}


def read_idx_bytes(raw: bytes, source: str = "IDX data") -> np.ndarray:
    """Parse IDX bytes (magic, sizes, then uint8 data) into an array, checking every size."""
    if len(raw) < 8:
        raise DataError(f"{source}: too short to be an IDX file ({len(raw)} bytes)")
    magic, count = struct.unpack(">II", raw[:8])
    if magic == IMAGE_MAGIC:
        if len(raw) < 16:
            raise DataError(f"{source}: truncated IDX image header")
        rows, cols = struct.unpack(">II", raw[8:16])
        shape, offset = (count, rows, cols), 16
    elif magic == LABEL_MAGIC:
        shape, offset = (count,), 8
    else:
        raise DataError(
            f"{source}: wrong magic number {magic:#010x} (expected {IMAGE_MAGIC:#010x} for images or {LABEL_MAGIC:#010x} for labels)"
        )
    expected = math.prod(shape)  # Python integers: NumPy's int64 product wraps round for absurd headers
    actual = len(raw) - offset
    if actual != expected:
        state = "truncated" if actual < expected else "has trailing bytes"
        raise DataError(f"{source}: {state}: header promises {expected} bytes of data, file has {actual}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def read_idx(path: str | os.PathLike, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or raw, checking its decompressed SHA-256 if given."""
    path = Path(path)
    return read_idx_bytes(read_verified(path, f"sha256:{sha256}" if sha256 else None), str(path))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array as IDX (gzip-compressed when the name ends in ``.gz``)."""
    array = np.asarray(array, dtype=np.uint8)
    if array.ndim == 3:
        header = struct.pack(">IIII", IMAGE_MAGIC, *array.shape)
    elif array.ndim == 1:
        header = struct.pack(">II", LABEL_MAGIC, array.shape[0])
    else:
        raise ValueError("IDX images are N x rows x cols, labels are N")
    raw = header + array.tobytes()
    Path(path).write_bytes(gzip.compress(raw) if str(path).endswith(".gz") else raw)


def load_idx_dataset(name: str, split: str, data_dir=None, verify: bool = True, allow_download: bool = True) -> ArrayDataset:
    """One split of MNIST or Fashion-MNIST as uint8 N x 1 x 28 x 28 with its ten classes.

    ``verify=False`` skips the checksums, for one's own files laid out under a dataset's name.
    """
    info = REMOTE[name]
    folder = locate(info, data_dir, allow_download)
    images, labels = (
        read_idx_bytes(read_verified(find_file(folder, stem), info.digests[stem] if verify else None), str(find_file(folder, stem)))
        for stem in SPLIT_FILES[split]
    )
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{folder}: the {split} split needs N images and N labels, got shapes {images.shape} and {labels.shape}")
    dataset = ArrayDataset(name, images[:, None], labels, classes=10)
    dataset.data_dir = str(folder.parent.resolve())
    return dataset
