"""Shaded heads, ray-cast: a stand-in for the paper's 3D faces (Basel face model renders)."""

from __future__ import annotations

import math

import numpy as np

from .base import Factor, HashedFactorsDataset, hashed_uniform

SIZE = 32  # image height and width in pixels
SUPERSAMPLE = 2  # rays per pixel along each axis, averaged (anti-aliasing)
CHUNK = 8  # images ray-cast together: their images x parts x rays arrays stay in the CPU's cache
VIEW_HALF_WIDTH = 1.06  # head units from the image centre to its border
AMBIENT = 0.15  # share of the light that reaches every surface
LIGHT_ELEVATION = math.radians(20.0)  # the light is a little above the head
BACKGROUND = 0.08  # brightness of the plain background, 0..1
SPLITS = {"train": (0, 200_000), "test": (1, 10_000)}  # split -> (hash tag, size)
IDENTITIES = 100

# Hash domains: each use of the hash gets its own, so their streams never meet.
FACTOR_DOMAIN = 0x46414345  # "FACE"
IDENTITY_DOMAIN = 0x49444E54  # "IDNT"

def rotation(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    """N x 3 x 3 matrices taking head coordinates (x right, y up, z out of the face) to the camera
    (looking down -z): turn by ``azimuth`` about y (positive: the face turns to the image's right),
    then by ``elevation`` about x (positive: the face looks up)."""
    ca, sa, ce, se = np.cos(azimuth), np.sin(azimuth), np.cos(elevation), np.sin(elevation)
    zero, one = np.zeros_like(ca), np.ones_like(ca)
    turn = np.stack([np.stack([ca, zero, sa], -1), np.stack([zero, one, zero], -1), np.stack([-sa, zero, ca], -1)], -2)
    tilt = np.stack([np.stack([one, zero, zero], -1), np.stack([zero, ce, se], -1), np.stack([zero, -se, ce], -1)], -2)
    return np.einsum("nij,njk->nik", tilt, turn)


PARTS = ("skull", "hair", "jaw", "nose", "left eye", "right eye", "left brow", "right brow", "left ear", "right ear", "mouth")
NOSE = PARTS.index("nose")


def head_parts(identity: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ellipsoids of heads, axis-aligned in head coordinates: centres N x P x 3, semi-axes
    N x P x 3 and albedos N x P, for the parts in ``PARTS``. ``identity`` (0..99) fixes the
    proportions through a hash; ``width`` alone sets the skull's width and scales the head across."""
    identity = np.rint(np.asarray(identity)).astype(np.int64)
    u = [hashed_uniform(IDENTITY_DOMAIN, 0, identity, k) for k in range(12)]  # the identity's traits

    def between(k, low, high):
        return low + (high - low) * u[k]

    # The skull's width is the width factor's alone (u[0] is left unused): with an identity trait
    # on it too, a perfect reader of the skull's width scored only 0.87 |Spearman| on the factor.
    skull_w, skull_h, skull_d = 0.59, between(1, 0.72, 0.86), between(2, 0.64, 0.74)
    skull_y = 0.08
    jaw_w, jaw_h, jaw_y = between(3, 0.30, 0.44), between(4, 0.26, 0.38), between(5, -0.42, -0.52)
    nose_w, nose_h, nose_l = between(6, 0.06, 0.12), between(7, 0.14, 0.26), between(8, 0.12, 0.26)
    eye_x, eye_r, eye_y = between(9, 0.17, 0.28), between(10, 0.065, 0.1), between(11, 0.10, 0.20)
    hair_albedo = 0.18 + 0.5 * hashed_uniform(IDENTITY_DOMAIN, 1, identity, 0)

    def surface_z(x, y, centre_y, w, h, d):
        """Depth of the front of an ellipsoid centred at (0, centre_y, 0) at (x, y)."""
        inside = np.clip(1.0 - (x / w) ** 2 - ((y - centre_y) / h) ** 2, 0.0, None)
        return d * np.sqrt(inside)

    count = len(identity)
    zero = np.zeros(count)
    eye_z = surface_z(eye_x, eye_y, skull_y, skull_w, skull_h, skull_d) - 0.45 * eye_r
    nose_y = eye_y - 0.12 - nose_h
    nose_z = surface_z(0.0, nose_y, skull_y, skull_w, skull_h, skull_d) - 0.1
    brow_y = eye_y + eye_r + 0.05
    brow_z = surface_z(eye_x, brow_y, skull_y, skull_w, skull_h, skull_d) - 0.02
    jaw_d = 0.55 * np.ones(count)
    jaw_z = np.full(count, 0.12)
    mouth_y = 0.5 * (nose_y - nose_h + jaw_y - 0.6 * jaw_h)
    mouth_z = surface_z(0.0, mouth_y, jaw_y, jaw_w, jaw_h, jaw_d) + jaw_z - 0.03
    ear_x = skull_w * 0.97

    def part(x, y, z, ax, ay, az, albedo):
        return np.stack([x + zero, y + zero, z + zero], -1), np.stack([ax + zero, ay + zero, az + zero], -1), albedo + zero

    skin = 0.85
    parts = [
        part(0.0, skull_y, 0.0, skull_w, skull_h, skull_d, skin),
        part(0.0, skull_y + 0.25, -0.12, skull_w * 1.03, skull_h * 0.8, skull_d * 0.95, hair_albedo),
        part(0.0, jaw_y, jaw_z, jaw_w, jaw_h, jaw_d, skin),
        part(0.0, nose_y, nose_z, nose_w, nose_h, nose_l, skin),
        part(-eye_x, eye_y, eye_z, eye_r, eye_r * 0.8, eye_r, 0.08),
        part(eye_x, eye_y, eye_z, eye_r, eye_r * 0.8, eye_r, 0.08),
        part(-eye_x, brow_y, brow_z, eye_r * 1.5, 0.035, 0.06, 0.3),
        part(eye_x, brow_y, brow_z, eye_r * 1.5, 0.035, 0.06, 0.3),
        part(-ear_x, eye_y - 0.1, -0.05, 0.07, 0.17, 0.11, skin * 0.9),
        part(ear_x, eye_y - 0.1, -0.05, 0.07, 0.17, 0.11, skin * 0.9),
        part(0.0, mouth_y, mouth_z, 0.15, 0.035, 0.06, 0.3),
    ]
    centres = np.stack([p[0] for p in parts], 1)
    axes = np.stack([p[1] for p in parts], 1)
    albedo = np.stack([p[2] for p in parts], 1)
    scale_x = np.asarray(width, dtype=np.float64)[:, None]
    centres[..., 0] *= scale_x
    centres[..., 1] -= 0.06  # centres the head's full height in the view
    axes[..., 0] *= scale_x
    return centres, axes, albedo


def ray_cast(factor_values: np.ndarray, samples: int = SIZE * SUPERSAMPLE) -> tuple[np.ndarray, np.ndarray]:
    """Brightness in [0, 1] and the part hit (index into ``PARTS``, -1 for background), each
    N x samples x samples, of heads seen orthographically along the camera's -z axis."""
    values = np.asarray(factor_values, dtype=np.float64).reshape(-1, 5)
    azimuth, elevation, lighting, width, identity = values.T
    centres, axes, albedo = head_parts(identity, width)
    to_camera = rotation(azimuth, elevation)  # N x 3 x 3
    to_head = np.swapaxes(to_camera, 1, 2)

    # A pixel's ray starts at o = u*U + v*V + far*Z (head coordinates) and runs along -Z, where
    # U, V, Z are the camera's axes seen from the head. In each ellipsoid's unit-sphere space the
    # ray is q(t) = q0 + u*qu + v*qv - t*e and it hits where |q(t)|^2 = 1: a t^2 - 2 b t + c = 0
    # with a = e.e, b = q.e and c = q.q - 1. b and c are polynomials in u and v with per-(image,
    # part) coefficients: the terms in u alone are formed once per column, and the full
    # N x P x S x S arrays (the costly size) in float32.
    far = 2.0  # the rays start in front of every part (the head lies within 1.1 of its centre)
    U, V, Z = to_head[:, :, 0], to_head[:, :, 1], to_head[:, :, 2]  # N x 3 each
    inverse_axes = 1.0 / axes  # N x P x 3
    qu, qv = U[:, None] * inverse_axes, V[:, None] * inverse_axes
    q0 = (far * Z[:, None] - centres) * inverse_axes
    e = Z[:, None] * inverse_axes

    def dot(x, y):
        return np.sum(x * y, -1)[..., None, None].astype(np.float32)  # N x P x 1 x 1

    grid = ((np.arange(samples) + 0.5) / samples * 2.0 - 1.0) * VIEW_HALF_WIDTH
    u = grid.astype(np.float32)[None, None, None, :]  # image x, left to right
    v = -grid.astype(np.float32)[None, None, :, None]  # image y, up (rows run down)
    a = dot(e, e)
    b = (dot(q0, e) + u * dot(qu, e)) + v * dot(qv, e)
    c_row = dot(q0, q0) - 1.0 + u * (2.0 * dot(q0, qu) + u * dot(qu, qu))  # the terms without v
    c = c_row + v * ((2.0 * dot(q0, qv) + 2.0 * u * dot(qu, qv)) + v * dot(qv, qv))
    discriminant = b * b - a * c
    hit = discriminant > 0.0
    t = (b - np.sqrt(np.maximum(discriminant, 0.0))) / a  # the nearer root: the ray enters there
    t[~hit] = np.inf
    part = np.argmin(t, axis=1)  # the nearest surface along each ray: N x S x S
    nearest = np.min(t, axis=1)
    background = ~np.isfinite(nearest)
    depth = far - np.where(background, 0.0, nearest)  # the hit's coordinate along Z

    # Shading: the normal at the hit is the ellipsoid's gradient (p - centre) / axes^2 (head
    # coordinates), lit by the light turned into head coordinates too. Per-pixel part parameters
    # are gathered from flat (image, part) tables, one component at a time.
    count, parts = albedo.shape
    flat = (np.arange(count)[:, None, None] * parts + part).reshape(-1)
    light_camera = np.stack([np.sin(lighting) * math.cos(LIGHT_ELEVATION), np.full_like(lighting, math.sin(LIGHT_ELEVATION)),
                             np.cos(lighting) * math.cos(LIGHT_ELEVATION)], -1)
    light_head = np.einsum("nij,nj->ni", to_head, light_camera)  # N x 3
    inverse_axes2 = (inverse_axes * inverse_axes).reshape(-1, 3).astype(np.float32)
    flat_centres = centres.reshape(-1, 3).astype(np.float32)
    along_light = np.zeros(part.shape, dtype=np.float32)
    length2 = np.zeros(part.shape, dtype=np.float32)
    for k in range(3):
        position = u[0] * U[:, k, None, None].astype(np.float32) + v[0] * V[:, k, None, None].astype(np.float32) \
            + depth * Z[:, k, None, None].astype(np.float32)
        gradient = (position - flat_centres[flat, k].reshape(part.shape)) * inverse_axes2[flat, k].reshape(part.shape)
        along_light += gradient * light_head[:, k, None, None].astype(np.float32)
        length2 += gradient * gradient
    lambert = np.maximum(along_light, 0.0) / np.sqrt(np.maximum(length2, 1e-12))
    surface_albedo = albedo.reshape(-1).astype(np.float32)[flat].reshape(part.shape)
    brightness = np.where(background, np.float32(BACKGROUND), surface_albedo * (AMBIENT + (1.0 - AMBIENT) * lambert))
    part = np.where(background, -1, part)
    return brightness, part


class Faces3D(HashedFactorsDataset):
    """Heads of 100 identities turned, tilted, lit and widened: five known factors, continuous
    ones among them, in place of the paper's 3D faces, whose renders cannot be redistributed."""

    name = "faces3d"
    shape = (1, SIZE, SIZE)
    factors = (
        Factor("azimuth", "continuous", -5.0 * math.pi / 12.0, 5.0 * math.pi / 12.0),
        Factor("elevation", "continuous", -math.pi / 6.0, math.pi / 6.0),
        Factor("lighting", "continuous", -math.radians(70.0), math.radians(70.0)),
        Factor("width", "continuous", 0.8, 1.2),
        Factor("identity", "discrete", 0.0, IDENTITIES - 1.0, IDENTITIES),
    )

    splits = SPLITS
    factor_domain = FACTOR_DOMAIN

    def render(self, factor_values: np.ndarray) -> np.ndarray:
        values = np.asarray(factor_values, dtype=np.float64).reshape(-1, len(self.factors))
        images = np.empty((len(values), 1, SIZE, SIZE), dtype=np.uint8)
        for start in range(0, len(values), CHUNK):
            brightness, _ = ray_cast(values[start:start + CHUNK])
            pooled = brightness.reshape(-1, SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(2, 4))
            images[start:start + CHUNK, 0] = np.rint(pooled * 255.0)
        return images
