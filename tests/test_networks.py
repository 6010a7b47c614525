"""The generator, the discriminator with its Q head, and their initialisation."""

import math
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from infogan.codes import LatentSpec
from infogan.model import InfoGAN
from infogan.networks import (
    ARCHITECTURES,
    Discriminator,
    Generator,
    PairClassifier,
    Linear,
    NetworkError,
    SamePadConv2d,
    check_image_shape,
    composite,
    compositing_shares,
    depth_spread,
    init_weights,
    make_generator,
    onednn_available,
    shade,
    turning_grid,
)

SPEC = LatentSpec.parse("cat:10,cont:2", noise=62)


@pytest.fixture
def generator():
    torch.manual_seed(0)
    g = Generator(SPEC.input_width)
    init_weights(g)
    return g


@pytest.fixture
def discriminator():
    torch.manual_seed(0)
    d = Discriminator(SPEC.output_width)
    init_weights(d)
    return d


def latent_batch(n: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return SPEC.generator_input(SPEC.sample_noise(n, generator), SPEC.sample_codes(n, generator))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_generator_makes_28x28_images_in_unit_range(generator, mode):
    getattr(generator, mode)()
    with torch.no_grad():
        images = generator(latent_batch(8))
    assert images.shape == (8, 1, 28, 28)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert images.std() > 0  # not a constant picture


def test_discriminator_returns_one_logit_and_q_width_outputs_per_image(discriminator):
    images = torch.rand(6, 1, 28, 28)
    logits, q_output = discriminator(images)
    assert logits.shape == (6,)
    assert q_output.shape == (6, SPEC.output_width) == (6, 14)


def trunk_gradients(discriminator, detach_q: bool):
    discriminator.zero_grad(set_to_none=True)
    _, q_output = discriminator(torch.rand(4, 1, 28, 28), detach_q=detach_q)
    q_output.square().sum().backward()
    return [p.grad for p in discriminator.trunk.parameters()], [p.grad for p in discriminator.q_head.parameters()]


def test_detach_q_stops_q_gradient_at_the_trunk(discriminator):
    trunk, head = trunk_gradients(discriminator, detach_q=True)
    assert all(grad is None or not grad.any() for grad in trunk)
    assert all(grad is not None and grad.abs().sum() > 0 for grad in head)


def test_without_detach_q_the_trunk_learns_from_q(discriminator):
    trunk, head = trunk_gradients(discriminator, detach_q=False)
    assert all(grad is not None for grad in trunk)
    assert sum(grad.abs().sum() for grad in trunk) > 0
    assert all(grad is not None and grad.abs().sum() > 0 for grad in head)


def test_detach_q_does_not_change_the_outputs(discriminator):
    discriminator.eval()
    images = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        plain = discriminator(images)
        detached = discriminator(images, detach_q=True)
    assert torch.equal(plain[0], detached[0]) and torch.equal(plain[1], detached[1])


def test_discriminator_uses_the_given_leaky_slope():
    slopes = {m.negative_slope for m in Discriminator(4, leaky_slope=0.01).modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.01}


def test_init_weights_draws_small_gaussian_weights_and_zero_biases(generator, discriminator):
    big = generator.fc[3].weight  # 1024 x 6272
    assert big.mean().item() == pytest.approx(0.0, abs=1e-3)
    assert big.std().item() == pytest.approx(0.02, rel=0.02)
    for module in list(generator.modules()) + list(discriminator.modules()):
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            assert module.weight.std().item() == pytest.approx(0.02, rel=0.15)
            if module.bias is not None:
                assert not module.bias.any()
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            assert module.weight.mean().item() == pytest.approx(1.0, abs=0.01)
            assert module.weight.std().item() == pytest.approx(0.02, rel=0.3)
            assert not module.bias.any()


def test_infogan_builds_networks_sized_for_its_latent_layout():
    torch.manual_seed(0)
    model = InfoGAN(LatentSpec.parse("cat:3,cont:1", noise=5, learn_std=False), leaky_slope=0.2)
    assert model.generator.fc[0].in_features == 5 + 3 + 1
    assert model.discriminator.q_head[-1].out_features == 3 + 1
    assert model.generator.fc[3].weight.std().item() == pytest.approx(0.02, rel=0.05)
    images = model.eval().generate(4, seed=0)
    assert images.shape == (4, 1, 28, 28)
    predicted = model.encode(images)
    assert predicted["c1"].dtype == torch.long and predicted["c1"].shape == (4,)
    assert predicted["c2"].shape == (4,)


# --- every network of the paper ----------------------------------------------------------------


def conv(channels_in, channels_out, bias):  # 4x4 kernels everywhere
    return channels_in * channels_out * 16 + (channels_out if bias else 0)


def fc(width_in, width_out, bias):
    return width_in * width_out + (width_out if bias else 0)


def bn(channels):
    return 2 * channels


def conv3d(channels_in, channels_out, kernel):  # no bias: each is followed by batch norm
    return channels_in * channels_out * kernel ** 3


def heads(features, q_width):  # D: FC->1; Q: FC128-BN-lReLU-FC
    return fc(features, 1, True) + fc(features, 128, False) + bn(128) + fc(128, q_width, True)


# chairs-volume16-unstyled's G (and chairs-volume16-unstyled-d256's): content 5 + 12 -> FC -> 64 x 4^3, a 3D
# up-convolution to 32 x 8^3 and a second to 16 x 16^3 (a density and 15 features), composited to 16 x 16^2 and
# projected to the 2D start 64 x 16^2 (batch norm with its own scale and shift; the tilt and the stretch's axis),
# then one 2D up-convolution fewer than chairs-volume-unstyled
VOLUME16_GENERATOR = (fc(17, 128, False) + bn(128) + fc(128, 64 * 4 ** 3, False) + bn(64 * 4 ** 3)
                      + conv3d(64, 32, 4) + bn(32) + conv3d(32, 16, 4) + bn(16) + 16 * 64 + bn(64) + 1 + 1
                      + conv(64, 32, False) + bn(32) + conv(32, 1, True))

# Each count written out from the paper's appendix tables (PAPER.md section 3): a layer followed by
# batch norm has no bias; the input widths are those of the presets' latent codes.
HAND_COUNTS = {
    # latent 62 + 10 + 2 = 74; Q: 10 logits + 2 x (mean, log-std) = 14
    "mnist": ("cat:10,cont:2", 62,
              fc(74, 1024, False) + bn(1024) + fc(1024, 7 * 7 * 128, False) + bn(7 * 7 * 128)
              + conv(128, 64, False) + bn(64) + conv(64, 1, True),
              conv(1, 64, True) + conv(64, 128, False) + bn(128) + fc(7 * 7 * 128, 1024, False) + bn(1024) + heads(1024, 14)),
    # latent 124 + 40 + 4 = 168; Q: 40 + 8 = 48
    "svhn": ("cat:10,cat:10,cat:10,cat:10,cont:4", 124,
             fc(168, 2 * 2 * 448, False) + bn(2 * 2 * 448) + conv(448, 256, False) + bn(256)
             + conv(256, 128, True) + conv(128, 64, True) + conv(64, 3, True),
             conv(3, 64, True) + conv(64, 128, False) + bn(128) + conv(128, 256, False) + bn(256) + heads(4 * 4 * 256, 48)),
    # latent 128 + 100 = 228; Q: 100
    "celeba": (",".join(["cat:10"] * 10), 128,
               fc(228, 2 * 2 * 448, False) + bn(2 * 2 * 448) + conv(448, 256, False) + bn(256)
               + conv(256, 128, True) + conv(128, 64, True) + conv(64, 3, True),
               conv(3, 64, True) + conv(64, 128, False) + bn(128) + conv(128, 256, False) + bn(256) + heads(4 * 4 * 256, 100)),
    # latent 128 + 5 = 133; Q: 10
    "faces": ("cont:5", 128,
              fc(133, 1024, False) + bn(1024) + fc(1024, 8 * 8 * 128, False) + bn(8 * 8 * 128)
              + conv(128, 64, False) + bn(64) + conv(64, 1, True),
              conv(1, 64, True) + conv(64, 128, False) + bn(128) + fc(8 * 8 * 128, 1024, False) + bn(1024) + heads(1024, 10)),
    # latent 128 + 60 + 1 = 189; Q: 60 + 2 = 62
    "chairs": ("cat:20,cat:20,cat:20,cont:1", 128,
               fc(189, 1024, False) + bn(1024) + fc(1024, 8 * 8 * 256, False) + bn(8 * 8 * 256)
               + conv(256, 256, False) + bn(256) + conv(256, 256, False) + bn(256)
               + conv(256, 128, False) + bn(128) + conv(128, 64, False) + bn(64) + conv(64, 1, True),
               conv(1, 64, True) + conv(64, 128, False) + bn(128) + conv(128, 256, False) + bn(256)
               + conv(256, 256, False) + bn(256) + conv(256, 256, False) + bn(256)
               + fc(8 * 8 * 256, 1024, False) + bn(1024) + heads(1024, 62)),
    # InfoGAN-CR's dSprites network: latent 5 + 5 = 10; Q: 5 x (mean, log-std) = 10; D has spectral
    # norm (no extra parameters) and no batch norm, so every D layer has a bias
    "sprites": ("cont:5", 5,
                fc(10, 128, False) + bn(128) + fc(128, 4 * 4 * 64, False) + bn(4 * 4 * 64)
                + conv(64, 64, False) + bn(64) + conv(64, 32, False) + bn(32) + conv(32, 32, False) + bn(32) + conv(32, 1, True),
                conv(1, 32, True) + conv(32, 32, True) + conv(32, 64, True) + conv(64, 64, True) + fc(4 * 4 * 64, 128, True)
                + fc(128, 1, True) + fc(128, 128, True) + fc(128, 10, True)),
    # the volume networks: the content (latent less the pose codes) -> FC -> 64 x 4^3 -> up-conv to
    # 32 x 8^3 (a density and 31 features), turn, composite along depth to 32 x 8^2, 1x1 conv to the
    # 2D start (batch norm without its own scale: an FC of the content gives scale and shift, 2 x its
    # channels); D is faces' or sprites'
    # faces-volume: latent 128 + 5, content 131; Q: 10
    "faces-volume": ("yaw:-75:75,pitch:-30:30,cont:3", 128,
                     fc(131, 1024, False) + bn(1024) + fc(1024, 64 * 4 ** 3, False) + bn(64 * 4 ** 3)
                     + conv3d(64, 32, 4) + bn(32) + 32 * 128 + fc(131, 2 * 128, True)
                     + conv(128, 64, False) + bn(64) + conv(64, 1, True),
                     conv(1, 64, True) + conv(64, 128, False) + bn(128) + fc(8 * 8 * 128, 1024, False) + bn(1024) + heads(1024, 10)),
    # faces-volume-unstyled with a light code: content 128 + 2; the 2D start's batch norm keeps its own
    # scale and shift (no FC of the content), and the light's elevation is learned
    "faces-volume-unstyled": ("yaw:-75:75,pitch:-30:30,light:-70:70,cont:2", 128,
                              fc(130, 1024, False) + bn(1024) + fc(1024, 64 * 4 ** 3, False) + bn(64 * 4 ** 3)
                              + conv3d(64, 32, 4) + bn(32) + 32 * 128 + bn(128) + 1
                              + conv(128, 64, False) + bn(64) + conv(64, 1, True),
                              conv(1, 64, True) + conv(64, 128, False) + bn(128) + fc(8 * 8 * 128, 1024, False) + bn(1024) + heads(1024, 10)),
    # chairs-volume: latent 5 + 12 + 2 (the yaw, an angle: cosine and sine) + 1, content 18; Q: 12 + 2 + 2 = 16
    "chairs-volume": ("cat:12,yaw:-180:180,cont:1", 5,
                      fc(18, 128, False) + bn(128) + fc(128, 64 * 4 ** 3, False) + bn(64 * 4 ** 3)
                      + conv3d(64, 32, 4) + bn(32) + 32 * 64 + fc(18, 2 * 64, True) + 1  # no pitch code: a learned tilt
                      + conv(64, 32, False) + bn(32) + conv(32, 32, False) + bn(32) + conv(32, 1, True),
                      conv(1, 32, True) + conv(32, 32, True) + conv(32, 64, True) + conv(64, 64, True) + fc(4 * 4 * 64, 128, True)
                      + fc(128, 1, True) + fc(128, 128, True) + fc(128, 16, True)),
    # chairs-volume-unstyled with a stretch code: content 5 + 12; the 2D start's batch norm keeps its own
    # scale and shift, and the stretch's axis is learned; Q: 12 + 2 + 2 = 16
    "chairs-volume-unstyled": ("cat:12,yaw:-180:180,stretch:0.7:1.3", 5,
                               fc(17, 128, False) + bn(128) + fc(128, 64 * 4 ** 3, False) + bn(64 * 4 ** 3)
                               + conv3d(64, 32, 4) + bn(32) + 32 * 64 + bn(64) + 1 + 1  # the tilt and the stretch's axis
                               + conv(64, 32, False) + bn(32) + conv(32, 32, False) + bn(32) + conv(32, 1, True),
                               conv(1, 32, True) + conv(32, 32, True) + conv(32, 64, True) + conv(64, 64, True)
                               + fc(4 * 4 * 64, 128, True) + fc(128, 1, True) + fc(128, 128, True) + fc(128, 16, True)),
    "chairs-volume16-unstyled": ("cat:12,yaw:-180:180,stretch:0.7:1.3", 5, VOLUME16_GENERATOR,
                                 conv(1, 32, True) + conv(32, 32, True) + conv(32, 64, True) + conv(64, 64, True)
                                 + fc(4 * 4 * 64, 128, True) + fc(128, 1, True) + fc(128, 128, True) + fc(128, 16, True)),
    # chairs-volume16-unstyled-d256: G as chairs-volume16-unstyled; D's channels 32, 64, 128, 256 and its FC 256 wide
    "chairs-volume16-unstyled-d256": ("cat:12,yaw:-180:180,stretch:0.7:1.3", 5, VOLUME16_GENERATOR,
                                      conv(1, 32, True) + conv(32, 64, True) + conv(64, 128, True) + conv(128, 256, True)
                                      + fc(4 * 4 * 256, 256, True) + fc(256, 1, True) + fc(256, 128, True) + fc(128, 16, True)),
}


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("network", list(ARCHITECTURES))
def test_each_network_has_the_parameter_count_of_its_table(network):
    codes, noise, generator_count, discriminator_count = HAND_COUNTS[network]
    spec = LatentSpec.parse(codes, noise)
    assert count(make_generator(spec, network)) == generator_count
    assert count(Discriminator(spec.output_width, network=network)) == discriminator_count


@pytest.mark.parametrize("network", list(ARCHITECTURES))
def test_each_network_maps_latents_to_its_image_shape_in_unit_range_and_back(network):
    codes, noise, _, _ = HAND_COUNTS[network]
    torch.manual_seed(0)
    model = InfoGAN(LatentSpec.parse(codes, noise), network=network)
    images = model.generate(3, seed=0)
    assert images.shape == (3, *ARCHITECTURES[network].image_shape)
    assert images.min() >= 0 and images.max() <= 1
    d, q = model.discriminator(images)
    assert d.shape == (3,) and q.shape == (3, model.spec.output_width)


def test_spectral_norm_networks_start_from_the_papers_init_and_keep_every_layer_at_unit_norm():
    torch.manual_seed(0)
    discriminator = Discriminator(10, network="sprites")
    init_weights(discriminator)
    for _ in range(30):  # each training-mode pass runs one step of the power iteration
        discriminator(torch.rand(8, 1, 64, 64))
    layers = [m for m in discriminator.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert len(layers) == 8 and not any(isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d) for m in discriminator.modules())
    for layer in layers:
        assert layer.parametrizations.weight.original.std().item() == pytest.approx(0.02, rel=0.2)
        matrix = layer.weight.detach().flatten(1)
        assert torch.linalg.matrix_norm(matrix, ord=2).item() == pytest.approx(1.0, rel=0.1)


@pytest.mark.parametrize("network", ["mnist", "sprites"])
def test_the_pair_classifier_reads_two_images_and_scores_each_code(network):
    shape = ARCHITECTURES[network].image_shape
    classifier = PairClassifier(4, network=network)
    first, second = torch.rand(6, *shape), torch.rand(6, *shape)
    assert classifier(first, second).shape == (6, 4)
    assert classifier.trunk[0].in_channels == 2 * shape[0]


def test_same_pad_convolution_keeps_the_size_and_pads_one_before_two_after():
    layer = SamePadConv2d(1, 1, 4, bias=False)
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, 0, 0, 0] = 1.0  # picks the pixel one up and one left of each output
    image = torch.arange(25.0).view(1, 1, 5, 5)
    out = layer(image)
    assert out.shape == image.shape
    assert out[0, 0, 0, 0] == 0 and out[0, 0, 1, 1] == image[0, 0, 0, 0] and out[0, 0, 4, 4] == image[0, 0, 3, 3]


def test_images_that_do_not_fit_the_network_get_a_one_line_error_naming_a_fitting_network():
    check_image_shape((1, 28, 28), "mnist", "mnist")
    with pytest.raises(NetworkError) as error:
        check_image_shape((3, 32, 32), "mnist", "svhn")
    message = str(error.value)
    assert "\n" not in message and "3x32x32" in message and "1x28x28" in message and "--network svhn or celeba" in message
    with pytest.raises(NetworkError, match="no network of the paper"):
        check_image_shape((3, 100, 100), "celeba", "folder")


def test_the_turning_grid_is_the_identity_at_zero_and_turns_a_volume_rigidly():
    volume = torch.zeros(1, 1, 8, 8, 8)  # D (line of sight) x H x W
    volume[0, 0, 3:5, 3:5, 6] = 1.0  # a 2x2x1 block right of the centre (x > 0), at mid depth and height
    zero = torch.zeros(1)
    grid = turning_grid(zero, zero, volume.shape)
    torch.testing.assert_close(torch.nn.functional.grid_sample(volume, grid, align_corners=False), volume)
    quarter = torch.full((1,), torch.pi / 2)
    turned = torch.nn.functional.grid_sample(volume, turning_grid(quarter, zero, volume.shape), align_corners=False)
    assert turned.sum().item() == pytest.approx(volume.sum().item(), rel=1e-4)  # a quarter turn of a cube loses nothing
    assert turned[0, 0, :, 3:5, :].sum(dim=1).argmax().item() // 8 in (1, 6)  # the block moves to the near or far side...
    assert turned[0, 0, :, 3:5, 3:5].sum().item() == pytest.approx(4.0, rel=1e-4)  # ...into the image's middle columns
    torch.testing.assert_close(turned[0, 0, :, :3], torch.zeros(8, 3, 8))  # and stays at its height
    tilted = torch.nn.functional.grid_sample(volume, turning_grid(zero, quarter, volume.shape), align_corners=False)
    torch.testing.assert_close(tilted[0, 0, :, :, 6].sum(), volume[0, 0, :, :, 6].sum())  # a pitch keeps x: the block stays right


def test_a_stretch_widens_the_volume_along_its_own_x_before_the_turn():
    volume = torch.zeros(1, 1, 8, 8, 8)
    volume[0, 0, 2:6, 2:6, 2:6] = 1.0  # a centred cube, half the volume's side
    zero, quarter = torch.zeros(1), torch.full((1,), torch.pi / 2)
    for factor in (0.5, 1.5):
        stretched = torch.nn.functional.grid_sample(volume, turning_grid(zero, zero, volume.shape, torch.full((1,), factor)), align_corners=False)
        torch.testing.assert_close(stretched[0, 0].sum(dim=(1, 2)), volume[0, 0].sum(dim=(1, 2)) * factor)  # each depth's mass scales...
        torch.testing.assert_close(stretched[0, 0].sum(dim=(0, 2)), volume[0, 0].sum(dim=(0, 2)) * factor)  # ...as each row's
    # turned a quarter, the object's x runs along the line of sight: each image column holds 1.5 times the
    # cube's mass, in the same columns, and the cube now reaches the nearest and farthest depths
    turned = torch.nn.functional.grid_sample(volume, turning_grid(quarter, zero, volume.shape, torch.full((1,), 1.5)), align_corners=False)
    torch.testing.assert_close(turned[0, 0].sum(dim=(0, 1)), volume[0, 0].sum(dim=(0, 1)) * 1.5, atol=1e-4, rtol=1e-4)
    deep = turned[0, 0].sum(dim=(1, 2))
    assert volume[0, 0, 0].sum() == 0 and deep[0].item() > 0.1 and deep[7].item() > 0.1
    # along an axis a quarter from x (z, the line of sight): unturned, the cube deepens as the turned one did
    along_z = torch.nn.functional.grid_sample(volume, turning_grid(zero, zero, volume.shape, torch.full((1,), 1.5), quarter[0]), align_corners=False)
    torch.testing.assert_close(along_z[0, 0].sum(dim=(0, 1)), volume[0, 0].sum(dim=(0, 1)) * 1.5, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(along_z[0, 0].sum(dim=(1, 2)), deep, atol=1e-4, rtol=1e-4)


def test_a_raise_stretches_the_volume_s_upper_half_along_its_own_y_and_leaves_the_lower_half():
    volume = torch.zeros(1, 1, 16, 16, 16)  # y runs down along H: rows 0-7 are the upper half
    volume[0, 0, 6:10, 2:6, 6:10] = 1.0  # a block 2 to 6 voxels above the centre (a back)
    volume[0, 0, 6:10, 10:13, 6:10] = 1.0  # and one below the centre (the legs)
    zero = torch.zeros(2)
    grid = turning_grid(zero, zero, (2, 1, 16, 16, 16), raises=torch.ones(2))
    torch.testing.assert_close(grid, turning_grid(zero, zero, (2, 1, 16, 16, 16)))  # a raise by 1 changes nothing
    rows = torch.arange(16) + 0.5 - 8  # each row's centre, in voxels from the volume's centre (negative: up)
    for factor in (0.6, 1.3):
        raised = torch.nn.functional.grid_sample(volume, turning_grid(zero[:1], zero[:1], volume.shape, raises=torch.full((1,), factor)), align_corners=False)
        by_row = raised[0, 0].sum(dim=(0, 2))
        torch.testing.assert_close(by_row[8:], volume[0, 0].sum(dim=(0, 2))[8:])  # the lower half as it was
        assert (by_row[:8] * rows[:8]).sum().item() / by_row[:8].sum().item() == pytest.approx(-4 * factor, abs=0.15)  # the block moved by the factor
    # turned a quarter about y, the raise still acts on the object's y: the image's upper rows, the same way
    quarter = torch.full((1,), torch.pi / 2)
    turned = torch.nn.functional.grid_sample(volume, turning_grid(quarter, zero[:1], volume.shape, raises=torch.full((1,), 1.3)), align_corners=False)
    raised = torch.nn.functional.grid_sample(volume, turning_grid(zero[:1], zero[:1], volume.shape, raises=torch.full((1,), 1.3)), align_corners=False)
    torch.testing.assert_close(turned[0, 0].sum(dim=(0, 2)), raised[0, 0].sum(dim=(0, 2)), atol=1e-4, rtol=1e-4)


def test_a_volume_generator_raises_each_row_s_volume_by_its_own_factor():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-90:90,cont:1", noise=3)
    generator = make_generator(spec, "faces-volume").eval()
    init_weights(generator)
    latent = spec.generator_input(spec.sample_noise(2), spec.sample_codes(2))
    with torch.no_grad():
        plain = generator(latent)
        torch.testing.assert_close(generator(latent, torch.ones(2)), plain)
        raised = generator(latent, torch.tensor([1.0, 1.4]))
        volume = generator.upconv3d(generator.fc(latent[:, generator.content_columns]).view(-1, 64, 4, 4, 4))
        grid = turning_grid(latent[:, 0] * math.radians(90), generator.tilt.expand(2), volume.shape, raises=torch.tensor([1.0, 1.4]))
        seen = composite(torch.nn.functional.grid_sample(volume, grid, align_corners=False))
        scale, shift = generator.style(latent[:, generator.content_columns])[:, :, None, None].chunk(2, dim=1)
        by_hand = generator.upconv(torch.relu(generator.project_norm(generator.project(seen)) * (1 + scale) + shift))
    torch.testing.assert_close(raised, by_hand)
    torch.testing.assert_close(raised[0], plain[0])  # in eval mode each row is drawn on its own
    assert not torch.equal(raised[1], plain[1])


def test_a_volume_generator_sees_its_pose_codes_only_through_the_turn():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-90:90,cont:2", noise=3)
    generator = make_generator(spec, "faces-volume").eval()
    init_weights(generator)
    assert generator.fc[0].in_features == 3 + 2  # the content: noise and the two interval codes
    noise, codes = spec.sample_noise(2, torch.Generator().manual_seed(1)), spec.sample_codes(2, torch.Generator().manual_seed(2))
    turned = {**codes, "c1": torch.ones(2)}
    facing = {**codes, "c1": torch.zeros(2)}
    with torch.no_grad():
        front, side = generator(spec.generator_input(noise, facing)), generator(spec.generator_input(noise, turned))
        volume = generator.upconv3d(generator.fc(torch.cat([noise, codes["c2"][:, None], codes["c3"][:, None]], 1)).view(-1, 64, 4, 4, 4))
    assert not torch.allclose(front, side)
    # by hand: the same volume turned a quarter turn, then G's last layers, gives the turned image
    assert generator.tilt.item() == 0  # no pitch code: the learned tilt, from level
    grid = turning_grid(torch.full((2,), torch.pi / 2), torch.zeros(2), volume.shape)
    content = torch.cat([noise, codes["c2"][:, None], codes["c3"][:, None]], 1)
    with torch.no_grad():
        scale, shift = generator.style(content)[:, :, None, None].chunk(2, dim=1)
        seen = composite(torch.nn.functional.grid_sample(volume, grid, align_corners=False))
        by_hand = generator.upconv(torch.relu(generator.project_norm(generator.project(seen)) * (1 + scale) + shift))
    torch.testing.assert_close(side, by_hand)


def test_compositing_shows_the_nearest_opaque_voxel_and_the_opacity_of_a_uniform_column():
    volume = torch.zeros(1, 2, 4, 1, 3)  # channel 0 density, channel 1 what the voxel shows; depth 4, three pixels
    volume[0, :, 1, 0, 0] = torch.tensor([50.0, 7.0])  # pixel 0: an opaque voxel showing 7...
    volume[0, :, 2, 0, 0] = torch.tensor([50.0, 3.0])  # ...in front of another showing 3
    volume[0, 0, :, 0, 1] = 0.5  # pixel 1: a uniform haze showing 2 everywhere
    volume[0, 1, :, 0, 1] = 2.0
    seen = composite(volume)  # pixel 2: empty
    assert seen.shape == (1, 2, 1, 3)
    torch.testing.assert_close(seen[0, :, 0, 0], torch.tensor([7.0, 1.0]))
    opacity = 1 - math.exp(-4 * 0.5)
    torch.testing.assert_close(seen[0, :, 0, 1], torch.tensor([2.0 * opacity, opacity]))
    torch.testing.assert_close(seen[0, :, 0, 2], torch.zeros(2))


def test_depth_spread_is_zero_for_one_surface_and_the_pairs_shares_times_their_distance_otherwise():
    shares = torch.zeros(1, 1, 5, 1, 3)  # depth 5, three pixels
    shares[0, 0, 2, 0, 0] = 0.9  # one voxel gives the pixel
    shares[0, 0, 1, 0, 1], shares[0, 0, 4, 0, 1] = 0.3, 0.5  # two, three voxels apart
    spread = depth_spread(shares)
    assert spread.shape == (1, 1, 3)
    torch.testing.assert_close(spread[0, 0], torch.tensor([0.0, 2 * 0.3 * 0.5 * 3 / 4, 0.0]))  # in units of the depth (4 steps)
    torch.manual_seed(0)
    shares = torch.rand(2, 1, 7, 3, 4) / 7
    by_pairs = sum(shares[:, 0, i] * shares[:, 0, j] * abs(i - j) for i in range(7) for j in range(7)) / 6
    torch.testing.assert_close(depth_spread(shares), by_pairs)
    haze = torch.full((1, 1, 8, 1, 1), 0.5)  # a uniform haze costs; the same opacity in one opaque voxel does not
    solid = torch.zeros(1, 1, 8, 1, 1)
    solid[0, 0, 3] = 50.0
    assert depth_spread(compositing_shares(haze)).item() > 0.05
    assert depth_spread(compositing_shares(solid)).item() == pytest.approx(0.0, abs=1e-6)


def test_without_a_pitch_code_the_tilt_is_learned_and_with_one_there_is_none():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-180:180,cont:1", noise=2)
    generator = make_generator(spec, "chairs-volume")
    init_weights(generator)
    generator(spec.generator_input(spec.sample_noise(4), spec.sample_codes(4))).mean().backward()
    assert generator.tilt.grad is not None and generator.tilt.grad.abs().item() > 0
    assert make_generator(LatentSpec.parse("yaw:-75:75,pitch:-30:30", noise=2), "faces-volume").tilt is None


def test_the_tilt_starts_where_asked_and_a_positive_tilt_looks_down_on_the_object():
    generator = make_generator(LatentSpec.parse("yaw:-180:180,cont:1", noise=2), "chairs-volume16-unstyled", volume_tilt=22.0)
    torch.testing.assert_close(generator.tilt.detach(), torch.tensor(math.radians(22.0)))
    plate = torch.zeros(1, 3, 16, 16, 16)  # a horizontal plate two voxels thick: channel 1 marks its top, 2 its bottom (y runs down)
    plate[0, 0, :, 7:9, :] = 5.0
    plate[0, 1, :, 7, :] = 1.0
    plate[0, 2, :, 8, :] = 1.0
    seen = {}
    for degrees in (30.0, -30.0):
        grid = turning_grid(torch.zeros(1), torch.tensor([math.radians(degrees)]), plate.shape)
        top, bottom = composite(F.grid_sample(plate, grid, align_corners=False))[0, :2].sum(dim=(1, 2))
        seen[degrees] = (top.item(), bottom.item())
    assert seen[30.0][0] > 3 * seen[30.0][1]  # from above, the top hides the bottom
    assert seen[-30.0][1] > 3 * seen[-30.0][0]


def test_shading_lights_the_surface_that_faces_the_light_and_leaves_the_rest_ambient():
    side = torch.arange(9.0) - 4
    z, y, x = torch.meshgrid(side, side, side, indexing="ij")  # z runs away from the camera, y down
    volume = torch.stack([(16 - (x * x + y * y + z * z)).clamp(min=0), torch.full_like(x, 2.0), torch.full_like(x, 5.0)])[None]
    front = shade(volume, torch.zeros(1), torch.zeros(1))
    torch.testing.assert_close(front[0, 1, 1, 4, 4], torch.tensor(2.0))  # the ball's near pole faces a frontal light
    torch.testing.assert_close(front[0, 1, 7, 4, 4], torch.tensor(2.0 * 0.15))  # its far pole gets the ambient share
    right = shade(volume, torch.full((1,), math.pi / 2), torch.zeros(1))
    torch.testing.assert_close(right[0, 1, 4, 4, 7], torch.tensor(2.0))  # a light from the right lights the right pole...
    torch.testing.assert_close(right[0, 1, 4, 4, 1], torch.tensor(2.0 * 0.15))  # ...and not the left
    above = shade(volume, torch.zeros(1), torch.full((1,), math.pi / 2))
    assert above[0, 1, 4, 1, 4] > 1.99 and above[0, 1, 4, 7, 4] < 0.31  # y runs down: the top pole is lit
    # halfway between the front and the right pole's directions, a 45-degree light is brighter than a frontal one
    assert shade(volume, torch.full((1,), math.pi / 4), torch.zeros(1))[0, 1, 2, 4, 6] > front[0, 1, 2, 4, 6]
    torch.testing.assert_close(front[0, 2, 1, 4, 4], torch.tensor(5.0))  # every feature is shaded alike...
    torch.testing.assert_close(front[0, 2, 7, 4, 4], torch.tensor(5.0 * 0.15))
    torch.testing.assert_close(front[:, 0], volume[:, 0])  # ...and the density is untouched


def test_a_light_code_shades_the_volume_and_is_not_part_of_the_content():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-75:75,light:-70:70,cont:1", noise=2)
    generator = make_generator(spec, "faces-volume")
    init_weights(generator)
    assert generator.fc[0].in_features == 2 + 1 and generator.light_elevation is not None
    assert make_generator(LatentSpec.parse("yaw:-75:75", noise=2), "faces-volume").light_elevation is None
    unstyled = make_generator(spec, "faces-volume-unstyled")
    assert unstyled.style is None and unstyled.project_norm.affine  # the content reaches the image only through the volume
    noise, codes = spec.sample_noise(4), spec.sample_codes(4)
    with torch.no_grad():  # batch statistics: the small initial weights would hide the change in eval mode
        lights = [generator(spec.generator_input(noise, {**codes, "c2": torch.full((4,), v)})) for v in (-1.0, 1.0)]
    assert (lights[0] - lights[1]).abs().mean() > 1e-3  # the light changes the image
    generator(spec.generator_input(noise, codes)).mean().backward()
    assert generator.light_elevation.grad.abs().item() > 0


def test_a_camera_light_shades_the_turned_volume_from_a_learned_direction():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-180:180,cont:1", noise=2)
    lit = make_generator(spec, "chairs-volume16-unstyled", mirror_volume=True, camera_light=(-30.0, 40.0))
    init_weights(lit)
    torch.testing.assert_close(lit.camera_light.detach(), torch.tensor([math.radians(-30.0), math.radians(40.0)]))
    plain = make_generator(spec, "chairs-volume16-unstyled", mirror_volume=True)
    plain.load_state_dict({k: v for k, v in lit.state_dict().items() if k != "camera_light"})  # the light is its only extra weight
    noise, codes = spec.sample_noise(2), spec.sample_codes(2)
    latent = spec.generator_input(noise, codes)
    with torch.no_grad():
        volume = lit.upconv3d(lit.fc(torch.cat([noise, codes["c2"][:, None]], 1)).view(-1, 64, 4, 4, 4))
        volume = 0.5 * (volume + volume.flip(-1))
        grid = turning_grid(codes["c1"], torch.zeros(2), volume.shape)  # an angle code is its own turn
        turned = torch.nn.functional.grid_sample(volume, grid, align_corners=False)
        shaded = shade(turned, torch.full((2,), math.radians(-30.0)), torch.full((2,), math.radians(40.0)))
        by_hand = lit.upconv(torch.relu(lit.project_norm(lit.project(composite(shaded)))))
        torch.testing.assert_close(lit(latent), by_hand)
        assert not torch.allclose(plain(latent), by_hand)
    lit(latent).mean().backward()
    assert lit.camera_light.grad.abs().min().item() > 0  # both angles are learned
    assert plain.camera_light is None
    with pytest.raises(NetworkError, match="with a light code the code sets the light"):
        make_generator(LatentSpec.parse("yaw:-75:75,light:-70:70", noise=2), "faces-volume", camera_light=(0.0, 0.0))
    with pytest.raises(NetworkError, match="a camera light shades a volume; faces has no volume"):
        make_generator(LatentSpec.parse("cont:1", noise=2), "faces", camera_light=(0.0, 0.0))


def test_a_silhouette_shows_g_s_picture_where_the_volume_is_opaque_and_the_background_elsewhere():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-180:180,cont:1", noise=2)
    cut = make_generator(spec, "chairs-volume16-unstyled", silhouette=True)
    init_weights(cut)
    with torch.no_grad():
        cut.background.fill_(2.0)
    plain = make_generator(spec, "chairs-volume16-unstyled")
    plain.load_state_dict({k: v for k, v in cut.state_dict().items() if k != "background"})  # the background is its only extra weight
    latent = spec.generator_input(spec.sample_noise(3), spec.sample_codes(3))
    with torch.no_grad():
        picture = plain(latent)
        content = latent[:, cut.content_columns]
        volume = cut.upconv3d(cut.fc(content).view(-1, 64, 4, 4, 4))
        grid = turning_grid(torch.atan2(latent[:, 3], latent[:, 2]), cut.tilt.expand(3), volume.shape)
        opacity = composite(F.grid_sample(volume, grid, align_corners=False))[:, -1:]
        opacity = F.interpolate(opacity, size=(64, 64), mode="bilinear", align_corners=False)
        torch.testing.assert_close(cut(latent), opacity * picture + (1 - opacity) * torch.sigmoid(torch.tensor(2.0)))
        torch.testing.assert_close(cut.last_opacity, cut.composited(latent)[:, -1])  # what the opacity penalty charges
        torch.testing.assert_close(cut.last_shares.sum(dim=2)[:, 0], cut.last_opacity)  # what the depth-spread charge reads
        background = torch.sigmoid(torch.tensor(2.0))
        low, high = torch.minimum(picture, background), torch.maximum(picture, background)
        assert (cut(latent) >= low - 1e-6).all() and (cut(latent) <= high + 1e-6).all()  # each pixel between the two
        assert (cut(latent) - picture).abs().max() > 0.01  # where the fog of a fresh volume thins, the background shows
    cut(latent).mean().backward()
    assert cut.background.grad.abs().item() > 0 and plain.background is None
    with pytest.raises(NetworkError, match="a silhouette is a volume's outline; faces has no volume"):
        make_generator(LatentSpec.parse("cont:1", noise=2), "faces", silhouette=True)


def test_a_stretch_code_widens_g_s_volume_and_is_not_part_of_the_content():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-75:75,stretch:0.8:1.2,cont:1", noise=2)
    generator = make_generator(spec, "faces-volume-unstyled")
    init_weights(generator)
    assert generator.fc[0].in_features == 2 + 1
    noise, codes = spec.sample_noise(2), spec.sample_codes(2)
    with torch.no_grad():
        wide = generator(spec.generator_input(noise, {**codes, "c2": torch.ones(2)}))
        content = torch.cat([noise, codes["c3"][:, None]], 1)
        volume = generator.upconv3d(generator.fc(content).view(-1, 64, 4, 4, 4))
        grid = turning_grid(codes["c1"] * math.radians(75), torch.zeros(2), volume.shape, torch.full((2,), 1.2), generator.stretch_axis)
        seen = composite(torch.nn.functional.grid_sample(volume, grid, align_corners=False))
        by_hand = generator.upconv(torch.relu(generator.project_norm(generator.project(seen))))  # by hand: stretched by 1.2, then turned
    torch.testing.assert_close(wide, by_hand)
    generator(spec.generator_input(noise, codes)).mean().backward()
    assert generator.stretch_axis.grad.abs().item() > 0  # the axis is learned, from x
    assert make_generator(LatentSpec.parse("yaw:-75:75", noise=2), "faces-volume").stretch_axis is None


def test_a_mirrored_volume_is_symmetric_across_the_object_s_x_before_the_turn():
    torch.manual_seed(0)
    spec = LatentSpec.parse("yaw:-75:75,cont:1", noise=2)
    mirrored = make_generator(spec, "faces-volume-unstyled", mirror_volume=True)
    init_weights(mirrored)
    plain = make_generator(spec, "faces-volume-unstyled")
    plain.load_state_dict(mirrored.state_dict())  # the same weights: the mirror adds none
    noise, codes = spec.sample_noise(2), spec.sample_codes(2)
    latent = spec.generator_input(noise, codes)
    with torch.no_grad():
        volume = mirrored.upconv3d(mirrored.fc(torch.cat([noise, codes["c2"][:, None]], 1)).view(-1, 64, 4, 4, 4))
        symmetric = 0.5 * (volume + volume.flip(-1))
        grid = turning_grid(codes["c1"] * math.radians(75), torch.zeros(2), volume.shape)
        seen = composite(torch.nn.functional.grid_sample(symmetric, grid, align_corners=False))
        by_hand = mirrored.upconv(torch.relu(mirrored.project_norm(mirrored.project(seen))))
        torch.testing.assert_close(mirrored(latent), by_hand)
        assert not torch.allclose(plain(latent), by_hand)
    with pytest.raises(NetworkError, match="a mirror-symmetric volume needs a volume network; faces has no volume"):
        make_generator(LatentSpec.parse("cont:1", noise=2), "faces", mirror_volume=True)


def test_pose_codes_on_a_network_without_a_volume_are_refused_naming_the_volume_networks():
    with pytest.raises(NetworkError, match="faces-volume, faces-volume-unstyled, chairs-volume, chairs-volume-unstyled, chairs-volume16-unstyled or chairs-volume16-unstyled-d256"):
        make_generator(LatentSpec.parse("yaw:-30:30,cont:1", noise=2), "faces")


def test_an_unknown_network_is_refused():
    with pytest.raises(NetworkError, match="unknown network 'resnet'"):
        Generator(10, "resnet")


# --- the linear layer: oneDNN matrix products on the CPU, nn.Linear everywhere else ------------


def linear_pair(in_features: int, out_features: int, bias: bool):
    torch.manual_seed(0)
    ours = Linear(in_features, out_features, bias=bias)
    plain = nn.Linear(in_features, out_features, bias=bias)
    plain.load_state_dict(ours.state_dict())
    return ours, plain


@pytest.mark.skipif(not onednn_available(), reason="this torch has no oneDNN")
@pytest.mark.parametrize("bias", [False, True])
def test_linear_computes_what_nn_linear_computes_with_the_same_gradients(bias):
    ours, plain = linear_pair(300, 70, bias)
    assert ours.use_onednn
    x = torch.randn(64, 300)
    inputs = [x.clone().requires_grad_(), x.clone().requires_grad_()]
    outputs = [ours(inputs[0]), plain(inputs[1])]
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-5, atol=1e-5)
    upstream = torch.randn(64, 70)
    for output in outputs:
        (output * upstream).sum().backward()
    torch.testing.assert_close(inputs[0].grad, inputs[1].grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(ours.weight.grad, plain.weight.grad, rtol=1e-4, atol=1e-4)
    if bias:
        torch.testing.assert_close(ours.bias.grad, plain.bias.grad, rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(not onednn_available(), reason="this torch has no oneDNN")
def test_linear_takes_strided_inputs_and_gradients():
    ours, plain = linear_pair(40, 1, bias=True)
    x = torch.randn(40, 16).t()  # not contiguous
    torch.testing.assert_close(ours(x), plain(x), rtol=1e-5, atol=1e-5)
    ours(x).mean().backward()  # the gradient arriving is an expanded (stride 0) tensor
    plain(x).mean().backward()
    torch.testing.assert_close(ours.weight.grad, plain.weight.grad, rtol=1e-5, atol=1e-6)


def test_linear_is_nn_linear_for_other_dtypes_and_under_autocast():
    ours, plain = linear_pair(20, 5, bias=True)
    assert list(ours.state_dict()) == list(plain.state_dict())
    x = torch.randn(8, 20, dtype=torch.float64)
    assert torch.equal(ours.double()(x), plain.double()(x))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert ours.float()(torch.randn(8, 20)).dtype == torch.bfloat16
