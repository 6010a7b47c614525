"""What a run's generator does in factor units: G's own images read by a factor reader trained
with labels on real images (docs/experiments.md).

Q's factor scores read real images, so a low score cannot tell three cases apart: G leaves the
factor out of its images, G puts it in the noise, or G spreads it over several codes. This script
reads G's images with supervised_ceiling.py's regressor and prints, for each factor:

- the reader's own |Spearman| on real test images (how far to trust the rest of the row);
- its spread in G's images over its spread in real images, both as the reader sees them (well
  below 1: G makes too little of the factor);
- the share of its variance in G's images that the noise explains (its variance between noise
  draws with the codes fixed) and that each code explains (the correlation ratio over ten
  quantile bins of the code, or over the categories of a categorical code). Shares near 1 on one
  code and near 0 elsewhere are a disentangled factor.

With --split-by F, the same shares again within the thirds of G's images by how far the reader
puts F from the middle of its range, nearest first (a code that holds width on frontal faces but
not on turned ones shows here); for a circular factor such as chairs3d's azimuth, by how side-on
(the |sine| of its angle), front and back first.

With --chain CODE:FACTOR, the three links between a code and the factor it should hold, each as
|Spearman|, over all images and within the thirds of --split-by: G shows the factor on the code
(the reader's factor on G's images against the code G was given), Q reads the code back from G's
images, and Q's reading carries over to real images (against their true factor; the score
`infogan evaluate` reports). A low last link beside high first two is Q failing to carry over; a
low first link is G leaving the factor out of those views.

With --sweep CODE, each factor as the reader sees it in G's images with CODE held at each of 24
angles (an angle code, every 15 degrees) or 9 values from -1 to 1 (an interval code), the rest
drawn: a circular factor's circular mean and mean resultant length (1: every image agrees), a
continuous one's mean. A code that turns the object as the data turns shows a mean that moves in
step with it.

With --sweep CODE --per CAT (a categorical code), each circular factor as the reader sees it with
CAT held at each category and CODE at 8 angles or 9 values, the rest drawn; a "turn" column adds
up the steps between neighbouring columns, and the last names the values of the data's discrete
factors (chairs3d's style) whose real test images Q reads mostly as that category. A code that
turns every category's object as the data turns gives a turn near the code's own range; one that
folds the view of some categories, showing them swing back and forth over one side, gives a small
turn there.

With --moves C --across A (two interval codes), how each factor changes, in its own units, when
C moves from -1 to +1 with everything else fixed, at five values of A: the mean change and the
mean absolute change over the code settings. A mean absolute change well above the mean's size is
a change whose direction depends on the other codes (the chairs3d width code turning some
categories' chairs to the front and others' to the back), which the shares above cannot show.

The reader is trained once per dataset and kept in the --reader file.

    python scripts/generator_factors.py runs/faces4-noise10-s1 --reader runs/faces3d-reader.pt [--split-by azimuth]
    python scripts/generator_factors.py runs/chairs-cont2-parity1from2000-inv1-mirror-stretch-s1 --reader runs/chairs3d-reader.pt --moves c3 --across c2
    python scripts/generator_factors.py runs/chairsun16-s0 --reader runs/chairs3d-reader.pt --chain c3:width --split-by azimuth
    python scripts/generator_factors.py runs/chairsun16-s0 --reader runs/chairs3d-reader.pt --sweep c2
    python scripts/generator_factors.py runs/chairsun16-s0 --reader runs/chairs3d-reader.pt --sweep c2 --per c1
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from infogan.data import SOURCES, load_dataset, to_unit_range
from infogan.metrics import encode_dataset, evaluation_sample, rank_correlation
from infogan.metrics.separation import generate_in_chunks
from infogan.model import InfoGAN

from factor_profile import distance_from_middle, distance_label  # scripts/ is on the path when a script runs
from supervised_ceiling import reader_network, regression_targets, train_reader

BINS = 10  # quantile bins of a continuous or angle code for its correlation ratio


def correlation_ratio(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per column of ``values`` (N x F): the share of its variance explained by its mean within
    each value of ``labels`` (N), Pearson's eta squared."""
    _, group_of = np.unique(labels, return_inverse=True)
    counts = np.bincount(group_of).astype(float)
    means = np.stack([np.bincount(group_of, weights=column) / counts for column in values.T], axis=1)
    between = (counts[:, None] * (means - values.mean(0)) ** 2).sum(0)
    return between / ((values - values.mean(0)) ** 2).sum(0)


def quantile_bins(code: np.ndarray, bins: int = BINS) -> np.ndarray:
    """The index of each value's quantile bin among ``bins`` equally full ones."""
    return np.searchsorted(np.quantile(code, np.linspace(0, 1, bins + 1)[1:-1]), code, side="right")


def noise_share(values: np.ndarray, draws: int) -> np.ndarray:
    """Per column of ``values``, whose rows come in consecutive blocks of ``draws`` that share
    their codes and differ in their noise: the mean variance within a block over the variance of
    all rows (both unbiased)."""
    blocks = values.reshape(-1, draws, values.shape[1])
    return blocks.var(axis=1, ddof=1).mean(0) / values.var(axis=0, ddof=1)


def load_or_train_reader(path: Path, dataset_name: str, train: int, epochs: int) -> tuple[nn.Module, list[str]]:
    """The factor reader kept at ``path``, trained (and written there) when the file is missing."""
    train_set = load_dataset(dataset_name, "train")
    network = SOURCES[dataset_name].network
    if path.exists():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if saved["dataset"] != dataset_name:
            raise SystemExit(f"error: {path} reads {saved['dataset']}, not {dataset_name}; give another --reader file")
        reader = reader_network(network, train_set.shape[0], len(saved["names"]))
        reader.load_state_dict(saved["state"])
        print(f"reader: {path} ({saved['train']} training images, {saved['epochs']} epochs)")
        return reader.eval(), list(saved["names"])
    started = time.perf_counter()
    indices = np.arange(train)
    names, values = regression_targets(train_set.factors, train_set.factor_values(indices))
    for reader in train_reader(network, train_set.images(indices), values, epochs):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    torch.save({"dataset": dataset_name, "names": names, "state": reader.state_dict(), "train": train, "epochs": epochs}, partial)
    os.replace(partial, path)
    print(f"reader: trained on {train} images for {epochs} epochs in {time.perf_counter() - started:.0f} s, kept in {path}")
    return reader, names


@torch.no_grad()
def read(reader: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    return torch.cat([reader(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]).numpy()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--reader", required=True, help="the factor reader's file: read if it exists, else trained and written")
    parser.add_argument("--reader-train", type=int, default=20000, help="real training images for a new reader (default 20000)")
    parser.add_argument("--reader-epochs", type=int, default=3)
    parser.add_argument("--groups", type=int, default=1000, help="code settings drawn (default 1000)")
    parser.add_argument("--draws", type=int, default=4, help="noise draws per code setting (default 4)")
    parser.add_argument("--n", type=int, default=3000, help="real test images read (default 3000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split-by", help="also within thirds of G's images by this factor's distance from its middle (circular: how side-on)")
    parser.add_argument("--chain", metavar="CODE:FACTOR", help="a continuous code and its factor: G shows it, Q reads G, Q reads real images")
    parser.add_argument("--sweep", metavar="CODE", help="an angle or interval code: each factor in G's images at values across its range")
    parser.add_argument("--per", metavar="CAT", help="with --sweep: a categorical code, held at each category in turn")
    parser.add_argument("--moves", help="an interval code: print what moving it from -1 to +1 does to each factor")
    parser.add_argument("--across", help="with --moves: another interval code, held at -1, -0.5, 0, 0.5 and 1 in turn")
    args = parser.parse_args()
    if bool(args.moves) != bool(args.across):
        parser.error("--moves and --across go together")
    if args.moves and args.moves == args.across:
        parser.error("--moves and --across take two different codes")
    if args.draws < 2:
        parser.error("--draws must be at least 2: the noise's share is the variance between draws")
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = InfoGAN.load(args.run)
    if model.config.dataset not in ("sprites", "faces3d", "chairs3d"):
        parser.error(f"{args.run} trained on {model.config.dataset}, which has no factor values to train a reader on")
    reader, names = load_or_train_reader(Path(args.reader), model.config.dataset, args.reader_train, args.reader_epochs)
    test_set = load_dataset(model.config.dataset, "test")
    read_factors = {f.name: f for f in test_set.factors if f.kind in ("continuous", "circular")}
    if args.split_by and args.split_by not in read_factors:
        parser.error(f"--split-by takes one of the factors {', '.join(read_factors)}")
    interval = [code.name for code in model.spec.codes if code.kind == "cont"]
    chain_code, _, chain_factor = (args.chain or "").partition(":")
    if args.chain and (chain_code not in interval or chain_factor not in names):
        parser.error(f"--chain takes CODE:FACTOR, an interval code of this run ({', '.join(interval) or 'it has none'}) and a "
                     f"continuous factor ({', '.join(n for n in names if ' (' not in n)}), not {args.chain!r}")
    swept = [code.name for code in model.spec.codes if code.kind in ("cont", "circ")]
    if args.sweep and args.sweep not in swept:
        parser.error(f"--sweep takes an angle or interval code of this run ({', '.join(swept) or 'it has none'}), not {args.sweep!r}")
    categorical = [code.name for code in model.spec.codes if code.kind == "cat"]
    if args.per and (not args.sweep or args.per not in categorical):
        parser.error(f"--per goes with --sweep and takes a categorical code of this run ({', '.join(categorical) or 'it has none'}), not {args.per!r}")
    for code in filter(None, (args.moves, args.across)):
        if code not in interval:
            parser.error(f"--moves and --across take interval codes of this run ({', '.join(interval) or 'it has none'}), not {code!r}")

    indices = evaluation_sample(test_set, args.n)
    _, truth = regression_targets(test_set.factors, test_set.factor_values(indices))
    on_real = read(reader, to_unit_range(test_set.images(indices)))

    noise, codes = model.latents(args.groups, seed=args.seed)
    codes = {name: value.repeat_interleave(args.draws, dim=0) for name, value in codes.items()}
    noise = model.latents(args.groups * args.draws, seed=args.seed + 1)[0]
    with torch.no_grad():
        images = generate_in_chunks(model, noise, codes, chunk=500)
    on_fake = read(reader, images)

    print(f"\n{args.run} (update {model.step}): {args.groups} code settings x {args.draws} noise draws, {args.n} real test images")
    print("share of each factor's variance in G's images explained by the noise and by each code (correlation ratio)")
    print_shares(model, codes, on_fake, on_real, names, args.draws, accuracy=np.abs([rank_correlation(on_real[:, j], truth[:, j])
                                                                                  for j in range(len(names))]))
    if args.split_by:
        factor = read_factors[args.split_by]
        real_distance = reader_distance(on_real, names, factor)
        edges = np.quantile(real_distance, [1 / 3, 2 / 3])
        real_third = np.searchsorted(edges, real_distance)
        # whole code settings (by their draws' mean distance), so the noise's share still compares draws sharing their codes
        setting_third = np.searchsorted(edges, reader_distance(on_fake, names, factor).reshape(-1, args.draws).mean(1))
        for third, label in enumerate(("nearest the middle", "middle", "furthest from the middle")):
            keep = np.repeat(setting_third == third, args.draws)
            print(f"\nthird of G's images {label} by {args.split_by} (the reader's reading; {keep.sum() // args.draws} code settings)")
            if keep.sum() // args.draws < 2 * BINS:
                print(f"too few code settings for {BINS} bins of each code")
                continue
            print_shares(model, {name: value[keep] for name, value in codes.items()}, on_fake[keep], on_real[real_third == third],
                         names, args.draws)
    if args.moves:
        print_moves(model, reader, names, args.moves, args.across, args.groups, args.seed)
    if args.sweep:
        print_sweep(model, reader, names, read_factors, args.sweep, args.groups, args.seed)
    if args.per:
        print_sweep_per(model, reader, names, read_factors, args.sweep, args.per, args.groups, args.seed,
                        modal_categories(model, test_set, indices, args.per))
    if args.chain:
        print_chain(model, images, codes[chain_code].numpy(), on_fake, test_set, indices, truth, names, chain_code, chain_factor,
                    read_factors.get(args.split_by))
    return 0


def print_chain(model, images: torch.Tensor, given: np.ndarray, on_fake: np.ndarray, test_set, indices: np.ndarray,
                truth: np.ndarray, names: list[str], code: str, factor_name: str, split=None) -> None:
    """The three links between ``code`` and the factor it should hold, over all images and, with
    ``split`` (a factor), within its thirds: G's images by the reader's reading, real ones by the truth."""
    column = names.index(factor_name)
    q_on_fake = model.encode(images)[code].numpy()
    q_on_real = encode_dataset(model, test_set, indices)[code]
    rows = [("all", np.ones(len(given), bool), np.ones(len(indices), bool))]
    if split is not None:
        true_distance = distance_from_middle(test_set.factor_values(indices)[:, test_set.factors.index(split)], split)
        edges = np.quantile(true_distance, [1 / 3, 2 / 3])
        fake_third, real_third = (np.searchsorted(edges, distance) for distance in (reader_distance(on_fake, names, split), true_distance))
        rows += [(f"third {k + 1}", fake_third == k, real_third == k) for k in range(3)]
    print(f"\n{code} and {factor_name}: |Spearman| of each link" + (f" (thirds of {distance_label(split.name, split)}: "
          "the reader's on G's images, the truth on real ones)" if split is not None else ""))
    print(f"| images | G's images | G shows {factor_name} | Q reads {code} on G's images | real images | Q's {code} on real {factor_name} |")
    print("|---|---|---|---|---|---|")
    for label, fake, real in rows:
        print(f"| {label} | {fake.sum()} | {link(on_fake[fake, column], given[fake])} | {link(q_on_fake[fake], given[fake])} "
              f"| {real.sum()} | {link(q_on_real[real], truth[real, column])} |")


def link(a: np.ndarray, b: np.ndarray) -> str:
    """|Spearman| of two readings, or a dash where too few images are left to rank."""
    return f"{abs(rank_correlation(a, b)):.2f}" if len(a) >= 2 * BINS else "–"


def print_sweep(model, reader: nn.Module, names: list[str], factors: dict, code: str, groups: int, seed: int) -> None:
    """Each factor in G's images, as the reader sees it, with ``code`` held at values across its
    range (the same ``groups`` draws of the rest at every value)."""
    angle = model.spec.by_name[code].kind == "circ"
    values = np.radians(np.arange(-180, 180, 15)) if angle else np.linspace(-1, 1, 9)
    circular = [f for f in factors.values() if f.kind == "circular"]
    continuous = [f for f in factors.values() if f.kind == "continuous"]
    print(f"\neach factor in G's images with {code} held at each value ({groups} draws of the rest): circular mean in degrees "
          "(mean resultant length), or mean")
    print(f"| {code} | " + " | ".join(f.name for f in circular + continuous) + " |")
    print("|---|" + "---|" * (len(circular) + len(continuous)))
    for value in values:
        noise, codes = model.latents(groups, {code: float(value)}, seed=seed)
        with torch.no_grad():
            readings = read(reader, generate_in_chunks(model, noise, codes, chunk=500))
        cells = []
        for factor in circular:
            resultant = circular_reading(readings, names, factor)
            cells.append(f"{np.degrees(np.angle(resultant)):+.0f} ({np.abs(resultant):.2f})")
        cells += [f"{readings[:, names.index(f.name)].mean():.3f}" for f in continuous]
        print(f"| {np.degrees(value):+.0f}° | " if angle else f"| {value:+.2f} | ", end="")
        print(" | ".join(cells) + " |")


def reader_angle(readings: np.ndarray, names: list[str], factor) -> np.ndarray:
    """The angle (radians) that a circular factor's cosine and sine readings point to."""
    return np.arctan2(readings[:, names.index(f"{factor.name} (sin)")], readings[:, names.index(f"{factor.name} (cos)")])


def circular_reading(readings: np.ndarray, names: list[str], factor) -> complex:
    """The mean of a circular factor's readings as a unit-free resultant: its angle is the
    circular mean, its length how much the readings agree (1: all)."""
    return np.exp(1j * reader_angle(readings, names, factor)).mean()


def modal_categories(model, test_set, indices: np.ndarray, per: str) -> dict[int, str]:
    """For each category of ``per``: the values of each discrete factor of the real test images
    ``indices`` that Q puts mostly in it, with the share of that value's images it takes."""
    read_as = model.encode(to_unit_range(test_set.images(indices)))[per].numpy()
    values = test_set.factor_values(indices)
    found: dict[int, list[str]] = {}
    for column, factor in enumerate(test_set.factors):
        if factor.kind != "discrete":
            continue
        for value in np.unique(values[:, column]):
            counts = np.bincount(read_as[values[:, column] == value], minlength=model.spec.by_name[per].categories)
            found.setdefault(int(counts.argmax()), []).append(f"{factor.name} {value:g} ({counts.max() / counts.sum():.2f})")
    return {category: ", ".join(labels) for category, labels in found.items()}


def print_sweep_per(model, reader: nn.Module, names: list[str], factors: dict, code: str, per: str, groups: int, seed: int,
                    modal: dict[int, str]) -> None:
    """Each circular factor in G's images with ``per`` held at each category and ``code`` at values
    across its range, and the turn they add up to (``groups`` draws of the rest per cell); the last
    column names the real images' discrete factor values that Q reads mostly as that category."""
    angle = model.spec.by_name[code].kind == "circ"
    values = np.radians(np.arange(-180, 180, 45)) if angle else np.linspace(-1, 1, 9)
    for factor in (f for f in factors.values() if f.kind == "circular"):
        print(f"\n{factor.name} in G's images with {per} held at each category and {code} at each value ({groups} draws of the "
              "rest): circular mean in degrees (mean resultant length); turn: the sum of the steps between neighbours")
        print(f"| {per} | " + " | ".join(f"{np.degrees(v):+.0f}°" if angle else f"{v:+.2f}" for v in values)
              + " | turn | real images read mostly as it (share of them) |")
        print("|---|" + "---|" * (len(values) + 2))
        for category in range(model.spec.by_name[per].categories):
            means = []
            for value in values:
                noise, codes = model.latents(groups, {per: category, code: float(value)}, seed=seed)
                with torch.no_grad():
                    means.append(circular_reading(read(reader, generate_in_chunks(model, noise, codes, chunk=500)), names, factor))
            turn = np.degrees(np.angle(np.array(means[1:]) / np.array(means[:-1]))).sum()
            cells = [f"{np.degrees(np.angle(m)):+.0f} ({np.abs(m):.2f})" for m in means]
            print(f"| {category} | " + " | ".join(cells) + f" | {turn:+.0f}° | {modal.get(category, '–')} |")


def reader_distance(readings: np.ndarray, names: list[str], factor) -> np.ndarray:
    """How far from ``factor``'s middle the reader puts each image; for a circular factor, how
    side-on (the |sine| of the angle its cosine and sine readings point to)."""
    if factor.kind == "circular":
        return np.abs(np.sin(reader_angle(readings, names, factor)))
    return np.abs(readings[:, names.index(factor.name)] - (factor.low + factor.high) / 2)


def print_moves(model, reader: nn.Module, names: list[str], moves: str, across: str, groups: int, seed: int) -> None:
    """The change in each factor when ``moves`` goes from -1 to +1 (same noise and other codes), at
    five values of ``across``: mean and mean absolute change over ``groups`` settings."""
    print(f"\neach factor's change when {moves} moves from -1 to +1, everything else fixed ({groups} settings of the rest):"
          " mean (mean absolute)")
    print(f"| {across} | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for value in (-1.0, -0.5, 0.0, 0.5, 1.0):
        ends = []
        for end in (-1.0, 1.0):
            noise, codes = model.latents(groups, {across: value, moves: end}, seed=seed)  # the same draws at both ends
            with torch.no_grad():
                ends.append(read(reader, generate_in_chunks(model, noise, codes, chunk=500)))
        change = ends[1] - ends[0]
        cells = " | ".join(f"{change[:, j].mean():+.2f} ({np.abs(change[:, j]).mean():.2f})" for j in range(len(names)))
        print(f"| {value:+.1f} | {cells} |")


def print_shares(model, codes: dict, on_fake: np.ndarray, on_real: np.ndarray, names: list[str], draws: int,
                 accuracy: np.ndarray | None = None) -> None:
    """The table of each factor's spread in G's images over the real one and of the shares of its
    variance that the noise and each code explain; with ``accuracy``, the reader's own score first."""
    shares = {}
    for code in model.spec.codes:
        value = codes[code.name].numpy()
        shares[code.name] = correlation_ratio(on_fake, value if code.kind == "cat" else quantile_bins(value))
    noise_shares = noise_share(on_fake, draws)
    first = "| reader on real " if accuracy is not None else ""
    print("| factor " + first + "| spread G / real | noise | " + " | ".join(shares) + " |")
    print("|---|" + ("---|" if accuracy is not None else "") + "---|---|" + "---|" * len(shares))
    for j, name in enumerate(names):
        spread = on_fake[:, j].std() / on_real[:, j].std()
        cells = " | ".join(f"{shares[code][j]:.2f}" for code in shares)
        lead = f"| {accuracy[j]:.3f} " if accuracy is not None else ""
        print(f"| {name} {lead}| {spread:.2f} | {noise_shares[j]:.2f} | {cells} |")


if __name__ == "__main__":
    raise SystemExit(main())
