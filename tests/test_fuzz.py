"""Every file reader, and the code-spec parser, given random or damaged input: each returns a
valid result or raises the project's error (``InfoganError``, a one-line message); any other
exception escaping is a bug. Each property runs a few dozen examples, the file in seconds."""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy.io import savemat

from infogan.checkpoint import FORMAT_VERSION, load_checkpoint
from infogan.codes import LatentSpec
from infogan.config import TrainConfig, read_config_file
from infogan.data import ArrayDataset, images, load_dataset, svhn, write_idx
from infogan.errors import InfoganError
from infogan.metrics.quality import FeatureNet, load_feature_net, save_feature_net

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCRATCH = tempfile.TemporaryDirectory(prefix="infogan-fuzz-")  # removed when the tests end


def fresh_folder() -> Path:
    """A new folder per example (Hypothesis runs many examples in one test call)."""
    return Path(tempfile.mkdtemp(dir=SCRATCH.name))


def file_with(raw: bytes, name: str) -> Path:
    path = fresh_folder() / name
    path.write_bytes(raw)
    return path


def flip(valid: bytes, bits: list[int]) -> bytes:
    damaged = bytearray(valid)
    for bit in bits:
        damaged[bit // 8] ^= 1 << (bit % 8)
    return bytes(damaged)


def damaged(valid: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, or ``valid`` cut short, or with a few bits flipped (often in the first and
    last kilobyte, where headers and zip directories are)."""
    n = len(valid)
    position = st.one_of(st.integers(0, min(n, 1024) - 1), st.integers(max(0, n - 1024), n - 1), st.integers(0, n - 1))
    bit = st.tuples(position, st.integers(0, 7)).map(lambda pair: 8 * pair[0] + pair[1])
    return st.one_of(
        st.binary(max_size=600),
        st.integers(0, n - 1).map(lambda length: valid[:length]),
        st.lists(bit, min_size=1, max_size=6).map(lambda bits: flip(valid, bits)),
    )


# --- valid files to damage --------------------------------------------------------------------

RNG = np.random.default_rng(0)


def idx_bytes(array: np.ndarray, compressed: bool) -> bytes:
    path = fresh_folder() / ("x.gz" if compressed else "x")
    write_idx(path, array)
    return path.read_bytes()


def mat_bytes() -> bytes:
    buffer = io.BytesIO()
    savemat(buffer, {"X": RNG.integers(0, 256, (32, 32, 3, 2), dtype=np.uint8), "y": np.array([[10], [3]], np.uint8)})
    return buffer.getvalue()


def picture_bytes(format: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)).save(buffer, format=format)
    return buffer.getvalue()


def checkpoint_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"format_version": FORMAT_VERSION, "step": 3, "config": {"codes": "cat:10", "lr_d": 2e-4},
                "generator": {"w": torch.arange(6.0).view(2, 3)}}, buffer)
    return buffer.getvalue()


def feature_net_bytes() -> bytes:
    path = fresh_folder() / "net.pt"
    with torch.random.fork_rng(devices=[]):
        save_feature_net(FeatureNet((1, 28, 28), {"label": 2}, features=4, dataset="mnist"), path)
    return path.read_bytes()


DIGITS = (RNG.integers(0, 256, (3, 28, 28)) * (RNG.random((3, 28, 28)) < 0.2)).astype(np.uint8)  # compressible, as digits are
LABELS = np.array([1, 2, 3], dtype=np.uint8)
GZ_IMAGES, GZ_LABELS = idx_bytes(DIGITS, compressed=True), idx_bytes(LABELS, compressed=True)
RAW_IMAGES, RAW_LABELS = idx_bytes(DIGITS, compressed=False), idx_bytes(LABELS, compressed=False)
MAT = mat_bytes()
PICTURES = {format: picture_bytes(format) for format in ("png", "jpeg")}
CHECKPOINT = checkpoint_bytes()
FEATURE_NET = feature_net_bytes()


def mnist_root(images_file: bytes, labels_file: bytes, compressed: bool) -> Path:
    """A data root whose MNIST test split is these files (the training split, never read, must be there too)."""
    root = fresh_folder()
    (root / "mnist").mkdir()
    suffix = ".gz" if compressed else ""
    for split in ("train", "t10k"):
        (root / "mnist" / f"{split}-images-idx3-ubyte{suffix}").write_bytes(images_file)
        (root / "mnist" / f"{split}-labels-idx1-ubyte{suffix}").write_bytes(labels_file)
    return root


def svhn_root(raw: bytes) -> Path:
    root = fresh_folder()
    (root / "svhn").mkdir()
    (root / "svhn" / svhn.SPLIT_FILES["test"]).write_bytes(raw)
    return root


def load_mnist(root: Path):
    return load_dataset("mnist", "test", root, verify=False, allow_download=False)


def test_the_undamaged_files_are_read():
    """So that the properties below are not met by refusing everything."""
    assert len(load_mnist(mnist_root(GZ_IMAGES, GZ_LABELS, compressed=True))) == 3
    assert len(load_mnist(mnist_root(RAW_IMAGES, RAW_LABELS, compressed=False))) == 3
    assert len(svhn.load_svhn("test", svhn_root(MAT), verify=False, allow_download=False)) == 2
    for format, raw in PICTURES.items():
        assert len(images.load_folder(file_with(raw, f"picture.{format}").parent, (3, 16, 16))) == 1
    assert load_checkpoint(file_with(CHECKPOINT, "checkpoint.pt"))["step"] == 3
    assert load_feature_net(file_with(FEATURE_NET, "net.pt")).heads == {"label": 2}


# --- IDX (MNIST's files), gzip-compressed and raw ---------------------------------------------


def check_mnist(root: Path) -> None:
    try:
        dataset = load_mnist(root)
    except InfoganError:
        return
    assert isinstance(dataset, ArrayDataset) and dataset.array.ndim == 4
    assert len(dataset.labels(np.arange(len(dataset)))) == len(dataset)


@FUZZ
@given(damaged(GZ_IMAGES))
def test_gzip_idx_images(raw):
    check_mnist(mnist_root(raw, GZ_LABELS, compressed=True))


@FUZZ
@given(damaged(RAW_IMAGES))
def test_raw_idx_images(raw):
    check_mnist(mnist_root(raw, RAW_LABELS, compressed=False))


@FUZZ
@given(damaged(RAW_LABELS))
def test_raw_idx_labels(raw):
    check_mnist(mnist_root(RAW_IMAGES, raw, compressed=False))


# --- SVHN's .mat files --------------------------------------------------------------------------


@FUZZ
@given(damaged(MAT))
def test_svhn_mat(raw):
    try:
        dataset = svhn.load_svhn("test", svhn_root(raw), verify=False, allow_download=False)
    except InfoganError:
        return
    assert dataset.shape == (3, 32, 32) and set(dataset.labels(np.arange(len(dataset)))) <= set(range(10))


# --- one image file in a folder -----------------------------------------------------------------


@FUZZ
@pytest.mark.filterwarnings("ignore")  # Pillow's and the skipped-file warnings
@given(st.one_of(*(st.tuples(st.just(format), damaged(raw)) for format, raw in PICTURES.items())))
def test_image_file_in_a_folder(case):
    format, raw = case
    try:
        dataset = images.load_folder(file_with(raw, f"picture.{format}").parent, (3, 16, 16))
    except InfoganError:
        return
    assert len(dataset) == 1 and dataset.images(np.arange(1)).shape == (1, 3, 16, 16)


# --- checkpoints and feature nets ---------------------------------------------------------------


@FUZZ
@given(damaged(CHECKPOINT))
def test_checkpoint(raw):
    try:
        state = load_checkpoint(file_with(raw, "checkpoint.pt"))
    except InfoganError:
        return
    assert state["format_version"] == FORMAT_VERSION


@FUZZ
@given(damaged(FEATURE_NET))
def test_feature_net(raw):
    try:
        net = load_feature_net(file_with(raw, "net.pt"))
    except InfoganError:
        return
    assert isinstance(net, FeatureNet) and net.shape == (1, 28, 28)


# --- settings files -----------------------------------------------------------------------------


@FUZZ
@given(st.sampled_from([".toml", ".yaml", ".json"]), st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_config_file(suffix, raw):
    try:
        read = read_config_file(file_with(raw, f"settings{suffix}"))
    except InfoganError:
        return
    assert isinstance(read, dict) and all(isinstance(key, str) for key in read)


# --- the code specification ---------------------------------------------------------------------

FIELD = st.one_of(st.integers(-3, 12).map(str), st.integers().map(str), st.floats().map(repr), st.text(max_size=4))
CODE = st.tuples(st.sampled_from(["cat", "cont", "foo", ""]), st.lists(FIELD, max_size=4)).map(lambda parts: ":".join([parts[0], *parts[1]]))
SPEC = st.one_of(st.text(max_size=40), st.lists(CODE, min_size=1, max_size=4).map(",".join))


@settings(max_examples=300, deadline=None)
@given(SPEC)
def test_code_spec(text):
    try:
        spec = LatentSpec.parse(text, noise=4)
    except InfoganError:
        return
    assert spec.codes and all(math.isfinite(h) for h in spec.entropies().values())
    assert spec.input_width == 4 + sum(code.input_width for code in spec.codes)


@FUZZ
@given(SPEC)
def test_code_spec_in_the_settings(text):
    try:
        TrainConfig(codes=text).validate()
    except InfoganError:
        pass
