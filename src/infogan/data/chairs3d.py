"""Chairs built from boxes and drawn back to front: a stand-in for the paper's 3D chairs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .base import Factor, HashedFactorsDataset

SIZE = 64  # image height and width in pixels
SUPERSAMPLE = 2  # drawn at this multiple of the size, then averaged down (anti-aliasing)
ELEVATION = math.radians(22.0)  # the camera looks down on the chair by this much
PIXELS_PER_UNIT = 23.5  # chair units to output pixels: every chair fits at every azimuth
CENTRE_HEIGHT = 1.1  # the chair's height that lands at the image centre
BACKGROUND = 240  # plain light gray, as in the rendered chairs: brighter than any face of a chair
AMBIENT = 0.3
LIGHT = np.array([-0.45, 0.8, 0.55]) / np.linalg.norm([-0.45, 0.8, 0.55])  # camera frame: upper left, front
SPLITS = {"train": (0, 200_000), "test": (1, 10_000)}  # split -> (hash tag, size)
FACTOR_DOMAIN = 0x43484152  # "CHAR": the hash domain of the factor values
SEAT_DEPTH = 0.9
LEG_HEIGHT = 0.85
WOOD, CLOTH = 0.55, 0.85  # albedos of legs and frame, of seat and back


@dataclass(frozen=True)
class Style:
    """One kind of chair; lengths in chair units (a seat is about 1 wide)."""

    back: str  # "solid" panel, "ladder" (two posts and rails) or "raised" (posts, panel on top)
    back_height: float
    back_thickness: float
    seat_thickness: float
    legs: str  # "four" legs or "pedestal" (a column on a square foot)
    leg_thickness: float
    arms: bool


STYLES = (
    Style("solid", 0.95, 0.10, 0.10, "four", 0.08, False),  # dining chair
    Style("solid", 0.55, 0.10, 0.10, "four", 0.08, False),  # low back
    Style("solid", 1.15, 0.14, 0.18, "four", 0.16, False),  # tall, heavy
    Style("ladder", 0.95, 0.08, 0.08, "four", 0.07, False),  # ladder back
    Style("ladder", 0.75, 0.08, 0.14, "four", 0.14, True),  # ladder back with arms
    Style("raised", 0.90, 0.08, 0.10, "four", 0.08, False),  # panel on two posts
    Style("raised", 1.10, 0.10, 0.16, "pedestal", 0.16, False),  # office chair
    Style("solid", 0.90, 0.16, 0.22, "pedestal", 0.20, True),  # office armchair
    Style("solid", 0.70, 0.22, 0.30, "four", 0.18, True),  # armchair, thick cushions
    Style("solid", 1.05, 0.08, 0.06, "four", 0.05, True),  # thin frame with arms
    Style("ladder", 1.15, 0.10, 0.12, "pedestal", 0.14, True),  # tall ladder office chair
    Style("raised", 0.70, 0.12, 0.20, "four", 0.12, True),  # low raised back with arms
)


def chair_boxes(style: Style, width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint axis-aligned boxes of one chair (x across, y up from the floor, z to its front):
    lower corners B x 3, upper corners B x 3 and albedos B. ``width`` scales seat and back across."""
    half_w = 0.5 * width
    half_d = 0.5 * SEAT_DEPTH
    seat_bottom = LEG_HEIGHT
    seat_top = seat_bottom + style.seat_thickness
    back_top = seat_top + style.back_height
    back_front = -half_d + style.back_thickness
    boxes = [((-half_w, seat_bottom, -half_d), (half_w, seat_top, half_d), CLOTH)]

    t = style.leg_thickness
    if style.legs == "four":
        inset = 0.04
        for sx in (-1.0, 1.0):
            for sz in (-1.0, 1.0):
                x0 = sx * (half_w - inset) if sx < 0 else half_w - inset - t
                z0 = sz * (half_d - inset) if sz < 0 else half_d - inset - t
                boxes.append(((x0, 0.0, z0), (x0 + t, seat_bottom, z0 + t), WOOD))
    else:
        foot = 0.5 * min(width, SEAT_DEPTH) * 0.9
        foot_height = 0.07
        boxes.append(((-foot, 0.0, -foot), (foot, foot_height, foot), WOOD))
        boxes.append(((-t, foot_height, -t), (t, seat_bottom, t), WOOD))

    post = max(0.08, style.back_thickness * 0.8)  # back posts' side length
    if style.back == "solid":
        boxes.append(((-half_w, seat_top, -half_d), (half_w, back_top, back_front), CLOTH))
    else:
        for sx in (-1.0, 1.0):
            x0 = -half_w if sx < 0 else half_w - post
            boxes.append(((x0, seat_top, -half_d), (x0 + post, back_top, back_front), WOOD))
        inner = half_w - post
        if style.back == "ladder":
            rail = 0.09
            for level in (0.45, 0.95):
                y1 = seat_top + level * style.back_height
                boxes.append(((-inner, y1 - rail, -half_d + 0.01), (inner, y1, back_front - 0.01), WOOD))
        else:
            panel_bottom = seat_top + 0.4 * style.back_height
            boxes.append(((-inner, panel_bottom, -half_d), (inner, back_top, back_front), CLOTH))

    if style.arms:
        arm = 0.09
        arm_top = seat_top + 0.35
        for sx in (-1.0, 1.0):
            x0 = -half_w if sx < 0 else half_w - arm
            boxes.append(((x0, seat_top, half_d - 0.1 - arm), (x0 + arm, arm_top - arm, half_d - 0.1), WOOD))
            boxes.append(((x0, arm_top - arm, back_front), (x0 + arm, arm_top, half_d), WOOD))
    low = np.array([b[0] for b in boxes], dtype=np.float64)
    high = np.array([b[1] for b in boxes], dtype=np.float64)
    albedo = np.array([b[2] for b in boxes], dtype=np.float64)
    return low, high, albedo


# The six faces of a box: outward normal axis and sign, and the corner order around the face
# (corner k has x from bit 0, y from bit 1, z from bit 2 of k; 0 the lower and 1 the upper corner).
FACES = (
    (0, -1.0, (0, 4, 6, 2)), (0, 1.0, (1, 3, 7, 5)),
    (1, -1.0, (0, 1, 5, 4)), (1, 1.0, (2, 6, 7, 3)),
    (2, -1.0, (0, 2, 3, 1)), (2, 1.0, (4, 5, 7, 6)),
)
CORNER_BITS = np.array([[(k >> axis) & 1 for axis in range(3)] for k in range(8)], dtype=np.float64)


def camera_rotation(azimuth: float) -> np.ndarray:
    """3 x 3 matrix from chair to camera coordinates (x right, y up, z toward the viewer): the
    chair turned by ``azimuth`` about the vertical, then seen from ``ELEVATION`` above."""
    ca, sa = math.cos(azimuth), math.sin(azimuth)
    ce, se = math.cos(ELEVATION), math.sin(ELEVATION)
    turn = np.array([[ca, 0.0, sa], [0.0, 1.0, 0.0], [-sa, 0.0, ca]])
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, ce, -se], [0.0, se, ce]])  # the top tips toward the viewer
    return tilt @ turn


def drawing_order(low: np.ndarray, high: np.ndarray, view: np.ndarray, extents: np.ndarray) -> list[int]:
    """Boxes from back to front for the viewing direction ``view`` (chair coordinates, from the
    camera into the scene). Disjoint axis-aligned boxes are split by a plane normal to an axis;
    the one on the camera's side of it is in front. Only boxes whose image extents (B x 4: left,
    top, right, bottom) overlap are ordered; a cycle, if one ever formed, is broken by depth."""
    count = len(low)
    eps = 1e-9
    behind = np.zeros((count, count), dtype=bool)  # behind[i, j]: draw i before j
    overlap = (extents[:, None, 0] < extents[None, :, 2]) & (extents[None, :, 0] < extents[:, None, 2]) \
        & (extents[:, None, 1] < extents[None, :, 3]) & (extents[None, :, 1] < extents[:, None, 3])
    below = high[:, None, :] <= low[None, :, :] + eps  # below[i, j, k]: i lies on j's low side along k
    for k in np.argsort(-np.abs(view)):  # the axis most along the view decides first
        if abs(view[k]) < eps:
            continue
        undecided = overlap & ~behind & ~behind.T
        i_low = undecided & below[:, :, k]
        # Looking toward +k, the box on the low side is nearer: it is drawn after.
        if view[k] > 0:
            behind |= i_low.T
        else:
            behind |= i_low
    depth = ((low + high) * 0.5) @ view  # larger: farther from the camera
    order, remaining = [], np.ones(count, dtype=bool)
    for _ in range(count):
        free = remaining & ~behind[remaining].any(0)  # nothing left must be drawn before it
        candidates = np.flatnonzero(free if free.any() else remaining)
        pick = int(candidates[np.argmax(depth[candidates])])
        order.append(pick)
        remaining[pick] = False
    return order


def draw_chair(style_index: int, azimuth: float, width: float) -> np.ndarray:
    """One chair of ``STYLES`` as a float image SIZE x SIZE with values 0..255."""
    return draw_style(STYLES[style_index], azimuth, width)


def draw_style(style: Style, azimuth: float, width: float) -> np.ndarray:
    """A chair of any ``Style`` (also one outside the data's twelve) as a float image SIZE x SIZE with values 0..255."""
    low, high, albedo = chair_boxes(style, width)
    rotation = camera_rotation(azimuth)
    canvas_size = SIZE * SUPERSAMPLE
    scale = PIXELS_PER_UNIT * SUPERSAMPLE
    corners = low[:, None, :] + CORNER_BITS[None] * (high - low)[:, None, :]  # B x 8 x 3
    corners = corners - np.array([0.0, CENTRE_HEIGHT, 0.0])
    camera = corners @ rotation.T
    columns = canvas_size / 2 + scale * camera[..., 0]
    rows = canvas_size / 2 - scale * camera[..., 1]
    extents = np.stack([columns.min(1), rows.min(1), columns.max(1), rows.max(1)], -1)
    view = rotation.T @ np.array([0.0, 0.0, -1.0])

    # Every box is axis-aligned, so the same (at most three) sides face the camera in all of them.
    visible = []
    for axis, sign, corner_ids in FACES:
        normal = sign * rotation[:, axis]  # the side's outward normal in camera coordinates
        if normal[2] > 1e-9:
            visible.append((corner_ids, AMBIENT + (1.0 - AMBIENT) * max(0.0, float(normal @ LIGHT))))
    points = np.stack([columns, rows], -1).tolist()  # B x 8 x 2
    image = Image.new("L", (canvas_size, canvas_size), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for box in drawing_order(low, high, view, extents):
        corners_of_box = points[box]
        for corner_ids, light in visible:
            draw.polygon([tuple(corners_of_box[c]) for c in corner_ids], fill=int(round(255.0 * albedo[box] * light)))
    pixels = np.asarray(image, dtype=np.float64)
    return pixels.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(1, 3))


class Chairs3D(HashedFactorsDataset):
    """Chairs of twelve styles turned all the way round and widened: a discrete factor beside a
    circular and a continuous one, in place of the paper's 3D chairs."""

    name = "chairs3d"
    shape = (1, SIZE, SIZE)
    factors = (
        Factor("style", "discrete", 0.0, len(STYLES) - 1.0, len(STYLES)),
        Factor("azimuth", "circular", 0.0, 2.0 * math.pi),
        Factor("width", "continuous", 0.7, 1.3),
    )

    splits = SPLITS
    factor_domain = FACTOR_DOMAIN

    def render(self, factor_values: np.ndarray) -> np.ndarray:
        values = np.asarray(factor_values, dtype=np.float64).reshape(-1, len(self.factors))
        images = np.empty((len(values), 1, SIZE, SIZE), dtype=np.uint8)
        for n, (style, azimuth, width) in enumerate(values):
            images[n, 0] = np.rint(draw_chair(int(round(style)), azimuth, width))
        return images
