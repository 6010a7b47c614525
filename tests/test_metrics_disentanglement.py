"""The disentanglement scores: hand-computed cases, a representation equal to the factors (near 1),
one independent of them (near 0 or chance), invariance to permuting and rescaling code
dimensions, determinism, and the rendered-dataset sampler."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from infogan.data import Factor
from infogan.data.sprites import Sprites
from infogan.metrics.disentanglement import (
    DCI,
    RenderedFactors,
    beta_vae_score,
    dci,
    dci_from_importance,
    disentanglement_scores,
    factor_vae_score,
    histogram_discretize,
    mig,
    sap,
    sap_matrix,
)

SIZES = (3, 4, 5)


class GridSampler:
    """Factors 3 x 4 x 5; an "image" is the 1 x 1 x 3 tensor of the factors scaled to [0, 1]."""

    factor_names = ("a", "b", "c")
    factor_sizes = SIZES

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, np.asarray(SIZES), size=(n, len(SIZES)), dtype=np.int64)

    def sample_images(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        scaled = factors / (np.asarray(SIZES) - 1)
        return torch.from_numpy(scaled.astype(np.float32)).reshape(len(factors), 1, 1, -1)


def true_encoder(images: torch.Tensor) -> np.ndarray:
    return images.reshape(len(images), -1).numpy()


def noise_encoder(seed: int = 1, dims: int = 4):
    generator = np.random.default_rng(seed)
    return lambda images: generator.normal(size=(len(images), dims))


def factor_table(n: int = 3000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, np.asarray(SIZES), size=(n, len(SIZES)))


def partial_codes(factors: np.ndarray, seed: int = 1) -> np.ndarray:
    """Each factor in its own code under heavy noise, plus one pure-noise code: scores in between."""
    rng = np.random.default_rng(seed)
    informative = factors / np.asarray(SIZES) + 0.3 * rng.normal(size=factors.shape)
    return np.concatenate([informative, rng.normal(size=(len(factors), 1))], axis=1)


# --- Factor.value_of --------------------------------------------------------------------------

FACTORS = (
    Factor("shape", "discrete", 0.0, 2.0, 3),
    Factor("scale", "discrete", 0.5, 1.0, 6),
    Factor("orientation", "circular", 0.0, 2.0 * math.pi, 40),
    Factor("width", "continuous", 0.7, 1.3),
    Factor("azimuth", "circular", 0.0, 2.0 * math.pi),
    Factor("elevation", "continuous", -math.pi / 6.0, math.pi / 6.0),
)


@pytest.mark.parametrize("factor", FACTORS, ids=lambda factor: f"{factor.kind}-{factor.values}")
@pytest.mark.parametrize("bins", [20, 7])
def test_value_of_inverts_discretize_for_every_kind(factor, bins):
    size = factor.values or bins
    classes = np.tile(np.arange(size), 200)
    for rng in (None, np.random.default_rng(0)):
        values = factor.value_of(classes, bins, rng)
        assert np.array_equal(factor.discretize(values, bins), classes)
        assert values.min() >= factor.low and values.max() <= factor.high


def test_value_of_grid_values_and_binned_draws():
    assert np.allclose(FACTORS[1].value_of(np.arange(6)), [0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    assert np.allclose(FACTORS[2].value_of(np.array([0, 10, 39])), [0.0, math.pi / 2, 39 * math.pi / 20])
    width = FACTORS[3]
    assert np.allclose(width.value_of(np.array([0, 19])), [0.7 + 0.015, 1.3 - 0.015])  # bin centres
    drawn = width.value_of(np.full(1000, 4), 20, np.random.default_rng(0))
    assert np.array_equal(drawn, width.value_of(np.full(1000, 4), 20, np.random.default_rng(0)))
    assert drawn.min() >= 0.7 + 4 * 0.03 and drawn.max() < 0.7 + 5 * 0.03
    assert drawn.std() > 0.03 / 4  # spread over the bin, not one point (uniform: 0.0087)


# --- MIG ----------------------------------------------------------------------------------------


def test_mig_hand_computed():
    # Factor y = 0,0,0,0,1,1,1,1. Code 0 takes two values: -1 on the first three rows, 5 on the
    # rest, so its 20 histogram bins hold them apart: p(y, c) = 3/8 (0, low), 1/8 (0, high),
    # 4/8 (1, high); p(y) = 1/2, 1/2 and p(c) = 3/8, 5/8. In nats
    #   I(c0; y) = 3/8 ln(2) + 1/8 ln(2/5) + 4/8 ln(8/5) = 0.3804,   H(y) = ln 2.
    # Code 1 alternates 0.3, 2.7 in both halves: independent of y, I(c1; y) = 0.
    # MIG = (0.3804 - 0) / ln 2 = 0.5488.
    factor = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    codes = np.stack([[-1, -1, -1, 5, 5, 5, 5, 5], [0.3, 2.7] * 4], axis=1).astype(float)
    expected = (3 / 8 * math.log(2) + 1 / 8 * math.log(2 / 5) + 4 / 8 * math.log(8 / 5)) / math.log(2)
    assert mig(codes, factor[:, None]) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.5488, abs=1e-4)
    # A constant factor has no entropy to divide by: it is left out, not NaN.
    with_constant = np.stack([factor, np.zeros(8, dtype=int)], axis=1)
    assert mig(codes, with_constant) == pytest.approx(expected, abs=1e-12)
    # Codes swapped: the same gap.
    assert mig(codes[:, ::-1], factor[:, None]) == pytest.approx(expected, abs=1e-12)


def test_histogram_discretize_is_disentanglement_libs():
    code = np.array([0.0, 0.05, 0.5, 0.999, 1.0])
    # 20 bins over [0, 1]; classes 1..20, the maximum in the last bin.
    assert histogram_discretize(code[:, None], 20)[:, 0].tolist() == [1, 2, 11, 20, 20]


# --- DCI entropy weighting ------------------------------------------------------------------------


def test_dci_from_importance_hand_computed():
    assert dci_from_importance(np.eye(3)) == pytest.approx((1.0, 1.0))
    # One code carries both factors equally, another code nothing: not disentangled, complete.
    assert dci_from_importance(np.array([[1.0, 1.0], [0.0, 0.0]])) == pytest.approx((0.0, 1.0))
    # Rows: (0.5, 0.5) is uniform over 2 factors (1 - H = 0), (1, 0) pure (1); both weigh half of
    # the total 2, the zero row nothing: D = 0.5. Columns: (0.5, 1, 0) / 1.5 = (1/3, 2/3, 0) has
    # entropy in base 3 of (1/3 ln 3 + 2/3 ln 3/2) / ln 3 = 0.5794 and weighs 1.5/2; (0.5, 0, 0) is
    # pure and weighs 0.5/2: C = 0.75 * 0.4206 + 0.25 = 0.5654.
    importance = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])
    entropy = (1 / 3 * math.log(3) + 2 / 3 * math.log(1.5)) / math.log(3)
    disentanglement, completeness = dci_from_importance(importance)
    assert disentanglement == pytest.approx(0.5)
    assert completeness == pytest.approx(0.75 * (1 - entropy) + 0.25)
    assert completeness == pytest.approx(0.5654, abs=1e-4)
    assert dci_from_importance(np.zeros((3, 2))) == (0.0, 0.0)
    assert dci_from_importance(np.full((4, 4), 0.25)) == pytest.approx((0.0, 0.0), abs=1e-12)


# --- the table scores: MIG, SAP, DCI ----------------------------------------------------------


def test_codes_equal_to_the_factors_score_near_one():
    factors = factor_table(2400)
    codes = np.exp(factors / 3.0) - 0.5  # a monotone transform of each factor
    assert mig(codes, factors) >= 0.97
    for model in ("hist", "gbt"):
        scores = dci(codes, factors, model=model)
        assert scores.disentanglement >= 0.97 and scores.completeness >= 0.97, model
        assert scores.informativeness == 1.0, model
    # SAP's 1-D linear one-vs-rest classifiers cannot single out a middle class, and the runner-up
    # code scores about chance (1/3 to 1/5 here), so even a perfect code stays well below 1:
    # each factor's own code must beat every other by a wide margin.
    accuracy = sap_matrix(codes, factors)
    assert np.all(np.diag(accuracy) >= accuracy.max(axis=0) - 1e-12)
    assert sap(codes, factors) >= 0.4
    binary = np.random.default_rng(2).integers(0, 2, size=(2400, 3))
    assert sap(binary + 0.0, binary) == pytest.approx(0.5, abs=0.05)  # 1 - chance: the definition's ceiling


def test_codes_independent_of_the_factors_score_near_zero():
    factors = factor_table(3000)
    codes = np.random.default_rng(5).normal(size=(3000, 4))
    assert mig(codes, factors) < 0.05
    assert sap(codes, factors) < 0.05
    scores = dci(codes, factors)
    assert scores.disentanglement < 0.1 and scores.completeness < 0.1
    assert scores.informativeness < np.mean([1 / size for size in SIZES]) + 0.1


def test_table_scores_ignore_permutation_and_positive_rescaling_of_codes():
    factors = factor_table(2400)
    codes = partial_codes(factors)
    order = np.array([2, 0, 3, 1])
    scale = np.array([3.0, 0.02, 7.5, 1e3])
    moved = codes[:, order] * scale[order] + np.array([1.0, -4.0, 0.0, 100.0])
    assert mig(moved, factors) == pytest.approx(mig(codes, factors), abs=1e-9)
    assert 0.05 < mig(codes, factors) < 0.9
    assert sap(moved, factors) == pytest.approx(sap(codes, factors), abs=1e-9)
    assert 0.02 < sap(codes, factors) < 0.9
    original, changed = dci(codes, factors, model="hist"), dci(moved, factors, model="hist")
    assert changed.as_dict() == pytest.approx(original.as_dict(), abs=1e-9)
    assert 0.05 < original.disentanglement < 0.9
    # sklearn's exact trees break ties between equally good splits (common in tiny late-stage
    # nodes) by a random feature order, and treat values closer than 1e-7 as equal: near, not exact.
    original, changed = dci(codes, factors, model="gbt"), dci(moved, factors, model="gbt")
    assert changed.as_dict() == pytest.approx(original.as_dict(), abs=0.01)
    assert 0.05 < original.disentanglement < 0.9


def test_sap_without_standardizing_is_unit_dependent_as_disentanglement_lib():
    factors = factor_table(2400)
    codes = partial_codes(factors)
    tiny = codes * 1e-3  # C=0.01 then penalises the slopes these units need
    assert sap(tiny, factors) == pytest.approx(sap(codes, factors), abs=1e-9)
    assert sap(tiny, factors, standardize=False) != pytest.approx(sap(codes, factors, standardize=False), abs=1e-3)


def test_given_test_arrays_and_the_two_thirds_split_agree():
    factors = factor_table(1500)
    codes = partial_codes(factors)
    assert sap(codes, factors) == sap(codes[:1000], factors[:1000], codes[1000:], factors[1000:])
    assert dci(codes, factors) == dci(codes[:1000], factors[:1000], codes[1000:], factors[1000:])


def test_dci_result_and_input_errors():
    scores = DCI(0.5, 0.25, 0.75)
    assert scores.as_dict() == {"disentanglement": 0.5, "completeness": 0.25, "informativeness": 0.75}
    with pytest.raises(dataclasses.FrozenInstanceError):
        scores.disentanglement = 1.0
    factors = factor_table(300)
    with pytest.raises(ValueError, match="model"):
        dci(factors + 0.0, factors, model="forest")
    with pytest.raises(ValueError, match="integer"):
        mig(factors + 0.0, factors + 0.5)
    with pytest.raises(ValueError):
        sap(factors[:100] + 0.0, factors)


# --- the sampling scores: FactorVAE, BetaVAE ---------------------------------------------------


def test_sampling_scores_of_the_true_factors_are_one():
    sampler = GridSampler()
    rng = np.random.default_rng(0)
    assert factor_vae_score(sampler, true_encoder, rng, 32, 300, 200, 1000) == 1.0
    assert beta_vae_score(sampler, true_encoder, np.random.default_rng(0), 32, 300, 200) >= 0.95


def test_sampling_scores_of_noise_are_near_chance():
    sampler = GridSampler()
    chance = 1 / len(SIZES)
    factor_vae = factor_vae_score(sampler, noise_encoder(), np.random.default_rng(0), 32, 300, 600, 1000)
    beta_vae = beta_vae_score(sampler, noise_encoder(), np.random.default_rng(0), 32, 300, 600)
    assert abs(factor_vae - chance) < 0.1
    assert abs(beta_vae - chance) < 0.1


def test_factor_vae_ignores_collapsed_dimensions_and_scores_zero_when_all_collapsed():
    sampler = GridSampler()
    quiet = noise_encoder(dims=3)

    def with_quiet_noise(images):
        return np.concatenate([true_encoder(images), 0.01 * quiet(images)], axis=1)

    assert factor_vae_score(sampler, with_quiet_noise, np.random.default_rng(0), 32, 200, 200, 1000) == 1.0
    collapsed = lambda images: 0.001 * true_encoder(images)  # noqa: E731
    assert factor_vae_score(sampler, collapsed, np.random.default_rng(0), 32, 200, 200, 1000) == 0.0


def test_sampling_scores_are_deterministic_and_ignore_permutation_and_rescaling():
    sampler = GridSampler()
    order, scale = np.array([2, 0, 1]), np.array([4.0, 0.5, 30.0])

    def blurred(seed):
        noise = noise_encoder(seed, dims=3)
        return lambda images: true_encoder(images) + 0.4 * noise(images)

    def moved(seed):
        encode = blurred(seed)
        return lambda images: encode(images)[:, order] * scale

    for score in (factor_vae_score, beta_vae_score):
        first = score(sampler, blurred(1), np.random.default_rng(3), 16, 200, 200)
        assert score(sampler, blurred(1), np.random.default_rng(3), 16, 200, 200) == first
        assert score(sampler, moved(1), np.random.default_rng(3), 16, 200, 200) == pytest.approx(first, abs=1e-9)
        assert 0.4 < first < 1.0, score.__name__


def test_disentanglement_scores_all_five():
    sampler = GridSampler()
    sizes = dict(points=1200, test_points=600, batch_size=16, votes_train=200, votes_eval=100)
    scores = disentanglement_scores(sampler, true_encoder, seed=0, **sizes)
    assert set(scores) == {
        "factor_vae", "beta_vae", "mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness",
    }
    assert all(isinstance(value, float) for value in scores.values())
    for name in ("factor_vae", "beta_vae", "mig", "dci_disentanglement", "dci_completeness", "dci_informativeness"):
        assert scores[name] >= 0.95, name
    assert scores["sap"] >= 0.4
    assert disentanglement_scores(sampler, true_encoder, seed=0, **sizes) == scores


# --- RenderedFactors on Sprites -----------------------------------------------------------------


def test_rendered_factors_samples_sprites_by_class():
    sprites = Sprites()
    sampler = RenderedFactors(sprites)
    assert sampler.factor_names == ("shape", "scale", "orientation", "x", "y")
    assert sampler.factor_sizes == (3, 6, 40, 32, 32)
    rng = np.random.default_rng(0)
    classes = sampler.sample_factors(40, rng)
    assert classes.dtype == np.int64 and classes.shape == (40, 5)
    assert np.all(classes >= 0) and np.all(classes < np.asarray(sampler.factor_sizes))
    values = sampler.factor_values(classes)
    assert np.array_equal(np.stack([f.discretize(values[:, k]) for k, f in enumerate(sprites.factors)], 1), classes)
    images = sampler.sample_images(classes, rng)
    assert images.dtype == torch.float32 and tuple(images.shape) == (40, 1, 64, 64)
    assert images.min() >= 0 and images.max() <= 1 and images.sum() > 0
    # Sprites' index is the mixed-radix number of the grid steps: the same images, the same values.
    index = np.ravel_multi_index(tuple(classes.T), sampler.factor_sizes)
    assert np.allclose(sprites.factor_values(index), values)
    assert torch.equal(images, torch.from_numpy(sprites.images(index)).float() / 255)


def test_rendered_factors_bins_continuous_factors():
    class Bars:
        factors = (Factor("width", "continuous", 0.7, 1.3), Factor("kind", "discrete", 0.0, 1.0, 2))

        def render(self, values):
            return np.broadcast_to((values[:, :1] * 100).astype(np.uint8)[:, :, None, None], (len(values), 1, 2, 2)).copy()

    sampler = RenderedFactors(Bars(), bins=10)
    assert sampler.factor_sizes == (10, 2)
    classes = sampler.sample_factors(500, np.random.default_rng(0))
    first = sampler.sample_images(classes, np.random.default_rng(1))
    assert torch.equal(first, sampler.sample_images(classes, np.random.default_rng(1)))
    assert tuple(first.shape) == (500, 1, 2, 2) and first.dtype == torch.float32
    widths = sampler.factor_values(classes, np.random.default_rng(1))[:, 0]
    assert np.array_equal(Bars.factors[0].discretize(widths, 10), classes[:, 0])
