"""Q refitted: a fresh encoder trained on a finished run's own samples, scored on real images
with known factors (docs/experiments.md).

A low factor score has two possible causes: the generator's code moves several factors at once,
or Q reads real images badly (Q learns beside a moving generator and shares D's trunk). This
encoder (D's trunk and a linear head, as Q) learns to read the continuous codes back from the
frozen generator's images, with no factor labels, for as long as one likes. If it scores
clearly above Q on real images, Q's reading was the limit; if it scores as Q does, the
generator's codes are. Prints Q's table and then the encoder's, on the same test images, after
every --report-every updates, each with the best one-to-one matching of factors to codes.

    python scripts/refit_encoder.py runs/faces4-azimuth-s1 --steps 3000
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from infogan.data import load_dataset, to_unit_range
from infogan.metrics import evaluation_sample, factor_code_table
from infogan.model import InfoGAN
from infogan.networks import architecture, discriminator_trunk, init_weights

from summarize_factors import matched  # scripts/ is on the path when a script runs


def print_table(title: str, table: dict, factors: list[str]) -> None:
    own = matched(table, factors)
    print(f"\n{title}\n| factor | " + " | ".join(table["codes"]) + " | own code |")
    print("|---|" + "---|" * (len(table["codes"]) + 1))
    for name in factors:
        row = table["scores"][table["factors"].index(name)]
        print(f"| {name} | " + " | ".join(f"{score:.2f}" for score in row) + f" | {own[name][0]} {own[name][1]:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--steps", type=int, default=3000, help="encoder updates (default 3000)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--report-every", type=int, default=1000)
    parser.add_argument("--n", type=int, default=3000, help="real test images scored (default 3000)")
    parser.add_argument("--factors", help="comma-separated factors to match (default: the non-discrete ones)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = InfoGAN.load(args.run)
    dataset = load_dataset(model.config.dataset, "test")
    factors = args.factors.split(",") if args.factors else [f.name for f in dataset.factors if f.kind != "discrete"]
    continuous = [code.name for code in model.spec.codes if code.kind == "cont"]
    if not continuous:
        parser.error(f"{args.run} has no continuous code to read back")
    indices = evaluation_sample(dataset, args.n)
    values = dataset.factor_values(indices)
    real = to_unit_range(dataset.images(indices))
    kinds = dict.fromkeys(continuous, "cont")
    q_estimates = model.encode(real)
    q_codes = {name: q_estimates[name].numpy() for name in continuous}
    print_table(f"Q of {args.run} (update {model.step}), {args.n} test images", factor_code_table(q_codes, kinds, list(dataset.factors), values), factors)

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
            table = factor_code_table({name: read[:, j] for j, name in enumerate(continuous)}, kinds, list(dataset.factors), values)
            seconds = time.perf_counter() - started
            print_table(f"refitted encoder after {step} updates ({seconds:.0f} s, last loss {loss.item():.4f})", table, factors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
