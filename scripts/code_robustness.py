"""How a run's generator writes its codes, and how Q reads them back (docs/experiments.md).

Three tables, on one fixed batch of N generated images:

1. Each code's information bound with G and D each in eval mode (running BatchNorm averages, as
   ``infogan evaluate`` uses) or on each batch's own statistics (as in training).
2. How well Q's point estimate follows each code on G's images (eval mode) when Gaussian pixel
   noise of std SIGMA is added: |Spearman| for interval codes, accuracy for categorical codes,
   the mean cosine of the error for angle codes. A code that survives no noise is written in pixel
   changes too faint to mean anything.
3. The mean |pixel change| when one code moves between two values with everything else fixed:
   interval codes from -1 to 1, angle codes by half a turn, categorical codes between categories
   (the mean deviation from the average over categories); and for the noise, between two
   independent draws with the codes fixed, with MSGAN's ratio r (that change over the noises' mean
   absolute difference, which ``--mode-seeking`` raises): near 0 when G ignores its noise.

    python scripts/code_robustness.py runs/faces4-noise10-s1 [--n 1000] [--sigmas 0,0.01,0.03,0.1]
"""

from __future__ import annotations

import argparse
import math
from copy import deepcopy

import torch

from infogan.metrics import information_bounds, rank_correlation
from infogan.model import InfoGAN


def bounds_by_mode(model: InfoGAN, n: int) -> list[tuple[str, dict[str, float]]]:
    rows = []
    for g_train in (False, True):
        copy = deepcopy(model)  # train-mode BatchNorm updates its running averages: leave the model's alone
        copy.generator.train(g_train)
        for batch_statistics in (False, True):
            name = f"G {'batch' if g_train else 'eval'}, D {'batch' if batch_statistics else 'eval'}"
            rows.append((name, information_bounds(copy, n=n, batch_size=n, batch_statistics=batch_statistics)))
    return rows


def reading_under_noise(model: InfoGAN, images: torch.Tensor, codes: dict, sigma: float, generator: torch.Generator) -> dict[str, float]:
    noisy = (images + sigma * torch.randn(images.shape, generator=generator)).clamp(0, 1)
    predicted = model.encode(noisy)
    scores = {}
    for code in model.spec.codes:
        estimate, truth = predicted[code.name], codes[code.name].flatten()
        if code.kind == "cat":
            scores[code.name] = float((estimate == truth).float().mean())
        elif code.kind == "circ":
            scores[code.name] = float(torch.cos(estimate - truth).mean())
        else:
            scores[code.name] = abs(rank_correlation(estimate.numpy(), truth.numpy()))
    return scores


def pixel_change(model: InfoGAN, noise: torch.Tensor, codes: dict) -> dict[str, float]:
    changes = {}
    for code in model.spec.codes:
        if code.kind == "cat":
            images = torch.stack([model.generate_from(noise, {**codes, code.name: torch.full_like(codes[code.name], k)})
                                  for k in range(code.categories)])
            changes[code.name] = float((images - images.mean(0, keepdim=True)).abs().mean())
            continue
        low, high = (-1.0, 1.0) if code.kind == "cont" else (0.0, math.pi)
        first = model.generate_from(noise, {**codes, code.name: torch.full_like(codes[code.name], low)})
        second = model.generate_from(noise, {**codes, code.name: torch.full_like(codes[code.name], high)})
        changes[code.name] = float((first - second).abs().mean())
    other_noise = model.spec.sample_noise(len(noise), torch.Generator().manual_seed(1)).to(noise)
    changes["noise"] = float((model.generate_from(noise, codes) - model.generate_from(other_noise, codes)).abs().mean())
    changes["r"] = changes["noise"] / float((noise - other_noise).abs().mean())
    return changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--n", type=int, default=1000, help="generated images (default 1000)")
    parser.add_argument("--sigmas", default="0,0.01,0.03,0.1", help="pixel noise stds, pixels in [0, 1]")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = InfoGAN.load(args.run)
    names = [code.name for code in model.spec.codes]
    header = f"{'':<22}" + "".join(f"{name:>8}" for name in names)
    print(f"{args.run} at update {model.step}\n\ninformation bound (nats)\n{header}")
    for label, bounds in bounds_by_mode(model, args.n):
        print(f"{label:<22}" + "".join(f"{bounds[name]:>8.2f}" for name in names))

    generator = torch.Generator().manual_seed(0)
    noise, codes = model.spec.sample_noise(args.n, generator), model.spec.sample_codes(args.n, generator)
    images = model.generate_from(noise, codes)
    print(f"\nQ's reading of the code under pixel noise (|Spearman|, accuracy, mean cos of error)\n{header}")
    for sigma in (float(value) for value in args.sigmas.split(",")):
        scores = reading_under_noise(model, images, codes, sigma, generator)
        print(f"{f'std {sigma:g}':<22}" + "".join(f"{scores[name]:>8.3f}" for name in names))
    changes = pixel_change(model, noise[:200], {name: value[:200] for name, value in codes.items()})
    header += f"{'noise':>8}{'r':>8}"
    print(f"\nmean |pixel change| moving the code\n{header}\n{'':<22}" + "".join(f"{value:>8.3f}" for value in changes.values()))


if __name__ == "__main__":
    main()
