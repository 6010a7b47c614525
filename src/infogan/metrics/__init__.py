"""How good a trained model is, one named unit per module: the information bound of every code
(``information``), the unsupervised accuracy of categorical codes on labelled data
(``accuracy``), and on data with known generating factors the factor x code table (``factors``).
``evaluate`` gathers what applies to a model and a dataset."""

from __future__ import annotations

from ..data import Dataset
from .accuracy import categorical_accuracy, confusion_matrix, labelled_accuracy
from .encoding import encode_dataset, evaluation_sample
from .factors import circular_rank_correlation, factor_code_table, factor_scores, normalized_mutual_information, rank_correlation
from .information import information_bounds

__all__ = [
    "categorical_accuracy", "circular_rank_correlation", "confusion_matrix", "encode_dataset", "evaluate",
    "evaluation_sample", "factor_code_table", "factor_scores", "information_bounds", "labelled_accuracy",
    "normalized_mutual_information", "rank_correlation",
]


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
