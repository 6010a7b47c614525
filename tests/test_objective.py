"""The losses: what D and G minimise, written out by hand on a tiny network."""

import math

import pytest
import torch
import torch.nn.functional as F

from infogan.codes import LatentSpec
from infogan.config import TrainConfig
from infogan.model import InfoGAN
from infogan.objective import Objective


@pytest.fixture
def setting():
    torch.manual_seed(0)
    spec = LatentSpec.parse("cat:4,cont:1", noise=3)
    model = InfoGAN(spec)
    codes = spec.sample_codes(6)
    fake = model.generator(spec.generator_input(spec.sample_noise(6), codes))
    real = torch.rand(6, 1, 28, 28)
    return spec, model.discriminator, real, fake, codes


def by_hand(spec, D, real, fake, codes, lambda_cat, lambda_cont):
    d_real, _ = D(real)
    d_fake, q_fake = D(fake)
    log_q = spec.log_q(q_fake, codes)
    info = lambda_cat * log_q["c1"] + lambda_cont * log_q["c2"]
    return d_real, d_fake, info


def test_discriminator_loss_is_the_gan_loss_minus_the_weighted_information(setting):
    spec, D, real, fake, codes = setting
    config = TrainConfig(codes="cat:4,cont:1", noise=3, lambda_cat=1.0, lambda_cont=0.5, lambda_invariant=0)
    loss, log_q = Objective(config, spec).discriminator_loss(D, real, fake.detach(), codes)
    d_real, d_fake, info = by_hand(spec, D, real, fake, codes, 1.0, 0.5)
    expected = -F.logsigmoid(d_real).mean() - torch.log1p(-torch.sigmoid(d_fake)).mean() - info
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert set(log_q) == {"c1", "c2"} and log_q["c1"].item() <= 0


def test_generator_loss_is_non_saturating_minus_the_scaled_information(setting):
    spec, D, real, fake, codes = setting
    config = TrainConfig(codes="cat:4,cont:1", noise=3, lambda_cont=2.0, info_weight_g=0.5, lambda_invariant=0)
    loss = Objective(config, spec).generator_loss(D, fake, codes)
    _, d_fake, info = by_hand(spec, D, real, fake, codes, 1.0, 2.0)
    assert loss.item() == pytest.approx((-F.logsigmoid(d_fake).mean() - 0.5 * info).item(), rel=1e-5)


def test_the_invariance_term_needs_a_categorical_code_and_a_weight(setting):
    spec, D, real, fake, codes = setting
    assert Objective(TrainConfig(lambda_invariant=0), spec).random_moves(6, (28, 28), "cpu") is None
    continuous_only = LatentSpec.parse("cont:2", noise=3)
    assert Objective(TrainConfig(lambda_invariant=1), continuous_only).random_moves(6, (28, 28), "cpu") is None
    objective = Objective(TrainConfig(lambda_invariant=1), spec)
    moves = objective.random_moves(6, (28, 28), "cpu")
    assert moves.shape == (6, 28, 28, 2)
    plain = Objective(TrainConfig(lambda_invariant=0), spec).discriminator_loss(D, real, fake.detach(), codes)[0]
    with_moves = objective.discriminator_loss(D, real, fake.detach(), codes, moves)[0]
    assert with_moves.item() > plain.item()  # minus a (negative) log-likelihood: the loss grows


def test_an_uninformative_q_scores_minus_the_entropy_of_a_categorical_code():
    spec = LatentSpec.parse("cat:4", noise=0)
    uniform_logits = torch.zeros(5, 4)
    assert spec.log_q(uniform_logits, {"c1": torch.arange(5) % 4})["c1"].item() == pytest.approx(-math.log(4))
