"""Pictures: image grids, the paper's Figure 2 traversals and Figure 1 information curves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def image_grid(images: torch.Tensor, columns: int, padding: int = 2, scale: int = 1) -> Image.Image:
    """Tile images N x 1 x H x W in [0, 1] row by row into one grayscale picture."""
    images = images.detach().clamp(0, 1).cpu().numpy()
    n, _, height, width = images.shape
    rows = -(-n // columns)
    canvas = np.ones((rows * (height + padding) + padding, columns * (width + padding) + padding), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = padding + r * (height + padding), padding + c * (width + padding)
        canvas[top : top + height, left : left + width] = image[0]
    picture = Image.fromarray((canvas * 255).round().astype(np.uint8), mode="L")
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return picture


def save_grid(images: torch.Tensor, path: str | os.PathLike, columns: int, scale: int = 1) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image_grid(images, columns, scale=scale).save(path)
    return path
