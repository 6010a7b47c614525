"""How readable each factor of a rendered dataset is from its images: D's trunk of the dataset's
network trained with the factor values as labels (docs/experiments.md).

InfoGAN's Q reads the factors without labels; this regressor, with the same trunk, shows what a
reader of that size can reach with them, so a low InfoGAN score can be told apart from a factor
the images hardly show. Continuous factors, and circular ones as their cosine and sine. Prints
|Spearman| on held-out test images after each epoch, and with --split-by F also within the thirds
of |F - middle of its range| (of |sin F| for a circular F: front and back views first, side views last).

    python scripts/supervised_ceiling.py faces3d --train 40000 --epochs 3 --split-by azimuth
    python scripts/supervised_ceiling.py chairs3d --network sprites --train 20000 --epochs 4 --split-by azimuth
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch
from torch import nn

from infogan.data import SOURCES, load_dataset, to_unit_range
from infogan.metrics import rank_correlation
from infogan.networks import NetworkError, architecture, check_image_shape, discriminator_trunk, init_weights

from factor_profile import distance_label, distance_thirds  # scripts/ is on the path when a script runs


def regression_targets(factors, values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The continuous factors as they are and each circular one as its cosine and sine (an angle
    itself has a jump that no regressor can follow); discrete factors are left out."""
    names, columns = [], []
    for i, factor in enumerate(factors):
        if factor.kind == "continuous":
            names.append(factor.name)
            columns.append(values[:, i])
        elif factor.kind == "circular":
            angle = factor.angle(values[:, i])
            names += [f"{factor.name} (cos)", f"{factor.name} (sin)"]
            columns += [np.cos(angle), np.sin(angle)]
    return names, np.stack(columns, axis=1)


def reader_network(network: str, channels: int, outputs: int) -> nn.Sequential:
    """D's trunk of ``network`` (leaky slope 0.1, as the paper's D) and a linear head of ``outputs``."""
    trunk, features = discriminator_trunk(architecture(network), channels, 0.1)
    return nn.Sequential(trunk, nn.Linear(features, outputs))


def train_reader(network: str, images: np.ndarray, values: np.ndarray, epochs: int):
    """D's trunk of ``network`` and a linear head, fitted by least squares to ``values`` (N x F,
    regression_targets' columns) from uint8 ``images``; yields the reader in eval mode after each
    epoch. Its outputs are in the targets' own units (the standardisation is folded back in)."""
    regressor = reader_network(network, images.shape[1], values.shape[1])
    init_weights(regressor)
    optimizer = torch.optim.Adam(regressor.parameters(), 2e-4, betas=(0.5, 0.999))
    mean, std = values.mean(0), values.std(0)
    targets = torch.tensor((values - mean) / std, dtype=torch.float32)
    for _ in range(epochs):
        regressor.train()
        order = torch.randperm(len(images))
        for start in range(0, len(images), 128):
            batch = order[start : start + 128]
            loss = ((regressor(to_unit_range(images[batch.numpy()])) - targets[batch]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        reader = copy.deepcopy(regressor).eval()
        with torch.no_grad():  # out = (trunk . head) * std + mean, as one linear head
            last = reader[1]
            last.weight.mul_(torch.tensor(std, dtype=torch.float32)[:, None])
            last.bias.mul_(torch.tensor(std, dtype=torch.float32)).add_(torch.tensor(mean, dtype=torch.float32))
        yield reader


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=("sprites", "faces3d", "chairs3d"))
    parser.add_argument("--train", type=int, default=40000, help="training images (default 40000)")
    parser.add_argument("--test", type=int, default=3000, help="test images scored (default 3000)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--split-by", help="also score within thirds of this factor's distance from its middle")
    parser.add_argument("--network", help="read with this network's trunk (default: the dataset's own)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    train_set, test_set = load_dataset(args.dataset, "train"), load_dataset(args.dataset, "test")
    network = args.network or SOURCES[args.dataset].network
    try:
        check_image_shape(train_set.shape, network, args.dataset)
    except NetworkError as error:
        parser.error(str(error))
    started = time.perf_counter()
    train_images, test_images = train_set.images(np.arange(args.train)), test_set.images(np.arange(args.test))
    names, train_values = regression_targets(train_set.factors, train_set.factor_values(np.arange(args.train)))
    _, test_values = regression_targets(test_set.factors, test_set.factor_values(np.arange(args.test)))
    print(f"rendered {args.train} + {args.test} images in {time.perf_counter() - started:.0f} s", flush=True)

    thirds = []
    if args.split_by:
        column = [factor.name for factor in test_set.factors].index(args.split_by)
        thirds = distance_thirds(test_set.factor_values(np.arange(args.test))[:, column], test_set.factors[column])

    print("| epoch | seconds | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for epoch, regressor in enumerate(train_reader(network, train_images, train_values, args.epochs), start=1):
        with torch.no_grad():
            predicted = regressor(to_unit_range(test_images)).numpy()
        scores = [abs(rank_correlation(predicted[:, i], test_values[:, i])) for i in range(len(names))]
        print(f"| {epoch} | {time.perf_counter() - started:.0f} | " + " | ".join(f"{score:.3f}" for score in scores) + " |", flush=True)
    if thirds:
        print(f"\nafter epoch {args.epochs}, within thirds of {distance_label(args.split_by, test_set.factors[column])}")
        print("| factor | first third | second third | last third |\n|---|---|---|---|")
        for i, name in enumerate(names):
            print(f"| {name} | " + " | ".join(f"{abs(rank_correlation(predicted[t, i], test_values[t, i])):.3f}" for t in thirds) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
