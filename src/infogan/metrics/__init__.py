"""How good a trained model is, one named unit per module: the information bound of every code
(``information``), the unsupervised accuracy of categorical codes on labelled data
(``accuracy``), on data with known generating factors the factor x code table (``factors``) and
the field's disentanglement scores (``disentanglement``), sample quality against the data
(``quality``: FID, KID), how cleanly two continuous codes split slant and width (``separation``),
and choosing a run without labels (``centrality``). ``evaluate`` gathers what applies."""

from __future__ import annotations

from ..data import Dataset, RenderedDataset
from .accuracy import categorical_accuracy, confusion_matrix, labelled_accuracy
from .encoding import encode_dataset, evaluation_sample, representation_encoder
from .factors import (
    circular_circular_rank_correlation, circular_rank_correlation, factor_code_table, factor_scores,
    normalized_mutual_information, rank_correlation,
)
from .information import information_bounds

__all__ = [
    "categorical_accuracy", "circular_circular_rank_correlation", "circular_rank_correlation", "confusion_matrix",
    "encode_dataset", "evaluate", "representation_encoder",
    "evaluation_sample", "factor_code_table", "factor_scores", "information_bounds", "labelled_accuracy",
    "normalized_mutual_information", "rank_correlation",
]


def evaluate(
    model,
    dataset: Dataset | None = None,
    samples: int = 10000,
    factor_samples: int = 10000,
    votes: int = 1000,
    scores: bool = True,
    feature_net=None,
    quality_samples: int = 10000,
    dci_model: str = "gbt",
) -> dict:
    """Everything that applies to this model and data: information bounds and entropies of every
    code always; the unsupervised accuracy of the categorical codes on labelled data; on data
    with known factors the factor x code table and (``scores``) the disentanglement scores, with
    ``factor_samples`` points for MIG/SAP/DCI (half as many again held out) and ``votes``
    training votes (half as many for evaluation) for FactorVAE/BetaVAE, and DCI's ``dci_model``
    ("gbt" as disentanglement_lib, "hist" for a quicker look); FID and KID against the
    data given a ``feature_net``; on MNIST-size gray digits, how cleanly two continuous codes
    split slant and width."""
    result = {
        "step": getattr(model, "step", None),
        "mi": information_bounds(model, samples),
        "mi_batch_statistics": information_bounds(model, samples, batch_statistics=True),
        "entropy": model.spec.entropies(),
    }
    if dataset is not None and dataset.classes:
        scored = labelled_accuracy(model, dataset)
        if scored is not None:
            result.update(scored)
    if dataset is not None and dataset.factors:
        result["factors"] = factor_scores(model, dataset, factor_samples)
        if scores and isinstance(dataset, RenderedDataset):
            from .disentanglement import RenderedFactors, disentanglement_scores

            result["disentanglement"] = disentanglement_scores(
                RenderedFactors(dataset), representation_encoder(model), seed=0, points=factor_samples,
                test_points=factor_samples // 2, votes_train=votes, votes_eval=max(votes // 2, 1), dci_model=dci_model,
            )
            result["disentanglement"]["settings"] = {"points": factor_samples, "test_points": factor_samples // 2,
                                                     "votes_train": votes, "votes_eval": max(votes // 2, 1), "dci_model": dci_model}
    if feature_net is not None and dataset is not None:
        from .quality import sample_quality

        result["quality"] = sample_quality(model, dataset, feature_net, n=min(quality_samples, len(dataset)))
    if model.network == "mnist":
        from .separation import separation_report

        separation = separation_report(model)
        if separation is not None:
            result["separation"] = separation
    return result
