"""Unsupervised accuracy (Hungarian matching), information bounds and evaluate()."""

import math

import numpy as np
import pytest
import torch

from infogan.codes import LatentSpec
from infogan.data import ArrayDataset, Factor
from infogan.metrics import (
    categorical_accuracy,
    circular_circular_rank_correlation,
    circular_rank_correlation,
    confusion_matrix,
    evaluate,
    factor_code_table,
    information_bounds,
    labelled_accuracy,
    normalized_mutual_information,
)
from infogan.model import InfoGAN


def test_a_permuted_labelling_is_perfectly_accurate_and_the_permutation_is_recovered():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    permutation = rng.permutation(10)  # category permutation[k] stands for class k
    result = categorical_accuracy(permutation[labels], labels, 10, 10)
    assert result["accuracy"] == 1.0
    assert result["mapping"] == np.argsort(permutation).tolist()  # category -> the class it stands for


def test_partially_wrong_labelling_scores_the_best_matching():
    predicted = [0, 0, 0, 0, 1, 1, 1, 1]
    labels = [1, 1, 1, 0, 0, 0, 1, 0]
    result = categorical_accuracy(predicted, labels)
    assert result["accuracy"] == 0.75  # 0 -> 1 (3 right), 1 -> 0 (3 right)
    assert result["mapping"] == [1, 0]
    assert result["confusion"] == [[1, 3], [3, 1]]


def test_matching_is_one_to_one():
    # every category mostly predicts class 0, but only one may be matched to it
    predicted = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    labels = [0, 0, 1, 0, 0, 2, 0, 0, 2]
    result = categorical_accuracy(predicted, labels, 3, 3)
    assert sorted(result["mapping"]) == [0, 1, 2]
    assert result["accuracy"] == pytest.approx(4 / 9)


def test_confusion_rows_are_categories_and_columns_are_classes():
    predicted = np.array([0, 1, 2, 2, 1])
    labels = np.array([4, 4, 0, 3, 1])
    matrix = confusion_matrix(predicted, labels, categories=3, classes=5)
    assert matrix.shape == (3, 5)
    assert matrix.sum() == 5
    assert matrix[2, 0] == 1 and matrix[2, 3] == 1 and matrix[1, 4] == 1 and matrix[0, 4] == 1
    result = categorical_accuracy(predicted, labels, categories=3, classes=5)
    assert np.array(result["confusion"]).shape == (3, 5)


def test_more_categories_than_classes_leaves_some_unmatched():
    result = categorical_accuracy([0, 1, 2, 3], [0, 0, 1, 1], categories=4, classes=2)
    assert result["accuracy"] == 0.5
    assert result["mapping"].count(-1) == 2
    assert sorted(m for m in result["mapping"] if m >= 0) == [0, 1]


@pytest.fixture(scope="module")
def untrained_model():
    torch.manual_seed(0)
    return InfoGAN(LatentSpec.parse("cat:10,cont:2", noise=62)).eval()


def test_information_bounds_are_reproducible_and_a_categorical_bound_stays_below_its_entropy(untrained_model):
    first = information_bounds(untrained_model, n=48, batch_size=20, seed=3)
    again = information_bounds(untrained_model, n=48, batch_size=20, seed=3)
    assert first == again
    assert set(first) == {"c1", "c2", "c3"}
    assert all(math.isfinite(v) for v in first.values())
    assert first["c1"] <= math.log(10)


def test_information_bounds_average_log_q_plus_entropy_over_samples(untrained_model):
    spec = untrained_model.spec
    generator = torch.Generator().manual_seed(5)
    noise, codes = spec.sample_noise(32, generator), spec.sample_codes(32, generator)
    with torch.no_grad():
        q_output = untrained_model.discriminator(untrained_model.generate_from(noise, codes))[1]
    expected = {name: value.item() + spec.entropies()[name] for name, value in spec.log_q(q_output, codes).items()}
    assert information_bounds(untrained_model, n=32, batch_size=32, seed=5) == pytest.approx(expected, abs=1e-5)


def test_bounds_on_batch_statistics_read_each_batch_as_in_training_and_leave_the_model_untouched(untrained_model):
    spec, D = untrained_model.spec, untrained_model.discriminator
    before = {name: value.clone() for name, value in D.state_dict().items()}
    generator = torch.Generator().manual_seed(5)
    noise, codes = spec.sample_noise(32, generator), spec.sample_codes(32, generator)
    with torch.no_grad():
        D.train()
        q_output = D(untrained_model.generate_from(noise, codes))[1]
        D.load_state_dict(before)
        D.eval()
    expected = {name: value.item() + spec.entropies()[name] for name, value in spec.log_q(q_output, codes).items()}
    on_batches = information_bounds(untrained_model, n=32, batch_size=32, seed=5, batch_statistics=True)
    assert on_batches == pytest.approx(expected, abs=1e-5)
    assert on_batches != pytest.approx(information_bounds(untrained_model, n=32, batch_size=32, seed=5), abs=1e-3)
    assert not D.training and all(torch.equal(value, before[name]) for name, value in D.state_dict().items())


def test_evaluate_reports_bounds_entropies_and_accuracy_of_the_first_categorical_code(untrained_model, data_root):
    from infogan import data

    dataset = data.load_dataset("mnist", "test", data_root, verify=False, allow_download=False)
    labels = dataset.labels(np.arange(len(dataset)))
    result = evaluate(untrained_model, dataset, samples=32)
    assert result["entropy"]["c1"] == pytest.approx(math.log(10))
    assert result["entropy"]["c2"] == pytest.approx(math.log(2))
    assert set(result["mi"]) == {"c1", "c2", "c3"}
    assert result["accuracy_code"] == "c1"
    assert 0.0 <= result["accuracy"] <= 1.0
    assert np.array(result["confusion"]).shape == (10, 10)
    assert np.array(result["confusion"]).sum() == len(labels)
    assert "accuracy" not in evaluate(untrained_model, samples=32)


def test_normalized_mutual_information_is_one_for_a_relabelling_and_zero_for_independence():
    rng = np.random.default_rng(0)
    factor = rng.integers(0, 5, 20000)
    assert normalized_mutual_information((factor * 7 + 3) % 5, factor) == pytest.approx(1.0)
    assert normalized_mutual_information(rng.integers(0, 5, 20000), factor) < 0.01


def test_normalized_mutual_information_by_hand():
    # four equally likely values of b; a merges the last two
    a = np.array([0, 1, 2, 2])
    b = np.array([0, 1, 2, 3])
    # I(a; b) = H(a) = 1.5 ln 2 (a is a function of b), H(b) = 2 ln 2
    assert normalized_mutual_information(a, b) == pytest.approx(0.75)


def test_circular_correlation_finds_a_code_that_follows_any_phase_of_the_angle():
    angle = np.random.default_rng(1).uniform(0, 2 * np.pi, 5000)
    for phase in (0.0, 0.7, 2.0):
        assert circular_rank_correlation(np.cos(angle - phase), angle) > 0.97
    assert circular_rank_correlation(np.random.default_rng(2).normal(size=5000), angle) < 0.05


def test_circular_correlation_scores_a_code_folded_at_the_mirror_view_one_and_a_full_turn_sawtooth_about_three_quarters():
    """A generator is continuous, so one bounded code cannot sweep a full turn without a jump:
    it folds (front to back on one side, as mirror views of a symmetric object look alike),
    which scores 1; the sawtooth a code with a jump would give scores only about 0.75."""
    angle = np.random.default_rng(3).uniform(0, 2 * np.pi, 20000)
    assert circular_rank_correlation(np.abs(angle - np.pi), angle) == pytest.approx(1.0)
    assert circular_rank_correlation(angle, angle) == pytest.approx(0.75, abs=0.01)


def test_factor_code_table_names_the_code_that_carries_each_factor():
    rng = np.random.default_rng(3)
    n = 4000
    factors = [Factor("shape", "discrete", 0, 2, 3), Factor("size", "continuous", 0.5, 1.0), Factor("turn", "circular", 0, 2 * np.pi)]
    values = np.stack([rng.integers(0, 3, n), rng.uniform(0.5, 1, n), rng.uniform(0, 2 * np.pi, n)], axis=1)
    codes = {"c1": (values[:, 0].astype(int) + 1) % 3, "c2": np.exp(values[:, 1]), "c3": np.sin(values[:, 2] + 1), "c4": rng.normal(size=n)}
    kinds = {"c1": "cat", "c2": "cont", "c3": "cont", "c4": "cont"}
    table = factor_code_table(codes, kinds, factors, values)
    assert {f: table["captured"][f]["code"] for f in ("shape", "size", "turn")} == {"shape": "c1", "size": "c2", "turn": "c3"}
    assert table["captured"]["shape"]["score"] == pytest.approx(1.0)
    assert table["captured"]["size"]["score"] == pytest.approx(1.0)
    assert table["captured"]["turn"]["score"] > 0.97
    scores = np.array(table["scores"])
    assert scores.shape == (3, 4) and (scores >= 0).all() and (scores <= 1 + 1e-9).all()
    assert scores[:, 3].max() < 0.1  # the noise code captures nothing
    assert table["measure"] == {"c1": "nmi", "c2": "abs_spearman", "c3": "abs_spearman", "c4": "abs_spearman"}


def test_labelled_accuracy_reports_the_best_of_several_categorical_codes():
    model = InfoGAN(LatentSpec.parse("cat:10,cat:10", 4))
    pixels = np.random.default_rng(0).integers(0, 256, (50, 1, 28, 28), dtype=np.uint8)
    labels = model.encode(torch.from_numpy(pixels).float() / 255)["c2"].numpy()  # c2 is right by construction
    result = labelled_accuracy(model, ArrayDataset("toy", pixels, labels, classes=10))
    assert result["accuracy_code"] == "c2" and result["accuracy"] == 1.0
    assert set(result["accuracy_by_code"]) == {"c1", "c2"}


def test_evaluate_reports_the_factor_table_on_data_with_known_factors():
    class Stripes(ArrayDataset):
        factors = (Factor("brightness", "discrete", 0, 255, 256),)

        def factor_values(self, indices):
            return self.array[np.asarray(indices), 0, 0, 0].astype(np.float64)[:, None]

    levels = np.arange(256, dtype=np.uint8).repeat(2)
    dataset = Stripes("stripes", np.broadcast_to(levels[:, None, None, None], (512, 1, 28, 28)).copy())
    model = InfoGAN(LatentSpec.parse("cat:10,cont:2", 4))
    result = evaluate(model, dataset, samples=16, factor_samples=300)
    table = result["factors"]
    assert table["factors"] == ["brightness"] and table["codes"] == ["c1", "c2", "c3"]
    assert table["captured"]["brightness"]["code"] in {"c1", "c2", "c3"}
    assert "accuracy" not in result


def test_circular_circular_correlation_is_one_for_any_monotone_turn_either_way_and_near_zero_for_unrelated_angles():
    rng = np.random.default_rng(4)
    angle = rng.uniform(0, 2 * np.pi, 5000)
    wrap = lambda a: np.angle(np.exp(1j * a))  # noqa: E731 - angles folded into (-pi, pi]
    assert circular_circular_rank_correlation(wrap(angle + 2.0), angle) == pytest.approx(1.0)
    assert circular_circular_rank_correlation(wrap(-angle + 1.0), angle) == pytest.approx(1.0)
    assert circular_circular_rank_correlation(wrap(angle + 0.4 * np.sin(angle) - 3.0), angle) == pytest.approx(1.0)  # warped
    assert circular_circular_rank_correlation(rng.uniform(-np.pi, np.pi, 5000), angle) < 0.05
    noisy = circular_circular_rank_correlation(wrap(angle + rng.normal(0, 0.5, 5000)), angle)
    assert 0.8 < noisy < 0.95  # the mean resultant of N(0, 0.5) noise is exp(-0.5**2 / 2) = 0.88
    assert circular_circular_rank_correlation(np.zeros(10), angle[:10]) == 0.0


def test_factor_code_table_scores_an_angle_code_on_angles_and_on_other_factors():
    rng = np.random.default_rng(5)
    n = 4000
    factors = [Factor("turn", "circular", 0, 2 * np.pi), Factor("size", "continuous", 0.5, 1.0)]
    values = np.stack([rng.uniform(0, 2 * np.pi, n), rng.uniform(0.5, 1, n)], axis=1)
    codes = {"c1": np.angle(np.exp(1j * (1.5 - values[:, 0]))), "c2": values[:, 1], "c3": np.pi * (2 * values[:, 1] - 1.5)}
    table = factor_code_table(codes, {"c1": "circ", "c2": "cont", "c3": "circ"}, factors, values)
    assert table["measure"] == {"c1": "circular_rank", "c2": "abs_spearman", "c3": "circular_rank"}
    assert table["captured"]["turn"] == {"code": "c1", "score": pytest.approx(1.0)}
    scores = np.array(table["scores"])
    assert scores[1, 2] > 0.95  # size read off c3's cosine and sine, which it sweeps along half a turn
    assert scores[0, 1] < 0.05 and scores[1, 0] < 0.05 and scores[0, 2] < 0.05


def test_an_angle_code_is_represented_by_the_cosine_and_sine_of_q_mean_angle():
    model = InfoGAN(LatentSpec.parse("cat:3,circ:1,cont:1", 4), network="mnist")
    assert model.representation_names() == ["c1=0", "c1=1", "c1=2", "c2.cos", "c2.sin", "c3"]
    images = model.generate(16, seed=0)
    columns = model.representation(images)
    assert columns.shape == (16, 6)
    torch.testing.assert_close(columns[:, 3] ** 2 + columns[:, 4] ** 2, torch.ones(16))
    torch.testing.assert_close(torch.atan2(columns[:, 4], columns[:, 3]), model.encode(images)["c2"])


def test_circular_circular_correlation_gives_tied_angles_one_score():
    """A gridded factor (dSprites' 40 orientations) repeats each value many times; ties must not
    be broken by the order the images come in."""
    grid = np.random.default_rng(6).integers(0, 8, 8000) * (2 * np.pi / 8)
    assert circular_circular_rank_correlation(grid, grid) == pytest.approx(1.0)
    assert circular_circular_rank_correlation((2 * np.pi - grid) % (2 * np.pi), grid) == pytest.approx(1.0)  # turning the other way
