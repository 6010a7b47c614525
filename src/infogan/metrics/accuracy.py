"""Unsupervised accuracy: how well a categorical code's categories match the true classes under
the best one-to-one matching (the paper's MNIST measure)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..data import Dataset
from .encoding import encode_dataset


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
