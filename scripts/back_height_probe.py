"""How Q's reading of the turn depends on how tall a chair's back is: chairs3d's styles redrawn with other back heights.

On chairs3d Q has read styles 1, 2, 6 and 10 as their reflection front to back on every run
(docs/experiments.md). Style 1 has the lowest back (0.55 chair units), styles 2, 6 and 10 the
tallest (1.10-1.15); the styles read well have backs of 0.70-1.05. This script redraws the chosen
styles with each back height asked for, at 16 azimuths, width 1, and prints for each height how
Q's angle code compares with the truth, once its sense and offset are fitted on the --reference
styles as the data draws them: the share read within 45°, and the shares of views from the front half
(within 90° of 0°) and from the back half that are read as their reflection front to back (more
than 45° off, and nearer the reflection than the truth). A Q that tells front from
back by how tall the back looks reads low backs as seen from behind and tall ones as seen from the
front.

    python scripts/back_height_probe.py runs/chairscat20-s0 --styles 0,3,5 --heights 0.55,0.75,0.95,1.15
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import torch

from infogan.data import to_unit_range
from infogan.data.chairs3d import STYLES, Style, draw_style
from infogan.model import InfoGAN

from factor_profile import fitted_sense_and_offset, reading_errors  # scripts/ is on the path when a script runs
from style_views import parse_styles

AZIMUTHS = np.radians(np.arange(16) * 22.5 + 11.25)  # none on the line between the front and the back half


def parse_heights(text: str) -> list[float]:
    """Comma-separated back heights in (0, 1.5] chair units; a one-line error otherwise."""
    try:
        heights = [float(part) for part in text.split(",")]
    except ValueError:
        raise SystemExit(f"--heights takes comma-separated numbers, not {text!r}") from None
    if any(not 0 < height <= 1.5 for height in heights):
        raise SystemExit(f"--heights takes back heights in (0, 1.5] chair units (taller backs leave the image), not {text!r}")
    return heights


def views(styles: list[Style]) -> torch.Tensor:
    """Each style at every azimuth of AZIMUTHS (style-major), in [0, 1]."""
    images = np.stack([np.rint(draw_style(style, azimuth, 1.0)) for style in styles for azimuth in AZIMUTHS])
    return to_unit_range(images[:, None].astype(np.uint8))


def reflections(errors: np.ndarray, angle: np.ndarray) -> tuple[float, float]:
    """The shares of front-half views (cos > 0) and of back-half views read as their reflection
    front to back (the angle pi - a): more than 45° off, and nearer the reflection than the truth. A
    view near the side is near its own reflection, so a small error there is not counted."""
    read = angle + errors
    off_reflection = np.abs(np.angle(np.exp(1j * (read - (np.pi - angle)))))
    reflected = (np.abs(errors) > np.pi / 4) & (off_reflection < np.abs(errors))
    front = np.cos(angle) > 0
    return float(reflected[front].mean()), float(reflected[~front].mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--styles", default="0,3,5", help="the styles redrawn (default 0,3,5)")
    parser.add_argument("--reference", default="0,3,5", help="styles, as the data draws them, that fit the code's sense and offset "
                                                               "(default 0,3,5: read at 0.97-1.00 on every run whose turn formed)")
    parser.add_argument("--heights", default="0.55,0.75,0.95,1.15", help="back heights in chair units (default 0.55,0.75,0.95,1.15: the data's range is 0.55-1.15)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    styles, reference = parse_styles(args.styles, len(STYLES), "--styles"), parse_styles(args.reference, len(STYLES), "--reference")
    heights = parse_heights(args.heights)
    model = InfoGAN.load(args.run)
    if model.config.dataset != "chairs3d":
        parser.error(f"{args.run} trained on {model.config.dataset}; this script redraws chairs3d's styles")
    angle_codes = [code.name for code in model.spec.codes if code.kind == "circ"]
    if not angle_codes:
        parser.error(f"{args.run} has no angle code (its codes: {model.config.codes})")
    code = angle_codes[0]
    sense, offset = fitted_sense_and_offset(model.encode(views([STYLES[style] for style in reference]))[code].numpy(),
                                            np.tile(AZIMUTHS, len(reference)))
    truth = np.tile(AZIMUTHS, len(styles))
    as_drawn = model.encode(views([STYLES[style] for style in styles]))[code].numpy()
    print(f"{args.run} (update {model.step}): {code} on styles {args.styles} at {len(AZIMUTHS)} azimuths, width 1; "
          f"sense {sense:+d} and offset {np.degrees(offset):.0f}° fitted on styles {args.reference} as the data draws them")
    print("| back height | within 45° | front half read reflected | back half read reflected |")
    print("|---|---|---|---|")
    rows = [("as drawn (" + ", ".join(f"{STYLES[s].back_height:g}" for s in styles) + ")", as_drawn)]
    for height in heights:
        redrawn = [dataclasses.replace(STYLES[style], back_height=height) for style in styles]
        rows.append((f"{height:g}", model.encode(views(redrawn))[code].numpy()))
    for label, read in rows:
        errors = reading_errors(read, truth, sense, offset)
        front, back = reflections(errors, truth)
        print(f"| {label} | {(np.abs(errors) < np.pi / 4).mean():.2f} | {front:.2f} | {back:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
