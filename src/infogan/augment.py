"""Small random affine transforms (rotation, scale, shift; optionally a left-right mirror and a
horizontal stretch) of image batches.

They do not change which digit an image shows, only its style; asking Q to recognise the
categorical code through them steers the code away from style (slant, width) and towards identity.
The mirror is for data whose classes are mirror-symmetric (a chair's style): through it a category
cannot stand for the side an object faces. The stretch, for data whose classes come in every width
(chairs3d's styles): through it a category cannot stand for how wide an object is. The raise of the
upper half, for chairs3d's pose codes: through it a turn cannot be read from how tall a back looks.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine_grid(n: int, size: tuple[int, int], max_degrees: float = 15.0, max_shift: float = 0.1,
                       max_scale: float = 0.1, mirror: bool = False, max_stretch: float = 0.0, device=None) -> torch.Tensor:
    """Sampling grids for ``n`` random transforms (rotation up to +-max_degrees, shift up to
    +-max_shift of the image, scale within 1 +- max_scale); with ``mirror`` each image is then
    mirrored left to right with probability 1/2, and with ``max_stretch`` stretched along the
    image's rows by a factor within 1 +- max_stretch."""
    angle = (torch.rand(n, device=device) * 2 - 1) * math.radians(max_degrees)
    scale = 1 + (torch.rand(n, device=device) * 2 - 1) * max_scale
    shift = (torch.rand(n, 2, device=device) * 2 - 1) * (2 * max_shift)  # grid coordinates span 2
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    # drawn after the others, so that grids without them stay as they were for a given seed
    if mirror:
        side = torch.randint(0, 2, (n,), device=device).to(theta.dtype) * 2 - 1
        theta[:, :, 0] = theta[:, :, 0] * side[:, None]  # the output's x reads the input at -x
    if max_stretch:
        stretch = 1 + (torch.rand(n, device=device) * 2 - 1) * max_stretch
        theta[:, :, 0] = theta[:, :, 0] / stretch[:, None]  # the output's x reads the input at x / stretch
    return F.affine_grid(theta, (n, 1, *size), align_corners=False)


def raise_factors(n: int, max_raise: float, device=None) -> torch.Tensor:
    """Each image's raise: a factor within 1 +- ``max_raise``."""
    return 1 + (torch.rand(n, device=device) * 2 - 1) * max_raise


def raised_upper_half(y: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Where a grid's coordinates ``y`` (N x ..., -1 at the top, 0 the centre) read once their upper
    half is stretched about the centre by ``factor`` (N): at y / factor above the centre, at y below."""
    return torch.where(y < 0, y / factor.view(-1, *(1,) * (y.dim() - 1)), y)


def raised_upper_half_grid(n: int, size: tuple[int, int], max_raise: float, device=None) -> torch.Tensor:
    """Sampling grids that stretch each image's upper half up or down about its centre row by a
    factor within 1 +- ``max_raise`` and leave the lower half as it is: on chairs3d, whose centre row
    is about the seat's height, a taller or lower back on the same seat and legs."""
    factor = raise_factors(n, max_raise, device)
    identity = torch.eye(2, 3, device=device).expand(n, 2, 3)
    grid = F.affine_grid(identity, (n, 1, *size), align_corners=False)
    return torch.stack([grid[..., 0], raised_upper_half(grid[..., 1], factor)], dim=-1)


def apply_grid(images: torch.Tensor, grid: torch.Tensor, padding: str = "zeros") -> torch.Tensor:
    """Resample images through a grid from ``random_affine_grid`` or ``raised_upper_half_grid``;
    differentiable in the images. Where the grid reads beyond the image, ``padding`` "zeros" reads
    black (MNIST's background) and "border" the nearest edge pixel: on a light background, a
    lowered back or a narrowed chair read through zeros had a black band across the top or sides."""
    return F.grid_sample(images, grid, mode="bilinear", padding_mode=padding, align_corners=False)
