"""Folders of PNG/JPEG images and CelebA, decoded once into a memory-mapped uint8 cache.

Every image is converted to the network's channels ("L" or "RGB", transparency composited onto
white), centre-cropped (the largest centred box of the network's aspect ratio; CelebA's aligned
178 x 218 faces to the central 108 x 108, the convention of the DCGAN and InfoGAN-era code) and
resized with Pillow's Lanczos filter, which antialiases when it shrinks.

The decoded images go straight into ``cache_root()/resized/<key>.npy``, a uint8 N x C x H x W
file written through ``numpy.lib.format.open_memmap`` under a temporary name and renamed into
place, so neither a float copy nor a list of per-image arrays is ever held in memory. Later starts
only walk the folder, stat its files and open that file read-only memory-mapped. The key hashes the
folder, every image's relative path, size and modification time, the network's shape, the crop
and ``CACHE_FORMAT``, so a changed, added or removed file (or another shape) makes a new cache;
the superseded cache of the same folder, shape and crop is deleted.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import math
import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .base import ArrayDataset, DataError
from .files import cache_root, candidate_roots

EXTENSIONS = (".png", ".jpg", ".jpeg")
CACHE_FORMAT = 1  # bump when decoding changes, so old caches are not reused
CELEBA_CROP = 108  # side of the centred square cut from CelebA's aligned faces (DCGAN / InfoGAN-era code)
CELEBA_ALIGNED_WIDTH = 178  # width of the aligned images; the crop scales with images of another width
CELEBA_SPLITS = {"train": 0, "test": 2}  # list_eval_partition.txt: 0 train, 1 validation, 2 test
CELEBA_PARTITION_FILES = ("list_eval_partition.txt", "list_eval_partition.csv")
REDUCING_GAP = 2.0  # JPEGs are DCT-downscaled while decoding to no less than twice the network's size
PROGRESS_FROM = 500  # files; fewer decode without a progress bar
DECODE_WORKERS = 2  # threads: Pillow releases the GIL while decoding and resizing
CHUNK = 64  # images per decoding task
NAMES_SHOWN = 5  # unreadable files named in the warning
EXIF_ORIENTATION = 0x0112

CELEBA_HOWTO = (
    "CelebA has no plain download: get img_align_celeba.zip and list_eval_partition.txt from the official CelebA page "
    "(mmlab.ie.cuhk.edu.hk/projects/CelebA.html, its Google Drive: Img/img_align_celeba.zip and Eval/list_eval_partition.txt), "
    "unzip into DIR/celeba/ (giving DIR/celeba/img_align_celeba/*.jpg) and pass --data-dir DIR or set INFOGAN_DATA=DIR"
)


# --- finding the files ------------------------------------------------------------------------


def is_image_name(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS)


def scan(folder: Path, recursive: bool = True) -> list[tuple[str, int, int]]:
    """(relative path with "/", size, mtime_ns) of every image file under ``folder``, sorted by path.

    Symbolic links are followed, each real directory visited once.
    """
    entries: list[tuple[str, int, int]] = []
    seen: set[tuple[int, int]] = set()

    def visit(directory: Path, prefix: str) -> None:
        try:
            info = directory.stat()
            if (info.st_dev, info.st_ino) in seen:
                return
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(directory) as listing:
                items = list(listing)
        except OSError as error:
            raise DataError(f"{directory}: cannot list the folder ({error.strerror or error})") from None
        for item in items:
            try:
                if is_image_name(item.name) and item.is_file():
                    stat = item.stat()
                    entries.append((prefix + item.name, stat.st_size, stat.st_mtime_ns))
                elif recursive and item.is_dir():
                    visit(Path(item.path), prefix + item.name + "/")
            except OSError:  # a dangling link or a file removed meanwhile
                continue

    visit(folder, "")
    entries.sort()
    return entries


def has_images(folder: Path) -> bool:
    """Whether ``folder`` directly holds an image file (stops at the first)."""
    try:
        with os.scandir(folder) as listing:
            return any(is_image_name(item.name) for item in listing)
    except OSError:
        return False


# --- decoding one image -----------------------------------------------------------------------


def crop_box(size: tuple[int, int], aspect: float, celeba: bool) -> tuple[int, int, int, int]:
    """The centred crop of an image of ``size`` (width, height): CelebA's square of side
    ``CELEBA_CROP`` at the aligned width (scaled with the image), else the largest box of
    ``aspect`` (width / height)."""
    width, height = size
    if celeba:
        side = max(1, min(round(CELEBA_CROP * width / CELEBA_ALIGNED_WIDTH), width, height))
        crop_width = crop_height = side
    elif width >= height * aspect:
        crop_height, crop_width = height, max(1, min(width, round(height * aspect)))
    else:
        crop_width, crop_height = width, max(1, min(height, round(width / aspect)))
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return left, top, left + crop_width, top + crop_height


def to_mode(image, channels: int):
    """``image`` as "L" (one channel) or "RGB" (three): transparency composited onto white,
    16-bit grey scaled to 8 bits, palette and CMYK images expanded."""
    from PIL import Image

    mode = "L" if channels == 1 else "RGB"
    if image.mode.startswith("I") or image.mode == "F":  # 16/32-bit grey: scale to 0..255
        values = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16") or (values.size and values.max() > 255):
            values = values / 257.0
        image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image if image.mode == mode else image.convert(mode)


def decode_image(path: str | os.PathLike, shape: tuple[int, int, int], celeba: bool = False) -> np.ndarray:
    """One image file as uint8 C x H x W of the network's ``shape``: converted, centre-cropped
    (see ``crop_box``), resized with the Lanczos filter; EXIF orientation applied."""
    from PIL import Image, ImageOps

    channels, height, width = shape
    with Image.open(path) as image:
        if image.format == "JPEG":  # decode at a reduced scale when the crop is well above the target
            left, top, right, bottom = crop_box(image.size, width / height, celeba)
            ratio = REDUCING_GAP * max(width, height) / min(right - left, bottom - top)
            if ratio < 1:
                image.draft("L" if channels == 1 else "RGB", tuple(math.ceil(s * ratio) for s in image.size))
        try:
            turned = image.getexif().get(EXIF_ORIENTATION, 1) not in (1, None)  # a photo taken sideways
        except Exception:  # unparsable EXIF: the pixels may still be fine
            turned = False
        if turned:
            image = ImageOps.exif_transpose(image)
        image = to_mode(image, channels)
        image = image.crop(crop_box(image.size, width / height, celeba))
        image = image.resize((width, height), Image.LANCZOS)
        array = np.asarray(image, dtype=np.uint8)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


# --- the memory-mapped cache --------------------------------------------------------------------


def cache_key(name: str, folder: Path, entries: list, shape: tuple[int, int, int], celeba: bool, split: str) -> tuple[str, str]:
    """(prefix, key): the prefix names the folder, split, shape and crop; the key adds the file list."""
    crop = f"celeba{CELEBA_CROP}@{CELEBA_ALIGNED_WIDTH}" if celeba else "centre-box"
    settings = json.dumps([CACHE_FORMAT, name, str(folder), split, list(shape), crop, "lanczos", REDUCING_GAP])
    prefix = f"{name}-{hashlib.sha256(settings.encode()).hexdigest()[:12]}"
    digest = hashlib.sha256(settings.encode())
    digest.update("\n".join(f"{path}\t{size}\t{mtime}" for path, size, mtime in entries).encode("utf-8", "surrogateescape"))
    return prefix, f"{prefix}-{digest.hexdigest()[:20]}"


def open_uint8_images(path: Path, shape: tuple[int, int, int]) -> np.ndarray | None:
    """A cached uint8 N x C x H x W ``.npy``, read-only memory-mapped; None when it is absent or not
    that. Never unpickles: a file of Python objects under the cache's name counts as damaged."""
    try:
        images = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if not isinstance(images, np.ndarray):  # an .npz archive under the cache's name
        images.close()
        return None
    if images.dtype != np.uint8 or images.ndim != 4 or tuple(images.shape[1:]) != tuple(shape):
        return None
    return images


def open_cache(path: Path, shape: tuple[int, int, int]):
    """The cached images, read-only memory-mapped, and the files skipped when they were decoded;
    None when the cache is absent or not what it should be (then it is rebuilt)."""
    images = open_uint8_images(path, shape)
    if images is None:
        return None
    meta_path = path.with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text())
        skipped = list(meta["skipped"])
        count = int(meta["images"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(images) != count:
        return None
    return images, skipped


def decode_into(target: np.ndarray, folder: Path, names: list[str], shape, celeba: bool, label: str) -> list[int]:
    """Decode ``names`` into ``target[i]``; the indices of the files that could not be read."""
    from tqdm import tqdm

    def work(start: int) -> list[int]:
        failed = []
        for i in range(start, min(start + CHUNK, len(names))):
            try:
                target[i] = decode_image(folder / names[i], shape, celeba)
            except Exception:  # unreadable, truncated or not an image: skipped and reported
                failed.append(i)
        return failed

    failed: list[int] = []
    starts = range(0, len(names), CHUNK)
    with tqdm(total=len(names), desc=f"decoding {label}", unit="img", file=sys.stderr,
              disable=len(names) < PROGRESS_FROM, dynamic_ncols=True) as progress:
        if len(starts) > 1 and DECODE_WORKERS > 1:
            pool = ThreadPoolExecutor(DECODE_WORKERS)
            try:
                for start, chunk_failed in zip(starts, pool.map(work, starts)):
                    failed += chunk_failed
                    progress.update(min(CHUNK, len(names) - start))
            finally:  # on Ctrl-C, drop the queued chunks instead of decoding them all first
                pool.shutdown(wait=True, cancel_futures=True)
        else:
            for start in starts:
                failed += work(start)
                progress.update(min(CHUNK, len(names) - start))
    return failed


def compact(target: np.ndarray, good: np.ndarray) -> None:
    """Move the images at the increasing indices ``good`` to the front of ``target``, in chunks
    (a chunk's destination never reaches a later chunk's sources, as good[j] >= j)."""
    for start in range(0, len(good), 4096):
        indices = good[start:start + 4096]
        target[start:start + len(indices)] = target[indices]


def shrink_npy(path: Path, count: int) -> None:
    """Cut a .npy file to its first ``count`` rows in place: rewrite the header's shape (numpy
    pads headers so the first axis can change without moving the data) and truncate the file."""
    from numpy.lib import format as npy

    with open(path, "r+b") as file:
        version = npy.read_magic(file)
        read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = read_header(file)
        offset = file.tell()
        header = {"descr": npy.dtype_to_descr(dtype), "fortran_order": fortran, "shape": (count, *shape[1:])}
        buffer = io.BytesIO()
        (npy.write_array_header_1_0 if version == (1, 0) else npy.write_array_header_2_0)(buffer, header)
        if buffer.tell() != offset:
            raise OSError(f"{path}: cannot rewrite the .npy header in place")
        file.seek(0)
        file.write(buffer.getvalue())
        file.truncate(offset + count * int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize)


def reserve_space(path: Path) -> None:
    """Allocate the (sparse) cache file's blocks now: a full disk is then a clear error here
    rather than a bus error while writing through the memory map."""
    if not hasattr(os, "posix_fallocate"):
        return
    size = path.stat().st_size
    with open(path, "r+b") as file:
        try:
            os.posix_fallocate(file.fileno(), 0, size)
        except OSError as error:
            if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                raise DataError(
                    f"{path.parent}: not enough disk space for the image cache ({size / 2**30:.2f} GiB); free some or set XDG_CACHE_HOME"
                ) from None
            # file systems without fallocate: the space is claimed while writing


def build_cache(path: Path, folder: Path, names: list[str], shape, celeba: bool, label: str) -> list[str]:
    """Decode every file into a new cache at ``path`` (via a temporary file renamed into place);
    the names of the files that could not be read."""
    from numpy.lib.format import open_memmap

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
    meta_temporary = temporary.with_suffix(".json")
    try:
        target = open_memmap(temporary, mode="w+", dtype=np.uint8, shape=(len(names), *shape))
        reserve_space(temporary)
        failed = decode_into(target, folder, names, shape, celeba, label)
        skipped = [names[i] for i in failed]
        if failed and len(failed) < len(names):
            compact(target, np.setdiff1d(np.arange(len(names)), failed))
        target.flush()
        del target
        if failed and len(failed) < len(names):
            shrink_npy(temporary, len(names) - len(failed))
        if len(failed) < len(names):
            meta = {"format": CACHE_FORMAT, "folder": str(folder), "files": len(names), "images": len(names) - len(failed),
                    "skipped": skipped}
            meta_temporary.write_text(json.dumps(meta))
            os.replace(meta_temporary, path.with_suffix(".json"))
            os.replace(temporary, path)
        return skipped
    finally:
        for leftover in (temporary, meta_temporary):
            try:
                leftover.unlink()
            except OSError:
                pass


def remove_superseded(directory: Path, prefix: str, key: str) -> None:
    """Delete the caches of the same folder, split, shape and crop made from an older file list."""
    for old in directory.glob(f"{prefix}-*"):
        if not old.name.startswith(key) and ".tmp." not in old.name:
            try:
                old.unlink()
            except OSError:  # in use elsewhere (Windows) or already gone
                pass


def cached_images(name: str, folder: Path, entries: list, shape, celeba: bool = False, split: str = "all") -> np.ndarray:
    """The images of ``entries`` (relative paths under ``folder``), uint8 N x C x H x W, read-only
    memory-mapped from the cache, decoded into it first when the cache is missing or stale."""
    folder = folder.resolve()
    prefix, key = cache_key(name, folder, entries, shape, celeba, split)
    directory = cache_root() / "resized"
    path = directory / f"{key}.npy"
    opened = open_cache(path, shape)
    if opened is None:
        names = [entry[0] for entry in entries]
        try:
            skipped = build_cache(path, folder, names, shape, celeba, f"{name} {folder}")
        except OSError as error:
            reason = error.strerror or error
            raise DataError(f"{directory}: cannot write the image cache ({reason}); set XDG_CACHE_HOME to a writable folder") from None
        if len(skipped) == len(names):
            raise DataError(f"{folder}: none of the {len(names)} image files could be read (e.g. {', '.join(skipped[:NAMES_SHOWN])})")
        remove_superseded(directory, prefix, key)
        opened = open_cache(path, shape)
        if opened is None:
            raise DataError(f"{path}: the image cache just written cannot be read back")
    images, skipped = opened
    if skipped:
        more = f" and {len(skipped) - NAMES_SHOWN} more" if len(skipped) > NAMES_SHOWN else ""
        warnings.warn(f"{folder}: skipped {len(skipped)} unreadable image file(s): {', '.join(skipped[:NAMES_SHOWN])}{more}", stacklevel=3)
    return images


def check_shape(shape) -> tuple[int, int, int]:
    try:
        channels, height, width = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise DataError(f"image shape must be (channels, height, width), got {shape!r}") from None
    if channels not in (1, 3) or height < 1 or width < 1:
        raise DataError(f"image shape must have 1 or 3 channels and a positive size, got {tuple(shape)}")
    return channels, height, width


# --- the two sources ----------------------------------------------------------------------------


def load_folder(data_dir: str | os.PathLike | None, shape: tuple[int, int, int]) -> ArrayDataset:
    """Every .png/.jpg/.jpeg (any case) under ``data_dir``, searched recursively and sorted by
    relative path, as uint8 N x C x H x W of the network's ``shape`` (unlabelled).

    Unreadable files are skipped with one warning naming the first few.
    """
    shape = check_shape(shape)
    if data_dir is None:
        raise DataError("the folder dataset needs --data-dir PATH: a folder of .png/.jpg/.jpeg images (searched recursively)")
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder (the folder dataset reads the .png/.jpg/.jpeg images under --data-dir)")
    entries = scan(folder, recursive=True)
    if not entries:
        raise DataError(f"{folder}: no .png/.jpg/.jpeg images found (searched recursively)")
    return ArrayDataset("folder", cached_images("folder", folder, entries, shape))


def find_celeba(data_dir: str | os.PathLike | None) -> tuple[Path | None, list[Path]]:
    """The folder of aligned JPEGs (or None) and the places looked in."""
    looked = []
    places = [root / "celeba" / "img_align_celeba" for root in candidate_roots(data_dir)]
    if data_dir:  # --data-dir may also name the celeba folder or the JPEG folder itself
        places[1:1] = [Path(data_dir) / "img_align_celeba", Path(data_dir)]
    for place in places:
        place = place.expanduser()
        looked.append(place)
        for folder in (place, place / "img_align_celeba"):  # some copies nest the folder twice
            if folder.is_dir() and has_images(folder):
                return folder, looked
    return None, looked


def read_partition(path: Path) -> dict[str, int]:
    """file name -> partition (0, 1, 2) from list_eval_partition.txt (``000001.jpg 0``) or its
    CSV form (``000001.jpg,0`` after a header line)."""
    partition = {}
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read the partition file ({error})") from None
    for number, line in enumerate(lines, 1):
        fields = line.replace(",", " ").split()
        if not fields or (number == 1 and not fields[-1].isdigit()):  # blank line or CSV header
            continue
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            raise DataError(f"{path}: line {number} is not 'IMAGE PARTITION' with partition 0, 1 or 2: {line.strip()[:60]!r}")
        partition[fields[0]] = int(fields[1])
    return partition


def load_celeba(split: str, data_dir: str | os.PathLike | None, shape: tuple[int, int, int]) -> ArrayDataset:
    """CelebA's aligned faces (``ROOT/celeba/img_align_celeba/*.jpg``), centre-cropped to
    ``CELEBA_CROP`` x ``CELEBA_CROP`` and resized to the network's ``shape``.

    ``list_eval_partition.txt`` (or its CSV form, next to img_align_celeba/ or inside it) splits
    them: "train" is partition 0, "test" partition 2; without it both splits are every image.
    """
    shape = check_shape(shape)
    if split not in CELEBA_SPLITS:
        raise DataError(f"celeba: unknown split {split!r}; use train or test")
    folder, looked = find_celeba(data_dir)
    if folder is None:
        raise DataError(f"celeba not found (looked for the aligned JPEGs in {', '.join(map(str, looked))}). {CELEBA_HOWTO}")
    entries = scan(folder, recursive=False)
    directories = [folder.parent, folder]
    if folder.parent.name == folder.name:  # img_align_celeba/img_align_celeba/: the file sits above both
        directories.insert(0, folder.parent.parent)
    candidates = (directory / name for directory in directories for name in CELEBA_PARTITION_FILES)
    partition_file = next((candidate for candidate in candidates if candidate.is_file()), None)
    tag = "all"
    if partition_file is not None:
        partition = read_partition(partition_file)
        wanted = CELEBA_SPLITS[split]
        entries = [entry for entry in entries if partition.get(entry[0]) == wanted]
        tag = split
        if not entries:
            raise DataError(f"{folder}: none of the images of the {split} split listed in {partition_file} is in the folder")
    dataset = ArrayDataset("celeba", cached_images("celeba", folder, entries, shape, celeba=True, split=tag))
    dataset.data_dir = str(folder.resolve())  # find_celeba also takes the JPEG folder itself
    return dataset
