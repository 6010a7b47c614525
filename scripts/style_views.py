"""What Q has seen of a style: real chairs of it at eight azimuths beside G's images of the category Q puts them in.

On chairs3d, Q reads some styles' views as their reflection front to back (docs/experiments.md).
Q learns its reading from G's images only, so a real view it misreads must look, to Q, like G's
image of another view. For each style asked for, three rows of the figure:

1. real chairs of the style at azimuths 0°, 45°, ..., 315° (width 1);
2. G's images of the category Q puts most of the style's real test images in, with the angle code
   at the angle Q reads for the --reference styles' real chairs at each of those azimuths (what G
   draws where Q should read that view), the noise and the other codes fixed;
3. the same, with the angle code at what Q reads for this style's chairs (what G draws where Q
   does read them).

Where rows 1 and 2 differ in the cue that tells a view from its reflection (whether the back hides
the seat), and row 3 shows it, G has not drawn the view Q was shown. The readings are printed too.

    python scripts/style_views.py runs/chairscat20-s0 --styles 1,2,6,10 --out docs/figures/chairscat20-s0/style_views.png
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from infogan.data import load_dataset, to_unit_range
from infogan.figures import save_grid
from infogan.metrics import evaluation_sample
from infogan.model import InfoGAN

AZIMUTHS = np.radians(np.arange(0, 360, 45))


def parse_styles(text: str, count: int, option: str) -> list[int]:
    """Comma-separated style numbers, each in 0..count-1; a one-line error otherwise."""
    try:
        styles = [int(part) for part in text.split(",")]
    except ValueError:
        raise SystemExit(f"{option} takes comma-separated style numbers, not {text!r}") from None
    if not styles or any(not 0 <= style < count for style in styles):
        raise SystemExit(f"{option} takes styles 0..{count - 1}, not {text!r}")
    return styles


def real_views(dataset, style: int, width: float = 1.0) -> torch.Tensor:
    """The style's chairs at each of AZIMUTHS, in [0, 1]."""
    values = np.stack([np.full(len(AZIMUTHS), float(style)), AZIMUTHS, np.full(len(AZIMUTHS), width)], axis=1)
    return to_unit_range(dataset.render(values))


def modal_category(model: InfoGAN, dataset, indices: np.ndarray, category_code: str, style: int) -> tuple[int, float]:
    """The category Q puts most of the style's real images (among ``indices``) in, and its share of them."""
    mine = indices[dataset.factor_values(indices)[:, 0] == style]
    counts = np.bincount(model.encode(to_unit_range(dataset.images(mine)))[category_code].numpy(),
                         minlength=model.spec.by_name[category_code].categories)
    return int(counts.argmax()), float(counts.max() / max(counts.sum(), 1))


def circular_mean(angles: np.ndarray, axis: int = 0) -> np.ndarray:
    """The mean direction of angles (radians) along ``axis``: a mean of raw numbers jumps at +-pi."""
    return np.angle(np.exp(1j * angles).sum(axis=axis))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--styles", default="1,2,6,10", help="the styles shown (default 1,2,6,10: those Q misread on every run so far)")
    parser.add_argument("--reference", default="0,3,5", help="styles whose readings say where Q should read each view "
                                                               "(default 0,3,5: read at 0.97-1.00 on every run whose turn formed)")
    parser.add_argument("--n", type=int, default=3000, help="real test images, split by style, that pick each style's category (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="the noise and other codes of G's images")
    parser.add_argument("--out", required=True, help="the figure (PNG)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = InfoGAN.load(args.run)
    if model.config.dataset != "chairs3d":
        parser.error(f"{args.run} trained on {model.config.dataset}; this script reads chairs3d's styles")
    angle_codes = [code.name for code in model.spec.codes if code.kind == "circ"]
    categorical = [code.name for code in model.spec.codes if code.kind == "cat"]
    if not angle_codes or not categorical:
        parser.error(f"{args.run} needs an angle code and a categorical code (its codes: {model.config.codes})")
    angle_code, category_code = angle_codes[0], categorical[0]
    dataset = load_dataset("chairs3d", "test")
    count = int(dataset.factors[0].values)
    styles = parse_styles(args.styles, count, "--styles")
    reference = circular_mean(np.stack([model.encode(real_views(dataset, style))[angle_code].numpy()
                                        for style in parse_styles(args.reference, count, "--reference")]))
    indices = evaluation_sample(dataset, args.n)
    print(f"{args.run} (update {model.step}): {angle_code} as Q reads real chairs at azimuths "
          + ", ".join(f"{a:.0f}°" for a in np.degrees(AZIMUTHS)) + " (degrees)")
    print(f"| style | {category_code} (share of its images) | " + " | ".join(f"{a:.0f}°" for a in np.degrees(AZIMUTHS)) + " |")
    print("|---|---|" + "---|" * len(AZIMUTHS))
    print(f"| reference ({args.reference}) | – | " + " | ".join(f"{a:+.0f}" for a in np.degrees(reference)) + " |")
    rows = []
    for style in styles:
        real = real_views(dataset, style)
        read = model.encode(real)[angle_code].numpy()
        category, share = modal_category(model, dataset, indices, category_code, style)
        print(f"| {style} | {category} ({share:.2f}) | " + " | ".join(f"{a:+.0f}" for a in np.degrees(read)) + " |")
        noise, codes = model.latents(1, {category_code: category}, seed=args.seed)
        noise, codes = noise.repeat(len(AZIMUTHS), 1), {name: value.repeat(len(AZIMUTHS)) for name, value in codes.items()}
        drawn = []
        for angles in (reference, read):
            codes[angle_code] = torch.as_tensor(angles, dtype=codes[angle_code].dtype)
            drawn.append(model.generate_from(noise, codes))
        rows += [real, *drawn]
    path = save_grid(torch.cat(rows), args.out, columns=len(AZIMUTHS), scale=2)
    print(f"figure: {path} (per style: real chairs; G at the reference's readings; G at this style's readings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
