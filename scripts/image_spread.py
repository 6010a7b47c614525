"""``image_spread`` of a run's generator as it is now, for runs older than the metric in
``metrics.jsonl`` (docs/experiments.md): how much 256 of G's images differ from one another, as a
fraction of how much 256 real training images do. Below 0.05 training warns that G has collapsed.

    python scripts/image_spread.py runs/faces-l1-s1 runs/chairs-A-s0
"""

from __future__ import annotations

import argparse

import torch

from infogan.data import load_dataset, to_unit_range
from infogan.model import InfoGAN
from infogan.train import image_spread


def run_spread(run: str, n: int = 256) -> tuple[int, float]:
    """The checkpoint's update and its generator's image spread over the first ``n`` training images."""
    model = InfoGAN.load(run)
    dataset = load_dataset(model.config.dataset, "train", model.config.data_dir, verify=False)
    real = to_unit_range(dataset.images(torch.arange(min(n, len(dataset))).numpy()))
    with torch.no_grad():
        fake = model.generate(len(real), seed=0)
    return model.step, image_spread(fake, real).item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+")
    args = parser.parse_args()
    for run in args.runs:
        step, spread = run_spread(run)
        print(f"{run} (update {step}): image_spread {spread:.3f}")


if __name__ == "__main__":
    main()
