"""Sample quality: FID and KID measured in the feature space of a network the project trains
itself, one per dataset, on that dataset's labels or known generating factors.

The usual Inception network sees 299 x 299 colour photographs; the images here are 28 to 64
pixels, often gray, and the network's weights would have to be downloaded. A small classifier
trained on the dataset's own targets is fast to train offline and its penultimate layer responds
to what tells the images apart (digit identity, a sprite's shape and position). Its numbers are
comparable between models scored with the same feature-net file only, never with published
Inception FIDs.

The distances are computed here with NumPy and SciPy rather than torchmetrics. torchmetrics 1.9
installs cleanly (it adds only ``lightning-utilities``, keeps the installed torch) and accepts a
custom feature module offline, and its results agree with these to 1e-10 on the same features.
It did not fit cleanly: its FID and KID are stateful image-in metrics that run the network
themselves, so distances on feature arrays (the API here, which computes features once for both
numbers) need an identity "network" with a ``num_features`` attribute; its KID draws subsets from
torch's global random generator (no seed argument) and warns on every construction about its
feature buffer; and it adds two dependencies and a second of import time for about forty lines.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from torch import nn

from ..checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ..data import Dataset, DataError, cache_root, to_unit_range
from ..errors import one_line

FEATURES = 128
FACTOR_BINS = 20
FILE_KIND = "infogan-feature-net"


def feature_heads(dataset: Dataset) -> dict[str, int]:
    """Classification targets, name -> number of classes: the class labels when the dataset has
    them, else one per known generating factor (continuous ones cut into ``FACTOR_BINS`` bins)."""
    if dataset.classes:
        return {"label": int(dataset.classes)}
    if dataset.factors:
        return {factor.name: int(factor.values or FACTOR_BINS) for factor in dataset.factors}
    raise DataError(f"{dataset.name} has neither class labels nor known generating factors to train a feature net on")


def head_targets(dataset: Dataset, heads: dict[str, int], indices: np.ndarray) -> dict[str, np.ndarray]:
    if dataset.classes:
        return {"label": dataset.labels(indices)}
    values = dataset.factor_values(indices)
    return {factor.name: factor.discretize(values[:, column], FACTOR_BINS) for column, factor in enumerate(dataset.factors)}


def check_feature_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or shape[0] not in (1, 3) or shape[1] != shape[2] or not 28 <= shape[1] <= 64:
        raise DataError(f"a feature net takes gray or colour square images of 28 to 64 pixels, not {'x'.join(map(str, shape))}")
    return shape


class FeatureNet(nn.Module):
    """Three strided convolutions (to an eighth of the image's size), a ``features``-wide layer
    (the activations FID and KID compare) and one linear classification head per target."""

    def __init__(self, shape: tuple[int, int, int], heads: dict[str, int], features: int = FEATURES, dataset: str | None = None):
        super().__init__()
        self.shape = check_feature_shape(shape)
        self.heads = {str(name): int(classes) for name, classes in heads.items()}
        self.dataset = dataset
        self.feature_width = int(features)
        self.metadata: dict = {}
        channels, size = self.shape[0], self.shape[1]
        layers = []
        for width in (32, 64, 128):
            layers += [nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.BatchNorm2d(width), nn.LeakyReLU(0.1)]
            channels, size = width, size // 2
        self.convolutions = nn.Sequential(*layers, nn.Flatten())
        self.embedding = nn.Sequential(nn.Linear(channels * size * size, features), nn.BatchNorm1d(features), nn.ReLU())
        self.classifiers = nn.ModuleDict({name: nn.Linear(features, classes) for name, classes in self.heads.items()})

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate activations, N x features, of images N x C x H x W in [0, 1]."""
        return self.embedding(self.convolutions(images))

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        hidden = self.features(images)
        return {name: head(hidden) for name, head in self.classifiers.items()}


def device_of(net: nn.Module) -> torch.device:
    return next(net.parameters()).device


def head_accuracy(net: FeatureNet, dataset: Dataset, indices: np.ndarray, batch_size: int = 500) -> dict[str, float]:
    correct = dict.fromkeys(net.heads, 0)
    net.eval()
    with torch.no_grad():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            logits = net(to_unit_range(dataset.images(chunk), device_of(net)))
            for name, target in head_targets(dataset, net.heads, chunk).items():
                correct[name] += int((logits[name].argmax(1).cpu().numpy() == target).sum())
    return {name: count / len(indices) for name, count in correct.items()}


def train_feature_net(
    dataset: Dataset,
    steps: int = 2000,
    batch_size: int = 128,
    seed: int = 0,
    progress: bool = False,
    holdout: int = 2000,
    device="cpu",
) -> tuple[FeatureNet, dict]:
    """Train a FeatureNet on ``dataset`` (Adam, the heads' cross-entropies summed) and measure each
    head's accuracy on ``holdout`` images of it (at most a fifth) that training never sees.

    The same seed gives the same network on the CPU: the initial weights come from a forked torch
    generator and the batches from NumPy's.
    """
    from tqdm import tqdm

    heads = feature_heads(dataset)
    if steps <= 0 or batch_size <= 1 or holdout <= 0:
        raise ValueError(f"steps and holdout must be positive and batch size above 1, got {steps}, {holdout} and {batch_size}")
    if len(dataset) < 10:
        raise DataError(f"{dataset.name} has {len(dataset)} images, too few to train a feature net")
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(len(dataset), min(holdout, len(dataset) // 5), replace=False))
    pool = np.setdiff1d(np.arange(len(dataset)), held, assume_unique=True)
    batch_size = min(batch_size, len(pool))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = FeatureNet(dataset.shape, heads, dataset=dataset.name).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    order, position = rng.permutation(pool), 0
    net.train()
    for _ in tqdm(range(steps), disable=not progress, dynamic_ncols=True, desc="feature net"):
        if position + batch_size > len(order):
            order, position = rng.permutation(pool), 0
        chunk = np.sort(order[position : position + batch_size])
        position += batch_size
        logits = net(to_unit_range(dataset.images(chunk), device))
        targets = head_targets(dataset, heads, chunk)
        loss = sum(loss_function(logits[name], torch.from_numpy(targets[name]).to(device)) for name in heads)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    accuracy = head_accuracy(net, dataset, held)
    report = {"accuracy": accuracy, "holdout": int(len(held)), "final_loss": float(loss.item())}
    net.metadata = {
        "dataset": dataset.name, "shape": list(net.shape), "heads": dict(heads), "features": net.feature_width,
        "accuracy": accuracy, "holdout": int(len(held)), "steps": int(steps), "batch_size": int(batch_size), "seed": int(seed),
    }
    return net.eval(), report


def save_feature_net(net: FeatureNet, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write the state dict and JSON-able metadata (the net's own, updated by ``metadata``)
    atomically, in a file that loads with ``weights_only=True``."""
    metadata = json.loads(json.dumps({**net.metadata, **(metadata or {}), "dataset": net.dataset, "shape": list(net.shape), "heads": net.heads, "features": net.feature_width}))
    state = {name: tensor.detach().cpu() for name, tensor in net.state_dict().items()}
    save_checkpoint({"kind": FILE_KIND, "metadata": metadata, "state_dict": state}, path)
    return Path(path)


def load_feature_net(path: str | os.PathLike, device="cpu") -> FeatureNet:
    """The FeatureNet saved at ``path``, in eval mode, its metadata in ``.metadata``."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no feature net at {path} (train one with: infogan feature-net --dataset NAME)")
    state = load_checkpoint(path)
    if state.get("kind") != FILE_KIND or not isinstance(state.get("metadata"), dict):
        raise CheckpointError(f"{path} is not an infogan feature net")
    metadata = state["metadata"]
    try:
        net = FeatureNet(tuple(metadata["shape"]), metadata["heads"], int(metadata.get("features", FEATURES)), metadata.get("dataset"))
        net.load_state_dict(state["state_dict"])
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError, DataError) as error:
        raise CheckpointError(f"{path}: damaged feature net ({type(error).__name__}: {one_line(error)})") from None
    net.metadata = metadata
    return net.to(device).eval()


def default_feature_net_path(dataset_name: str) -> Path:
    return cache_root() / "feature-nets" / f"{dataset_name}.pt"


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def check_feature_arrays(a: np.ndarray, b: np.ndarray, least: int = 2) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"feature arrays must be N x F with the same F, got {a.shape} and {b.shape}")
    if min(len(a), len(b)) < least:
        raise ValueError(f"need at least {least} feature rows on each side, got {len(a)} and {len(b)}")
    return a, b


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FID between feature arrays N x F: the Fréchet distance of the Gaussians with their means
    and covariances, ||mu_a - mu_b||² + Tr(Σa + Σb − 2 (Σa Σb)^½)."""
    a, b = check_feature_arrays(a, b)
    mean_a, cov_a = feature_statistics(a)
    mean_b, cov_b = feature_statistics(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():  # singular product: shift both, as pytorch-fid does
            shift = np.eye(len(cov_a)) * 1e-6
            root = linalg.sqrtm((cov_a + shift) @ (cov_b + shift))
    difference = mean_a - mean_b
    value = difference @ difference + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(np.real(root))
    return float(value)


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(x·y/F + 1)³ for every pair of rows, in place (``**`` would call pow, twice as slow)."""
    gram = x @ y.T
    gram *= 1.0 / x.shape[1]
    gram += 1.0
    cube = gram * gram
    cube *= gram
    return cube


def kernel_distance(a: np.ndarray, b: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """KID between feature arrays N x F: the unbiased MMD² with the kernel (x·y/F + 1)³, mean and
    standard deviation over ``subsets`` random subsets of ``subset_size`` rows per side (fewer
    when a side is smaller), drawn without replacement with ``seed``."""
    a, b = check_feature_arrays(a, b)
    if subsets <= 0 or subset_size <= 1:
        raise ValueError(f"subsets must be positive and subset_size above 1, got {subsets} and {subset_size}")
    m = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    scores = np.empty(subsets)
    for k in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        scores[k] = within - 2.0 * k_xy.sum() / (m * m)
    return float(scores.mean()), float(scores.std())


@torch.no_grad()
def image_features(net: FeatureNet, images: torch.Tensor) -> np.ndarray:
    net.eval()
    return net.features(images.to(device_of(net))).double().cpu().numpy()


def check_match(model, dataset: Dataset, net: FeatureNet) -> None:
    if net.dataset is not None and net.dataset != dataset.name:
        raise DataError(f"the feature net was trained on {net.dataset}, not {dataset.name}; train one with: infogan feature-net --dataset {dataset.name}")
    shapes = {"feature net": tuple(net.shape), "dataset": tuple(dataset.shape), "model": tuple(model.image_shape)}
    if len(set(shapes.values())) > 1:
        raise DataError("image shapes differ: " + ", ".join(f"{k} {'x'.join(map(str, v))}" for k, v in shapes.items()))


def sample_quality(model, dataset: Dataset, net: FeatureNet, n: int = 10000, seed: int = 0, batch_size: int = 500) -> dict:
    """FID and KID between ``n`` images the model generates (latents drawn with ``seed``) and
    ``n`` images of ``dataset`` drawn without replacement with ``seed``, both seen through ``net``."""
    check_match(model, dataset, net)
    if n < 2 or batch_size <= 0:
        raise ValueError(f"need at least 2 samples and a positive batch size, got {n} and {batch_size}")
    if n > len(dataset):
        raise DataError(f"{dataset.name} has {len(dataset)} images, fewer than the {n} samples asked for")
    noise, codes = model.latents(n, seed=seed)
    was_training = model.generator.training
    model.generator.eval()
    try:
        fake = np.concatenate([
            image_features(net, model.generate_from(noise[start : start + batch_size], {k: v[start : start + batch_size] for k, v in codes.items()}))
            for start in range(0, n, batch_size)
        ])
    finally:
        model.generator.train(was_training)
    indices = np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))
    real = np.concatenate([
        image_features(net, to_unit_range(dataset.images(indices[start : start + batch_size])))
        for start in range(0, n, batch_size)
    ])
    kid, kid_std = kernel_distance(real, fake, seed=seed)
    return {"fid": frechet_distance(real, fake), "kid": kid, "kid_std": kid_std, "samples": int(n)}


__all__ = [
    "FeatureNet", "default_feature_net_path", "feature_heads", "frechet_distance", "kernel_distance",
    "load_feature_net", "sample_quality", "save_feature_net", "train_feature_net",
]

