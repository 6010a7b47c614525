"""ModelCentrality: a model's codes as factors, pairwise FactorVAE agreement, and ``infogan select``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from infogan.checkpoint import CHECKPOINT_NAME, save_checkpoint
from infogan.cli import main
from infogan.codes import LatentSpec
from infogan.config import TrainConfig
from infogan.metrics.centrality import GeneratorFactors, ReplayedSampler, centrality
from infogan.model import InfoGAN

SIDE = 8


class ReadableModel:
    """A stand-in run whose Q reads its own codes back exactly: the categorical code lights one of
    three pixels, each continuous code sets the grey of its own row, the noise fills the rest."""

    image_shape = (1, SIDE, SIDE)

    def __init__(self):
        self.spec = LatentSpec.parse("cat:3,cont:2", noise=4)

    def generate_from(self, noise, codes):
        n = len(noise)
        images = torch.rand(n, 1, SIDE, SIDE, generator=torch.Generator().manual_seed(int(noise.sum() * 1e6) % 2**31))
        images[:, 0, 0, :3] = torch.nn.functional.one_hot(codes["c1"], 3).float()
        images[:, 0, 1, :] = ((codes["c2"] + 1) / 2)[:, None]
        images[:, 0, 2, :] = ((codes["c3"] + 1) / 2)[:, None]
        return images

    def representation(self, images):
        return torch.cat([images[:, 0, 0, :3], images[:, 0, 1, :].mean(1, keepdim=True), images[:, 0, 2, :].mean(1, keepdim=True)], 1)


class RandomModel:
    """A stand-in run with random networks: images are a random function of all codes at once,
    and its Q is a random mixture of pixels."""

    image_shape = (1, SIDE, SIDE)

    def __init__(self, seed: int):
        self.spec = LatentSpec.parse("cat:3,cont:2", noise=4)
        generator = torch.Generator().manual_seed(seed)
        self.decoder = torch.randn(self.spec.input_width, SIDE * SIDE, generator=generator)
        self.encoder = torch.randn(SIDE * SIDE, 5, generator=generator) / SIDE

    def generate_from(self, noise, codes):
        return torch.sigmoid(self.spec.generator_input(noise, codes) @ self.decoder).reshape(-1, 1, SIDE, SIDE)

    def representation(self, images):
        return images.reshape(len(images), -1) @ self.encoder


SMALL = dict(num_train=50, num_eval=50, num_variance_estimate=500, batch_size=32)


@pytest.fixture(scope="module")
def mnist_model():
    torch.manual_seed(0)
    return InfoGAN(LatentSpec.parse("cat:10,cont:2", noise=62)).eval()


def test_generator_factors_describe_the_codes_and_draw_inside_each_bin(mnist_model):
    sampler = GeneratorFactors(mnist_model, bins=20)
    assert sampler.factor_names == ("c1", "c2", "c3")
    assert sampler.factor_sizes == (10, 20, 20)
    rng = np.random.default_rng(0)
    factors = sampler.sample_factors(500, rng)
    assert factors.shape == (500, 3) and factors.dtype == np.int64
    assert factors.min() >= 0 and np.all(factors.max(axis=0) < np.array(sampler.factor_sizes))
    values = sampler.code_values(factors, rng)
    assert torch.equal(values["c1"], torch.as_tensor(factors[:, 0]))
    for column, name in ((1, "c2"), (2, "c3")):
        low_edge = -1 + 2 * factors[:, column] / 20
        assert np.all(values[name].numpy() >= low_edge - 1e-6) and np.all(values[name].numpy() <= low_edge + 0.1 + 1e-6)
    images = sampler.sample_images(factors[:7], rng)
    assert images.shape == (7, *mnist_model.image_shape) and images.dtype == torch.float32
    assert 0.0 <= images.min() and images.max() <= 1.0


def test_generator_factors_are_reproducible_from_the_rng(mnist_model):
    sampler = GeneratorFactors(mnist_model)
    factors = sampler.sample_factors(5, np.random.default_rng(1))
    first = sampler.sample_images(factors, np.random.default_rng(2))
    assert torch.equal(first, sampler.sample_images(factors, np.random.default_rng(2)))


def test_replayed_sampler_generates_each_draw_once_and_regenerates_on_a_mismatch():
    calls = []

    class Counting:
        factor_names, factor_sizes = ("a",), (4,)

        def sample_factors(self, n, rng):
            return rng.integers(0, 4, (n, 1))

        def sample_images(self, factors, rng):
            calls.append(len(factors))
            return torch.full((len(factors), 1, 1, 1), float(rng.random()))

    replay = ReplayedSampler(Counting())
    outputs = []
    for _ in range(2):
        rng = np.random.default_rng(0)
        replay.start()
        outputs.append([replay.sample_images(replay.sample_factors(3, rng), rng) for _ in range(2)])
    assert calls == [3, 3]
    assert all(torch.equal(a, b) for a, b in zip(*outputs))
    replay.start()
    other = np.random.default_rng(1)
    replay.sample_images(replay.sample_factors(3, other), other)
    assert calls == [3, 3, 3]


def test_centrality_is_symmetric_in_the_unit_interval_and_prefers_a_model_its_copy_agrees_with():
    readable = ReadableModel()
    models = [RandomModel(1), readable, ReadableModel(), RandomModel(2)]
    result = centrality(models, seed=0, **SMALL)
    d = np.array([[np.nan if v is None else v for v in row] for row in result["d"]])
    off_diagonal = ~np.eye(4, dtype=bool)
    assert np.allclose(d[off_diagonal], d.T[off_diagonal])
    assert np.all((d[off_diagonal] >= 0) & (d[off_diagonal] <= 1))
    assert all(result["d"][i][i] is None for i in range(4))
    assert d[1, 2] > max(d[1, 0], d[1, 3], d[2, 0], d[2, 3])
    assert result["selected"] in (1, 2)
    assert result["centrality"][result["selected"]] == max(result["centrality"])
    assert result["centrality"] == pytest.approx(np.nanmean(d, axis=1).tolist())


def test_centrality_needs_two_models_of_one_image_shape(mnist_model):
    with pytest.raises(ValueError, match="at least 2"):
        centrality([ReadableModel()])
    with pytest.raises(ValueError, match="different shapes"):
        centrality([ReadableModel(), mnist_model])


def save_run(folder, seed: int, network: str = "mnist", accuracy: float | None = None):
    config = TrainConfig(seed=seed, network=network, steps=1).validate()
    torch.manual_seed(seed)
    model = InfoGAN.from_config(config)
    save_checkpoint(
        {"config": config.to_dict(), "step": 0, "generator": model.generator.state_dict(), "discriminator": model.discriminator.state_dict()},
        folder / CHECKPOINT_NAME,
    )
    if accuracy is not None:
        (folder / "eval.json").write_text(json.dumps({"accuracy": accuracy}))
    return folder


def test_select_prints_the_table_and_the_run_to_keep_and_writes_json(tmp_path, capsys):
    runs = [save_run(tmp_path / "a", 0, accuracy=0.5), save_run(tmp_path / "b", 1)]
    out = tmp_path / "select.json"
    assert main(["select", str(runs[0]), str(runs[1]), "--votes", "2", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "centrality" in printed and "accuracy*" in printed and "50.00 %" in printed
    result = json.loads(out.read_text())
    kept = result["runs"][result["selected"]]
    assert f"keep: {kept} " in printed
    assert result["settings"]["num_train"] == 2 and result["eval_accuracy"] == [0.5, None]
    assert len(result["d"]) == 2 and result["d"][0][1] == result["d"][1][0]


def only_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    assert lines[0].startswith("infogan: error: ")
    return lines[0]


def test_select_needs_two_runs_of_one_image_shape(tmp_path, capsys):
    mnist = save_run(tmp_path / "mnist", 0)
    assert main(["select", str(mnist)]) == 2
    assert "at least 2" in only_error_line(capsys.readouterr().err)
    faces = save_run(tmp_path / "faces", 0, network="faces")
    assert main(["select", str(mnist), str(faces)]) == 2
    assert "different shapes" in only_error_line(capsys.readouterr().err)
