"""The field's disentanglement scores on data with known generating factors: FactorVAE, BetaVAE,
MIG, SAP and DCI, as google-research/disentanglement_lib defines them (its
``evaluation/metrics/*.py`` and the ``unsupervised_study_v1`` settings), so that numbers compare
with published ones.

Two kinds of input. MIG, SAP and DCI read a table of representations and the discrete factor
classes that generated them (``codes`` N x D, ``factors`` N x K). FactorVAE and BetaVAE need
images made with chosen factors held fixed, so they read a ``FactorSampler`` and an ``Encoder``.
Every score is a deterministic function of its inputs and its random generator.

Deviations from disentanglement_lib, each for a stated reason, live in the docstrings of
``sap``, ``dci``, ``beta_vae_score`` and ``mig``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Protocol

import numpy as np
import torch
from sklearn.metrics import mutual_info_score
from threadpoolctl import threadpool_limits

from ..data.base import to_unit_range

CHUNK_ROWS = 2048  # images made and encoded at once: memory stays small, the encoder sees big batches
COLLAPSED_STD = 0.05  # FactorVAE: dimensions whose global std is below this carry nothing (the prior)
DCI_MODELS = ("gbt", "hist")


class FactorSampler(Protocol):
    """Ground-truth data whose factors can be fixed: the sampling-based scores need one."""

    factor_names: tuple[str, ...]
    factor_sizes: tuple[int, ...]  # number of discrete values of each factor

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n x K int64, column k in 0..factor_sizes[k]-1."""
        ...

    def sample_images(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """float32 n x C x H x W in [0, 1] showing those factor classes."""
        ...


Encoder = Callable[[torch.Tensor], np.ndarray]  # images in [0,1] -> n x D float representation


class RenderedFactors:
    """A rendered dataset of this package as a ``FactorSampler``: factor classes are grid indices
    (gridded factors) or one of ``bins`` equal bins (continuous and circular ones), the classes
    ``Factor.discretize`` gives; images are rendered from values drawn inside those classes."""

    def __init__(self, dataset, bins: int = 20):
        self.dataset = dataset
        self.bins = bins
        self.factors = tuple(dataset.factors)
        self.factor_names = tuple(factor.name for factor in self.factors)
        self.factor_sizes = tuple(factor.values if factor.values is not None else bins for factor in self.factors)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, np.asarray(self.factor_sizes), size=(n, len(self.factor_sizes)), dtype=np.int64)

    def factor_values(self, factors: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """float64 factor values of rows of classes, as ``dataset.render`` reads them."""
        factors = np.asarray(factors)
        columns = [factor.value_of(factors[:, k], self.bins, rng) for k, factor in enumerate(self.factors)]
        return np.stack(columns, axis=1) if columns else np.empty((len(factors), 0))

    def sample_images(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        return to_unit_range(self.dataset.render(self.factor_values(factors, rng)))


def _as_codes(codes) -> np.ndarray:
    if isinstance(codes, torch.Tensor):
        codes = codes.detach().cpu().numpy()
    codes = np.asarray(codes, dtype=np.float64)
    return codes.reshape(len(codes), -1)


def _as_factors(factors) -> np.ndarray:
    factors = np.asarray(factors)
    if factors.ndim == 1:
        factors = factors[:, None]
    if not np.issubdtype(factors.dtype, np.integer):
        raise ValueError("factors must be integer classes, one column per factor (use Factor.discretize)")
    return factors.astype(np.int64)


def _train_test(codes, factors, test_codes, test_factors):
    """The given arrays as (train codes, train factors, test codes, test factors); without test
    arrays the first 2/3 train and the rest test, as disentanglement_lib's 10,000 / 5,000."""
    codes, factors = _as_codes(codes), _as_factors(factors)
    if len(codes) != len(factors):
        raise ValueError(f"{len(codes)} codes but {len(factors)} factor rows")
    if (test_codes is None) != (test_factors is None):
        raise ValueError("give both test_codes and test_factors, or neither")
    if test_codes is None:
        train = -(-2 * len(codes) // 3)
        return codes[:train], factors[:train], codes[train:], factors[train:]
    test_codes, test_factors = _as_codes(test_codes), _as_factors(test_factors)
    if len(test_codes) != len(test_factors) or test_codes.shape[1] != codes.shape[1] or test_factors.shape[1] != factors.shape[1]:
        raise ValueError("test arrays do not match the train arrays")
    return codes, factors, test_codes, test_factors


def histogram_discretize(codes: np.ndarray, bins: int = 20) -> np.ndarray:
    """Each code column in ``bins`` equal-width bins over its own range (classes 1..bins), as
    disentanglement_lib's ``_histogram_discretize``."""
    codes = _as_codes(codes)
    discrete = np.empty(codes.shape, dtype=np.int64)
    for column in range(codes.shape[1]):
        edges = np.histogram(codes[:, column], bins)[1]
        discrete[:, column] = np.digitize(codes[:, column], edges[:-1])
    return discrete


def mig(codes: np.ndarray, factors: np.ndarray, bins: int = 20) -> float:
    """Mutual Information Gap (Chen et al. 2018): per factor, the gap between the two codes that
    know most about it, in units of its entropy; mean over factors.

    Codes are discretized into ``bins`` histogram bins; mutual information is sklearn's
    ``mutual_info_score`` (nats). Unlike disentanglement_lib, which would divide by zero, factors
    with a single value are left out; with a single code the gap is to zero.
    """
    codes, factors = _as_codes(codes), _as_factors(factors)
    if len(codes) != len(factors):
        raise ValueError(f"{len(codes)} codes but {len(factors)} factor rows")
    discrete = histogram_discretize(codes, bins)
    information = np.array([[mutual_info_score(factor, code) for factor in factors.T] for code in discrete.T])
    entropy = np.array([mutual_info_score(factor, factor) for factor in factors.T])
    varying = entropy > 0
    if not varying.any():
        raise ValueError("every factor is constant: MIG is undefined")
    ranked = np.sort(np.vstack([information, np.zeros((1, factors.shape[1]))]), axis=0)[::-1]
    gaps = (ranked[0] - ranked[1])[varying] / entropy[varying]
    return float(gaps.mean())


def sap_matrix(
    codes: np.ndarray,
    factors: np.ndarray,
    test_codes: np.ndarray | None = None,
    test_factors: np.ndarray | None = None,
    standardize: bool = True,
) -> np.ndarray:
    """D x K test accuracies of 1-D ``LinearSVC(C=0.01, class_weight="balanced")`` classifiers,
    one per code and factor: SAP's score matrix. Constant codes, and factors with a single class
    in the train part, score 0."""
    from sklearn.svm import LinearSVC

    train_codes, train_factors, test_codes, test_factors = _train_test(codes, factors, test_codes, test_factors)
    num_codes, num_factors = train_codes.shape[1], train_factors.shape[1]
    accuracy = np.zeros((num_codes, num_factors))
    varying = [j for j in range(num_factors) if len(np.unique(train_factors[:, j])) > 1]
    for i in range(num_codes):
        train_code, test_code = train_codes[:, i], test_codes[:, i]
        spread = train_code.std()
        if spread == 0:
            continue
        if standardize:
            centre = train_code.mean()
            train_code, test_code = (train_code - centre) / spread, (test_code - centre) / spread
        for j in varying:
            classifier = LinearSVC(C=0.01, class_weight="balanced", random_state=0)
            classifier.fit(train_code[:, None], train_factors[:, j])
            accuracy[i, j] = np.mean(classifier.predict(test_code[:, None]) == test_factors[:, j])
    return accuracy


def sap(
    codes: np.ndarray,
    factors: np.ndarray,
    test_codes: np.ndarray | None = None,
    test_factors: np.ndarray | None = None,
    standardize: bool = True,
) -> float:
    """Separated Attribute Predictability (Kumar et al. 2018), discrete factors: per code and
    factor the test accuracy of a 1-D linear classifier (``sap_matrix``); per factor the gap
    between the two best codes; mean over factors.

    The runner-up code scores about chance, and 1-D one-vs-rest classifiers cannot single out a
    middle class, so even a perfect code scores well below 1 (about 0.5 on binary factors).

    Deviation: with ``standardize`` (the default) each code is centred and scaled by its train
    mean and std before its classifier, because C=0.01 penalises the slope and (through
    liblinear's intercept column) the intercept, which makes disentanglement_lib's score depend on
    a code's units and offset; standardized, the score is invariant to positive affine maps of
    each code. ``standardize=False`` is disentanglement_lib exactly. Factors with a single class
    in the train part are left out; with a single code the gap is to zero.
    """
    train_codes, train_factors, test_codes, test_factors = _train_test(codes, factors, test_codes, test_factors)
    varying = np.array([len(np.unique(column)) > 1 for column in train_factors.T])
    if not varying.any():
        raise ValueError("every factor is constant: SAP is undefined")
    accuracy = sap_matrix(train_codes, train_factors, test_codes, test_factors, standardize)
    ranked = np.sort(np.vstack([accuracy, np.zeros((1, accuracy.shape[1]))]), axis=0)[::-1]
    return float((ranked[0] - ranked[1])[varying].mean())


@dataclass(frozen=True)
class DCI:
    """Eastwood & Williams (2018): how much each code is about one factor (disentanglement), each
    factor in one code (completeness), and how well the codes predict the factors
    (informativeness, mean test accuracy)."""

    disentanglement: float
    completeness: float
    informativeness: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _normalized_entropy(weights: np.ndarray, base: int) -> float:
    """Entropy of weights/sum(weights) in log base ``base``; 0 for a single outcome."""
    if base < 2:
        return 0.0
    share = weights[weights > 0] / weights.sum()
    return float(-(share * np.log(share)).sum() / np.log(base))


def dci_from_importance(importance: np.ndarray) -> tuple[float, float]:
    """(disentanglement, completeness) of a D x K importance matrix (codes x factors).

    Disentanglement: per code 1 - entropy (log base K) of its row's shares, weighted by the code's
    share of the total importance; completeness: per factor 1 - entropy (log base D) of its
    column, weighted likewise. Rows or columns of zero importance weigh nothing, an all-zero matrix
    scores 0 (disentanglement_lib gets the same through its 1e-11 smoothing); with one factor
    (or one code) every row (column) is trivially pure.
    """
    importance = np.abs(np.asarray(importance, dtype=np.float64))
    num_codes, num_factors = importance.shape
    total = importance.sum()
    if total == 0:
        return 0.0, 0.0
    per_code = [(1 - _normalized_entropy(row, num_factors)) * row.sum() for row in importance if row.sum() > 0]
    per_factor = [(1 - _normalized_entropy(column, num_codes)) * column.sum() for column in importance.T if column.sum() > 0]
    return float(sum(per_code) / total), float(sum(per_factor) / total)


def _hist_gain_importance(model, num_codes: int) -> np.ndarray:
    """Split gains summed per feature over every tree of a fitted HistGradientBoostingClassifier:
    the loss reductions its splits bought, the counterpart of the impurity importances that
    GradientBoostingClassifier reports (sklearn's hist model exposes none, so this reads
    ``_predictors``, present since sklearn 0.21)."""
    gains = np.zeros(num_codes)
    for stage in model._predictors:
        for tree in stage:
            splits = tree.nodes[tree.nodes["is_leaf"] == 0]
            np.add.at(gains, splits["feature_idx"], splits["gain"])
    return gains / gains.sum() if gains.sum() > 0 else gains


def _fit_dci_model(model: str, codes: np.ndarray, classes: np.ndarray):
    if model == "gbt":
        from sklearn.ensemble import GradientBoostingClassifier

        return GradientBoostingClassifier(random_state=0).fit(codes, classes)
    from sklearn.ensemble import HistGradientBoostingClassifier

    shaped_as_gbt = dict(max_iter=100, learning_rate=0.1, max_depth=3, max_leaf_nodes=None, early_stopping=False)
    return HistGradientBoostingClassifier(random_state=0, **shaped_as_gbt).fit(codes, classes)


def dci_importance(codes: np.ndarray, factors: np.ndarray, test_codes=None, test_factors=None, model: str = "gbt"):
    """(importance D x K, test accuracy per factor) of gradient-boosted trees that predict each
    factor from all codes; factors with a single class in the train part are left out (their
    column stays zero, their accuracy NaN). One OpenMP thread: the hist model's results then do not
    depend on the machine's core count, and its threads slowed it about 6x on a busy machine."""
    if model not in DCI_MODELS:
        raise ValueError(f"unknown DCI model {model!r}; use one of {DCI_MODELS}")
    train_codes, train_factors, test_codes, test_factors = _train_test(codes, factors, test_codes, test_factors)
    num_codes, num_factors = train_codes.shape[1], train_factors.shape[1]
    importance = np.zeros((num_codes, num_factors))
    accuracy = np.full(num_factors, np.nan)
    with threadpool_limits(limits=1, user_api="openmp"):
        for j in range(num_factors):
            if len(np.unique(train_factors[:, j])) < 2:
                continue
            fitted = _fit_dci_model(model, train_codes, train_factors[:, j])
            if model == "gbt":
                importance[:, j] = np.abs(fitted.feature_importances_)
            else:
                importance[:, j] = _hist_gain_importance(fitted, num_codes)
            accuracy[j] = np.mean(fitted.predict(test_codes) == test_factors[:, j])
    return importance, accuracy


def dci(codes: np.ndarray, factors: np.ndarray, test_codes=None, test_factors=None, model: str = "gbt") -> DCI:
    """DCI with gradient-boosted trees, one classifier per factor on all codes.

    ``model="gbt"``, the default, is disentanglement_lib's: sklearn's
    ``GradientBoostingClassifier`` with default settings (100 stages of depth-3 trees, one tree
    per class per stage; seeded here, for determinism) and its impurity importances. It is slow:
    on this project's 2-core machine (one core busy) a full DCI at the standard size (10,000
    train x 10 codes, dSprites' 5 factors of 3, 6, 40, 32 and 32 classes) took 366 s, a 40-class
    factor alone about 170 s.
    ``model="hist"`` is ``HistGradientBoostingClassifier`` shaped like it (100 iterations,
    learning rate 0.1, depth 3, no early stopping, sklearn's other defaults) with each code's
    summed split gain as its importance: 15 s on the same input, but it read D 0.496 / C 0.545 /
    I 0.511 where gbt read 0.442 / 0.478 / 0.497. That offset is as large as the gaps between
    models in published tables, so the faithful model stays the default; hist suits quick looks
    and trends during training.
    """
    importance, accuracy = dci_importance(codes, factors, test_codes, test_factors, model)
    if np.isnan(accuracy).all():
        raise ValueError("every factor is constant: DCI is undefined")
    disentanglement, completeness = dci_from_importance(importance)
    return DCI(disentanglement, completeness, float(np.nanmean(accuracy)))


def _encode(encode: Encoder, images: torch.Tensor) -> np.ndarray:
    return _as_codes(encode(images))


def represent(sampler: FactorSampler, encode: Encoder, factors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Representations (n x D float64) of images made with the given factor rows, rendered and
    encoded ``CHUNK_ROWS`` at a time."""
    chunks = [
        _encode(encode, sampler.sample_images(factors[start : start + CHUNK_ROWS], rng))
        for start in range(0, len(factors), CHUNK_ROWS)
    ]
    return np.concatenate(chunks) if chunks else np.empty((0, 0))


def _check_sampler(sampler: FactorSampler, batch_size: int) -> int:
    num_factors = len(sampler.factor_sizes)
    if num_factors < 2:
        raise ValueError("the sampling scores need at least two factors")
    if batch_size < 2:
        raise ValueError("batch_size must be at least 2: the scores compare points within a batch")
    return num_factors


def _factor_vae_votes(sampler, encode, rng, batch_size, num_votes, global_variance, active) -> np.ndarray:
    """K x (active dimensions) table: how often fixing factor k left dimension d the least varied,
    relative to its global variance."""
    num_factors = len(sampler.factor_sizes)
    votes = np.zeros((num_factors, int(active.sum())), dtype=np.int64)
    per_chunk = max(1, CHUNK_ROWS // batch_size)
    for start in range(0, num_votes, per_chunk):
        count = min(per_chunk, num_votes - start)
        fixed = rng.integers(num_factors, size=count)
        factors = sampler.sample_factors(count * batch_size, rng).reshape(count, batch_size, num_factors)
        batches = np.arange(count)
        factors[batches, :, fixed] = factors[batches, 0, fixed][:, None]
        codes = represent(sampler, encode, factors.reshape(-1, num_factors), rng).reshape(count, batch_size, -1)
        relative = codes[:, :, active].var(axis=1, ddof=1) / global_variance[active]
        np.add.at(votes, (fixed, relative.argmin(axis=1)), 1)
    return votes


def factor_vae_score(
    sampler: FactorSampler,
    encode: Encoder,
    rng: np.random.Generator,
    batch_size: int = 64,
    num_train: int = 10000,
    num_eval: int = 5000,
    num_variance_estimate: int = 10000,
) -> float:
    """FactorVAE score (Kim & Mnih 2018), as disentanglement_lib: each vote fixes one factor in a
    batch and names the dimension with the smallest variance relative to its global variance;
    a majority vote maps dimensions to factors on ``num_train`` votes; the score is its accuracy
    on ``num_eval`` fresh votes. Dimensions with global std < 0.05 are collapsed and ignored;
    0.0 when all are."""
    _check_sampler(sampler, batch_size)
    global_codes = represent(sampler, encode, sampler.sample_factors(num_variance_estimate, rng), rng)
    global_variance = global_codes.var(axis=0, ddof=1)
    active = np.sqrt(global_variance) >= COLLAPSED_STD
    if not active.any():
        return 0.0
    train_votes = _factor_vae_votes(sampler, encode, rng, batch_size, num_train, global_variance, active)
    factor_of_dimension = train_votes.argmax(axis=0)
    eval_votes = _factor_vae_votes(sampler, encode, rng, batch_size, num_eval, global_variance, active)
    correct = eval_votes[factor_of_dimension, np.arange(eval_votes.shape[1])].sum()
    return float(correct / eval_votes.sum())


def _beta_vae_points(sampler, encode, rng, batch_size, num_points) -> tuple[np.ndarray, np.ndarray]:
    """(features, fixed factor) per point: the mean |difference| of the representations of two
    batches that share one factor's value row by row."""
    num_factors = len(sampler.factor_sizes)
    features, labels = [], []
    per_chunk = max(1, CHUNK_ROWS // (2 * batch_size))
    for start in range(0, num_points, per_chunk):
        count = min(per_chunk, num_points - start)
        fixed = rng.integers(num_factors, size=count)
        factors = sampler.sample_factors(2 * count * batch_size, rng).reshape(2, count, batch_size, num_factors)
        batches = np.arange(count)
        factors[1, batches, :, fixed] = factors[0, batches, :, fixed]
        codes = represent(sampler, encode, factors.reshape(-1, num_factors), rng).reshape(2, count, batch_size, -1)
        features.append(np.abs(codes[0] - codes[1]).mean(axis=1))
        labels.append(fixed)
    return np.concatenate(features), np.concatenate(labels)


def beta_vae_score(
    sampler: FactorSampler,
    encode: Encoder,
    rng: np.random.Generator,
    batch_size: int = 64,
    num_train: int = 10000,
    num_eval: int = 5000,
    standardize: bool = True,
) -> float:
    """BetaVAE score (Higgins et al. 2017), as disentanglement_lib's sklearn version: a
    ``LogisticRegression`` (default settings, lbfgs run to convergence) predicts which factor
    two batches shared from the mean |difference| of their representations; the score is its
    accuracy on ``num_eval`` fresh points.

    Deviation: with ``standardize`` (the default) the features are scaled by their train mean and
    std before the classifier, because its L2 penalty (C=1) makes the raw-feature score depend on
    each dimension's units; ``standardize=False`` is disentanglement_lib exactly.
    """
    from sklearn.linear_model import LogisticRegression

    _check_sampler(sampler, batch_size)
    train_features, train_labels = _beta_vae_points(sampler, encode, rng, batch_size, num_train)
    eval_features, eval_labels = _beta_vae_points(sampler, encode, rng, batch_size, num_eval)
    if len(np.unique(train_labels)) < 2:
        raise ValueError("too few training points: every one fixed the same factor")
    if standardize:
        centre, spread = train_features.mean(axis=0), train_features.std(axis=0)
        spread[spread == 0] = 1.0
        train_features, eval_features = (train_features - centre) / spread, (eval_features - centre) / spread
    classifier = LogisticRegression(max_iter=10000).fit(train_features, train_labels)
    return float(np.mean(classifier.predict(eval_features) == eval_labels))


def disentanglement_scores(
    sampler: FactorSampler,
    encode: Encoder,
    seed: int = 0,
    points: int = 10000,
    test_points: int = 5000,
    batch_size: int = 64,
    votes_train: int = 10000,
    votes_eval: int = 5000,
    dci_model: str = "gbt",
) -> dict:
    """All five scores at disentanglement_lib's sizes. MIG reads ``points`` sampled images; SAP
    and DCI train on those and test on ``test_points`` more; FactorVAE (its global variances from
    ``points`` images) and BetaVAE each draw their own votes. Each score has its own random stream
    spawned from ``seed``, so none depends on which others ran. ``dci_model``: see ``dci`` (the
    default "gbt" takes about 6 minutes at the default sizes on a 2-core machine)."""
    data_rng, factor_vae_rng, beta_vae_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    factors = sampler.sample_factors(points + test_points, data_rng)
    codes = represent(sampler, encode, factors, data_rng)
    train_codes, train_factors = codes[:points], factors[:points]
    test_codes, test_factors = codes[points:], factors[points:]
    scores_dci = dci(train_codes, train_factors, test_codes, test_factors, model=dci_model)
    return {
        "factor_vae": factor_vae_score(sampler, encode, factor_vae_rng, batch_size, votes_train, votes_eval, points),
        "beta_vae": beta_vae_score(sampler, encode, beta_vae_rng, batch_size, votes_train, votes_eval),
        "mig": mig(train_codes, train_factors),
        "sap": sap(train_codes, train_factors, test_codes, test_factors),
        "dci_disentanglement": scores_dci.disentanglement,
        "dci_completeness": scores_dci.completeness,
        "dci_informativeness": scores_dci.informativeness,
    }
