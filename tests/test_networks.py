"""The generator, the discriminator with its Q head, and their initialisation."""

import pytest
import torch
from torch import nn

from infogan.codes import LatentSpec
from infogan.model import InfoGAN
from infogan.networks import Discriminator, Generator, Linear, init_weights, onednn_available

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
