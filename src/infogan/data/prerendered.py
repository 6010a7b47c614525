"""A rendered split written once, on every core, into a memory-mapped uint8 file (``--render-cache``).

On a CPU the renderers outrun training, but a GPU trains the faces network faster than one core
renders faces. The cache lives in ``cache_root()/rendered/<name>-<split>-<fingerprint>.npy``; the
fingerprint hashes the split's size and shape and a few freshly rendered images, so a changed
renderer makes a new file instead of reusing stale pixels. The file is written under a temporary
name and renamed into place, so an interrupted build leaves nothing that could be mistaken for it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from pathlib import Path

import numpy as np

from .base import DataError, RenderedDataset
from .files import cache_root
from .images import open_uint8_images, reserve_space

RENDER_FORMAT = 1  # bump when the cache's layout changes
CHUNK = 2048  # images one worker renders and writes per task
PROBE = 8  # images at each end of the split rendered for the fingerprint


def fingerprint(dataset: RenderedDataset) -> str:
    """A hash of the split's size and shape and of freshly rendered images from both of its ends."""
    size = len(dataset)
    probe = np.unique(np.concatenate([np.arange(min(PROBE, size)), np.arange(max(size - PROBE, 0), size)]))
    digest = hashlib.sha256(repr((RENDER_FORMAT, size, dataset.shape)).encode())
    digest.update(dataset.render(dataset.factor_values(probe)).tobytes())
    return digest.hexdigest()[:16]


def cache_path(dataset: RenderedDataset) -> Path:
    """``<name>-<split>-<fingerprint>.npy``: the name and split tell files apart, the fingerprint renderers."""
    return cache_root() / "rendered" / f"{dataset.name}-{getattr(dataset, 'split', 'all')}-{fingerprint(dataset)}.npy"


def open_rendered(path: Path, dataset: RenderedDataset) -> np.ndarray | None:
    """The cached split, read-only memory-mapped; None when absent, damaged or of another length."""
    images = open_uint8_images(path, dataset.shape)
    return images if images is not None and len(images) == len(dataset) else None


def render_chunk(task: tuple[RenderedDataset, str, int, int]) -> int:
    """Render images start..stop into the (already allocated) file; run in a worker process."""
    dataset, path, start, stop = task
    target = np.load(path, mmap_mode="r+", allow_pickle=False)
    target[start:stop] = dataset.render(dataset.factor_values(np.arange(start, stop)))
    target.flush()
    return stop - start


def build(path: Path, dataset: RenderedDataset, workers: int) -> None:
    from numpy.lib.format import open_memmap
    from tqdm import tqdm

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
    try:
        open_memmap(temporary, mode="w+", dtype=np.uint8, shape=(len(dataset), *dataset.shape)).flush()
        reserve_space(temporary)
        tasks = [(dataset, str(temporary), start, min(start + CHUNK, len(dataset))) for start in range(0, len(dataset), CHUNK)]
        with tqdm(total=len(dataset), desc=f"rendering {dataset.name}", unit="img", file=sys.stderr, dynamic_ncols=True,
                  disable=len(tasks) < 2) as progress:
            if workers > 1 and len(tasks) > 1:
                # fork: the workers inherit the dataset and need no pickled copy of the package
                context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
                with context.Pool(min(workers, len(tasks))) as pool:
                    for done in pool.imap_unordered(render_chunk, tasks):
                        progress.update(done)
            else:
                for task in tasks:
                    progress.update(render_chunk(task))
        os.replace(temporary, path)
    finally:
        try:
            temporary.unlink()
        except OSError:
            pass


def attach_render_cache(dataset: RenderedDataset, workers: int | None = None) -> Path:
    """Serve ``dataset.images`` from its cache file from now on, rendering the file first (on
    ``workers`` processes, default every core) when it is missing or damaged; its path."""
    path = cache_path(dataset)
    images = open_rendered(path, dataset)
    if images is None:
        try:
            build(path, dataset, workers or os.cpu_count() or 1)
        except OSError as error:
            raise DataError(f"{path.parent}: cannot write the render cache ({error.strerror or error}); "
                            "set XDG_CACHE_HOME to a writable folder or leave out --render-cache") from None
        images = open_rendered(path, dataset)
    dataset.cache = images
    return path
