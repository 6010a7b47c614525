"""Shared fixtures: one CPU thread, no network, an isolated cache, and tiny synthetic IDX datasets.

The synthetic "digits" are ten glyphs drawn in 3-pixel strokes (bars, a cross, a frame,
diagonals, corners), jittered by a pixel. They differ in shape rather than position, so a class
survives the small rotations, shifts and scalings of the invariance term, and a GAN learns them
within a few dozen updates.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from infogan import data
from infogan.config import TrainConfig

IMAGE_SIZE = 28
CLASSES = 10


def glyph(label: int) -> np.ndarray:
    """The 28x28 binary glyph of one class, strokes 3 pixels thick, centred."""
    image = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=bool)
    lo, hi, mid = 6, 22, 13  # the glyph's box and centre line
    rows, cols = np.mgrid[:IMAGE_SIZE, :IMAGE_SIZE]
    diagonal = np.abs(rows - cols) <= 1
    anti_diagonal = np.abs(rows + cols - (IMAGE_SIZE - 1)) <= 1
    inside = (rows >= lo) & (rows < hi) & (cols >= lo) & (cols < hi)
    horizontal = inside & (rows >= mid) & (rows < mid + 3)
    vertical = inside & (cols >= mid) & (cols < mid + 3)
    top, bottom = inside & (rows < lo + 3), inside & (rows >= hi - 3)
    left, right = inside & (cols < lo + 3), inside & (cols >= hi - 3)
    strokes = {
        0: horizontal,
        1: vertical,
        2: horizontal | vertical,
        3: top | bottom | left | right,
        4: inside & diagonal,
        5: inside & anti_diagonal,
        6: inside & (diagonal | anti_diagonal),
        7: left | bottom,
        8: top | vertical,
        9: inside & (np.abs(rows - mid - 1) <= 4) & (np.abs(cols - mid - 1) <= 4),
    }
    image |= strokes[label]
    return image


def glyph_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 uint8 image per label: the class's glyph, shifted by up to one pixel each way."""
    glyphs = [glyph(k) for k in range(CLASSES)]
    images = np.zeros((len(labels), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for i, label in enumerate(labels):
        shift = rng.integers(-1, 2, size=2)
        images[i] = np.roll(glyphs[int(label)], tuple(shift), axis=(0, 1)) * 255
    return images


def write_split(folder: Path, prefix: str, labels: np.ndarray, rng: np.random.Generator) -> None:
    data.write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", glyph_images(labels, rng))
    data.write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels.astype(np.uint8))


def make_data_root(root: Path, train_size: int, test_size: int, seed: int = 0) -> Path:
    """ROOT/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz holding synthetic glyphs, classes balanced."""
    rng = np.random.default_rng(seed)
    folder = root / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, size in (("train", train_size), ("t10k", test_size)):
        labels = np.arange(size) % CLASSES
        rng.shuffle(labels)
        write_split(folder, prefix, labels, rng)
    return root


# The real data root that .ci/run passes in, read before ``isolated_environment`` hides it from
# every other test: only tests that say they need real data use it.
REAL_DATA_ROOT = os.environ.get("INFOGAN_DATA")


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The real data root ($INFOGAN_DATA when the tests started) holding MNIST, or a skip."""
    root = Path(REAL_DATA_ROOT) if REAL_DATA_ROOT else None
    if root is None or not (root / "mnist" / "t10k-labels-idx1-ubyte.gz").exists():
        pytest.skip("needs the real MNIST: set INFOGAN_DATA to a folder holding mnist/ (as .ci/run does)")
    return root


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """Two torch threads (the CI box has two cores; with one, two of the training tests took 1.45x as
    long), or one under pytest-xdist (``make test`` runs a worker per core; with two threads each
    the suite spent 1.8x the CPU time for 3% less wall time), no downloads, and no real data
    directories or caches."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)

    def no_network(*args, **kwargs):
        raise OSError("tests must not use the network")

    patch = pytest.MonkeyPatch()
    patch.setattr(urllib.request, "urlopen", no_network)
    patch.delenv("INFOGAN_DATA", raising=False)
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """A synthetic dataset root: 600 training and 200 test images of ten classes."""
    return make_data_root(tmp_path_factory.mktemp("data"), train_size=600, test_size=200)


@pytest.fixture(scope="session")
def tiny_data_root(tmp_path_factory) -> Path:
    """48 training images (3 batches of 16, so short runs cross epoch boundaries) and 20 test images."""
    return make_data_root(tmp_path_factory.mktemp("tiny-data"), train_size=48, test_size=20, seed=1)


@pytest.fixture(scope="session")
def quick_config(tiny_data_root):
    """Factory of seconds-long training configurations (default: the tiny data set, no evaluation)."""

    def make(root: Path = tiny_data_root, **overrides) -> TrainConfig:
        settings = dict(
            data_dir=str(root),
            verify_data=False,
            batch_size=16,
            steps=4,
            log_every=2,
            sample_every=1000,
            checkpoint_every=1000,
            eval_every=0,
            seed=0,
        )
        settings.update(overrides)
        return TrainConfig(**settings)

    return make
