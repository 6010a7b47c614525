"""The render cache: the same pixels as rendering, built once on several processes, rebuilt when
damaged, a new file when the renderer changes, and switched on by ``--render-cache``."""

import json

import numpy as np
import pytest

from infogan.cli import main
from infogan.data import prerendered
from infogan.data.faces3d import Faces3D


class SmallFaces(Faces3D):
    """faces3d's renderer and factors on a 40-image training split."""

    splits = {"train": (0, 40), "test": (1, 16)}


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(prerendered, "CHUNK", 8)  # five tasks, so the worker pool is used


def test_the_cache_holds_exactly_the_rendered_images(small_chunks):
    rendered = SmallFaces("train")
    cached = SmallFaces("train")
    path = prerendered.attach_render_cache(cached, workers=2)
    assert path.is_file() and cached.cache is not None and rendered.cache is None
    every = np.arange(len(rendered))
    assert np.array_equal(cached.images(every), rendered.images(every))
    order = np.array([39, 0, 17, 17, 3])
    batch = cached.images(order)
    assert batch.flags.c_contiguous and batch.dtype == np.uint8
    assert np.array_equal(batch, rendered.images(order))
    assert np.array_equal(cached.factor_values(order), rendered.factor_values(order))
    with pytest.raises(IndexError):
        cached.images(np.array([40]))
    assert not list(path.parent.glob("*.tmp.*"))


def test_a_second_start_reads_the_file_and_renders_only_the_fingerprint(small_chunks, monkeypatch):
    first = SmallFaces("train")
    path = prerendered.attach_render_cache(first, workers=1)
    rendered_counts = []
    original = SmallFaces.render

    def counting(self, values):
        rendered_counts.append(len(values))
        return original(self, values)

    monkeypatch.setattr(SmallFaces, "render", counting)
    second = SmallFaces("train")
    assert prerendered.attach_render_cache(second, workers=1) == path
    assert rendered_counts == [16]  # eight images at each end, for the fingerprint
    assert np.array_equal(second.images(np.arange(40)), first.images(np.arange(40)))


def test_a_damaged_cache_is_rebuilt(small_chunks):
    dataset = SmallFaces("train")
    path = prerendered.cache_path(dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.zeros((39, 1, 32, 32), dtype=np.uint8))  # one image short
    prerendered.attach_render_cache(dataset, workers=1)
    assert np.load(path).shape == (40, 1, 32, 32)
    assert np.array_equal(dataset.images(np.arange(40)), SmallFaces("train").images(np.arange(40)))


def test_an_unwritable_cache_folder_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(Faces3D, "splits", {"train": (0, 48), "test": (1, 16)})
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    args = ["train", "--preset", "faces-azimuth", "--out", str(tmp_path / "run"), "--render-cache", "--steps", "1", "--batch-size", "8",
            "--eval-every", "0", "--quiet"]
    assert main(args) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "cannot write the render cache" in error and "XDG_CACHE_HOME" in error and "Traceback" not in error


def test_another_renderer_or_split_gets_another_file(monkeypatch):
    train, test = SmallFaces("train"), SmallFaces("test")
    assert prerendered.cache_path(train) != prerendered.cache_path(test)
    before = prerendered.cache_path(train)
    monkeypatch.setattr(SmallFaces, "render", lambda self, values: np.zeros((len(values), 1, 32, 32), dtype=np.uint8))
    assert prerendered.cache_path(train) != before


def test_render_cache_flag_trains_on_the_cached_split_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(Faces3D, "splits", {"train": (0, 48), "test": (1, 16)})
    monkeypatch.setattr(prerendered, "CHUNK", 16)  # three tasks: worker processes forked from a process that trained
    common = ["--preset", "faces-azimuth", "--steps", "3", "--batch-size", "8", "--log-every", "1", "--eval-every", "0", "--quiet"]
    assert main(["train", "--out", str(tmp_path / "rendered"), *common]) == 0
    assert main(["train", "--out", str(tmp_path / "cached"), "--render-cache", *common]) == 0
    assert json.loads((tmp_path / "cached" / "config.json").read_text())["render_cache"] is True
    assert list(prerendered.cache_root().glob("rendered/faces3d-train-*.npy"))

    def losses(run):
        rows = [json.loads(line) for line in (tmp_path / run / "metrics.jsonl").read_text().splitlines()]
        return [{k: v for k, v in row.items() if k.startswith(("loss", "mi_"))} for row in rows]

    assert losses("cached") == losses("rendered") and len(losses("cached")) == 3 and losses("cached")[0]
