"""The rendered datasets: sizes, determinism, factor values on their ranges and grids, and that
each factor changes the picture the way its name says."""

import math

import numpy as np
import pytest

from infogan.data.chairs3d import BACKGROUND as CHAIR_BACKGROUND
from infogan.data.chairs3d import Chairs3D
from infogan.data.faces3d import NOSE, PARTS, Faces3D, ray_cast
from infogan.data.sprites import Sprites

SIZES = {  # (dataset class, split) -> (length, image shape)
    (Sprites, "train"): (737_280, (1, 64, 64)),
    (Sprites, "test"): (737_280, (1, 64, 64)),
    (Faces3D, "train"): (200_000, (1, 32, 32)),
    (Faces3D, "test"): (10_000, (1, 32, 32)),
    (Chairs3D, "train"): (200_000, (1, 64, 64)),
    (Chairs3D, "test"): (10_000, (1, 64, 64)),
}
DATASETS = (Sprites, Faces3D, Chairs3D)


def some_indices(dataset, count=24, seed=0):
    """A spread of indices, the first and last among them."""
    rng = np.random.default_rng(seed)
    return np.concatenate([[0, len(dataset) - 1], rng.integers(0, len(dataset), count - 2)])


@pytest.mark.parametrize(("cls", "split"), list(SIZES))
def test_length_and_shape(cls, split):
    dataset = cls(split)
    length, shape = SIZES[(cls, split)]
    assert len(dataset) == dataset.size == length
    assert tuple(dataset.shape) == shape
    images = dataset.images(np.array([0, 5, length - 1]))
    assert images.dtype == np.uint8
    assert images.shape == (3, *shape)
    values = dataset.factor_values(np.array([0, 5, length - 1]))
    assert values.dtype == np.float64
    assert values.shape == (3, len(dataset.factors))


@pytest.mark.parametrize("cls", DATASETS)
def test_images_and_factors_are_a_function_of_the_index(cls):
    first, second = cls("train"), cls("train")
    indices = some_indices(first, 12)
    images, values = first.images(indices), first.factor_values(indices)
    assert np.array_equal(images, second.images(indices))
    assert np.array_equal(values, second.factor_values(indices))
    order = np.random.default_rng(1).permutation(len(indices))
    assert np.array_equal(first.images(indices[order]), images[order])
    assert np.array_equal(first.factor_values(indices[order]), values[order])
    for position in (0, 5, len(indices) - 1):  # alone, or in a batch of another size
        assert np.array_equal(first.images(indices[position:position + 1])[0], images[position])
        assert np.array_equal(first.images(indices[position:position + 3])[0], images[position])
    assert np.array_equal(first.render(values), images)


@pytest.mark.parametrize("cls", DATASETS)
def test_factor_values_lie_on_their_ranges_and_grids(cls):
    dataset = cls("train")
    values = dataset.factor_values(some_indices(dataset, 4000))
    for column, factor in enumerate(dataset.factors):
        column_values = values[:, column]
        assert factor.kind in ("discrete", "continuous", "circular")
        assert column_values.min() >= factor.low
        if factor.kind == "circular":
            assert column_values.max() < factor.high
        else:
            assert column_values.max() <= factor.high
        if factor.values is not None:
            steps = factor.values if factor.kind == "circular" else factor.values - 1
            grid = factor.low + factor.discretize(column_values) * (factor.high - factor.low) / steps
            assert np.allclose(column_values, grid, atol=1e-9), factor.name
            assert len(np.unique(factor.discretize(column_values))) == factor.values, factor.name
        else:  # drawn uniformly: 4000 draws come near both ends
            span = factor.high - factor.low
            assert column_values.min() < factor.low + 0.01 * span, factor.name
            assert column_values.max() > factor.high - 0.01 * span, factor.name
            assert abs(column_values.mean() - (factor.low + factor.high) / 2) < 0.03 * span, factor.name


@pytest.mark.parametrize("cls", DATASETS)
def test_out_of_range_indices_raise(cls):
    dataset = cls("train")
    for bad in (len(dataset), -1):
        with pytest.raises(IndexError):
            dataset.factor_values(np.array([0, bad]))
        with pytest.raises(IndexError):
            dataset.images(np.array([bad]))


@pytest.mark.parametrize("cls", (Faces3D, Chairs3D))
def test_train_and_test_differ(cls):
    train, test = cls("train"), cls("test")
    indices = np.arange(8)
    assert not np.any(np.all(train.factor_values(indices) == test.factor_values(indices), axis=1))
    assert not np.array_equal(train.images(indices), test.images(indices))


def changed_pixels(a, b, level=8):
    return int(np.sum(np.abs(a.astype(np.int64) - b.astype(np.int64)) > level))


# One base row of factor values per dataset, and per factor a value that must change the image.
VARIATIONS = {
    Sprites: ([2, 1.0, 0.3, 0.5, 0.5], {0: 0, 1: 0.5, 2: 0.3 + math.pi / 4, 3: 0.0, 4: 1.0}),
    Faces3D: ([0.0, 0.0, 0.0, 1.0, 3], {0: 0.8, 1: 0.45, 2: 1.0, 3: 0.8, 4: 60}),
    Chairs3D: ([0, 0.4, 1.0], {0: 3, 1: 0.4 + math.pi / 2, 2: 1.3}),
}


@pytest.mark.parametrize("cls", DATASETS)
def test_every_factor_changes_the_image(cls):
    dataset = cls("train")
    base, changes = VARIATIONS[cls]
    assert sorted(changes) == list(range(len(dataset.factors)))
    rows = np.array([base] * (len(changes) + 1), dtype=np.float64)
    for column, value in changes.items():
        rows[column + 1, column] = value
    images = dataset.render(rows)
    for column in changes:
        assert changed_pixels(images[0], images[column + 1]) >= 20, dataset.factors[column].name


@pytest.mark.parametrize("cls", (Faces3D, Chairs3D))
def test_every_discrete_value_gives_a_different_image(cls):
    dataset = cls("train")
    column, factor = next((k, f) for k, f in enumerate(dataset.factors) if f.kind == "discrete")
    base = VARIATIONS[cls][0]
    count = min(factor.values, 24)
    rows = np.array([base] * count, dtype=np.float64)
    rows[:, column] = np.arange(count)
    images = dataset.render(rows).reshape(count, -1).astype(np.int64)
    for i in range(count):
        for j in range(i):
            assert changed_pixels(images[i], images[j], level=4) >= 5, (factor.name, i, j)


# --- sprites ----------------------------------------------------------------------------------


def test_sprites_index_order_and_ends():
    sprites = Sprites()
    assert [f.name for f in sprites.factors] == ["shape", "scale", "orientation", "x", "y"]
    assert [f.kind for f in sprites.factors] == ["discrete", "discrete", "circular", "discrete", "discrete"]
    assert [f.values for f in sprites.factors] == [3, 6, 40, 32, 32]
    values = sprites.factor_values(np.array([0, 1, 32, len(sprites) - 1]))
    assert np.allclose(values[0], [0, 0.5, 0, 0, 0])
    assert np.allclose(values[1], [0, 0.5, 0, 0, 1 / 31])  # y varies fastest
    assert np.allclose(values[2], [0, 0.5, 0, 1 / 31, 0])
    assert np.allclose(values[3], [2, 1.0, 39 * 2 * math.pi / 40, 1, 1])
    indices = np.random.default_rng(2).integers(0, len(sprites), 500)
    steps = np.stack(np.unravel_index(indices, (3, 6, 40, 32, 32)), -1)
    values = sprites.factor_values(indices)
    assert np.array_equal(np.stack([f.discretize(values[:, k]) for k, f in enumerate(sprites.factors)], -1), steps)
    assert np.allclose(values[:, 1], 0.5 + steps[:, 1] * 0.1)
    assert np.allclose(values[:, 2], steps[:, 2] * 2 * math.pi / 40)


def test_sprites_are_white_on_black_and_inside_the_frame():
    sprites = Sprites()
    images = sprites.images(some_indices(sprites, 64))
    assert set(np.unique(images).tolist()) <= {0, 255}
    assert np.all((images == 255).sum(axis=(1, 2, 3)) > 0)
    corners = np.array([[shape, 1.0, turn, x, y] for shape in range(3) for turn in np.arange(0, 2 * math.pi, 0.35)
                        for x in (0.0, 1.0) for y in (0.0, 1.0)])
    extremes = sprites.render(corners)[:, 0]
    assert np.all(extremes.sum(axis=(1, 2)) > 0)
    border = np.concatenate([extremes[:, 0], extremes[:, -1], extremes[:, :, 0], extremes[:, :, -1]], 1)
    assert np.all(border == 0)


def test_sprite_area_grows_with_scale():
    sprites = Sprites()
    for shape in range(3):
        rows = np.array([[shape, scale, 0.7, 0.5, 0.5] for scale in np.linspace(0.5, 1.0, 6)])
        area = (sprites.render(rows) == 255).sum(axis=(1, 2, 3))
        assert np.all(np.diff(area) > 0), shape


def test_sprite_centre_follows_x_and_y():
    sprites = Sprites()
    steps = np.linspace(0.0, 1.0, 6)
    for shape in range(3):
        along_x = sprites.render(np.array([[shape, 0.8, 1.0, x, 0.3] for x in steps]))[:, 0] == 255
        along_y = sprites.render(np.array([[shape, 0.8, 1.0, 0.6, y] for y in steps]))[:, 0] == 255
        columns = np.arange(64)
        centre_column = (along_x.sum(1) * columns).sum(1) / along_x.sum((1, 2))
        centre_row = (along_y.sum(2) * columns).sum(1) / along_y.sum((1, 2))
        assert np.all(np.diff(centre_column) > 5), shape  # x runs left to right
        assert np.all(np.diff(centre_row) > 5), shape  # y runs top to bottom
        row_while_x_moves = (along_x.sum(2) * columns).sum(1) / along_x.sum((1, 2))
        assert np.ptp(row_while_x_moves) < 0.5


def test_hearts_turn_visibly_over_the_full_circle():
    sprites = Sprites()
    turns = np.arange(40) * 2 * math.pi / 40
    hearts = sprites.render(np.array([[2, 1.0, turn, 0.5, 0.5] for turn in turns]))
    for k in range(1, 40):
        assert changed_pixels(hearts[0], hearts[k]) > 0, k


# --- faces --------------------------------------------------------------------------------------


def test_faces_factors():
    faces = Faces3D()
    assert [f.name for f in faces.factors] == ["azimuth", "elevation", "lighting", "width", "identity"]
    assert [f.kind for f in faces.factors] == ["continuous"] * 4 + ["discrete"]
    bounds = [(f.low, f.high) for f in faces.factors]
    assert np.allclose(bounds, [(-5 * math.pi / 12, 5 * math.pi / 12), (-math.pi / 6, math.pi / 6),
                                (-math.radians(70), math.radians(70)), (0.8, 1.2), (0, 99)])
    assert faces.factors[4].values == 100


def test_only_the_width_factor_sets_the_width_of_the_head():
    """Identities differ in everything but the skull's width, so the width factor can be read from
    the head's outline (with an identity trait on it too, no reader could pass 0.87 |Spearman|)."""
    faces = Faces3D()
    for width in (0.8, 1.0, 1.2):
        rows = np.array([[0.0, 0.0, 0.0, width, identity] for identity in range(0, 100, 7)])
        _, parts = ray_cast(rows)
        skull_columns = (parts == PARTS.index("skull")).any(1).sum(1)
        assert np.ptp(skull_columns) <= 2 * 2, width  # ears and hair aside, +-1 pixel of aliasing
    narrow, wide = faces.render(np.array([[0.0, 0.0, 0.0, w, 3] for w in (0.8, 1.2)]))
    assert (wide[0] > 40).any(0).sum() > (narrow[0] > 40).any(0).sum() + 4


def test_turning_the_face_moves_its_nose():
    azimuths = np.linspace(-5 * math.pi / 12, 5 * math.pi / 12, 7)
    elevations = np.linspace(-math.pi / 6, math.pi / 6, 5)
    for identity in (0, 41, 99):
        rows = np.array([[a, 0.0, 0.0, 1.0, identity] for a in azimuths])
        _, parts = ray_cast(rows)
        nose = parts == NOSE
        assert np.all(nose.sum((1, 2)) > 0)
        grid = np.arange(parts.shape[-1])
        nose_column = (nose.sum(1) * grid).sum(1) / nose.sum((1, 2))
        assert np.all(np.diff(nose_column) > 1), identity  # positive azimuth: the face turns right
        rows = np.array([[0.3, e, 0.0, 1.0, identity] for e in elevations])
        _, parts = ray_cast(rows)
        nose = parts == NOSE
        nose_row = (nose.sum(2) * grid).sum(1) / nose.sum((1, 2))
        assert np.all(np.diff(nose_row) < -1), identity  # positive elevation: the face looks up


def test_turning_the_face_moves_its_bright_side():
    faces = Faces3D()
    rows = np.array([[a, 0.0, 0.0, 1.0, 12] for a in (-1.2, 1.2)])
    left, right = faces.render(rows)[:, 0].astype(np.float64)
    # The nose and face cover the side they turn to, the hair the other: the images are mirrored.
    assert changed_pixels(left, right) > 50
    assert changed_pixels(left[:, ::-1], right, level=40) < changed_pixels(left, right, level=40)


def test_light_from_each_side_brightens_that_half():
    faces = Faces3D()
    light = faces.factors[2]
    for identity in (5, 77):
        rows = np.array([[0.0, 0.0, side, 1.0, identity] for side in (light.low, light.high)])
        from_left, from_right = faces.render(rows)[:, 0].astype(np.float64)
        assert from_left[:, :16].mean() > from_left[:, 16:].mean() + 10
        assert from_right[:, 16:].mean() > from_right[:, :16].mean() + 10


def test_faces_have_a_dark_background_around_a_lit_head():
    faces = Faces3D()
    images = faces.images(np.arange(32))[:, 0]
    border = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], 1)
    assert border.max() < 40
    assert np.all(images[:, 8:24, 8:24].mean((1, 2)) > border.mean() + 20)


# --- chairs -------------------------------------------------------------------------------------


def chair_mask(images):
    return np.abs(images.astype(np.int64) - CHAIR_BACKGROUND) > 6


def test_chairs_factors():
    chairs = Chairs3D()
    assert [f.name for f in chairs.factors] == ["style", "azimuth", "width"]
    assert [f.kind for f in chairs.factors] == ["discrete", "circular", "continuous"]
    assert chairs.factors[1].values is None
    assert np.allclose([chairs.factors[1].low, chairs.factors[1].high], [0, 2 * math.pi])
    assert np.allclose([chairs.factors[2].low, chairs.factors[2].high], [0.7, 1.3])
    assert chairs.factors[0].values >= 10


def test_chair_width_widens_the_picture():
    chairs = Chairs3D()
    for style in range(chairs.factors[0].values):
        rows = np.array([[style, 0.0, width] for width in (0.7, 1.0, 1.3)])
        mask = chair_mask(chairs.render(rows)[:, 0])
        columns = mask.any(1)
        extent = np.array([np.flatnonzero(c).max() - np.flatnonzero(c).min() for c in columns])
        assert np.all(np.diff(extent) >= 3), style
        assert np.all(np.diff(mask.sum((1, 2))) > 0), style


def test_chairs_fit_the_frame_and_front_differs_from_back():
    chairs = Chairs3D()
    turns = np.linspace(0, 2 * math.pi, 12, endpoint=False)
    rows = np.array([[style, turn, 1.3] for style in range(chairs.factors[0].values) for turn in turns])
    images = chairs.render(rows)[:, 0]
    border = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], 1)
    assert np.all(border == CHAIR_BACKGROUND)
    assert np.all(chair_mask(images).sum((1, 2)) > 100)
    views = images.reshape(-1, len(turns), 64, 64)
    for style in range(len(views)):
        for k in range(len(turns) // 2):  # a turn by half a circle shows the back rest on the other side
            assert changed_pixels(views[style, k], views[style, k + len(turns) // 2], level=20) >= 40, (style, k)
