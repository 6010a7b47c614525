"""How good a trained model is: the information lower bound of every code, the unsupervised
accuracy of the categorical codes on labelled data, and on data with known generating factors a
factor x code table saying which code captured which factor."""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.stats import spearmanr

from .data import Dataset, Factor, to_unit_range


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, categories: int, classes: int) -> np.ndarray:
    """Counts, rows = code category, columns = true class."""
    matrix = np.zeros((categories, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(predicted), np.asarray(labels)), 1)
    return matrix


def categorical_accuracy(predicted, labels, categories: int | None = None, classes: int | None = None) -> dict:
    """Accuracy under the best one-to-one matching of categories to classes (Hungarian method).

    Returns ``accuracy`` (0..1), ``mapping`` (category -> class, -1 if unmatched) and
    ``confusion`` (rows: categories in their own order, columns: classes).
    """
    predicted = np.asarray(predicted, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    categories = categories or int(predicted.max()) + 1
    classes = classes or int(labels.max()) + 1
    confusion = confusion_matrix(predicted, labels, categories, classes)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    mapping = np.full(categories, -1, dtype=np.int64)
    mapping[rows] = cols
    return {
        "accuracy": float(confusion[rows, cols].sum() / max(len(labels), 1)),
        "mapping": mapping.tolist(),
        "confusion": confusion.tolist(),
    }


@torch.no_grad()
def information_bounds(model, n: int = 10000, batch_size: int = 1000, seed: int = 0) -> dict[str, float]:
    """``E[log Q(c|x)] + H(c)`` per code (nats) on fresh samples from the priors."""
    totals = {code.name: 0.0 for code in model.spec.codes}
    generator = torch.Generator().manual_seed(seed)
    done = 0
    while done < n:
        size = min(batch_size, n - done)
        noise = model.spec.sample_noise(size, generator)
        codes = model.spec.sample_codes(size, generator)
        images = model.generate_from(noise, codes).to(model.device)
        q_output = model.discriminator(images)[1].cpu()
        for name, value in model.spec.log_q(q_output, codes).items():
            totals[name] += float(value) * size
        done += size
    entropies = model.spec.entropies()
    return {name: totals[name] / n + entropies[name] for name in totals}


def encode_dataset(model, dataset: Dataset, indices: np.ndarray, chunk: int = 1000) -> dict[str, np.ndarray]:
    """Q's estimate of every code for the images at ``indices``, converted to floats a chunk at a time."""
    parts = {name: [] for name in model.spec.by_name}
    for start in range(0, len(indices), chunk):
        for name, value in model.encode(to_unit_range(dataset.images(indices[start : start + chunk])), chunk).items():
            parts[name].append(value.numpy())
    return {name: np.concatenate(values) for name, values in parts.items()}


def labelled_accuracy(model, dataset: Dataset) -> dict | None:
    """Unsupervised accuracy of each categorical code on a labelled dataset; the best code's
    matching, confusion and name (``accuracy_code``), plus ``accuracy_by_code`` when there are
    several. None without a categorical code."""
    categorical = [code for code in model.spec.codes if code.kind == "cat"]
    if not categorical:
        return None
    indices = np.arange(len(dataset))
    predicted, labels = encode_dataset(model, dataset, indices), dataset.labels(indices)
    scored = {code.name: categorical_accuracy(predicted[code.name], labels, code.categories, dataset.classes) for code in categorical}
    best = max(scored, key=lambda name: scored[name]["accuracy"])
    result = {"accuracy_code": best, **scored[best]}
    if len(scored) > 1:
        result["accuracy_by_code"] = {name: value["accuracy"] for name, value in scored.items()}
    return result


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho, 0 where either side is constant."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def circular_rank_correlation(code: np.ndarray, angle: np.ndarray) -> float:
    """How well a code follows an angle through its cosine and sine: Mardia's circular-linear
    correlation computed on Spearman coefficients: near 1 when the code follows cos(angle - phi)
    for some phase phi, whichever it is."""
    cos, sin = np.cos(angle), np.sin(angle)
    r_c, r_s, r_cs = rank_correlation(code, cos), rank_correlation(code, sin), rank_correlation(cos, sin)
    if abs(r_cs) >= 1:
        return abs(r_c)
    return float(np.sqrt(max(r_c**2 + r_s**2 - 2 * r_c * r_s * r_cs, 0.0) / (1 - r_cs**2)))


def normalized_mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """I(a; b) / H(b) for integer arrays: the share of b's entropy that a carries (0..1)."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1)
    joint /= joint.sum()
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nonzero = joint > 0
    information = float((joint[nonzero] * np.log(joint[nonzero] / (pa @ pb)[nonzero])).sum())
    entropy = float(-(pb[pb > 0] * np.log(pb[pb > 0])).sum())
    return information / entropy if entropy > 0 else 0.0


def factor_code_table(codes: dict[str, np.ndarray], kinds: dict[str, str], factors: list[Factor], values: np.ndarray) -> dict:
    """Which code captured which factor.

    ``codes``: per code, Q's estimate for each image (a category, or a continuous mean);
    ``values``: the images' factor values, one column per factor. A continuous code scores
    |Spearman| with a factor (circular factors: the circular-linear correlation with their cosine
    and sine); a categorical code scores the mutual information with the factor (continuous
    factors in 20 bins) divided by the factor's entropy. Both lie in [0, 1].
    """
    scores = np.zeros((len(factors), len(codes)))
    for i, factor in enumerate(factors):
        column = values[:, i]
        for j, (name, estimate) in enumerate(codes.items()):
            estimate = np.asarray(estimate)
            if kinds[name] == "cat":
                scores[i, j] = normalized_mutual_information(estimate, factor.discretize(column))
            elif factor.kind == "circular":
                scores[i, j] = circular_rank_correlation(estimate, (column - factor.low) * 2 * np.pi / (factor.high - factor.low))
            else:
                scores[i, j] = abs(rank_correlation(estimate, column))
    names = list(codes)
    captured = {
        factor.name: {"code": names[int(np.argmax(scores[i]))], "score": float(scores[i].max())} for i, factor in enumerate(factors)
    }
    return {
        "factors": [factor.name for factor in factors],
        "codes": names,
        "measure": {name: "nmi" if kinds[name] == "cat" else "abs_spearman" for name in names},
        "scores": scores.round(4).tolist(),
        "captured": captured,
    }


def evaluation_sample(dataset: Dataset, n: int, seed: int = 0) -> np.ndarray:
    """``n`` indices of ``dataset`` drawn without replacement (all of it when smaller), sorted."""
    if n >= len(dataset):
        return np.arange(len(dataset))
    return np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))


def factor_scores(model, dataset: Dataset, n: int = 10000, seed: int = 0) -> dict:
    """The factor x code table on ``n`` images of a dataset with known factors."""
    indices = evaluation_sample(dataset, n, seed)
    kinds = {code.name: code.kind for code in model.spec.codes}
    return factor_code_table(encode_dataset(model, dataset, indices), kinds, list(dataset.factors), dataset.factor_values(indices))


def evaluate(model, dataset: Dataset | None = None, samples: int = 10000, factor_samples: int = 10000) -> dict:
    """Information bounds and entropies of every code; given a dataset with labels, the
    unsupervised accuracy of the categorical codes; given one with known factors, the factor x
    code table."""
    result = {
        "step": getattr(model, "step", None),
        "mi": information_bounds(model, samples),
        "entropy": model.spec.entropies(),
    }
    if dataset is not None and dataset.classes:
        scored = labelled_accuracy(model, dataset)
        if scored is not None:
            result.update(scored)
    if dataset is not None and dataset.factors:
        result["factors"] = factor_scores(model, dataset, factor_samples)
    return result
