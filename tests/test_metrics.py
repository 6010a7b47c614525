"""Unsupervised accuracy (Hungarian matching), information bounds and evaluate()."""

import math

import numpy as np
import pytest
import torch

from infogan.codes import LatentSpec
from infogan.metrics import categorical_accuracy, confusion_matrix, evaluate, information_bounds
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


def test_evaluate_reports_bounds_entropies_and_accuracy_of_the_first_categorical_code(untrained_model, data_root):
    from infogan import data

    images, labels = data.load("mnist", "test", data_root, verify=False, allow_download=False)
    result = evaluate(untrained_model, images, labels, samples=32)
    assert result["entropy"]["c1"] == pytest.approx(math.log(10))
    assert result["entropy"]["c2"] == pytest.approx(math.log(2))
    assert set(result["mi"]) == {"c1", "c2", "c3"}
    assert result["accuracy_code"] == "c1"
    assert 0.0 <= result["accuracy"] <= 1.0
    assert np.array(result["confusion"]).shape == (10, 10)
    assert np.array(result["confusion"]).sum() == len(labels)
    assert "accuracy" not in evaluate(untrained_model, samples=32)
