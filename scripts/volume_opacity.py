"""How opaque a volume network's composited map is, against how much of the real images the object covers.

G's volume holds densities; each pixel of the composited map (the volume's side, e.g. 16 x 16) is
as opaque as what its line of sight crosses. If the volume held a solid object on empty space, the
opaque share of the map would be near the share of the real images' map cells that the object
touches. A map opaque nearly everywhere is a fog: the shape then lives in the volume's features
and the 2D layers, not in its density (docs/experiments.md, session 26). It also prints the mean
depth spread of the map's opaque pixels (``networks.depth_spread``: how far apart along the line of
sight the voxels lie that a pixel shows, in units of the volume's depth; 0 for one surface), which
``--depth-spread-weight`` charges.

    python scripts/volume_opacity.py runs/chairsd256t-s0 [--yaws 24 --draws 64 --real 300]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch

from infogan.data import load_dataset
from infogan.model import InfoGAN
from infogan.networks import VolumeGenerator, depth_spread


@torch.no_grad()
def composited_opacity(model: InfoGAN, yaws: int, draws: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The composited opacity and depth spread (each N x side x side) of ``draws`` latents at each
    of ``yaws`` turns over the yaw code's range (a full turn, or an interval code's), every other
    code drawn from its prior."""
    name, code = next((name, code) for name, code in model.spec.by_name.items() if getattr(code, "pose", None) == "yaw")
    turns = [-math.pi + 2 * math.pi * k / yaws for k in range(yaws)] if code.kind == "circ" else \
        [code.low + (code.high - code.low) * (k + 0.5) / yaws for k in range(yaws)]
    maps, spreads = [], []
    for k, turn in enumerate(turns):
        noise, codes = model.latents(draws, {name: turn}, seed=seed + k)
        maps.append(model.generator.composited(model.spec.generator_input(noise, codes))[:, -1])
        spreads.append(depth_spread(model.generator.last_shares))
    return torch.cat(maps), torch.cat(spreads)


def object_cover(images: np.ndarray, side: int, tolerance: float = 3.0) -> tuple[float, float]:
    """For uint8 N x 1 x H x W images on a plain background (the corner pixel's value): the share of
    pixels that differ from it by more than ``tolerance``, and the share of the side x side cells
    (H and W divisible by side) that hold any such pixel."""
    pixels = images[:, 0].astype(np.float64)
    background = pixels[:, :1, :1]
    object_mask = np.abs(pixels - background) > tolerance
    n, height, width = object_mask.shape
    cells = object_mask.reshape(n, side, height // side, side, width // side).any(axis=(2, 4))
    return float(object_mask.mean()), float(cells.mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--yaws", type=int, default=24, help="turns over the yaw code's range (default 24)")
    parser.add_argument("--draws", type=int, default=64, help="latents per turn (default 64)")
    parser.add_argument("--real", type=int, default=300, help="real test images measured (default 300)")
    args = parser.parse_args()
    model = InfoGAN.load(args.run)
    if not isinstance(model.generator, VolumeGenerator) or not any(
            getattr(code, "pose", None) == "yaw" for code in model.spec.by_name.values()):
        parser.error(f"{args.run} has no volume turned by a yaw code (network {model.network}, codes {model.config.codes})")
    opacity, spread = composited_opacity(model, args.yaws, args.draws)
    side = opacity.shape[-1]
    opaque = opacity > 0.5
    print(f"{args.run} ({model.step} updates): G's composited {side}x{side} opacity over {args.yaws} turns x {args.draws} draws: "
          f"mean {opacity.mean():.3f}, share above 0.5 {opaque.float().mean():.3f}, above 0.9 {(opacity > 0.9).float().mean():.3f}; "
          f"depth spread where above 0.5 {spread[opaque].mean() if opaque.any() else float('nan'):.3f}")
    dataset = load_dataset(model.config.dataset, "test")
    pixels, cells = object_cover(dataset.images(np.arange(min(args.real, len(dataset)))), side)
    print(f"{model.config.dataset} ({min(args.real, len(dataset))} test images): the object covers {pixels:.3f} of the pixels "
          f"and touches {cells:.3f} of the {side}x{side} cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
