"""dSprites, rendered: a white square, ellipse or heart on black, every factor combination once."""

from __future__ import annotations

import math

import numpy as np

from .base import Factor, RenderedDataset

SIZE = 64  # image height and width in pixels
RADIUS = 10.0  # pixels from a scale-1 sprite's centre to its farthest point, at any orientation
MARGIN = RADIUS + 1.0  # the sprite's centre keeps this far from the border: always fully inside
HEART_CENTRE = 0.2  # height of the rotation centre in the heart curve's units (minimises its radius)
HEART_RADIUS = 1.29  # the heart curve's farthest point from that centre, in its own units


def square(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Inside the square of half-diagonal 1, sides along the axes."""
    half_side = 1.0 / math.sqrt(2.0)
    return (np.abs(x) <= half_side) & (np.abs(y) <= half_side)


def ellipse(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Inside the 2:1 ellipse of semi-major axis 1, along x."""
    return x * x + 4.0 * y * y <= 1.0


def heart(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Inside the heart (x² + y² - 1)³ <= x² y³, lobes up, scaled to radius 1."""
    x = x * HEART_RADIUS
    y = y * HEART_RADIUS + HEART_CENTRE
    r = x * x + y * y - 1.0
    return r * r * r <= x * x * y * y * y


SHAPES = (square, ellipse, heart)


def sprite_masks(shape: np.ndarray, scale: np.ndarray, orientation: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Boolean masks N x 64 x 64 of sprites: pixel centres inside the shape turned by ``orientation``
    (radians, anticlockwise on screen), scaled to ``scale * RADIUS`` pixels and centred at x (left
    to right) and y (top to bottom), both in [0, 1] over the image's interior."""
    count = len(shape)
    pixel = np.arange(SIZE, dtype=np.float64) + 0.5
    centre_x = MARGIN + x * (SIZE - 2 * MARGIN)
    centre_y = MARGIN + y * (SIZE - 2 * MARGIN)
    radius = scale * RADIUS
    dx = (pixel[None, None, :] - centre_x[:, None, None]) / radius[:, None, None]  # N x 1 x W
    dy = (centre_y[:, None, None] - pixel[None, :, None]) / radius[:, None, None]  # N x H x 1, up
    cos, sin = np.cos(orientation)[:, None, None], np.sin(orientation)[:, None, None]
    local_x = cos * dx + sin * dy  # the pixel turned back by the orientation
    local_y = cos * dy - sin * dx
    masks = np.zeros((count, SIZE, SIZE), dtype=bool)
    for code, inside in enumerate(SHAPES):
        chosen = np.flatnonzero(shape == code)
        if chosen.size:
            masks[chosen] = inside(local_x[chosen], local_y[chosen])
    return masks


class Sprites(RenderedDataset):
    """dSprites drawn analytically, so its 737,280 images need no download: the standard set for
    scoring disentanglement, with every factor known exactly."""

    name = "sprites"
    shape = (1, SIZE, SIZE)
    factors = (
        Factor("shape", "discrete", 0.0, 2.0, 3),
        Factor("scale", "discrete", 0.5, 1.0, 6),
        Factor("orientation", "circular", 0.0, 2.0 * math.pi, 40),
        Factor("x", "discrete", 0.0, 1.0, 32),
        Factor("y", "discrete", 0.0, 1.0, 32),
    )
    grid = tuple(factor.values for factor in factors)  # mixed radix of the index, y fastest
    size = math.prod(grid)

    def __init__(self, split: str = "train"):
        self.split = split  # both splits are the full set, as dSprites has no test split

    def factor_values(self, indices: np.ndarray) -> np.ndarray:
        indices = self.check_indices(indices)
        steps = np.empty((indices.size, len(self.grid)), dtype=np.int64)
        rest = indices.reshape(-1)
        for column in range(len(self.grid) - 1, -1, -1):
            rest, steps[:, column] = np.divmod(rest, self.grid[column])
        values = np.empty(steps.shape, dtype=np.float64)
        for column, factor in enumerate(self.factors):
            stride = (factor.high - factor.low) / (factor.values if factor.kind == "circular" else factor.values - 1)
            values[:, column] = factor.low + steps[:, column] * stride
        return values

    def render(self, factor_values: np.ndarray) -> np.ndarray:
        values = np.asarray(factor_values, dtype=np.float64).reshape(-1, len(self.factors))
        shape = np.rint(values[:, 0]).astype(np.int64)
        masks = sprite_masks(shape, values[:, 1], values[:, 2], values[:, 3], values[:, 4])
        return (masks.astype(np.uint8) * 255)[:, None]
