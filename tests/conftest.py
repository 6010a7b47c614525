"""Shared fixtures: one CPU thread, no network, an isolated cache, and tiny synthetic IDX datasets.

The synthetic "digits" are ten classes of a thick horizontal bar whose row depends on the class
(plus a one-row jitter), which a GAN learns within a few dozen updates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from infogan import data
from infogan.config import TrainConfig

IMAGE_SIZE = 28
CLASSES = 10


def bar_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 uint8 image per label: a 3-pixel-thick bar at a class-dependent row, jittered by one row."""
    images = np.zeros((len(labels), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for i, label in enumerate(labels):
        top = 3 + 2 * int(label) + int(rng.integers(-1, 2))
        images[i, top : top + 3, 4:24] = 255
    return images


def write_split(folder: Path, prefix: str, labels: np.ndarray, rng: np.random.Generator) -> None:
    data.write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", bar_images(labels, rng))
    data.write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels.astype(np.uint8))


def make_data_root(root: Path, train_size: int, test_size: int, seed: int = 0) -> Path:
    """ROOT/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz holding synthetic bars, classes balanced."""
    rng = np.random.default_rng(seed)
    folder = root / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, size in (("train", train_size), ("t10k", test_size)):
        labels = np.arange(size) % CLASSES
        rng.shuffle(labels)
        write_split(folder, prefix, labels, rng)
    return root


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """One torch thread (the CI box is small), no downloads, and no real data directories or caches."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)

    def no_network(*args, **kwargs):
        raise OSError("tests must not use the network")

    patch = pytest.MonkeyPatch()
    patch.setattr(data.urllib.request, "urlopen", no_network)
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
