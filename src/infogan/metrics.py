"""How good a trained model is: unsupervised accuracy of a categorical code and the
information lower bound of every code."""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment


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


def evaluate(model, images: torch.Tensor | None = None, labels: torch.Tensor | None = None, samples: int = 10000) -> dict:
    """Information bounds and entropies of every code, plus, given labelled images, the
    unsupervised accuracy of the first categorical code."""
    result = {
        "step": getattr(model, "step", None),
        "mi": information_bounds(model, samples),
        "entropy": model.spec.entropies(),
    }
    categorical = [code for code in model.spec.codes if code.kind == "cat"]
    if images is not None and categorical:
        code = categorical[0]
        predicted = model.encode(images)[code.name]
        scored = categorical_accuracy(predicted.numpy(), labels.numpy(), code.categories, int(labels.max()) + 1)
        result.update({"accuracy_code": code.name, **scored})
    return result
