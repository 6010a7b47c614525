"""Can InfoGAN-CR's pair classifier learn on a run's generator, and at which learning rate
(docs/experiments.md)?

A fresh classifier (the one `infogan train --cr-weight` builds, on the run's network) is trained
for STEPS updates on pairs from the run's frozen G, once per learning rate, and its loss is
printed every 50 updates beside chance (ln of the number of codes). A loss that stays at chance is
a contrastive term that pushes G nowhere; on chairs3d that happened at 2e-3 and not at 2e-4.

    python scripts/pair_classifier_probe.py runs/chairs-cont2-s0 --lrs 2e-3,2e-4 [--steps 300]
"""

from __future__ import annotations

import argparse
import math

import torch

from infogan.model import InfoGAN
from infogan.networks import PairClassifier, init_weights
from infogan.objective import Objective

EVERY = 50


def probe(model: InfoGAN, lr: float, steps: int, batch: int, seed: int) -> list[tuple[int, float]]:
    """(update, loss) every EVERY updates and at the last, for a fresh classifier at ``lr``."""
    torch.manual_seed(seed)
    config = model.config
    objective = Objective(config, model.spec)
    classifier = PairClassifier(len(model.spec.codes), config.leaky_slope, model.network)
    init_weights(classifier)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr, betas=(config.beta1, config.beta2))
    model.generator.train()  # as in training: G's batch norm on each batch's statistics
    losses = []
    for step in range(1, steps + 1):
        first, second, shared = objective.contrastive_pairs(batch)
        with torch.no_grad():
            images = model.generator(torch.cat([first, second]))
        loss = objective.contrastive_loss(classifier, *images.split(batch), shared)  # the loss training uses
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % EVERY == 0 or step == steps:
            losses.append((step, loss.item()))
    return losses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--lrs", default="2e-3,2e-4", help="comma-separated learning rates (default 2e-3,2e-4)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        lrs = [float(lr) for lr in args.lrs.split(",")]
    except ValueError:
        parser.error(f"--lrs takes comma-separated numbers, got {args.lrs!r}")
    if any(lr <= 0 for lr in lrs) or args.steps < 1 or args.batch < 1:
        parser.error("learning rates, --steps and --batch must be positive")
    torch.set_num_threads(1)
    model = InfoGAN.load(args.run)
    codes = len(model.spec.codes)
    if codes < 2:
        parser.error(f"{args.run} has one code: a pair classifier needs two or more to choose between")
    print(f"{args.run} (update {model.step}): a fresh pair classifier on {codes} codes, chance = ln {codes} = {math.log(codes):.3f}")
    runs = {lr: probe(model, lr, args.steps, args.batch, args.seed) for lr in lrs}
    print("| update | " + " | ".join(f"lr {lr:g}" for lr in lrs) + " |")
    print("|---|" + "---|" * len(lrs))
    for row, (step, _) in enumerate(runs[lrs[0]]):
        print(f"| {step} | " + " | ".join(f"{runs[lr][row][1]:.3f}" for lr in lrs) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
