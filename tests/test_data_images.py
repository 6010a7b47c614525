"""Image folders and CelebA: conversion, cropping, resizing and the memory-mapped cache."""

import os

import numpy as np
import PIL.Image
import pytest
from PIL import Image

from infogan import data
from infogan.data import DataError, images
from infogan.data.files import cache_root


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def cache_files():
    return sorted((cache_root() / "resized").glob("*.npy"))


def save(path, array, mode=None, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(path, **options)
    return path


def uniform(height, width, colour):
    return np.broadcast_to(np.asarray(colour, dtype=np.uint8), (height, width, len(colour))).copy()


@pytest.fixture
def folder(tmp_path):
    """Three images in nested folders (gray PNG, colour JPEG, colour PNG with a marked pixel) and
    a text file; sorted by relative path they are a.png, sub/b.JPG, sub/deeper/c.png."""
    root = tmp_path / "pictures"
    save(root / "a.png", np.full((40, 40), 77), "L")
    save(root / "sub" / "b.JPG", uniform(48, 64, (200, 30, 30)), quality=95)  # wide: cropped to its centre
    marked = uniform(32, 32, (0, 0, 255))
    marked[3, 20] = (10, 220, 130)
    save(root / "sub" / "deeper" / "c.png", marked)
    (root / "sub" / "notes.txt").write_text("not an image")
    return root


# --- folders --------------------------------------------------------------------------------


def test_folder_is_searched_recursively_in_path_order_and_converted(folder):
    dataset = images.load_folder(folder, (3, 32, 32))
    assert dataset.name == "folder" and len(dataset) == 3 and dataset.shape == (3, 32, 32)
    batch = dataset.images(np.arange(3))
    assert batch.dtype == np.uint8 and batch.shape == (3, 3, 32, 32)
    assert (batch[0] == 77).all()  # gray -> RGB: three equal channels
    assert np.abs(batch[1].reshape(3, -1).mean(1) - (200, 30, 30)).max() < 4  # the JPEG, nearly exact
    assert tuple(batch[2, :, 3, 20]) == (10, 220, 130)  # pixel (row 3, column 20) of c.png
    assert tuple(batch[2, :, 0, 0]) == (0, 0, 255)
    with pytest.raises(DataError, match="no class labels"):
        dataset.labels(np.arange(3))


def test_colour_becomes_luma_for_one_channel(folder):
    batch = images.load_folder(folder, (1, 32, 32)).images(np.arange(3))
    assert batch.shape == (3, 1, 32, 32)
    assert (batch[0] == 77).all()
    assert abs(int(batch[2, 0, 0, 0]) - round(0.114 * 255)) <= 1  # pure blue: ITU-R 601 luma
    assert abs(float(batch[1].mean()) - (0.299 * 200 + 0.587 * 30 + 0.114 * 30)) < 4


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (1, 64, 64)])
def test_resized_to_the_network_shape(folder, shape):
    dataset = data.load_dataset("folder", data_dir=folder, shape=shape)
    assert dataset.shape == shape
    assert dataset.images(np.arange(3)).shape == (3, *shape)


def test_the_crop_is_the_centred_square_and_resizing_antialiases(tmp_path):
    wide = np.zeros((20, 60), np.uint8)
    wide[:, 20:40] = 255  # white centre square, black sides
    stripes = np.zeros((64, 64), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes: an antialiased shrink averages them to gray
    save(tmp_path / "p" / "1_wide.png", wide, "L")
    save(tmp_path / "p" / "2_stripes.png", stripes, "L")
    batch = images.load_folder(tmp_path / "p", (1, 8, 8)).images(np.arange(2))
    assert (batch[0] >= 250).all()
    assert np.abs(batch[1].astype(int) - 128).max() <= 10  # (sampling without a filter gives 0 or 255)


def test_transparency_and_palettes(tmp_path):
    transparent = np.zeros((16, 16, 4), np.uint8)  # fully transparent black: composited onto white
    transparent[:8, :, :] = (0, 128, 0, 255)  # top half opaque green
    save(tmp_path / "p" / "1_rgba.png", transparent, "RGBA")
    palette = Image.fromarray(uniform(16, 16, (250, 120, 10))).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.save(tmp_path / "p" / "2_palette.png")
    gray_alpha = Image.fromarray(np.full((16, 16), 30, np.uint8), "L").convert("LA")
    gray_alpha.putalpha(0)
    gray_alpha.save(tmp_path / "p" / "3_la.png")
    Image.fromarray(np.full((16, 16), 257 * 40, np.uint16)).save(tmp_path / "p" / "4_gray16.png")
    batch = images.load_folder(tmp_path / "p", (3, 16, 16)).images(np.arange(4))
    assert tuple(batch[0, :, 0, 0]) == (0, 128, 0) and tuple(batch[0, :, 15, 15]) == (255, 255, 255)
    assert tuple(batch[1, :, 5, 5]) == (250, 120, 10)
    assert (batch[2] == 255).all()
    assert (batch[3] == 40).all()  # 16-bit gray scaled to 8 bits


def test_large_jpegs_decoded_at_reduced_scale_match_a_full_decode(tmp_path):
    rows, cols = np.mgrid[:480, :640]
    smooth = np.stack([cols * 255 // 639, rows * 255 // 479, (rows + cols) * 255 // 1118], axis=-1)
    path = save(tmp_path / "p" / "big.jpg", smooth, quality=95)
    got = images.load_folder(tmp_path / "p", (3, 32, 32)).images(np.arange(1))[0]
    with Image.open(path) as full:  # reference: full-size decode, centre 480 x 480, Lanczos
        expected = np.asarray(full.convert("RGB").crop((80, 0, 560, 480)).resize((32, 32), Image.Resampling.LANCZOS))
    assert np.abs(got.astype(int) - expected.transpose(2, 0, 1)).max() <= 3  # (a crop 20 pixels off: 9)


def test_exif_orientation_is_applied(tmp_path):
    halves = np.zeros((32, 64), np.uint8)
    halves[:, 32:] = 255  # left half black, right half white
    exif = Image.Exif()
    exif[0x0112] = 6  # to be shown turned 90 degrees clockwise: the left half goes on top
    save(tmp_path / "p" / "turned.jpg", halves, "L", exif=exif, quality=95)
    got = images.load_folder(tmp_path / "p", (1, 16, 16)).images(np.arange(1))[0, 0].astype(int)
    assert got[:6].mean() < 20 and got[-6:].mean() > 235


def test_the_cache_is_a_read_only_memmap_and_a_second_start_decodes_nothing(folder, monkeypatch):
    first = images.load_folder(folder, (3, 32, 32))
    assert len(cache_files()) == 1
    assert isinstance(first.array, np.memmap) and not first.array.flags.writeable

    def no_decoding(*args, **kwargs):
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(PIL.Image, "open", no_decoding)
    second = images.load_folder(folder, (3, 32, 32))
    assert isinstance(second.array, np.memmap) and not second.array.flags.writeable
    assert np.array_equal(np.asarray(first.array), np.asarray(second.array))
    assert len(cache_files()) == 1


def counting_opens(monkeypatch):
    calls = []
    real_open = PIL.Image.open

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real_open(*args, **kwargs)

    monkeypatch.setattr(PIL.Image, "open", counted)
    return calls


def test_touching_or_adding_a_file_rebuilds_and_replaces_the_cache(folder, monkeypatch):
    images.load_folder(folder, (1, 28, 28))
    old = cache_files()
    calls = counting_opens(monkeypatch)
    target = folder / "a.png"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert len(images.load_folder(folder, (1, 28, 28))) == 3
    assert len(calls) == 3  # decoded again
    assert len(cache_files()) == 1 and cache_files() != old  # the superseded cache is gone
    save(folder / "sub" / "new.png", np.full((10, 10), 9), "L")
    calls.clear()
    dataset = images.load_folder(folder, (1, 28, 28))
    assert len(dataset) == 4 and len(calls) == 4
    assert (dataset.images(np.array([3]))[0] == 9).all()  # sub/new.png sorts after sub/deeper/c.png
    calls.clear()
    images.load_folder(folder, (3, 32, 32))  # another shape: a cache of its own, the first kept
    assert len(calls) == 4 and len(cache_files()) == 2


def test_a_damaged_cache_is_rebuilt(folder, monkeypatch):
    first = np.asarray(images.load_folder(folder, (1, 28, 28)).array).copy()
    path = cache_files()[0]
    path.write_bytes(path.read_bytes()[:200])  # cut short, e.g. by a full disk
    calls = counting_opens(monkeypatch)
    again = images.load_folder(folder, (1, 28, 28))
    assert len(calls) == 3 and np.array_equal(np.asarray(again.array), first)


def test_unreadable_files_are_skipped_with_one_warning(folder, monkeypatch):
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    good = (folder / "sub" / "b.JPG").read_bytes()
    (folder / "sub" / "cut.jpg").write_bytes(good[: len(good) // 2])
    (folder / "sub" / "empty.PNG").write_bytes(b"")
    monkeypatch.setattr(images, "CHUNK", 2)  # several chunks on the decoding threads
    with pytest.warns(UserWarning, match=r"skipped 3 unreadable image file\(s\): broken.jpg, sub/cut.jpg, sub/empty.PNG") as caught:
        dataset = images.load_folder(folder, (3, 32, 32))
    assert len(caught) == 1
    assert len(dataset) == 3 and dataset.array.shape == (3, 3, 32, 32)
    batch = dataset.images(np.arange(3))
    assert (batch[0] == 77).all() and tuple(batch[2, :, 3, 20]) == (10, 220, 130)  # order kept
    assert np.load(cache_files()[0], mmap_mode="r").shape == (3, 3, 32, 32)  # the file holds only the good ones
    with pytest.warns(UserWarning, match="skipped 3"):  # said again when started from the cache
        images.load_folder(folder, (3, 32, 32))


def test_a_folder_of_only_unreadable_files_is_an_error(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.png").write_bytes(b"garbage")
    with pytest.raises(DataError, match="none of the 1 image files could be read"):
        images.load_folder(tmp_path / "p", (1, 28, 28))
    assert cache_files() == [] and list((cache_root() / "resized").iterdir()) == []


def test_missing_empty_and_unnamed_folders_are_errors(tmp_path):
    with pytest.raises(DataError, match="--data-dir PATH"):
        data.load_dataset("folder", data_dir=None, shape=(1, 28, 28))
    with pytest.raises(DataError, match="no such folder") as error:
        images.load_folder(tmp_path / "absent", (1, 28, 28))
    assert str(tmp_path / "absent") in str(error.value)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no .png/.jpg/.jpeg images found") as error:
        images.load_folder(tmp_path / "empty", (1, 28, 28))
    assert str(tmp_path / "empty") in str(error.value)


def test_a_progress_bar_is_shown_for_many_files(folder, monkeypatch, capsys):
    monkeypatch.setattr(images, "PROGRESS_FROM", 2)
    images.load_folder(folder, (1, 28, 28))
    assert "decoding folder" in capsys.readouterr().err


# --- CelebA ---------------------------------------------------------------------------------


def celeba_face(index: int) -> np.ndarray:
    """178 x 218 (width x height), white inside the central 108 x 108, black outside."""
    face = np.zeros((218, 178, 3), np.uint8)
    face[55:163, 35:143] = 255
    face[0, 0] = index  # keep the files distinct
    return face


@pytest.fixture
def celeba_root(tmp_path):
    root = tmp_path / "data"
    for index in range(1, 7):
        save(root / "celeba" / "img_align_celeba" / f"{index:06d}.jpg", celeba_face(index), quality=95)
    partitions = [0, 0, 0, 1, 2, 2]
    (root / "celeba" / "list_eval_partition.txt").write_text("".join(f"{i:06d}.jpg {p}\n" for i, p in enumerate(partitions, 1)))
    return root


def test_celeba_splits_follow_the_partition_file(celeba_root):
    train = images.load_celeba("train", celeba_root, (3, 32, 32))
    test = images.load_celeba("test", celeba_root, (3, 32, 32))
    assert train.name == "celeba" and (len(train), len(test)) == (3, 2)
    assert train.images(np.arange(3)).shape == (3, 3, 32, 32)
    assert isinstance(train.array, np.memmap) and len(cache_files()) == 2


def test_celeba_is_cropped_to_the_central_108_square(celeba_root):
    batch = data.load_dataset("celeba", "test", data_dir=celeba_root, shape=(1, 64, 64)).images(np.arange(2))
    assert batch.shape == (2, 1, 64, 64)
    assert batch.mean() > 250 and np.percentile(batch, 1) > 220  # nearly all white: no black border


def test_celeba_without_a_partition_file_uses_every_image_in_both_splits(celeba_root):
    (celeba_root / "celeba" / "list_eval_partition.txt").unlink()
    assert len(images.load_celeba("train", celeba_root, (3, 32, 32))) == 6
    assert len(images.load_celeba("test", celeba_root, (3, 32, 32))) == 6
    assert len(cache_files()) == 1  # one cache serves both


def test_celeba_data_dir_may_name_the_jpeg_folder(celeba_root):
    dataset = images.load_celeba("train", celeba_root / "celeba" / "img_align_celeba", (3, 32, 32))
    assert len(dataset) == 3  # the partition file next to the folder is still found


def test_celeba_in_a_twice_nested_folder_with_a_csv_partition(tmp_path):
    for index in range(1, 5):
        save(tmp_path / "celeba" / "img_align_celeba" / "img_align_celeba" / f"{index:06d}.jpg", celeba_face(index))
    rows = ["image_id,partition", "000001.jpg,0", "000002.jpg,2", "000003.jpg,2", "000004.jpg,1"]
    (tmp_path / "celeba" / "list_eval_partition.csv").write_text("\n".join(rows) + "\n")
    assert len(images.load_celeba("train", tmp_path, (1, 28, 28))) == 1
    assert len(images.load_celeba("test", tmp_path, (1, 28, 28))) == 2


def test_a_damaged_partition_file_is_reported(celeba_root):
    (celeba_root / "celeba" / "list_eval_partition.txt").write_text("000001.jpg 0\n000002.jpg 7\n")
    with pytest.raises(DataError, match="line 2"):
        images.load_celeba("train", celeba_root, (3, 32, 32))


def test_missing_celeba_says_how_to_get_it(tmp_path):
    with pytest.raises(DataError, match="celeba not found") as error:
        data.load_dataset("celeba", "train", data_dir=tmp_path, shape=(3, 32, 32))
    message = str(error.value)
    assert "\n" not in message
    assert "img_align_celeba.zip" in message and "list_eval_partition.txt" in message and "DIR/celeba/" in message
