"""IDX files, finding a data root, offline downloads, loading a split and the dataset interface."""

import gzip
import hashlib
import io
import shutil
import struct
import urllib.request

import numpy as np
import pytest
import torch

from infogan import data
from infogan.data import ArrayDataset, DataError, Factor, read_idx, to_unit_range, write_idx
from infogan.data.files import RemoteFiles
from infogan.data.idx import REMOTE

MNIST = REMOTE["mnist"]

STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def raw_idx(array: np.ndarray) -> bytes:
    """The uncompressed IDX bytes of a uint8 array, written out independently of write_idx."""
    array = np.asarray(array, dtype=np.uint8)
    if array.ndim == 3:
        return struct.pack(">IIII", 2051, *array.shape) + array.tobytes()
    return struct.pack(">II", 2049, len(array)) + array.tobytes()


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)


@pytest.fixture
def labels():
    return np.array([3, 1, 4, 1, 5], dtype=np.uint8)


# --- IDX reading and writing ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_images_round_trip(tmp_path, images, name):
    write_idx(tmp_path / name, images)
    again = read_idx(tmp_path / name)
    assert again.dtype == np.uint8
    assert again.shape == (5, 28, 28)
    assert np.array_equal(again, images)


@pytest.mark.parametrize("name", ["labels.idx", "labels.idx.gz"])
def test_labels_round_trip(tmp_path, labels, name):
    write_idx(tmp_path / name, labels)
    assert np.array_equal(read_idx(tmp_path / name), labels)


def test_write_idx_produces_the_standard_layout(tmp_path, images):
    write_idx(tmp_path / "raw", images)
    assert (tmp_path / "raw").read_bytes() == raw_idx(images)
    write_idx(tmp_path / "raw.gz", images)
    assert gzip.decompress((tmp_path / "raw.gz").read_bytes()) == raw_idx(images)


def test_write_idx_refuses_other_shapes(tmp_path):
    with pytest.raises(ValueError, match="IDX"):
        write_idx(tmp_path / "x", np.zeros((2, 2)))


def test_truncated_data_is_reported(tmp_path, images):
    (tmp_path / "cut").write_bytes(raw_idx(images)[:-10])
    with pytest.raises(DataError, match="truncated") as error:
        read_idx(tmp_path / "cut")
    assert str(tmp_path / "cut") in str(error.value)
    assert "3920 bytes" in str(error.value)  # what the header promises


def test_truncated_image_header_is_reported(tmp_path, images):
    (tmp_path / "cut").write_bytes(raw_idx(images)[:12])
    with pytest.raises(DataError, match="truncated IDX image header"):
        read_idx(tmp_path / "cut")


def test_a_file_too_short_for_a_header_is_reported(tmp_path):
    (tmp_path / "tiny").write_bytes(b"\x00\x00\x08")
    with pytest.raises(DataError, match="too short"):
        read_idx(tmp_path / "tiny")


def test_wrong_magic_number_is_reported(tmp_path, labels):
    raw = bytearray(raw_idx(labels))
    raw[3] = 0x07
    (tmp_path / "bad").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="wrong magic"):
        read_idx(tmp_path / "bad")


def test_trailing_bytes_are_reported(tmp_path, labels):
    (tmp_path / "long").write_bytes(raw_idx(labels) + b"\x00\x00")
    with pytest.raises(DataError, match="trailing bytes"):
        read_idx(tmp_path / "long")


def test_damaged_gzip_is_reported(tmp_path, labels):
    write_idx(tmp_path / "labels.gz", labels)
    compressed = (tmp_path / "labels.gz").read_bytes()
    (tmp_path / "labels.gz").write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "labels.gz")


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "absent.gz")


def test_sha256_is_checked_on_the_decompressed_bytes(tmp_path, labels):
    write_idx(tmp_path / "labels.gz", labels)
    digest = hashlib.sha256(raw_idx(labels)).hexdigest()
    assert np.array_equal(read_idx(tmp_path / "labels.gz", sha256=digest), labels)
    with pytest.raises(DataError, match="checksum does not match"):
        read_idx(tmp_path / "labels.gz", sha256="0" * 64)


# --- loading a split --------------------------------------------------------------------------


@pytest.mark.parametrize("split, size", [("train", 600), ("test", 200)])
def test_load_gives_uint8_images_that_convert_to_unit_range_and_integer_labels(data_root, split, size):
    dataset = data.load_dataset("mnist", split, data_dir=data_root, verify=False, allow_download=False)
    assert len(dataset) == size and dataset.shape == (1, 28, 28) and dataset.classes == 10
    images = dataset.images(np.arange(size))
    assert images.shape == (size, 1, 28, 28) and images.dtype == np.uint8
    floats = to_unit_range(images)
    assert floats.dtype == torch.float32
    assert floats.min() == 0.0 and floats.max() == 1.0
    labels = dataset.labels(np.arange(size))
    assert labels.shape == (size,) and labels.dtype == np.int64
    assert sorted(np.unique(labels).tolist()) == list(range(10))
    assert dataset.factors == ()


def test_load_matches_the_files(data_root):
    dataset = data.load_dataset("mnist", "test", data_dir=data_root, verify=False, allow_download=False)
    folder = data_root / "mnist"
    picked = np.array([5, 0, 199, 5])
    assert np.array_equal(dataset.labels(picked), read_idx(folder / "t10k-labels-idx1-ubyte.gz")[picked])
    assert np.array_equal(dataset.images(picked)[:, 0], read_idx(folder / "t10k-images-idx3-ubyte.gz")[picked])


def test_load_verifies_checksums_by_default(data_root):
    with pytest.raises(DataError, match="checksum"):
        data.load_dataset("mnist", "test", data_dir=data_root, allow_download=False)


def test_load_refuses_mismatched_images_and_labels(tmp_path, data_root):
    shutil.copytree(data_root / "mnist", tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz", np.zeros(7, dtype=np.uint8))
    with pytest.raises(DataError, match="N images and N labels"):
        data.load_dataset("mnist", "test", data_dir=tmp_path, verify=False, allow_download=False)


# --- finding the data -------------------------------------------------------------------------


def test_locate_without_files_or_download_says_where_to_put_them(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("INFOGAN_DATA", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataError) as error:
        data.locate(MNIST, allow_download=False)
    message = str(error.value)
    assert "downloading is switched off" in message
    assert str(empty / "mnist") in message
    assert str(tmp_path / "cache" / "infogan" / "mnist") in message
    assert "DIR/mnist/" in message and "--data-dir" in message and "INFOGAN_DATA" in message
    for stem in STEMS:
        assert stem + ".gz" in message


def test_unknown_dataset_is_refused():
    with pytest.raises(DataError, match="unknown dataset 'cifar'"):
        data.load_dataset("cifar", allow_download=False)


def test_data_dir_beats_the_environment_variable(tmp_path, monkeypatch, data_root):
    flag_root, env_root = tmp_path / "flag", tmp_path / "env"
    shutil.copytree(data_root / "mnist", flag_root / "mnist")
    shutil.copytree(data_root / "mnist", env_root / "mnist")
    monkeypatch.setenv("INFOGAN_DATA", str(env_root))
    assert data.locate(MNIST, data_dir=flag_root, allow_download=False) == flag_root / "mnist"
    assert data.locate(MNIST, allow_download=False) == env_root / "mnist"


def test_an_incomplete_data_dir_falls_through_to_the_next_root(tmp_path, monkeypatch, data_root):
    partial, env_root = tmp_path / "partial", tmp_path / "env"
    shutil.copytree(data_root / "mnist", partial / "mnist")
    (partial / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    shutil.copytree(data_root / "mnist", env_root / "mnist")
    monkeypatch.setenv("INFOGAN_DATA", str(env_root))
    assert data.locate(MNIST, data_dir=partial, allow_download=False) == env_root / "mnist"


def test_the_user_cache_is_used_when_no_other_root_has_the_files(tmp_path, monkeypatch, data_root):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shutil.copytree(data_root / "mnist", tmp_path / "cache" / "infogan" / "mnist")
    assert data.locate(MNIST, allow_download=False) == tmp_path / "cache" / "infogan" / "mnist"


def test_uncompressed_files_are_found_too(tmp_path, data_root):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for stem in STEMS:
        (folder / stem).write_bytes(gzip.decompress((data_root / "mnist" / (stem + ".gz")).read_bytes()))
    assert data.locate(MNIST, data_dir=tmp_path, allow_download=False) == folder
    assert len(data.load_dataset("mnist", "test", data_dir=tmp_path, verify=False, allow_download=False)) == 200


# --- downloading, against a fake mirror (never the network) ----------------------------------


@pytest.fixture
def toy_dataset(monkeypatch, tmp_path, labels):
    """A dataset 'toy' whose one file is served by a fake second mirror; the first mirror is down."""
    payload = gzip.compress(raw_idx(labels))
    info = RemoteFiles("toy", ("http://down.invalid/", "http://up.invalid/"), {"labels": "sha256:" + hashlib.sha256(raw_idx(labels)).hexdigest()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    requested = []

    def fake_urlopen(url, timeout=None):
        requested.append(url)
        if url.startswith("http://up.invalid/"):
            return io.BytesIO(payload)
        raise OSError("mirror down")

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return info, payload, requested


def test_download_tries_mirrors_in_order_and_keeps_a_verified_file(toy_dataset, tmp_path, labels):
    info, payload, requested = toy_dataset
    folder = data.locate(info)
    assert folder == tmp_path / "cache" / "infogan" / "toy"
    assert requested == ["http://down.invalid/labels.gz", "http://up.invalid/labels.gz"]
    assert (folder / "labels.gz").read_bytes() == payload
    assert sorted(p.name for p in folder.iterdir()) == ["labels.gz"]  # no partial files left
    assert np.array_equal(read_idx(folder / "labels.gz"), labels)


def test_download_rejects_a_file_with_the_wrong_checksum(toy_dataset, monkeypatch, tmp_path):
    info, _, _ = toy_dataset
    with pytest.raises(DataError, match="could not download labels.*checksum mismatch"):
        data.locate(RemoteFiles("toy", info.urls, {"labels": "sha256:" + "0" * 64}))
    assert not list((tmp_path / "cache" / "infogan" / "toy").glob("labels*"))


# --- the dataset interface --------------------------------------------------------------------


def test_array_dataset_fetches_images_and_labels_by_index():
    images = np.arange(4 * 3 * 2 * 2, dtype=np.uint8).reshape(4, 3, 2, 2)
    dataset = ArrayDataset("toy", images, np.array([2, 0, 1, 2]))
    assert len(dataset) == 4 and dataset.shape == (3, 2, 2) and dataset.classes == 3
    assert np.array_equal(dataset.images(np.array([3, 1])), images[[3, 1]])
    assert dataset.labels(np.array([0, 3])).tolist() == [2, 2]
    with pytest.raises(DataError, match="no known generating factors"):
        dataset.factor_values(np.array([0]))


def test_array_dataset_refuses_float_images_and_mismatched_labels():
    with pytest.raises(DataError, match="uint8"):
        ArrayDataset("toy", np.zeros((2, 1, 4, 4), dtype=np.float32))
    with pytest.raises(DataError, match="2 images but 3 labels"):
        ArrayDataset("toy", np.zeros((2, 1, 4, 4), dtype=np.uint8), np.zeros(3))


def test_to_unit_range_divides_by_255_exactly():
    pixels = np.array([0, 1, 128, 255], dtype=np.uint8).reshape(1, 1, 2, 2)
    assert to_unit_range(pixels).flatten().tolist() == [0.0, np.float32(1 / 255), np.float32(128 / 255), 1.0]


def test_border_level_is_the_median_of_the_outer_ring_whatever_lies_inside():
    images = np.full((3, 1, 6, 6), 200, dtype=np.uint8)
    images[:, :, 1:-1, 1:-1] = 0  # a dark object filling everything but the ring
    images[0, 0, 0, :3] = 10  # a few ring pixels touched by the object
    assert data.border_level(images) == pytest.approx(200 / 255)
    assert data.border_level(np.full((2, 3, 4, 4), 51, dtype=np.uint8)) == pytest.approx(0.2)  # colour: every channel's ring


@pytest.mark.parametrize(
    "factor, values, expected",
    [
        (Factor("shape", "discrete", 0, 2, 3), [0, 1, 2], [0, 1, 2]),
        (Factor("scale", "discrete", 0.5, 1.0, 6), [0.5, 0.6, 1.0], [0, 1, 5]),
        (Factor("turn", "circular", 0, 2 * np.pi, 40), [0, 2 * np.pi / 40, 2 * np.pi - 1e-9], [0, 1, 0]),
        (Factor("width", "continuous", 0.0, 1.0), [0.0, 0.5, 1.0], [0, 10, 19]),
    ],
)
def test_factor_discretize_maps_values_to_their_grid_index(factor, values, expected):
    assert factor.discretize(np.array(values)).tolist() == expected


def test_every_source_is_listed_with_a_network_that_exists():
    from infogan.networks import ARCHITECTURES

    assert set(data.SOURCES) == {"mnist", "fashion-mnist", "svhn", "celeba", "folder", "sprites", "faces3d", "chairs3d"}
    assert all(source.network in ARCHITECTURES for source in data.SOURCES.values())
