"""On data with known generating factors: which code captured which factor (|Spearman| for
continuous codes, circular-linear correlation for angles, circular rank correlation between an
angle code and an angle, normalised mutual information for categorical codes)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata, spearmanr

from ..data import Dataset, Factor
from .encoding import encode_dataset, evaluation_sample


MEASURES = {"cat": "nmi", "cont": "abs_spearman", "circ": "circular_rank"}  # each code kind's score, as the table names it


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


def circular_circular_rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """How well one angle follows another, turning either way and from any origin: both are
    replaced by their uniform scores (rank k of n becomes 2 pi k / n, ties sharing their mean
    rank) and the score is the larger length of the mean of exp(i(a' - b')) and of
    exp(i(a' + b')) (Fisher and Lee, 1982, unsquared): 1 when one angle is a monotone turn of the
    other, near 0 when they are unrelated."""
    n = len(a)
    if n == 0 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    a_scores = 2 * np.pi * rankdata(a) / n
    b_scores = 2 * np.pi * rankdata(b) / n
    return float(max(abs(np.exp(1j * (a_scores - b_scores)).mean()), abs(np.exp(1j * (a_scores + b_scores)).mean())))


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

    ``codes``: per code, Q's estimate for each image (a category, a continuous mean, or a mean
    angle); ``values``: the images' factor values, one column per factor. A continuous code scores
    |Spearman| with a factor (circular factors: the circular-linear correlation with their cosine
    and sine); an angle code scores the circular rank correlation with a circular factor and the
    circular-linear correlation of any other factor with the code's cosine and sine; a categorical
    code scores the mutual information with the factor (continuous factors in 20 bins) divided by
    the factor's entropy. All lie in [0, 1].
    """
    scores = np.zeros((len(factors), len(codes)))
    for i, factor in enumerate(factors):
        column = values[:, i]
        for j, (name, estimate) in enumerate(codes.items()):
            estimate = np.asarray(estimate)
            if kinds[name] == "cat":
                scores[i, j] = normalized_mutual_information(estimate, factor.discretize(column))
            elif kinds[name] == "circ":
                scores[i, j] = (
                    circular_circular_rank_correlation(estimate, factor.angle(column))
                    if factor.kind == "circular"
                    else circular_rank_correlation(column, estimate)
                )
            elif factor.kind == "circular":
                scores[i, j] = circular_rank_correlation(estimate, factor.angle(column))
            else:
                scores[i, j] = abs(rank_correlation(estimate, column))
    names = list(codes)
    captured = {
        factor.name: {"code": names[int(np.argmax(scores[i]))], "score": float(scores[i].max())} for i, factor in enumerate(factors)
    }
    return {
        "factors": [factor.name for factor in factors],
        "codes": names,
        "measure": {name: MEASURES[kinds[name]] for name in names},
        "scores": scores.round(4).tolist(),
        "captured": captured,
    }




def factor_scores(model, dataset: Dataset, n: int = 10000, seed: int = 0) -> dict:
    """The factor x code table on ``n`` images of a dataset with known factors."""
    indices = evaluation_sample(dataset, n, seed)
    kinds = {code.name: code.kind for code in model.spec.codes}
    return factor_code_table(encode_dataset(model, dataset, indices), kinds, list(dataset.factors), dataset.factor_values(indices))
