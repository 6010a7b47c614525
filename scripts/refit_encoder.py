"""Q refitted: a fresh encoder trained on a finished run's own samples, scored on real images
with known factors (docs/experiments.md).

A low factor score has two possible causes: the generator's code moves several factors at once,
or Q reads real images badly (Q learns beside a moving generator and shares D's trunk). This
encoder (D's trunk and a linear head, as Q) learns to read the continuous codes back from the
frozen generator's images, with no factor labels, for as long as one likes. If it scores
clearly above Q on real images, Q's reading was the limit; if it scores as Q does, the
generator's codes are. Prints Q's table and then the encoder's, on the same test images, after
every --report-every updates, each with the best one-to-one matching of factors to codes.

With --split-by F, each table is followed by each continuous factor's score on its own code within
the thirds of the test images by F's distance from its middle (for a circular factor such as
chairs3d's azimuth, by how side-on), as factor_profile.py's --split-by: a view where Q fails and
the encoder reads well is Q's shortfall there.

    python scripts/refit_encoder.py runs/faces4-azimuth-s1 --steps 3000
    python scripts/refit_encoder.py runs/chairsun16t-s0 --steps 3000 --split-by azimuth
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from infogan.data import load_dataset, to_unit_range
from infogan.metrics import evaluation_sample, factor_code_table, rank_correlation
from infogan.model import InfoGAN
from infogan.networks import architecture, discriminator_trunk, init_weights

from factor_profile import distance_label, distance_thirds  # scripts/ is on the path when a script runs
from summarize_factors import matched


def print_table(title: str, table: dict, factors: list[str]) -> dict[str, tuple[str, float]]:
    """The factor x code table with each factor's own code (returned, as ``matched`` gives it)."""
    own = matched(table, factors)
    print(f"\n{title}\n| factor | " + " | ".join(table["codes"]) + " | own code |")
    print("|---|" + "---|" * (len(table["codes"]) + 1))
    for name in factors:
        row = table["scores"][table["factors"].index(name)]
        cell = f"{own[name][0]} {own[name][1]:.2f}" if name in own else "– (no code left)"
        print(f"| {name} | " + " | ".join(f"{score:.2f}" for score in row) + f" | {cell} |")
    return own


def print_thirds(own: dict, estimates: dict[str, np.ndarray], dataset, values: np.ndarray, split_by: str) -> None:
    """Each continuous factor's score on its own code within the thirds of ``split_by``'s distance from its middle."""
    names = [factor.name for factor in dataset.factors]
    column = names.index(split_by)
    thirds = distance_thirds(values[:, column], dataset.factors[column])
    print(f"\n| factor | own code | within thirds of {distance_label(split_by, dataset.factors[column])}: first | second | last |")
    print("|---|---|---|---|---|")
    for name, (code, _) in own.items():
        if dataset.factors[names.index(name)].kind == "continuous":
            truth = values[:, names.index(name)]
            cells = " | ".join(f"{abs(rank_correlation(estimates[code][keep], truth[keep])):.2f}" for keep in thirds)
            print(f"| {name} | {code} | {cells} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--steps", type=int, default=3000, help="encoder updates (default 3000)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--report-every", type=int, default=1000)
    parser.add_argument("--n", type=int, default=3000, help="real test images scored (default 3000)")
    parser.add_argument("--factors", help="comma-separated factors to match (default: the non-discrete ones)")
    parser.add_argument("--split-by", help="also score each continuous factor within thirds of this factor's distance from its middle")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = InfoGAN.load(args.run)
    dataset = load_dataset(model.config.dataset, "test")
    factors = args.factors.split(",") if args.factors else [f.name for f in dataset.factors if f.kind != "discrete"]
    if args.split_by and args.split_by not in [f.name for f in dataset.factors]:
        parser.error(f"--split-by takes a factor of {model.config.dataset} ({', '.join(f.name for f in dataset.factors)}), not {args.split_by!r}")
    continuous = [code.name for code in model.spec.codes if code.kind == "cont"]
    if not continuous:
        parser.error(f"{args.run} has no continuous code to read back")
    indices = evaluation_sample(dataset, args.n)
    values = dataset.factor_values(indices)
    real = to_unit_range(dataset.images(indices))
    kinds = dict.fromkeys(continuous, "cont")
    q_estimates = model.encode(real)
    q_codes = {name: q_estimates[name].numpy() for name in continuous}
    own = print_table(f"Q of {args.run} (update {model.step}), {args.n} test images",
                      factor_code_table(q_codes, kinds, list(dataset.factors), values), factors)
    if args.split_by:
        print_thirds(own, q_codes, dataset, values, args.split_by)

    trunk, features = discriminator_trunk(architecture(model.network), model.image_shape[0], model.config.leaky_slope)
    encoder = nn.Sequential(trunk, nn.Linear(features, len(continuous)))
    init_weights(encoder)
    optimizer = torch.optim.Adam(encoder.parameters(), 2e-4, betas=(0.5, 0.999))
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        noise, codes = model.latents(args.batch_size)
        images = model.generate_from(noise, codes)
        target = torch.stack([codes[name] for name in continuous], dim=1)
        loss = ((encoder(images) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % args.report_every == 0 or step == args.steps:
            encoder.eval()
            with torch.no_grad():
                read = torch.cat([encoder(real[i : i + 1000]) for i in range(0, len(real), 1000)]).numpy()
            encoder.train()
            estimates = {name: read[:, j] for j, name in enumerate(continuous)}
            table = factor_code_table(estimates, kinds, list(dataset.factors), values)
            seconds = time.perf_counter() - started
            own = print_table(f"refitted encoder after {step} updates ({seconds:.0f} s, last loss {loss.item():.4f})", table, factors)
            if args.split_by:
                print_thirds(own, estimates, dataset, values, args.split_by)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
