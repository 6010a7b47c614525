"""How well ``infogan select`` (ModelCentrality, no labels) picks runs: every group of
``--group-size`` runs out of the given ones, the selected run's quality against the group's
median, worst and best (docs/disentanglement.md).

The pairwise agreement d_ij of two runs does not depend on which group they are in, so it is
computed once for all runs and each group's choice is read from its block. Quality is read from
each run's eval.json (``infogan evaluate``): ``accuracy`` on labelled data, or a disentanglement
score (``--quality factor_vae``, ``mig``, ...).

    python scripts/selection_study.py runs/mnist-seed* --group-size 3
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

from infogan.metrics.centrality import centrality
from infogan.model import InfoGAN


def quality_of(run: Path, key: str) -> float:
    result = json.loads((run / "eval.json").read_text())
    return float(result[key] if key == "accuracy" else result["disentanglement"][key])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--group-size", type=int, default=3)
    parser.add_argument("--quality", default="accuracy", help="accuracy, or a key of eval.json's disentanglement scores")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not 2 <= args.group_size <= len(args.runs):
        print(f"--group-size must lie in 2..{len(args.runs)}", file=sys.stderr)
        return 2
    quality = np.array([quality_of(run, args.quality) for run in args.runs])
    models = [InfoGAN.load(run) for run in args.runs]
    pairwise = np.array(centrality(models, seed=args.seed)["d"], dtype=float)  # diagonal None -> nan

    print(f"| group | {args.quality} of each run | selected | median | worst | best |")
    print("|---|---|---|---|---|---|")
    gains, at_least_median, picked_worst = [], 0, 0
    groups = list(itertools.combinations(range(len(args.runs)), args.group_size))
    for group in groups:
        block = pairwise[np.ix_(group, group)]
        selected = group[int(np.nanargmax(np.nanmean(block, axis=1)))]
        values = quality[list(group)]
        median = float(np.median(values))
        gains.append(quality[selected] - median)
        at_least_median += quality[selected] >= median
        picked_worst += quality[selected] == values.min() and values.min() < values.max()
        names = ", ".join(f"{args.runs[i].name} {quality[i]:.4f}" for i in group)
        print(f"| {len(gains)} | {names} | {args.runs[selected].name} {quality[selected]:.4f} | {median:.4f} | {values.min():.4f} | {values.max():.4f} |")
    print(f"\n{len(groups)} groups of {args.group_size}: selected minus median {np.mean(gains):+.4f} on average; "
          f"selected >= median in {at_least_median}/{len(groups)}; selected the worst in {picked_worst}/{len(groups)}")
    print("pairwise d (rows and columns in the order given):")
    for run, row in zip(args.runs, pairwise):
        print(f"  {run.name:<16}" + " ".join("   -  " if np.isnan(v) else f"{v:6.3f}" for v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
