"""Datasets: IDX files read whole into memory, found on disk or downloaded and verified.

A data root holds one folder per dataset (``ROOT/mnist/train-images-idx3-ubyte.gz`` ...). The
root is taken from ``--data-dir``, then ``$INFOGAN_DATA``, then the user cache directory; when the
files are in none of them they are downloaded into the cache and checked against SHA-256 sums of
their decompressed bytes (so a re-compressed copy of the same data is accepted too).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataError(RuntimeError):
    """Dataset files that are missing, damaged or not what they claim to be."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    urls: tuple[str, ...]  # base URLs tried in order; file names get ".gz" appended
    sha256: dict[str, str]  # of the decompressed files


DATASETS = {
    "mnist": DatasetInfo(
        "mnist",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        {
            "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
    ),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        {
            "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
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
    expected = int(np.prod(shape))
    actual = len(raw) - offset
    if actual != expected:
        state = "truncated" if actual < expected else "has trailing bytes"
        raise DataError(f"{source}: {state}: header promises {expected} bytes of data, file has {actual}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def read_idx(path: str | os.PathLike, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or raw, checking its decompressed SHA-256 if given."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: cannot read ({error})") from None
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise DataError(f"{path}: SHA-256 does not match the published file; replace it (or pass --no-verify for your own data)")
    return read_idx_bytes(raw, str(path))


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


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "infogan"


def candidate_roots(data_dir: str | os.PathLike | None) -> list[Path]:
    """Where to look, in order: ``--data-dir``, ``$INFOGAN_DATA``, the user cache."""
    roots = [Path(d) for d in (data_dir, os.environ.get("INFOGAN_DATA")) if d]
    return roots + [cache_root()]


def find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def download(info: DatasetInfo, folder: Path) -> None:
    """Fetch any missing file of ``info`` into ``folder``, verifying its SHA-256 before keeping it."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, digest in info.sha256.items():
        if find_file(folder, stem):
            continue
        errors = []
        for base in info.urls:
            try:
                with urllib.request.urlopen(base + stem + ".gz", timeout=60) as response:
                    payload = response.read()
                if hashlib.sha256(gzip.decompress(payload)).hexdigest() != digest:
                    raise DataError("SHA-256 mismatch")
            except Exception as error:  # any failure moves on to the next mirror
                errors.append(f"{base}: {error}")
                continue
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, folder / (stem + ".gz"))
            break
        else:
            raise DataError(f"could not download {stem}: " + "; ".join(errors))


def locate(name: str, data_dir: str | os.PathLike | None = None, allow_download: bool = True) -> Path:
    """The folder holding all four files of dataset ``name``, downloading if need be."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    info = DATASETS[name]
    roots = candidate_roots(data_dir)
    for root in roots:
        if all(find_file(root / name, stem) for stem in info.sha256):
            return root / name
    target = cache_root() / name
    if allow_download:
        try:
            download(info, target)
            return target
        except (DataError, OSError) as error:
            reason = str(error)
    else:
        reason = "downloading is switched off"
    looked = ", ".join(str(r / name) for r in roots)
    raise DataError(
        f"{name} not found (looked in {looked}) and {reason}. Put the four IDX files "
        f"({', '.join(s + '.gz' for s in info.sha256)}) in DIR/{name}/ and pass --data-dir DIR or set INFOGAN_DATA=DIR"
    )


def load(name: str, split: str, data_dir=None, verify: bool = True, allow_download: bool = True):
    """Images as a float tensor N x 1 x H x W in [0, 1] and labels as a long tensor N.

    ``verify=False`` skips the checksums, for one's own files laid out under a dataset's name.
    """
    folder = locate(name, data_dir, allow_download)
    info = DATASETS[name]
    images, labels = (
        read_idx(find_file(folder, stem), info.sha256[stem] if verify else None) for stem in SPLIT_FILES[split]
    )
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{folder}: the {split} split needs N images and N labels, got shapes {images.shape} and {labels.shape}")
    images = torch.from_numpy(images.copy()).unsqueeze(1).float().div_(255.0)
    return images, torch.from_numpy(labels.astype(np.int64))
