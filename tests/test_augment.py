"""The random affine moves of the invariance term: identity at zero, bounded, differentiable."""

import math

import pytest
import torch

from infogan.augment import apply_grid, raised_upper_half, random_affine_grid

SIZE = (28, 28)


def identity_grid(n: int) -> torch.Tensor:
    return random_affine_grid(n, SIZE, max_degrees=0, max_shift=0, max_scale=0)


def test_grid_has_one_sampling_point_per_output_pixel():
    assert random_affine_grid(5, SIZE).shape == (5, 28, 28, 2)


def test_zero_ranges_give_the_identity_transform():
    torch.manual_seed(0)
    images = torch.rand(4, 1, 28, 28)
    assert torch.allclose(apply_grid(images, identity_grid(4)), images, atol=1e-5)


def test_a_rotation_keeps_every_point_at_its_distance_from_the_centre_and_stays_in_range():
    torch.manual_seed(0)
    grid = random_affine_grid(256, SIZE, max_degrees=15, max_shift=0, max_scale=0)
    reference = identity_grid(256)
    assert torch.allclose(grid.norm(dim=-1), reference.norm(dim=-1), atol=1e-5)
    corner, reference_corner = grid[:, 0, 0], reference[:, 0, 0]
    cosine = (corner * reference_corner).sum(-1) / (corner.norm(dim=-1) * reference_corner.norm(dim=-1))
    angles = torch.rad2deg(torch.acos(cosine.clamp(-1, 1)))
    assert angles.max() <= 15 + 1e-3
    assert angles.max() > 10  # the range is used, not only tiny angles


def test_a_shift_moves_every_point_by_the_same_bounded_offset():
    torch.manual_seed(0)
    grid = random_affine_grid(256, SIZE, max_degrees=0, max_shift=0.1, max_scale=0)
    offset = grid - identity_grid(256)
    assert torch.allclose(offset, offset[:, :1, :1].expand_as(offset), atol=1e-5)
    assert offset.abs().max() <= 0.2 + 1e-6  # 10 % of an image is 0.2 in grid units spanning [-1, 1]
    assert offset.abs().max() > 0.15


@pytest.mark.parametrize("max_scale", [0.1, 0.3])
def test_a_scaling_stays_within_its_range(max_scale):
    torch.manual_seed(0)
    grid = random_affine_grid(256, SIZE, max_degrees=0, max_shift=0, max_scale=max_scale)
    ratio = identity_grid(256)[:, 0, 0, 0] / grid[:, 0, 0, 0]  # sampling at x / scale magnifies by scale
    assert ratio.min() >= 1 - max_scale - 1e-5 and ratio.max() <= 1 + max_scale + 1e-5
    assert ratio.max() - ratio.min() > max_scale


def test_a_centred_blob_stays_where_it_was_and_keeps_most_of_its_mass():
    images = torch.zeros(64, 1, 28, 28)
    images[:, :, 10:18, 10:18] = 1.0
    torch.manual_seed(0)
    moved = apply_grid(images, random_affine_grid(64, SIZE))
    mass = moved.sum(dim=(1, 2, 3))
    assert torch.all((mass - 64).abs() < 64 * 0.25)
    rows = torch.arange(28.0).view(1, 1, 28, 1)
    centre_row = (moved * rows).sum(dim=(1, 2, 3)) / mass
    assert torch.all((centre_row - 13.5).abs() <= 0.1 * 28 + 1)


def test_moves_are_reproducible_from_the_global_seed_and_differ_otherwise():
    torch.manual_seed(3)
    first = random_affine_grid(8, SIZE)
    torch.manual_seed(3)
    second = random_affine_grid(8, SIZE)
    assert torch.equal(first, second)
    assert not torch.equal(first, random_affine_grid(8, SIZE))


def test_gradients_flow_back_to_the_images():
    images = torch.rand(3, 1, 28, 28, requires_grad=True)
    apply_grid(images, random_affine_grid(3, SIZE)).sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert math.isfinite(float(images.grad.sum()))


def test_the_mirror_flips_about_half_the_images_left_to_right_and_leaves_the_rest():
    torch.manual_seed(0)
    images = torch.rand(200, 1, 28, 28)
    grid = random_affine_grid(200, SIZE, max_degrees=0, max_shift=0, max_scale=0, mirror=True)
    moved = apply_grid(images, grid)
    kept = torch.tensor([torch.allclose(m, i, atol=1e-5) for m, i in zip(moved, images)])
    mirrored = torch.tensor([torch.allclose(m, i.flip(-1), atol=1e-5) for m, i in zip(moved, images)])
    assert torch.all(kept ^ mirrored)  # each image exactly one of the two
    assert 70 <= int(mirrored.sum()) <= 130


def test_the_mirror_leaves_the_other_moves_as_they_were_for_the_same_seed():
    torch.manual_seed(5)
    plain = random_affine_grid(16, SIZE)
    torch.manual_seed(5)
    mirrored = random_affine_grid(16, SIZE, mirror=True)
    same = [torch.allclose(m, p) for m, p in zip(mirrored, plain)]
    flipped = [torch.allclose(m, p.flip(-2), atol=1e-6) for m, p in zip(mirrored, plain)]  # pixel (i, j) reads where (i, W-1-j) read
    assert all(s or f for s, f in zip(same, flipped)) and any(flipped) and any(same)


def test_the_stretch_scales_only_along_the_rows_and_within_its_range():
    torch.manual_seed(0)
    grid = random_affine_grid(256, SIZE, max_degrees=0, max_shift=0, max_scale=0, max_stretch=0.3)
    reference = identity_grid(256)
    assert torch.allclose(grid[..., 1], reference[..., 1])  # rows stay where they were
    stretch = reference[:, 0, 0, 0] / grid[:, 0, 0, 0]  # sampling at x / s widens the image by s
    assert stretch.min() >= 0.7 - 1e-5 and stretch.max() <= 1.3 + 1e-5
    assert stretch.max() - stretch.min() > 0.4
    assert torch.allclose(grid[..., 0], reference[..., 0] / stretch[:, None, None], atol=1e-6)


def test_border_padding_keeps_a_light_background_where_a_lowered_or_narrowed_image_reads_beyond_its_edge():
    light = torch.full((1, 1, 64, 64), 0.9)
    identity = torch.nn.functional.affine_grid(torch.eye(2, 3)[None], (1, 1, 64, 64), align_corners=False)
    lowered = torch.stack([identity[..., 0], raised_upper_half(identity[..., 1], torch.tensor([0.6]))], dim=-1)
    narrowed = random_affine_grid(1, (64, 64), max_degrees=0, max_shift=0, max_scale=0)
    narrowed[..., 0] = narrowed[..., 0] / 0.7  # the output's x reads the input at x / 0.7
    for grid in (lowered, narrowed):
        torch.testing.assert_close(apply_grid(light, grid, padding="border"), light)
        assert apply_grid(light, grid).min().item() == 0.0  # zeros: a black band
    assert apply_grid(light, lowered)[0, 0, :12].max().item() == 0.0 and apply_grid(light, lowered)[0, 0, 14:].min().item() > 0.89
