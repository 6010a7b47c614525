"""SVHN cropped digits: ``train_32x32.mat`` / ``test_32x32.mat`` (MATLAB v5), read whole into uint8 memory.

The files hold ``X``, 32 x 32 x 3 x N uint8 (row, column, channel, image), and ``y``, N x 1 labels
1..10 where 10 stands for the digit 0. They are found under ``ROOT/svhn/`` or downloaded from the
dataset's page and checked against its published MD5s; only the requested split's file is needed.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import one_line
from .base import ArrayDataset, DataError
from .files import RemoteFiles, find_file, locate, read_verified

URLS = ("http://ufldl.stanford.edu/housenumbers/",)
SPLIT_FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat"}
DIGESTS = {  # published on the SVHN page
    "train_32x32.mat": "md5:e26dedcc434d2e4c54c9b2d4a06d8373",
    "test_32x32.mat": "md5:eb5a983be6a315427106f1b164d9cef3",
}
IMAGE_SIZE = 32
ZERO_LABEL = 10  # the files' label for the digit 0
MI_MATRIX, MI_COMPRESSED = 14, 15  # MATLAB v5 element types: an array, a zlib-compressed element
MAT_NUMERIC_CLASSES = range(6, 16)  # mxDOUBLE_CLASS .. mxUINT64_CLASS
MX_OPAQUE = 17  # the one class whose header has no dimensions
MAT_COMPLEX = 0x800  # array flag
MAT_DATA_TYPES = {1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 16, 17, 18}  # miINT8 .. miUTF32 but the reserved codes
HEADER_BYTES = 1 << 16  # of a compressed variable, decompressed to check its header


def remote_files(split: str) -> RemoteFiles:
    """Where the ``split``'s file comes from and what it must hash to (read from the module's tables
    at call time)."""
    stem = SPLIT_FILES[split]
    return RemoteFiles("svhn", URLS, {stem: DIGESTS[stem]}, gzipped=False)


def mat_element(body: bytes, position: int, order: str) -> tuple[int, bytes, int]:
    """(type, data, next position) of the MATLAB v5 data element at ``position``, read as SciPy
    reads it: a small element packs its type and size in the tag's first word, its data in the
    second; a full one's data follows the tag, padded to 8 bytes. struct.error past the end."""
    word, size = struct.unpack_from(order + "II", body, position)
    if word >> 16:
        return word & 0xFFFF, body[position + 4 : position + 4 + (word >> 16)], position + 8
    return word, body[position + 8 : position + 8 + size], position + 8 + size + (-size % 8)


def check_mat_variables(raw: bytes, source: str) -> None:
    """Refuse an ``X`` or ``y`` that SciPy's reader would trust unchecked: up to at least SciPy 1.17 it
    looks an array's data type code up in a table without a range check, so one flipped bit in
    that tag kills the process (scipy/scipy#25349). Walks the variables as SciPy does, reading
    only their headers (the first bytes of a compressed one); SciPy reports anything else itself."""
    if len(raw) < 128 or 0 in raw[:4] or raw[125 if raw[126] == ord("I") else 124] != 1:
        return  # not MATLAB v5: SciPy refuses it, or reads it as v4 in Python
    order = "<" if raw[126:128] == b"IM" else ">"
    view = memoryview(raw)  # slices without copying the images
    position = 128
    while position + 8 <= len(raw):
        kind, size = struct.unpack_from(order + "II", view, position)
        body = view[position + 8 : position + 8 + size]
        position += 8 + size
        cut = False
        if kind == MI_COMPRESSED:
            try:  # the header is at the start: a prefix of the compressed bytes gives it
                body, cut = zlib.decompressobj().decompress(body[:HEADER_BYTES], HEADER_BYTES), len(body) > HEADER_BYTES
            except zlib.error:
                continue  # SciPy fails on it cleanly
            kind = struct.unpack_from(order + "I", body)[0] if len(body) >= 8 else None
            body = body[8:]
        if kind != MI_MATRIX:
            continue
        try:
            flags = struct.unpack_from(order + "I", body, 8)[0]  # after the flags element's tag, which SciPy skips
            data = 16 if flags & 0xFF == MX_OPAQUE else mat_element(body, 16, order)[2]  # past the dimensions
            _, name, data = mat_element(body, data, order)
        except struct.error:
            continue  # SciPy runs out of data too
        if name not in (b"X", b"y"):
            continue  # SciPy skips the variables it is not asked for
        name = bytes(name).decode()
        if flags & 0xFF not in MAT_NUMERIC_CLASSES or flags & MAT_COMPLEX:
            raise DataError(f"{source}: {name} is not an array of real numbers")
        try:
            data_type = mat_element(body, data, order)[0]
        except struct.error:
            if cut:
                raise DataError(f"{source}: {name} has a header too large to be SVHN's") from None
            continue
        if data_type not in MAT_DATA_TYPES:
            raise DataError(f"{source}: {name} is damaged: its data has the unknown type code {data_type}")


def read_svhn_bytes(raw: bytes, source: str = "SVHN data") -> tuple[np.ndarray, np.ndarray]:
    """Parse the bytes of an SVHN ``.mat`` file into uint8 images N x 3 x 32 x 32 and int64
    labels 0..9 (the file's 10 becomes 0), checking every shape."""
    from scipy.io import loadmat

    check_mat_variables(raw, source)
    try:
        contents = loadmat(io.BytesIO(raw), variable_names=("X", "y"))
    except Exception as error:  # scipy raises ValueError, TypeError, NotImplementedError (v7.3) ...
        raise DataError(f"{source}: not a readable MATLAB v5 .mat file ({one_line(error)})") from None
    del raw  # the caller passes its only reference: the file's bytes go before the images are copied
    missing = [key for key in ("X", "y") if key not in contents]
    if missing:
        raise DataError(f"{source}: the .mat file lacks {' and '.join(missing)} (SVHN files hold X, 32x32x3xN images, and y, Nx1 labels)")
    images, labels = contents["X"], contents["y"]
    if images.ndim != 4 or images.shape[:3] != (IMAGE_SIZE, IMAGE_SIZE, 3):
        raise DataError(f"{source}: X has shape {images.shape}, expected 32 x 32 x 3 x N")
    if labels.ndim > 2 or (labels.ndim == 2 and 1 not in labels.shape):
        raise DataError(f"{source}: y has shape {labels.shape}, expected N x 1")
    labels = labels.reshape(-1)
    if len(labels) != images.shape[3]:
        raise DataError(f"{source}: {images.shape[3]} images in X but {len(labels)} labels in y")
    images = as_uint8(images, source)
    if not np.issubdtype(labels.dtype, np.number) or (len(labels) and not np.all(np.isin(labels, np.arange(ZERO_LABEL + 1)))):
        raise DataError(f"{source}: y holds values other than the digit labels 1..10 (10 for zero)")
    labels = labels.astype(np.int64) % ZERO_LABEL
    # (row, column, channel, image) -> (image, channel, row, column)
    return np.ascontiguousarray(images.transpose(3, 2, 0, 1)), labels


def as_uint8(images: np.ndarray, source: str) -> np.ndarray:
    """The published files are uint8; one's own (``--no-verify``) may be stored as integers or
    doubles, accepted when every value is a whole number in 0..255."""
    if images.dtype == np.uint8:
        return images
    if np.issubdtype(images.dtype, np.number) and images.size:
        if images.min() >= 0 and images.max() <= 255 and np.array_equal(images, np.round(images)):
            return images.astype(np.uint8)
    raise DataError(f"{source}: X is {images.dtype}, expected uint8 pixel values 0..255")


def load_svhn(split: str, data_dir: str | os.PathLike | None = None, verify: bool = True, allow_download: bool = True) -> ArrayDataset:
    """One split of SVHN as uint8 N x 3 x 32 x 32 with labels 0..9.

    ``verify=False`` skips the MD5 check of a file found on disk (for one's own data in the same
    layout); a downloaded file is always checked.
    """
    if split not in SPLIT_FILES:
        raise DataError(f"svhn: unknown split {split!r}; use train or test")
    info = remote_files(split)
    stem = SPLIT_FILES[split]
    folder = locate(info, data_dir, allow_download)
    path = find_file(Path(folder), stem)
    images, labels = read_svhn_bytes(read_verified(path, info.digests[stem] if verify else None), str(path))
    dataset = ArrayDataset("svhn", images, labels, classes=10)
    dataset.data_dir = str(Path(folder).parent.resolve())
    return dataset
