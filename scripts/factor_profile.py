"""How one factor is spread over the codes of a run on data with known factors (docs/experiments.md).

For each continuous code: its |Spearman| with the factor; the same for the code's mean within
each of BINS equal-count bins of the factor, which is the score Q would get if its reading had no
scatter around that mean (low: the code follows the factor only over part of its range); and
|Spearman| with the factor's distance from the middle of its range (high: the code says how far
from the middle, not which side). Then each code's mean per bin; with --split-by F, each code's
|Spearman| and its mean within the thirds of |F - middle of its range| (a mean that shifts from
third to third pulls the score over all images below the score within each), and its |Spearman|
with F's distance itself within each third (high: within that third the code follows how far F is
from its middle, as chairs3d's width code follows how side-on a chair is). Each angle code gets
its circular mean per bin and the length of its mean resultant (1: every reading in the bin agrees;
the same mean in bins on either side of a view shows a code that folds there). With --within F (a
discrete factor such as faces3d's identity), each code's |Spearman| after its mean within each
value of F is taken away, which is how high the score would be if Q's reading did not shift with
that factor. With --per NAME (a discrete factor such as chairs3d's style, or a categorical code,
grouping the images by Q's reading of it), each code's score within each group; for an angle code
and a circular factor also the share of readings within 45 degrees of the truth once the code's
sense and offset over all images are taken away, in each group and each eighth of the factor (a
group read well at the front and never at the back takes one view for the other), and where in
the factor's own degrees the code puts each eighth.

    python scripts/factor_profile.py runs/faces20k-azimuth-s1 --factor azimuth [--n 3000]
    python scripts/factor_profile.py runs/faces20k-azimuth-s1 --factor width --split-by azimuth
    python scripts/factor_profile.py runs/faces20k-azimuth-s1 --factor azimuth --within identity
    python scripts/factor_profile.py runs/chairslitd-s0 --factor azimuth --per style
"""

from __future__ import annotations

import argparse

import numpy as np

from infogan.data import load_dataset
from infogan.metrics import (circular_circular_rank_correlation, circular_rank_correlation, encode_dataset, evaluation_sample,
                             rank_correlation)
from infogan.model import InfoGAN


def distance_from_middle(values: np.ndarray, factor) -> np.ndarray:
    """How far from the middle of the range; for a circular factor (an angle from the front), how
    side-on: |sine|, 0 facing the camera or away from it, 1 at either side."""
    if factor.kind == "circular":
        return np.abs(np.sin(factor.angle(values)))
    return np.abs(values - (factor.low + factor.high) / 2)


def distance_label(name: str, factor) -> str:
    """How the thirds of ``distance_thirds`` are ordered, for a table's heading."""
    if factor.kind == "circular":
        return f"|sin {name}| (front and back first)"
    return f"|{name} - middle| (nearest the middle first)"


def distance_thirds(values: np.ndarray, factor) -> list[np.ndarray]:
    """Masks of the thirds of ``values`` by distance from the factor's middle, nearest first."""
    distance = distance_from_middle(values, factor)
    edges = np.quantile(distance, [0, 1 / 3, 2 / 3, 1])
    return [(distance >= edges[k]) & (distance <= edges[k + 1]) for k in range(3)]


def without_group_means(estimate: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """``estimate`` with its mean within each group (each value of ``groups``) taken away."""
    values, group_of = np.unique(groups, return_inverse=True)
    means = np.bincount(group_of, weights=estimate) / np.bincount(group_of)
    return estimate - means[group_of]


def circular_bin_means(angles: np.ndarray, bin_of: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Per bin, the circular mean of ``angles`` (radians) and the length of their mean resultant."""
    resultants = np.array([np.exp(1j * angles[bin_of == b]).mean() for b in range(bins)])
    return np.angle(resultants), np.abs(resultants)


def fitted_sense_and_offset(code: np.ndarray, angle: np.ndarray) -> tuple[int, float]:
    """The sense (+1 or -1: which way the code turns) and offset (radians) that best turn an angle
    code's readings into the true angles: those of the largest mean resultant of ``sense * code - angle``."""
    sense = max((1, -1), key=lambda s: abs(np.exp(1j * (s * code - angle)).mean()))
    return sense, float(np.angle(np.exp(1j * (sense * code - angle)).mean()))


def reading_errors(code: np.ndarray, angle: np.ndarray, sense: int, offset: float) -> np.ndarray:
    """How far (radians, -pi..pi) each reading, turned by the fitted sense and offset, is from the truth."""
    return np.angle(np.exp(1j * (sense * code - offset - angle)))


def angle_errors(code: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """How far (degrees, -180..180) an angle code's reading is from the true angle (radians), once
    the code's sense and its offset over all images are taken away."""
    return np.degrees(reading_errors(code, angle, *fitted_sense_and_offset(code, angle)))


def print_per_group(name: str, groups: np.ndarray, factor_name: str, factor, values: np.ndarray, codes: dict, angle_codes: dict) -> None:
    """Each code's score within each group; for angle codes on a circular factor, the share read
    within 45 degrees in each group and each eighth of the factor's turn, and where the code puts
    each eighth (its circular mean, in the factor's degrees)."""
    labels = np.unique(groups)
    circular = factor.kind == "circular"
    errors = {code: angle_errors(estimate, factor.angle(values)) for code, estimate in angle_codes.items()} if circular else {}
    score = (lambda estimate, keep: circular_rank_correlation(estimate[keep], factor.angle(values[keep]))) if circular else \
        (lambda estimate, keep: abs(rank_correlation(estimate[keep], values[keep])))
    headings = [f"{code} {'circular-linear' if circular else 'abs Spearman'}" for code in codes] + [f"{code} circular" for code in angle_codes] + [f"{code} within 45°" for code in errors]
    print(f"\n{factor_name} within each {name}\n| {name} | images | " + " | ".join(headings) + " |")
    print("|---|---|" + "---|" * len(headings))
    for label in labels:
        keep = groups == label
        cells = [f"{score(estimate, keep):.2f}" for estimate in codes.values()]
        cells += [f"{circular_circular_rank_correlation(estimate[keep], values[keep]):.2f}" for estimate in angle_codes.values()]
        cells += [f"{(abs(error[keep]) < 45).mean():.2f}" for error in errors.values()]
        print(f"| {label:g} | {keep.sum()} | " + " | ".join(cells) + " |")
    eighth = np.minimum((factor.angle(values) / (np.pi / 4)).astype(int), 7)
    for code, error in errors.items():
        print(f"\n| {name} | share of {code} within 45° of the truth in each eighth of {factor_name}: " + " | ".join(f"{45 * k}–{45 * k + 45}°" for k in range(8)) + " |")
        print("|---|" + "---|" * 8)
        for label in labels:
            cells = [abs(error[(groups == label) & (eighth == k)]) < 45 for k in range(8)]
            print(f"| {label:g} | " + " | ".join(f"{cell.mean():.2f}" if cell.size else "–" for cell in cells) + " |")
        read = factor.angle(values) + np.radians(error)  # the reading in the factor's own degrees
        print(f"\n| {name} | {code} read as (degrees of {factor_name}; mean resultant) in each eighth: " + " | ".join(f"{45 * k}–{45 * k + 45}°" for k in range(8)) + " |")
        print("|---|" + "---|" * 8)
        for label in labels:
            cells = []
            for k in range(8):
                keep = (groups == label) & (eighth == k)
                resultant = np.exp(1j * read[keep]).mean() if keep.any() else np.nan
                cells.append("–" if not keep.any() else f"{np.degrees(np.angle(resultant)) % 360:.0f} ({abs(resultant):.2f})")
            print(f"| {label:g} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--factor", required=True)
    parser.add_argument("--n", type=int, default=3000, help="test images encoded (default 3000)")
    parser.add_argument("--bins", type=int, default=10)
    parser.add_argument("--split-by", help="also score within thirds of this factor's distance from its middle")
    parser.add_argument("--within", help="also score with each code's mean within each value of this discrete factor taken away")
    parser.add_argument("--per", help="also score within each value of this discrete factor, or of Q's reading of this categorical code")
    args = parser.parse_args()
    model = InfoGAN.load(args.run)
    dataset = load_dataset(model.config.dataset, "test")
    names = [factor.name for factor in dataset.factors]
    for name in (args.factor, args.split_by or args.factor, args.within or args.factor):
        if name not in names:
            parser.error(f"{args.run} was trained on {model.config.dataset}, whose factors are {', '.join(names)}")
    categorical = [name for name, code in model.spec.by_name.items() if code.kind == "cat"]
    discrete = [factor.name for factor in dataset.factors if factor.kind == "discrete"]
    if args.per and args.per not in categorical + discrete:
        parser.error(f"--per takes a discrete factor or a categorical code of this run ({', '.join(discrete + categorical) or 'none'}), not {args.per!r}")
    indices = evaluation_sample(dataset, args.n)
    factor = dataset.factors[names.index(args.factor)]
    all_values = dataset.factor_values(indices)
    values = all_values[:, names.index(args.factor)]
    encoded = encode_dataset(model, dataset, indices)
    codes = {name: value for name, value in encoded.items() if model.spec.by_name[name].kind == "cont"}
    angle_codes = {name: value for name, value in encoded.items() if model.spec.by_name[name].kind == "circ"}
    edges = np.quantile(values, np.linspace(0, 1, args.bins + 1))
    bin_of = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, args.bins - 1)
    distance = distance_from_middle(values, factor)
    print(f"{args.factor} in {args.run} ({len(indices)} test images, {args.bins} bins)")
    print("| code | abs Spearman | of the per-bin mean | with distance from the middle |")
    print("|---|---|---|---|")
    means = {}
    for name, estimate in codes.items():
        means[name] = np.array([estimate[bin_of == b].mean() for b in range(args.bins)])
        cells = [abs(rank_correlation(estimate, values)), abs(rank_correlation(means[name][bin_of], values)),
                 abs(rank_correlation(estimate, distance))]
        print(f"| {name} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
    print(f"\n| {args.factor} (bin middle) | " + " | ".join(codes) + " |")
    print("|---|" + "---|" * len(codes))
    for b in range(args.bins):
        print(f"| {(edges[b] + edges[b + 1]) / 2:+.3f} | " + " | ".join(f"{means[name][b]:+.2f}" for name in codes) + " |")
    for name, estimate in angle_codes.items():
        circular_means, lengths = circular_bin_means(estimate, bin_of, args.bins)
        print(f"\n| {args.factor} (bin middle) | angle code {name}: circular mean (degrees) | mean resultant length |")
        print("|---|---|---|")
        for b in range(args.bins):
            print(f"| {(edges[b] + edges[b + 1]) / 2:+.3f} | {np.degrees(circular_means[b]):+.0f} | {lengths[b]:.2f} |")
    if args.split_by:
        column = names.index(args.split_by)
        thirds = distance_thirds(all_values[:, column], dataset.factors[column])
        print(f"\n| code | {args.factor} within thirds of {distance_label(args.split_by, dataset.factors[column])}: first | second | last |")
        print("|---|---|---|---|")
        for name, estimate in codes.items():
            cells = [abs(rank_correlation(estimate[keep], values[keep])) for keep in thirds]
            print(f"| {name} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
        print("\n| code | its mean within the same thirds: first | second | last |")
        print("|---|---|---|---|")
        for name, estimate in codes.items():
            print(f"| {name} | " + " | ".join(f"{estimate[keep].mean():+.2f}" for keep in thirds) + " |")
        split_distance = distance_from_middle(all_values[:, column], dataset.factors[column])
        print(f"\n| code | abs Spearman with {distance_label(args.split_by, dataset.factors[column]).split(' (')[0]} within the same thirds: first | second | last |")
        print("|---|---|---|---|")
        for name, estimate in codes.items():
            print(f"| {name} | " + " | ".join(f"{abs(rank_correlation(estimate[keep], split_distance[keep])):.2f}" for keep in thirds) + " |")
    if args.per:
        groups = encoded[args.per] if args.per in categorical else all_values[:, names.index(args.per)]
        print_per_group(args.per, groups, args.factor, factor, values, codes, angle_codes)
    if args.within:
        groups = all_values[:, names.index(args.within)]
        print(f"\n| code | {args.factor} | with its mean within each {args.within} taken away |")
        print("|---|---|---|")
        for name, estimate in codes.items():
            residual = without_group_means(estimate, groups)
            cells = [abs(rank_correlation(estimate, values)), abs(rank_correlation(residual, values))]
            print(f"| {name} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
