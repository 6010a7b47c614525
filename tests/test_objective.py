"""The losses: what D and G minimise, written out by hand on a tiny network."""

import math

import pytest
import torch
import torch.nn.functional as F

from infogan.codes import LatentSpec
from infogan.config import TrainConfig
from infogan.augment import apply_grid, raised_upper_half_grid
from infogan.model import InfoGAN
from infogan.objective import Objective


@pytest.fixture
def setting():
    torch.manual_seed(0)
    spec = LatentSpec.parse("cat:4,cont:1", noise=3)
    model = InfoGAN(spec)
    codes = spec.sample_codes(6)
    fake = model.generator(spec.generator_input(spec.sample_noise(6), codes))
    real = torch.rand(6, 1, 28, 28)
    return spec, model.discriminator, real, fake, codes


def by_hand(spec, D, real, fake, codes, lambda_cat, lambda_cont):
    d_real, _ = D(real)
    d_fake, q_fake = D(fake)
    log_q = spec.log_q(q_fake, codes)
    info = lambda_cat * log_q["c1"] + lambda_cont * log_q["c2"]
    return d_real, d_fake, info


def test_discriminator_loss_is_the_gan_loss_minus_the_weighted_information(setting):
    spec, D, real, fake, codes = setting
    config = TrainConfig(codes="cat:4,cont:1", noise=3, lambda_cat=1.0, lambda_cont=0.5, lambda_invariant=0)
    loss, log_q = Objective(config, spec).discriminator_loss(D, real, fake.detach(), codes)
    d_real, d_fake, info = by_hand(spec, D, real, fake, codes, 1.0, 0.5)
    expected = -F.logsigmoid(d_real).mean() - torch.log1p(-torch.sigmoid(d_fake)).mean() - info
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert set(log_q) == {"c1", "c2"} and log_q["c1"].item() <= 0


def test_generator_loss_is_non_saturating_minus_the_scaled_information(setting):
    spec, D, real, fake, codes = setting
    config = TrainConfig(codes="cat:4,cont:1", noise=3, lambda_cont=2.0, info_weight_g=0.5, lambda_invariant=0)
    loss = Objective(config, spec).generator_loss(D, fake, codes)
    _, d_fake, info = by_hand(spec, D, real, fake, codes, 1.0, 2.0)
    assert loss.item() == pytest.approx((-F.logsigmoid(d_fake).mean() - 0.5 * info).item(), rel=1e-5)


def test_the_invariance_term_needs_a_categorical_code_and_a_weight(setting):
    spec, D, real, fake, codes = setting
    assert Objective(TrainConfig(lambda_invariant=0), spec).random_moves(6, (28, 28), "cpu") is None
    continuous_only = LatentSpec.parse("cont:2", noise=3)
    assert Objective(TrainConfig(lambda_invariant=1), continuous_only).random_moves(6, (28, 28), "cpu") is None
    objective = Objective(TrainConfig(lambda_invariant=1), spec)
    moves = objective.random_moves(6, (28, 28), "cpu")
    assert moves.shape == (6, 28, 28, 2)
    plain = Objective(TrainConfig(lambda_invariant=0), spec).discriminator_loss(D, real, fake.detach(), codes)[0]
    with_moves = objective.discriminator_loss(D, real, fake.detach(), codes, moves)[0]
    assert with_moves.item() > plain.item()  # minus a (negative) log-likelihood: the loss grows


def test_the_invariance_moves_mirror_and_stretch_when_asked_and_those_settings_need_the_term(setting, quick_config):
    from infogan.config import ConfigError

    spec = setting[0]
    torch.manual_seed(0)
    moves = Objective(TrainConfig(lambda_invariant=1, invariant_mirror=True), spec).random_moves(64, (28, 28), "cpu")
    facing = torch.sign(moves[:, 14, 27, 0] - moves[:, 14, 0, 0])  # does the right edge read from the right?
    assert 16 <= int((facing < 0).sum()) <= 48 and int((facing > 0).sum()) >= 16
    torch.manual_seed(0)
    plain = Objective(TrainConfig(lambda_invariant=1), spec).random_moves(64, (28, 28), "cpu")
    assert torch.all(torch.sign(plain[:, 14, 27, 0] - plain[:, 14, 0, 0]) > 0)
    torch.manual_seed(0)
    stretched = Objective(TrainConfig(lambda_invariant=1, invariant_stretch=0.3), spec).random_moves(64, (28, 28), "cpu")
    ratio = (stretched[:, 14, 27, 0] - stretched[:, 14, 0, 0]) / (plain[:, 14, 27, 0] - plain[:, 14, 0, 0])  # input span of a row: 1 / stretch
    assert ratio.min() >= 1 / 1.3 - 1e-4 and ratio.max() <= 1 / 0.7 + 1e-4 and ratio.max() - ratio.min() > 0.3
    with pytest.raises(ConfigError, match="invariant_mirror widens the invariance term, which is off"):
        quick_config(lambda_invariant=0, invariant_mirror=True).validate()
    with pytest.raises(ConfigError, match="invariant_stretch widens the invariance term, which is off"):
        quick_config(lambda_invariant=0, invariant_stretch=0.3).validate()
    for stretch in (-0.1, 1.0):
        with pytest.raises(ConfigError, match="invariant_stretch must be in"):
            quick_config(invariant_stretch=stretch).validate()


class SideReader(torch.nn.Module):
    """A D whose Q reads its one continuous code (Gaussian, std 1) as the image's right half minus
    its left half (a sided trait, which a mirror negates) plus its overall brightness (a kept one)."""

    def __init__(self, sided: float, kept: float):
        super().__init__()
        self.sided, self.kept = sided, kept

    def forward(self, images, detach_q=False):
        half = images.shape[-1] // 2
        side = images[..., half:].mean(dim=(1, 2, 3)) - images[..., :half].mean(dim=(1, 2, 3))
        mean = self.sided * side + self.kept * images.mean(dim=(1, 2, 3))
        return torch.zeros(len(images)), torch.stack([mean, torch.zeros_like(mean)], 1)


def images_of(values: torch.Tensor, sided: bool) -> torch.Tensor:
    """4x4 images whose right half minus left half (sided) or whose brightness (kept) is the value."""
    images = torch.zeros(len(values), 1, 4, 4)
    if sided:
        images[..., 2:] = values[:, None, None, None]
    else:
        images[...] = values[:, None, None, None]
    return images


@pytest.mark.parametrize("sided", [False, True])
def test_the_mirror_parity_term_finds_which_codes_a_mirror_keeps_and_which_it_reflects(sided):
    spec = LatentSpec.parse("cont:1", noise=0)
    values = torch.linspace(-1, 1, 9)
    codes, fake = {"c1": values}, images_of(values, sided)
    D = SideReader(sided=1.0, kept=0.0) if sided else SideReader(sided=0.0, kept=1.0)  # Q reads c exactly
    config = TrainConfig(codes="cont:1", noise=0, lambda_cont=0.5, lambda_invariant=0, mirror_parity=3.0)
    objective = Objective(config, spec)
    term, parities = objective.mirror_parity(D, fake, codes)
    assert objective.parity_names == ["parity_c1"] and parities["parity_c1"].item() == (-1.0 if sided else 1.0)
    exact = -0.5 * math.log(2 * math.pi)  # log Q of a code read exactly with std 1
    assert term.item() == pytest.approx(3.0 * 0.5 * exact, rel=1e-6)
    plain = Objective(TrainConfig(codes="cont:1", noise=0, lambda_cont=0.5, lambda_invariant=0), spec)
    loss, logged = objective.discriminator_loss(D, fake, fake, codes, mirror=True)
    assert loss.item() == pytest.approx(plain.discriminator_loss(D, fake, fake, codes)[0].item() - term.item(), rel=1e-6)
    assert set(logged) == {"c1", "parity_c1"} and logged["parity_c1"].item() == parities["parity_c1"].item()
    g_loss = objective.generator_loss(D, fake, codes, mirror=True)
    assert g_loss.item() == pytest.approx(plain.generator_loss(D, fake, codes).item() - term.item(), rel=1e-6)
    before_start = objective.discriminator_loss(D, fake, fake, codes, mirror=False)  # the term off: the plain loss, parity 0
    assert before_start[0].item() == pytest.approx(plain.discriminator_loss(D, fake, fake, codes)[0].item(), rel=1e-6)
    assert before_start[1]["parity_c1"].item() == 0.0


def test_a_code_that_both_widens_and_turns_fits_neither_parity_of_the_mirror():
    spec = LatentSpec.parse("cont:1", noise=0)
    values = torch.linspace(-1, 1, 9)
    mixed = 0.5 * images_of(values, sided=True) + 0.5 * images_of(values, sided=False)
    D = SideReader(sided=1.0, kept=2 / 3)  # side v/2, brightness 3v/4: Q reads v exactly
    objective = Objective(TrainConfig(codes="cont:1", noise=0, lambda_cont=1.0, lambda_invariant=0, mirror_parity=1.0), spec)
    plain_log_q = spec.log_q(D(mixed)[1], {"c1": values})["c1"].mean()
    term, _ = objective.mirror_parity(D, mixed, {"c1": values})
    assert plain_log_q.item() == pytest.approx(-0.5 * math.log(2 * math.pi), rel=1e-6)
    assert term.item() < plain_log_q.item() - 0.1  # mirrored, Q reads -v/2 + v/2 = 0: neither v nor -v


class AngleReader(torch.nn.Module):
    """A D whose Q reads its one angle code with concentration ``kappa`` from two image traits: its
    cosine from the overall brightness (kept by a mirror) and its sine from the right half minus the
    left half (negated by a mirror), or the top half minus the bottom half (kept) when ``sine_kept``."""

    def __init__(self, kappa: float, sine_kept: bool = False):
        super().__init__()
        self.kappa, self.sine_kept = kappa, sine_kept

    def forward(self, images, detach_q=False):
        half = images.shape[-1] // 2
        brightness = images.mean(dim=(1, 2, 3))
        if self.sine_kept:
            sine = images[..., :half, :].mean(dim=(1, 2, 3)) - images[..., half:, :].mean(dim=(1, 2, 3))
        else:
            sine = images[..., half:].mean(dim=(1, 2, 3)) - images[..., :half].mean(dim=(1, 2, 3))
        return torch.zeros(len(images)), self.kappa * torch.stack([brightness, sine], 1)


def images_of_angles(angles: torch.Tensor, sine_kept: bool) -> torch.Tensor:
    """4x4 images whose brightness is cos(a) and whose right-minus-left (or top-minus-bottom,
    ``sine_kept``) trait is sin(a): ``AngleReader`` reads ``a`` from them."""
    images = torch.zeros(len(angles), 1, 4, 4) + torch.cos(angles)[:, None, None, None]
    step = torch.sin(angles)[:, None, None]
    if sine_kept:
        images[:, :, :2, :] += 0.5 * step[..., None]
        images[:, :, 2:, :] -= 0.5 * step[..., None]
    else:
        images[..., 2:] += 0.5 * step[..., None]
        images[..., :2] -= 0.5 * step[..., None]
    return images


def test_the_mirror_parity_term_reads_an_angle_code_reflected_and_penalises_one_a_mirror_keeps():
    both = Objective(TrainConfig(codes="circ:1,cont:1", mirror_parity=1.0), LatentSpec.parse("circ:1,cont:1", noise=0))
    assert [code.name for code in both.parity_codes] == ["c1", "c2"] and both.parity_names == ["parity_c2"]  # no parity to choose
    spec = LatentSpec.parse("circ:1", noise=0)
    objective = Objective(TrainConfig(codes="circ:1", noise=0, lambda_circ=0.5, lambda_invariant=0, mirror_parity=2.0), spec)
    angles, kappa = torch.linspace(-3.0, 3.0, 13), 4.0
    codes, turning = {"c1": angles}, images_of_angles(angles, sine_kept=False)
    assert torch.allclose(AngleReader(kappa)(turning)[1], kappa * torch.stack([torch.cos(angles), torch.sin(angles)], 1), atol=1e-6)
    log_normaliser = math.log(2 * math.pi * torch.special.i0(torch.tensor(kappa)).item())
    reflected, parities = objective.mirror_parity(AngleReader(kappa), turning, codes)
    assert parities == {} and reflected.item() == pytest.approx(2.0 * 0.5 * (kappa - log_normaliser), rel=1e-5)  # Q reads exactly -a
    kept, _ = objective.mirror_parity(AngleReader(kappa, sine_kept=True), images_of_angles(angles, sine_kept=True), codes)
    # a mirror keeps both traits, so Q still reads a, scored against -a: kappa cos(2a) - log(2 pi I0(kappa))
    expected = 2.0 * 0.5 * (kappa * torch.cos(2 * angles).mean().item() - log_normaliser)
    assert kept.item() == pytest.approx(expected, rel=1e-5) and kept.item() < reflected.item() - 1.0


def test_turn_stretches_are_horizontal_stretches_within_their_range_and_off_by_default():
    spec = LatentSpec.parse("cont:1", noise=0)
    assert Objective(TrainConfig(codes="cont:1", mirror_parity=1.0), spec).turn_stretches(4, (8, 8), "cpu") is None
    grids = Objective(TrainConfig(codes="cont:1", mirror_parity=1.0, turn_stretch=0.3), spec).turn_stretches(500, (8, 8), "cpu")
    identity = torch.nn.functional.affine_grid(torch.eye(2, 3)[None], (1, 1, 8, 8), align_corners=False)[0]
    assert torch.allclose(grids[..., 1], identity[..., 1].expand(500, 8, 8), atol=1e-6)  # rows stay where they are
    ratio = grids[:, 0, -1, 0] / identity[0, -1, 0]  # the output's x reads the input at x / stretch
    assert torch.allclose(grids[..., 0], ratio[:, None, None] * identity[..., 0], atol=1e-6)
    assert (1 / ratio).min() >= 0.7 - 1e-5 and (1 / ratio).max() <= 1.3 + 1e-5 and (1 / ratio).std() > 0.1


@pytest.mark.parametrize("sided", [False, True])
def test_the_turning_codes_alone_are_also_read_from_stretched_images(sided):
    spec = LatentSpec.parse("cont:1", noise=0)
    values = torch.linspace(-1, 1, 9)
    codes, fake = {"c1": values}, images_of(values, sided)
    D = SideReader(sided=1.0, kept=0.0) if sided else SideReader(sided=0.0, kept=1.0)
    config = TrainConfig(codes="cont:1", noise=0, lambda_cont=0.5, lambda_invariant=0, mirror_parity=3.0, turn_stretch=0.3)
    objective = Objective(config, spec)
    unstretched = torch.nn.functional.affine_grid(torch.eye(2, 3).expand(9, 2, 3), (9, 1, 4, 4), align_corners=False)
    plain, parities = objective.mirror_parity(D, fake, codes)
    with_stretch, _ = objective.mirror_parity(D, fake, codes, stretches=unstretched)  # a stretch by 1: Q reads c exactly
    exact = -0.5 * math.log(2 * math.pi)
    assert parities["parity_c1"].item() == (-1.0 if sided else 1.0)
    assert with_stretch.item() - plain.item() == pytest.approx(3.0 * 0.5 * exact if sided else 0.0, abs=1e-6)  # a kept code is left alone
    angle = Objective(TrainConfig(codes="circ:1", noise=0, lambda_circ=0.5, lambda_invariant=0, mirror_parity=2.0, turn_stretch=0.3),
                      LatentSpec.parse("circ:1", noise=0))
    angles, kappa = torch.linspace(-3.0, 3.0, 13), 4.0
    turning = images_of_angles(angles, sine_kept=False)
    grid = torch.nn.functional.affine_grid(torch.eye(2, 3).expand(13, 2, 3), (13, 1, 4, 4), align_corners=False)
    with_grid, without = (angle.mirror_parity(AngleReader(kappa), turning, {"c1": angles}, stretches=s)[0] for s in (grid, None))
    exact_angle = kappa - math.log(2 * math.pi * torch.special.i0(torch.tensor(kappa)).item())  # von Mises log-density at its mean
    assert (with_grid - without).item() == pytest.approx(2.0 * 0.5 * exact_angle, rel=1e-5)  # an angle code always turns
    loss_d, _ = objective.discriminator_loss(D, fake, fake, codes, mirror=True, stretches=unstretched)
    assert loss_d.item() == pytest.approx(objective.discriminator_loss(D, fake, fake, codes, mirror=True)[0].item() - (with_stretch - plain).item(), abs=1e-5)


def test_pose_raises_stretch_the_upper_half_about_the_centre_row_within_their_range_and_are_off_by_default():
    spec = LatentSpec.parse("cat:3,yaw:-180:180,stretch:0.7:1.3", noise=0)
    assert Objective(TrainConfig(codes="cat:3,yaw:-180:180,stretch:0.7:1.3"), spec).pose_raises(4, (8, 8), "cpu") is None
    objective = Objective(TrainConfig(codes="cat:3,yaw:-180:180,stretch:0.7:1.3", pose_raise=0.4), spec)
    assert [code.name for code in objective.raised_codes] == ["c2", "c3"]  # the pose codes, not the category
    grids = objective.pose_raises(500, (8, 8), "cpu")
    identity = torch.nn.functional.affine_grid(torch.eye(2, 3)[None], (1, 1, 8, 8), align_corners=False)[0]
    assert torch.equal(grids[..., 0], identity[..., 0].expand(500, 8, 8))  # columns stay where they are
    assert torch.equal(grids[:, 4:, :, 1], identity[4:, :, 1].expand(500, 4, 8))  # so does the lower half
    factor = identity[0, 0, 1] / grids[:, 0, 0, 1]  # the output's row y reads the input at y / factor
    assert torch.allclose(grids[:, :4, :, 1], identity[:4, :, 1] / factor[:, None, None], atol=1e-6)
    assert factor.min() >= 0.6 - 1e-5 and factor.max() <= 1.4 + 1e-5 and factor.std() > 0.15
    image = torch.zeros(1, 1, 64, 64)
    image[..., 14:18, :] = 1.0  # a bar centred half-way up the upper half
    image[..., 40:44, :] = 1.0  # and one in the lower half
    grid = raised_upper_half_grid(1, (64, 64), 0.4)
    raised = apply_grid(image, grid)[0, 0, :, 0]
    rows = (torch.arange(64) + 0.5) / 32 - 1  # each row's centre, -1 at the top
    bar = (raised[:32] * rows[:32]).sum() / raised[:32].sum()
    assert bar.item() == pytest.approx(-0.5 * (rows[0] / grid[0, 0, 0, 1]).item(), abs=0.02)  # moved by its factor
    assert torch.equal(raised[32:], image[0, 0, 32:, 0])  # the lower bar untouched


def test_a_volume_raise_draws_factors_for_g_and_no_image_grids():
    spec = LatentSpec.parse("cat:3,yaw:-180:180,stretch:0.7:1.3", noise=0)
    image = Objective(TrainConfig(codes="cat:3,yaw:-180:180,stretch:0.7:1.3", pose_raise=0.4), spec)
    assert image.volume_raises(4, "cpu") is None and Objective(TrainConfig(), LatentSpec.parse("cat:10,cont:2", noise=62)).volume_raises(4, "cpu") is None
    volume = Objective(TrainConfig(codes="cat:3,yaw:-180:180,stretch:0.7:1.3", pose_raise=0.4, pose_raise_volume=True), spec)
    assert volume.pose_raises(4, (8, 8), "cpu") is None
    factors = volume.volume_raises(500, "cpu")
    assert factors.shape == (500,) and factors.min() >= 0.6 - 1e-6 and factors.max() <= 1.4 + 1e-6 and factors.std() > 0.15


def test_the_pose_codes_are_also_read_from_raised_images_in_d_s_and_g_s_losses():
    spec = LatentSpec.parse("yaw:-180:180", noise=0)
    objective = Objective(TrainConfig(codes="yaw:-180:180", noise=0, lambda_circ=0.5, lambda_invariant=0, pose_raise=0.3), spec)
    angles, kappa = torch.linspace(-3.0, 3.0, 13), 4.0
    codes, fake, D = {"c1": angles}, images_of_angles(angles, sine_kept=False), AngleReader(kappa)
    unraised = torch.nn.functional.affine_grid(torch.eye(2, 3).expand(13, 2, 3), (13, 1, 4, 4), align_corners=False)
    exact_angle = kappa - math.log(2 * math.pi * torch.special.i0(torch.tensor(kappa)).item())  # von Mises log-density at its mean
    raised = apply_grid(fake, unraised)  # a raise by 1: Q reads c exactly
    term = objective.raised_pose_information(D, raised, codes)
    assert term.item() == pytest.approx(0.5 * exact_angle, rel=1e-5)
    plain_d, with_d = (objective.discriminator_loss(D, fake, fake, codes, raised=r)[0] for r in (None, raised))
    plain_g, with_g = (objective.generator_loss(D, fake, codes, raised=r) for r in (None, raised))
    assert (plain_d - with_d).item() == pytest.approx(term.item(), abs=1e-5)
    assert (plain_g - with_g).item() == pytest.approx(term.item(), abs=1e-5)  # info_weight_g = 1


def test_the_mirror_parity_term_switches_on_at_its_start_update():
    spec = LatentSpec.parse("cat:4,cont:2", noise=3)
    delayed = Objective(TrainConfig(mirror_parity=1.0, mirror_parity_start=100), spec)
    assert [delayed.mirror_parity_on(step) for step in (0, 99, 100, 5000)] == [False, False, True, True]
    assert Objective(TrainConfig(mirror_parity=1.0), spec).mirror_parity_on(0)
    assert not Objective(TrainConfig(), spec).mirror_parity_on(5000)


def test_the_mirror_parity_term_needs_a_continuous_or_angle_code_and_a_weight_of_at_least_zero(quick_config):
    from infogan.config import ConfigError

    with pytest.raises(ConfigError, match="mirror_parity_start delays the mirror-parity term, which is off"):
        quick_config(mirror_parity_start=100).validate()
    with pytest.raises(ConfigError, match="mirror_parity acts on continuous and angle codes, and --codes cat:4 has none"):
        quick_config(codes="cat:4", mirror_parity=1.0).validate()
    quick_config(codes="cat:4,circ:1", mirror_parity=1.0).validate()  # an angle code is enough
    with pytest.raises(ConfigError, match="hessian_weight acts on continuous codes, and --codes cat:4 has none"):
        quick_config(codes="cat:4", hessian_weight=1.0).validate()
    with pytest.raises(ConfigError, match="mirror_parity must be >= 0"):
        quick_config(mirror_parity=-1.0).validate()
    with pytest.raises(ConfigError, match="turn_stretch widens the mirror-parity term, which is off"):
        quick_config(turn_stretch=0.3).validate()
    for stretch in (-0.1, 1.0):
        with pytest.raises(ConfigError, match="turn_stretch must be in"):
            quick_config(mirror_parity=1.0, turn_stretch=stretch).validate()
        with pytest.raises(ConfigError, match="pose_raise must be in"):
            quick_config(codes="yaw:-75:75", network="faces-volume", pose_raise=stretch).validate()
    with pytest.raises(ConfigError, match="pose_raise_volume says where the pose raise acts, and pose_raise is 0"):
        quick_config(codes="yaw:-75:75", network="faces-volume", pose_raise_volume=True).validate()
    with pytest.raises(ConfigError, match="pose_raise asks Q to read the pose codes through a raised upper half, and --codes cat:4 has none"):
        quick_config(codes="cat:4", pose_raise=0.3).validate()
    assert Objective(TrainConfig(), LatentSpec.parse("cat:4,cont:2", noise=3)).parity_names == []


def test_an_uninformative_q_scores_minus_the_entropy_of_a_categorical_code():
    spec = LatentSpec.parse("cat:4", noise=0)
    uniform_logits = torch.zeros(5, 4)
    assert spec.log_q(uniform_logits, {"c1": torch.arange(5) % 4})["c1"].item() == pytest.approx(-math.log(4))


# --- InfoGAN-CR's contrastive term ---------------------------------------------------------------


def test_contrastive_pairs_share_the_noise_and_exactly_the_chosen_code():
    torch.manual_seed(0)
    spec = LatentSpec.parse("cat:4,cont:2", noise=3)
    objective = Objective(TrainConfig(codes="cat:4,cont:2", noise=3, cr_weight=1.0), spec)
    first, second, shared = objective.contrastive_pairs(400)
    assert first.shape == second.shape == (400, spec.input_width) and shared.shape == (400,)
    assert set(shared.tolist()) == {0, 1, 2}
    assert torch.equal(first[:, :3], second[:, :3])  # the noise
    slices = {"c1": slice(3, 7), "c2": slice(7, 8), "c3": slice(8, 9)}
    for index, name in enumerate(slices):
        same = (first[:, slices[name]] == second[:, slices[name]]).all(dim=1)
        assert same[shared == index].all()
        if name != "c1":  # continuous codes drawn apart are never equal; categories can coincide
            assert not same[shared != index].any()
        else:
            assert same[shared != index].float().mean() < 0.4  # 1/4 by chance


def test_the_contrastive_weight_is_off_then_ramps_linearly_to_its_value():
    spec = LatentSpec.parse("cont:2", noise=3)
    ramped = Objective(TrainConfig(codes="cont:2", noise=3, steps=100, cr_weight=2.0, cr_start=20, cr_ramp=50), spec)
    assert [ramped.contrastive_weight(step) for step in (0, 19)] == [0.0, 0.0]
    assert ramped.contrastive_weight(20) == pytest.approx(2.0 / 50)
    assert ramped.contrastive_weight(44) == pytest.approx(2.0 * 25 / 50)
    assert ramped.contrastive_weight(69) == ramped.contrastive_weight(99) == 2.0
    at_once = Objective(TrainConfig(codes="cont:2", noise=3, steps=100, cr_weight=2.0, cr_start=89), spec)
    assert at_once.contrastive_weight(88) == 0.0 and at_once.contrastive_weight(89) == 2.0
    off = Objective(TrainConfig(codes="cont:2", noise=3, steps=100), spec)
    assert all(off.contrastive_weight(step) == 0.0 for step in range(100))


def test_the_contrastive_loss_is_the_classifiers_cross_entropy_and_reaches_g_through_both_images():
    from infogan.networks import PairClassifier

    torch.manual_seed(0)
    spec = LatentSpec.parse("cat:4,cont:1", noise=3)
    model = InfoGAN(spec)
    objective = Objective(TrainConfig(codes="cat:4,cont:1", noise=3, cr_weight=1.0), spec)
    classifier = PairClassifier(len(spec.codes))
    first, second, shared = objective.contrastive_pairs(8)
    images = model.generator(torch.cat([first, second])).split(8)
    loss = objective.contrastive_loss(classifier, *images, shared)
    expected = -torch.log_softmax(classifier(*images), dim=1)[torch.arange(8), shared].mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.generator.parameters() if p.dim() > 1)


# --- the Hessian penalty -------------------------------------------------------------------------


def interacting_generator(spec: LatentSpec, strength: float):
    """A stand-in G on ``cat:2,cont:2,circ:1`` with 2 noise columns (layout: z1 z2 | cat0 cat1 | c2 |
    c3 | cos sin): pixel 0 is additive in everything, pixel 1 is ``strength * c2 * c3``, pixel 2
    multiplies the noise, the category and the angle's cosine into c2 (of these the penalty perturbs
    only the noise, and only with ``hessian_noise``)."""
    def G(latent):
        z1, cat1, c2, c3, cos = latent[:, 0], latent[:, 3], latent[:, 4], latent[:, 5], latent[:, 6]
        pixels = [torch.sin(c2) + c3**2 + z1**2 + cat1, strength * c2 * c3, z1 * c2 + cat1 * c2 + cos * c2]
        return torch.stack(pixels, dim=1).view(-1, 1, 1, 3)
    return G


def test_the_hessian_penalty_is_zero_without_interactions_and_four_squared_cross_derivatives_with_one():
    spec = LatentSpec.parse("cat:2,cont:2,circ:1", noise=2)
    objective = Objective(TrainConfig(codes="cat:2,cont:2,circ:1", noise=2, hessian_weight=1.0), spec)
    assert objective.hessian_columns.tolist() == [False, False, False, False, True, True, False, False]
    torch.manual_seed(0)
    latent = spec.generator_input(spec.sample_noise(16), spec.sample_codes(16))
    additive = interacting_generator(spec, 0.0)
    assert objective.hessian_penalty(additive, latent, additive(latent), directions=8).item() == pytest.approx(0.0, abs=1e-6)
    G = interacting_generator(spec, 1.5)
    # along a step (v2, v3) in (c2, c3) the second difference of 1.5 c2 c3 is exactly 2 * 1.5 * v2 v3 = +-3,
    # whose variance over many random steps is 9 = 4 * 1.5**2
    penalty = objective.hessian_penalty(G, latent, G(latent), directions=2000).item()
    assert penalty == pytest.approx(9.0, rel=0.05)


def test_the_hessian_penalty_over_the_noise_too_catches_a_code_that_interacts_with_the_noise():
    spec = LatentSpec.parse("cat:2,cont:2,circ:1", noise=2)
    objective = Objective(TrainConfig(codes="cat:2,cont:2,circ:1", noise=2, hessian_weight=1.0, hessian_noise=True), spec)
    assert objective.hessian_columns.tolist() == [True, True, False, False, True, True, False, False]
    torch.manual_seed(0)
    latent = spec.generator_input(spec.sample_noise(16), spec.sample_codes(16))
    G = interacting_generator(spec, 0.0)  # codes alone do not interact; z1 * c2 does
    codes_only = Objective(TrainConfig(codes="cat:2,cont:2,circ:1", noise=2, hessian_weight=1.0), spec)
    assert codes_only.hessian_penalty(G, latent, G(latent), directions=8).item() == pytest.approx(0.0, abs=1e-6)
    # the second difference of z1 * c2 along (v1, v2) is 2 v1 v2 = +-0.02 / 0.01 = +-2: variance 4
    assert objective.hessian_penalty(G, latent, G(latent), directions=2000).item() == pytest.approx(4.0, rel=0.05)


def test_g_gets_the_hessian_penalty_gradient_and_training_logs_it(tmp_path, quick_config):
    from infogan.train import train

    last = train(quick_config(codes="cat:10,cont:2", hessian_weight=0.5, steps=2, log_every=1), tmp_path / "run", progress=False)
    assert math.isfinite(last["hessian"]) and last["hessian"] >= 0
    without = train(quick_config(codes="cat:10,cont:2", steps=2, log_every=1), tmp_path / "plain", progress=False)
    assert "hessian" not in without and without["loss_g"] != last["loss_g"]


def test_the_hessian_penalty_refuses_settings_it_cannot_act_on(tmp_path, quick_config):
    from infogan.config import ConfigError
    from infogan.train import train

    with pytest.raises(ConfigError, match="continuous codes"):
        train(quick_config(codes="cat:10", hessian_weight=1.0, steps=1), tmp_path / "run", progress=False)
    with pytest.raises(ConfigError, match="hessian_weight"):
        quick_config(hessian_weight=-1.0).validate()
    with pytest.raises(ConfigError, match="hessian_noise widens the Hessian penalty, which is off"):
        quick_config(hessian_noise=True).validate()


def test_each_kind_of_code_has_its_own_information_weight():
    spec = LatentSpec.parse("cat:3,cont:1,circ:1", noise=2)
    objective = Objective(TrainConfig(codes="cat:3,cont:1,circ:1", noise=2, lambda_cat=2.0, lambda_cont=0.3, lambda_circ=0.7), spec)
    assert objective.weights == {"c1": 2.0, "c2": 0.3, "c3": 0.7}
    log_q = {"c1": torch.tensor(-1.0), "c2": torch.tensor(0.5), "c3": torch.tensor(-2.0)}
    assert objective.weighted_information(log_q).item() == pytest.approx(-2.0 + 0.15 - 1.4)


def test_instance_noise_is_off_by_default_and_has_the_asked_std():
    spec = LatentSpec.parse("cat:4,cont:1", noise=3)
    images = torch.rand(64, 1, 32, 32)
    assert Objective(TrainConfig(codes="cat:4,cont:1", noise=3), spec).seen_by_d(images) is images
    torch.manual_seed(0)
    seen = Objective(TrainConfig(codes="cat:4,cont:1", noise=3, instance_noise=0.1), spec).seen_by_d(images)
    added = seen - images
    assert added.std().item() == pytest.approx(0.1, rel=0.02) and abs(added.mean().item()) < 0.002
    again = Objective(TrainConfig(codes="cat:4,cont:1", noise=3, instance_noise=0.1), spec).seen_by_d(images)
    assert not torch.equal(again, seen)  # fresh noise at every look


def test_with_instance_noise_d_and_q_see_noisy_images_and_g_still_gets_its_gradient(setting):
    spec, D, real, fake, codes = setting
    D.eval()  # BatchNorm on running statistics: the loss depends on each image alone
    config = TrainConfig(codes="cat:4,cont:1", noise=3, lambda_invariant=0, instance_noise=0.2)
    torch.manual_seed(1)
    loss, _ = Objective(config, spec).discriminator_loss(D, real, fake.detach(), codes)
    torch.manual_seed(1)
    noisy_real = real + 0.2 * torch.randn_like(real)
    noisy_fake = fake.detach() + 0.2 * torch.randn_like(fake)
    d_real, d_fake, info = by_hand(spec, D, noisy_real, noisy_fake, codes, 1.0, 0.1)
    expected = -F.logsigmoid(d_real).mean() - torch.log1p(-torch.sigmoid(d_fake)).mean() - info
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    loss_g = Objective(config, spec).generator_loss(D, fake, codes)
    gradient = torch.autograd.grad(loss_g, fake)[0]
    assert torch.isfinite(gradient).all() and gradient.abs().sum() > 0


def test_instance_noise_must_not_be_negative(quick_config):
    from infogan.config import ConfigError

    with pytest.raises(ConfigError, match="instance_noise"):
        quick_config(instance_noise=-0.1).validate()


def test_mode_seeking_pairs_share_every_code_and_its_loss_is_one_over_the_images_difference_per_noise_difference():
    codes = {"c1": torch.tensor([0, 1, 2, 3, 4, 5]), "c2": torch.linspace(-1, 1, 6)[:, None]}
    paired = Objective.shared_code_pairs(codes)
    assert paired["c1"].tolist() == [0, 1, 2, 0, 1, 2]
    assert torch.equal(paired["c2"][:3], codes["c2"][:3]) and torch.equal(paired["c2"][3:], codes["c2"][:3])
    noise = torch.zeros(4, 2)
    noise[2:] = 0.5  # every noise value differs by 0.5 between the halves
    fake = torch.zeros(4, 1, 2, 2, requires_grad=True)
    with torch.no_grad():
        fake[2:, 0, 0, 0] = 0.4  # one pixel in four differs by 0.4: the images' mean difference is 0.1
    loss, ratio = Objective.mode_seeking_loss(noise, fake)
    assert ratio.item() == pytest.approx(0.2) and loss.item() == pytest.approx(1 / (0.2 + 1e-5))
    gradient = torch.autograd.grad(loss, fake)[0]
    assert gradient[2:, 0, 0, 0].lt(0).all()  # G lowers the loss by pushing the pair's images further apart
    assert gradient[:2, 0, 0, 0].gt(0).all()


def noise_effect(model, pairs: int = 256) -> float:
    """How much G's images change per unit change of the noise at fixed codes (MSGAN's ratio)."""
    torch.manual_seed(123)
    codes = model.spec.sample_codes(pairs)
    noise = model.spec.sample_noise(2 * pairs)
    with torch.no_grad():
        first = model.generate_from(noise[:pairs], codes)
        second = model.generate_from(noise[pairs:], codes)
    return ((first - second).abs().mean() / (noise[:pairs] - noise[pairs:]).abs().mean()).item()


def test_a_short_run_with_mode_seeking_makes_g_use_its_noise_more_and_logs_the_ratio(tmp_path, quick_config):
    from infogan.train import train

    settings = dict(codes="cat:10,cont:2", noise=8, steps=30, log_every=10, lambda_invariant=0.0)  # measured ratio at 30 updates: 5.0
    with_term = train(quick_config(mode_seeking=1.0, **settings), tmp_path / "ms", progress=False)
    without = train(quick_config(**settings), tmp_path / "plain", progress=False)
    assert "noise_ratio" in with_term and "noise_ratio" not in without and with_term["loss_g"] != without["loss_g"]
    effect_with = noise_effect(InfoGAN.load(tmp_path / "ms").eval())
    effect_without = noise_effect(InfoGAN.load(tmp_path / "plain").eval())
    assert effect_with > 3 * effect_without, (effect_with, effect_without)


def test_mode_seeking_needs_an_even_batch_noise_and_a_weight_not_below_zero(tmp_path, quick_config):
    from infogan.config import ConfigError
    from infogan.train import train

    with pytest.raises(ConfigError, match="even"):
        train(quick_config(mode_seeking=1.0, batch_size=15, steps=1), tmp_path / "odd", progress=False)
    with pytest.raises(ConfigError, match="--noise is 0"):
        train(quick_config(mode_seeking=1.0, noise=0, steps=1), tmp_path / "silent", progress=False)
    with pytest.raises(ConfigError, match="mode_seeking"):
        quick_config(mode_seeking=-1.0).validate()
