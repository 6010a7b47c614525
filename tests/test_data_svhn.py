"""SVHN: .mat files in the published layout, MD5 checks, offline downloads, damaged files."""

import hashlib
import io
import urllib.request

import numpy as np
import pytest
from scipy.io import savemat

from infogan import data
from infogan.data import DataError, svhn
from infogan.data.files import cache_root


def mat_bytes(count: int, seed: int = 0, **overrides) -> tuple[bytes, np.ndarray, np.ndarray]:
    """An SVHN-style MATLAB v5 file: X 32 x 32 x 3 x N uint8 (row, column, channel, image), y N x 1
    with 10 for the digit 0. Image 1 has the value 201 at row 5, column 7, channel 2."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 200, (32, 32, 3, count), dtype=np.uint8)
    images[5, 7, 2, 1] = 201
    labels = (np.arange(count) % 10 + 1).astype(np.uint8).reshape(count, 1)  # 1..10, 10 = zero
    contents = {"X": images, "y": labels}
    contents.update(overrides)
    contents = {key: value for key, value in contents.items() if value is not None}
    buffer = io.BytesIO()
    savemat(buffer, contents)
    return buffer.getvalue(), images, labels


def write_split(root, split: str, raw: bytes):
    folder = root / "svhn"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / svhn.SPLIT_FILES[split]
    path.write_bytes(raw)
    return path


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def root(tmp_path):
    raw, images, labels = mat_bytes(12)
    write_split(tmp_path / "data", "test", raw)
    return tmp_path / "data", raw, images, labels


def test_loads_images_in_nchw_and_maps_label_10_to_zero(root):
    folder, _, images, labels = root
    dataset = svhn.load_svhn("test", folder, verify=False, allow_download=False)
    assert dataset.name == "svhn" and len(dataset) == 12 and dataset.classes == 10
    batch = dataset.images(np.arange(12))
    assert batch.dtype == np.uint8 and batch.shape == (12, 3, 32, 32)
    assert batch[1, 2, 5, 7] == 201  # X[row 5, column 7, channel 2, image 1]
    assert np.array_equal(batch, images.transpose(3, 2, 0, 1))
    got = dataset.labels(np.arange(12))
    assert got.dtype == np.int64
    assert np.array_equal(got, labels[:, 0] % 10)
    assert got[9] == 0 and 10 not in got  # the file's 10 is the digit zero


def test_load_dataset_reaches_svhn(root):
    folder = root[0]
    dataset = data.load_dataset("svhn", "test", data_dir=folder, verify=False, allow_download=False)
    assert dataset.shape == (3, 32, 32) and len(dataset) == 12


def test_only_the_requested_split_is_needed(root):
    folder = root[0]
    svhn.load_svhn("test", folder, verify=False, allow_download=False)
    with pytest.raises(DataError, match="train_32x32.mat") as error:
        svhn.load_svhn("train", folder, verify=False, allow_download=False)
    assert "test_32x32.mat" not in str(error.value) and "\n" not in str(error.value)


def test_md5_accepts_the_right_digest_and_rejects_a_wrong_one(root, monkeypatch):
    folder, raw = root[0], root[1]
    monkeypatch.setitem(svhn.DIGESTS, "test_32x32.mat", "md5:" + hashlib.md5(raw).hexdigest())
    assert len(svhn.load_svhn("test", folder, verify=True, allow_download=False)) == 12
    monkeypatch.setitem(svhn.DIGESTS, "test_32x32.mat", "md5:" + "0" * 32)
    with pytest.raises(DataError, match="checksum"):
        svhn.load_svhn("test", folder, verify=True, allow_download=False)
    assert len(svhn.load_svhn("test", folder, verify=False, allow_download=False)) == 12


def test_the_published_digests_are_md5s():
    assert svhn.DIGESTS == {
        "train_32x32.mat": "md5:e26dedcc434d2e4c54c9b2d4a06d8373",
        "test_32x32.mat": "md5:eb5a983be6a315427106f1b164d9cef3",
    }


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_download_is_verified_and_stored_in_the_cache(tmp_path, monkeypatch):
    raw, images, _ = mat_bytes(7, seed=3)
    requested = []

    def serve(url, timeout=None):
        requested.append(url)
        return FakeResponse(raw)

    monkeypatch.setattr(urllib.request, "urlopen", serve)
    monkeypatch.setitem(svhn.DIGESTS, "train_32x32.mat", "md5:" + hashlib.md5(raw).hexdigest())
    dataset = svhn.load_svhn("train", tmp_path / "empty", verify=True, allow_download=True)
    assert requested == ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat"]
    stored = cache_root() / "svhn" / "train_32x32.mat"
    assert stored.read_bytes() == raw
    assert np.array_equal(dataset.images(np.arange(7)), images.transpose(3, 2, 0, 1))
    requested.clear()
    svhn.load_svhn("train", tmp_path / "empty", verify=True, allow_download=True)
    assert requested == []  # found in the cache the second time


def test_a_download_with_the_wrong_digest_is_not_kept(tmp_path, monkeypatch):
    raw = mat_bytes(3)[0]
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: FakeResponse(raw))
    monkeypatch.setitem(svhn.DIGESTS, "test_32x32.mat", "md5:" + "1" * 32)
    with pytest.raises(DataError, match="checksum mismatch"):
        svhn.load_svhn("test", tmp_path / "empty", allow_download=True)
    assert not (cache_root() / "svhn" / "test_32x32.mat").exists()


def test_no_download_when_switched_off(tmp_path):
    with pytest.raises(DataError, match="downloading is switched off") as error:
        svhn.load_svhn("test", tmp_path / "empty", allow_download=False)
    assert "DIR/svhn/" in str(error.value)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"this is not a MATLAB file at all" * 10, "not a readable MATLAB v5 .mat file"),
        (mat_bytes(4, y=None)[0], "lacks y"),
        (mat_bytes(4, X=None, y=None, Z=np.zeros(3))[0], "lacks X and y"),
        (mat_bytes(4, X=np.zeros((28, 28, 3, 4), np.uint8))[0], r"X has shape \(28, 28, 3, 4\)"),
        (mat_bytes(4, y=np.ones((5, 1), np.uint8))[0], "4 images in X but 5 labels in y"),
        (mat_bytes(4, y=np.ones((4, 2), np.uint8))[0], "y has shape"),
        (mat_bytes(2, y=np.array([[3], [11]], np.uint8))[0], "1..10"),
        (mat_bytes(2, X=np.full((32, 32, 3, 2), 300.0))[0], "expected uint8"),
    ],
)
def test_damaged_files_give_one_line_errors_naming_the_file(tmp_path, raw, message):
    path = write_split(tmp_path, "test", raw)
    with pytest.raises(DataError, match=message) as error:
        svhn.load_svhn("test", tmp_path, verify=False, allow_download=False)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_whole_number_doubles_are_accepted_for_own_files(tmp_path):
    images = np.random.default_rng(1).integers(0, 256, (32, 32, 3, 3)).astype(np.float64)
    write_split(tmp_path, "test", mat_bytes(3, X=images, y=np.array([[10], [1], [2]], np.float64))[0])
    dataset = svhn.load_svhn("test", tmp_path, verify=False, allow_download=False)
    assert np.array_equal(dataset.images(np.arange(3)), images.transpose(3, 2, 0, 1).astype(np.uint8))
    assert dataset.labels(np.arange(3)).tolist() == [0, 1, 2]
