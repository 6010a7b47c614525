"""What a faces3d run's codes follow on turned heads: the width factor, or the head's outline.

A frontal head's outline is as wide as the head; a head turned towards a profile shows mostly
its depth, which each identity sets (``head_parts`` in ``src/infogan/data/faces3d.py``), and how
far it is turned. So a code can widen frontal faces and deepen turned ones, following the outline
rather than the width factor. For each third of the
test faces by |azimuth|, from frontal to most turned, this prints each continuous code's
|Spearman| (Q's reading of real faces) with the width factor, the identity's skull depth, the
outline's width (the widest row of the head's silhouette) and |azimuth|; and, first, how far the
outline itself follows width and depth in that third, and how much width changes the pixels of
300 of its faces (docs/experiments.md).

    python scripts/head_outline.py runs/faces-s1 [--n 3000]
    python scripts/head_outline.py runs/faces-onedepth-s1 --one-skull-depth   # a run of one_skull_depth.py
"""

from __future__ import annotations

import argparse

import numpy as np

from infogan.data import load_dataset
from infogan.data.faces3d import PARTS, head_parts, ray_cast
from infogan.metrics import encode_dataset, evaluation_sample, rank_correlation
from infogan.model import InfoGAN

from factor_profile import distance_thirds  # scripts/ is on the path when a script runs
from one_skull_depth import use_one_skull_depth

SKULL = PARTS.index("skull")


def skull_depth(identity: np.ndarray) -> np.ndarray:
    """The skull's depth (front to back, head units) of each identity; width does not change it."""
    _, axes, _ = head_parts(identity, np.ones(len(identity)))
    return axes[:, SKULL, 2]


def outline_width(factor_values: np.ndarray, chunk: int = 64) -> np.ndarray:
    """The widest row of each head's silhouette, as a fraction of the image's width."""
    widths = []
    for start in range(0, len(factor_values), chunk):
        _, part = ray_cast(factor_values[start:start + chunk])
        widths.append((part >= 0).sum(axis=2).max(axis=1) / part.shape[2])
    return np.concatenate(widths)


def width_effect(dataset, factor_values: np.ndarray) -> float:
    """Mean absolute pixel change (0..255) when the width factor goes from the low to the high end
    of its range, the other factors kept: how visible width is on these heads."""
    column = [factor.name for factor in dataset.factors].index("width")
    low, high = factor_values.copy(), factor_values.copy()
    low[:, column], high[:, column] = dataset.factors[column].low, dataset.factors[column].high
    return float(np.abs(dataset.render(low).astype(np.float64) - dataset.render(high)).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--n", type=int, default=3000, help="test faces encoded (default 3000)")
    parser.add_argument("--one-skull-depth", action="store_true", help="the faces of one_skull_depth.py's control, for its runs")
    args = parser.parse_args()
    if args.one_skull_depth:
        use_one_skull_depth()
    model = InfoGAN.load(args.run)
    if model.config.dataset != "faces3d":
        parser.error(f"{args.run} was trained on {model.config.dataset}; this reads faces3d runs")
    dataset = load_dataset("faces3d", "test")
    names = [factor.name for factor in dataset.factors]
    indices = evaluation_sample(dataset, args.n)
    values = dataset.factor_values(indices)
    turn = np.abs(values[:, names.index("azimuth")])
    against = {"width": values[:, names.index("width")], "skull depth": skull_depth(values[:, names.index("identity")]),
               "outline": outline_width(values), "abs azimuth": turn}
    codes = {name: value for name, value in encode_dataset(model, dataset, indices).items() if model.spec.by_name[name].kind == "cont"}
    print(f"{args.run}: {len(indices)} test faces, |Spearman| within each third by |azimuth|")
    for keep in distance_thirds(values[:, names.index("azimuth")], dataset.factors[names.index("azimuth")]):
        low, high = np.degrees([turn[keep].min(), turn[keep].max()])
        outline = against["outline"][keep]
        print(f"\n|azimuth| {low:.0f} to {high:.0f} degrees ({keep.sum()} faces): the outline follows width "
              f"{abs(rank_correlation(outline, against['width'][keep])):.2f} and skull depth "
              f"{abs(rank_correlation(outline, against['skull depth'][keep])):.2f}; width from end to end of its range "
              f"changes a pixel by {width_effect(dataset, values[keep][:300]):.1f} of 255 on average")
        print("| code | " + " | ".join(against) + " |")
        print("|---|" + "---|" * len(against))
        for name, estimate in codes.items():
            print(f"| {name} | " + " | ".join(f"{abs(rank_correlation(estimate[keep], quantity[keep])):.2f}"
                                           for quantity in against.values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
