"""A control for docs/experiments.md: any ``infogan`` command on faces3d whose 100 identities all
share one skull depth (the middle of its range), everything else unchanged.

On a head turned towards a profile the outline shows the skull's depth, which each identity sets;
``head_outline.py`` finds that the width code follows it there. With one depth for every
identity, nothing but width and the turn changes a turned head's outline, so a run of this
control says whether that ambiguity is what keeps the width code from width on turned heads.
The render cache fingerprints the renderer, so ``--render-cache`` writes a file of its own.

    python scripts/one_skull_depth.py train --preset faces-azimuth --seed 1 --out runs/faces-onedepth-s1
    python scripts/one_skull_depth.py evaluate runs/faces-onedepth-s1 --no-scores
"""

from __future__ import annotations

import sys

import numpy as np

from infogan.cli import main
from infogan.data import faces3d

SKULL_DEPTH_TRAIT = 2  # the identity trait u[2] that head_parts maps to the skull's depth
_identity_trait = faces3d.hashed_uniform


def one_depth_trait(domain: int, tag: int, indices: np.ndarray, column: int) -> np.ndarray:
    """``hashed_uniform``, except that the skull-depth trait is 0.5 for every identity."""
    if domain == faces3d.IDENTITY_DOMAIN and tag == 0 and column == SKULL_DEPTH_TRAIT:
        return np.full(np.shape(indices), 0.5)
    return _identity_trait(domain, tag, indices, column)


def use_one_skull_depth() -> None:
    """Make faces3d render every identity with the middle skull depth, from now on in this process."""
    faces3d.hashed_uniform = one_depth_trait


def run(argv: list[str]) -> int:
    """``infogan ARGV`` on the one-depth faces."""
    use_one_skull_depth()
    return main(argv)


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
