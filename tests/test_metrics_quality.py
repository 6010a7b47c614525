"""FID and KID: the distances against closed forms, the feature net trained on labels and on
known factors, its file, sample quality of a fresh model, and the ``feature-net`` command."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from infogan.checkpoint import CheckpointError, save_checkpoint
from infogan.cli import main
from infogan.codes import LatentSpec
from infogan.data import ArrayDataset, DataError, to_unit_range
from infogan.data.faces3d import Faces3D
from infogan.metrics.quality import (
    FeatureNet, default_feature_net_path, frechet_distance, kernel_distance, load_feature_net, sample_quality,
    save_feature_net, train_feature_net,
)
from infogan.model import InfoGAN


def with_exact_statistics(rng: np.random.Generator, n: int, mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """n rows whose sample mean and (ddof=1) covariance are exactly ``mean`` and ``covariance``."""
    z = rng.normal(size=(n, len(mean)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return z @ np.linalg.cholesky(covariance).T + mean


def two_class_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 noise with a bright block top-left (class 0) or bottom-right (class 1)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.integers(0, 60, size=(n, 1, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        top, left = (4, 4) if label == 0 else (14, 14)
        top, left = top + rng.integers(-2, 3), left + rng.integers(-2, 3)
        images[i, 0, top : top + 10, left : left + 10] = 220
    return images, labels


@pytest.fixture(scope="module")
def blocks():
    return ArrayDataset("blocks", *two_class_images(600, seed=0), classes=2)


@pytest.fixture(scope="module")
def blocks_net(blocks):
    return train_feature_net(blocks, steps=60, batch_size=32, seed=0, holdout=120)


def test_frechet_distance_of_identical_sets_is_zero():
    a = np.random.default_rng(0).normal(size=(500, 8))
    assert abs(frechet_distance(a, a)) < 1e-8


def test_frechet_distance_matches_the_closed_form_for_commuting_covariances():
    rng = np.random.default_rng(1)
    rotation = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    variances_a, variances_b = rng.uniform(0.5, 2.0, 6), rng.uniform(0.5, 2.0, 6)
    mean_a, mean_b = rng.normal(size=6), rng.normal(size=6)
    a = with_exact_statistics(rng, 400, mean_a, rotation @ np.diag(variances_a) @ rotation.T)
    b = with_exact_statistics(rng, 300, mean_b, rotation @ np.diag(variances_b) @ rotation.T)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((np.sqrt(variances_a) - np.sqrt(variances_b)) ** 2)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(b, a) == pytest.approx(frechet_distance(a, b), rel=1e-10)


def test_frechet_distance_of_shifted_unit_gaussians_is_the_squared_shift():
    rng = np.random.default_rng(2)
    shift = np.array([1.0, -2.0, 0.5, 0.0])
    n = 20000
    a, b = rng.normal(size=(n, 4)), rng.normal(size=(n, 4)) + shift
    five_sigma = 5 * 2 * np.linalg.norm(shift) * np.sqrt(2 / n)  # of the cross term 2 m·(mean error)
    assert frechet_distance(a, b) == pytest.approx(shift @ shift, abs=five_sigma)


def test_frechet_distance_refuses_mismatched_features():
    with pytest.raises(ValueError, match="same F"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


def test_kernel_distance_is_the_unbiased_cubic_mmd_and_separates_shifted_samples():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 3)) + 0.3
    k = lambda p, q: (p @ q / 3 + 1) ** 3  # noqa: E731
    pairs = lambda p, q, same: [k(p[i], q[j]) for i in range(12) for j in range(12) if not (same and i == j)]  # noqa: E731
    expected = np.mean(pairs(x, x, True)) + np.mean(pairs(y, y, True)) - 2 * np.mean(pairs(x, y, False))
    mean, std = kernel_distance(x, y, subsets=3, subset_size=50)
    assert mean == pytest.approx(expected, rel=1e-10) and std == pytest.approx(0.0, abs=1e-12)

    a, b = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    same, same_std = kernel_distance(a, b, subsets=20, subset_size=500)
    shifted, _ = kernel_distance(a, b + 1.0, subsets=20, subset_size=500)
    assert abs(same) < 3 * same_std + 1e-3
    assert shifted > 0.5 and shifted > 100 * abs(same)
    assert kernel_distance(a, b, subsets=5, subset_size=100, seed=7) == kernel_distance(a, b, subsets=5, subset_size=100, seed=7)


def test_feature_net_learns_labels_and_is_deterministic(blocks, blocks_net):
    net, report = blocks_net
    assert set(report["accuracy"]) == {"label"} and report["holdout"] == 120
    assert report["accuracy"]["label"] > 0.95
    assert net.features(to_unit_range(blocks.images(np.arange(5)))).shape == (5, 128)
    again, _ = train_feature_net(blocks, steps=3, batch_size=32, seed=0, holdout=120)
    twice, _ = train_feature_net(blocks, steps=3, batch_size=32, seed=0, holdout=120)
    for name, tensor in again.state_dict().items():
        assert torch.equal(tensor, twice.state_dict()[name]), name


def test_feature_net_on_rendered_data_has_one_head_per_factor():
    faces = Faces3D("train")
    net, report = train_feature_net(faces, steps=2, batch_size=8, holdout=40)
    assert net.heads == {"azimuth": 20, "elevation": 20, "lighting": 20, "width": 20, "identity": 100}
    assert set(report["accuracy"]) == set(net.heads) and all(0 <= v <= 1 for v in report["accuracy"].values())
    logits = net(to_unit_range(faces.images(np.arange(3))))
    assert {name: tuple(value.shape) for name, value in logits.items()} == {name: (3, k) for name, k in net.heads.items()}


def test_a_dataset_without_labels_or_factors_is_refused():
    with pytest.raises(DataError, match="neither class labels nor known generating factors"):
        train_feature_net(ArrayDataset("plain", np.zeros((50, 1, 28, 28), np.uint8)), steps=1)
    with pytest.raises(DataError, match="28 to 64 pixels"):
        FeatureNet((1, 16, 16), {"label": 2})


def test_saved_feature_net_gives_identical_features(blocks, blocks_net, tmp_path):
    net, report = blocks_net
    path = save_feature_net(net, tmp_path / "nets" / "blocks.pt", {"note": "test"})
    loaded = load_feature_net(path)
    images = to_unit_range(blocks.images(np.arange(20)))
    with torch.no_grad():
        assert torch.equal(net.eval().features(images), loaded.features(images))
    assert loaded.metadata["dataset"] == "blocks" and loaded.metadata["shape"] == [1, 28, 28]
    assert loaded.metadata["accuracy"] == report["accuracy"] and loaded.metadata["note"] == "test"
    assert not list(path.parent.glob("*.tmp"))


def test_a_damaged_or_foreign_file_gives_the_projects_error(tmp_path):
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a torch file at all")
    with pytest.raises(CheckpointError, match="not a readable"):
        load_feature_net(corrupt)
    save_checkpoint({"generator": {}}, tmp_path / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="not an infogan feature net"):
        load_feature_net(tmp_path / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="no feature net"):
        load_feature_net(tmp_path / "missing.pt")


def test_sample_quality_of_a_fresh_model_is_worse_than_real_against_real(blocks, blocks_net):
    net, _ = blocks_net
    model = InfoGAN(LatentSpec.parse("cat:10,cont:2", 62), network="mnist")
    result = sample_quality(model, blocks, net, n=200, seed=0, batch_size=64)
    assert set(result) == {"fid", "kid", "kid_std", "samples"} and result["samples"] == 200
    assert all(np.isfinite(result[key]) for key in ("fid", "kid", "kid_std"))
    assert model.generator.training  # the model's mode is left as it was
    assert sample_quality(model, blocks, net, n=200, seed=0, batch_size=200) == pytest.approx(result)
    order = np.random.default_rng(0).permutation(600)
    with torch.no_grad():
        halves = [net.features(to_unit_range(blocks.images(np.sort(half)))).double().numpy() for half in (order[:300], order[300:])]
    assert frechet_distance(*halves) < result["fid"] / 3


def test_sample_quality_refuses_another_datasets_net(blocks, blocks_net):
    net, _ = blocks_net
    model = InfoGAN(LatentSpec.parse("cat:10,cont:2", 62), network="mnist")
    other = ArrayDataset("mnist", blocks.array, blocks.label_array, classes=2)
    with pytest.raises(DataError, match="trained on blocks, not mnist"):
        sample_quality(model, other, net, n=50)
    faces = InfoGAN(LatentSpec.parse("cont:5", 128), network="faces")
    with pytest.raises(DataError, match="image shapes differ"):
        sample_quality(faces, blocks, net, n=50)
    with pytest.raises(DataError, match="fewer than"):
        sample_quality(model, blocks, net, n=601)


def test_feature_net_command_trains_and_saves_to_the_cache(tiny_data_root, capsys):
    assert main(["feature-net", "--dataset", "mnist", "--data-dir", str(tiny_data_root), "--no-verify",
                 "--steps", "4", "--batch-size", "16", "--quiet"]) == 0
    out = capsys.readouterr().out
    path = default_feature_net_path("mnist")
    assert f"saved {path}" in out and "label" in out
    net = load_feature_net(path)
    assert net.heads == {"label": 10} and net.metadata["steps"] == 4 and net.metadata["dataset"] == "mnist"


def test_feature_net_command_refuses_unlabelled_images_in_one_line(tmp_path, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    for i in range(6):
        Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(folder / f"{i}.png")
    assert main(["feature-net", "--dataset", "folder", "--data-dir", str(folder), "--out", str(tmp_path / "f.pt"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("infogan: error: ") and "neither class labels" in err
    assert not (tmp_path / "f.pt").exists()
