"""The paper's networks (Appendix C, tables 1-5), one place where a name becomes a network.

``--network`` picks one of ``ARCHITECTURES``: ``mnist`` (28x28x1), ``svhn`` and ``celeba``
(32x32x3), ``faces`` (32x32x1) and ``chairs`` (64x64x1). G is fully connected layers, a
reshape, then 4x4 up-convolutions; D is 4x4 convolutions and (for all but the 32x32 colour
networks) an FC1024 layer forming the trunk that D's head (FC->1) and Q's head
(FC128-BN-lReLU-FC) share. Every network outputs and takes images in [0, 1], the package's one
pixel convention: the sigmoid networks do so directly, and the paper's tanh output is rescaled to
``(tanh + 1) / 2``, which D's first (linear) convolution absorbs.

Fully connected layers are linear layers rather than 7x7 convolutions, which compute the same
thing and are much faster on a CPU. On the CPU their matrix products run on oneDNN, the library
PyTorch already uses for convolutions, rather than on ``torch.mm``'s BLAS (MKL): on this
project's AMD CPU with AVX-512, MKL's float32 matrix products reach about half the speed of
oneDNN's (``benchmarks/throughput.py`` prints both peaks).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .errors import InfoganError


def onednn_available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


def onednn_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b.T`` (float32, CPU) computed by oneDNN; any strides."""
    return torch.ops.mkldnn._linear_pointwise(a, b, None, "none", [], "")


class OneDNNMatmul(torch.autograd.Function):
    """``x @ weight.T`` whose forward and both gradients are oneDNN matrix products."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return onednn_matmul(x, weight)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = onednn_matmul(grad, weight.t()) if ctx.needs_input_grad[0] else None
        grad_weight = onednn_matmul(grad.t(), x.t()) if ctx.needs_input_grad[1] else None
        return grad_x, grad_weight


class Linear(nn.Linear):
    """``nn.Linear`` (same parameters and state dict) that multiplies with oneDNN for float32 on
    the CPU, outside autocast; everywhere else it is ``nn.Linear``."""

    use_onednn = onednn_available()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.use_onednn and x.device.type == "cpu" and x.dtype == self.weight.dtype == torch.float32
                and x.dim() == 2 and not torch.is_autocast_enabled("cpu")):  # fmt: skip
            return super().forward(x)
        y = OneDNNMatmul.apply(x, self.weight)
        return y if self.bias is None else y + self.bias


@dataclass(frozen=True)
class Architecture:
    """One row of the paper's architecture tables.

    ``generator_fc``: hidden FC widths before the FC that makes the ``generator_start`` tensor;
    ``generator_upconvs`` and ``trunk_convs``: (channels, stride, batchnorm) per 4x4 layer (the
    generator's last up-convolution, to the image's channels, is implied); ``trunk_fc``: width of
    the trunk's FC layer, or 0 when the heads sit on the last convolution's features.
    """

    name: str
    image_shape: tuple[int, int, int]  # channels, height, width
    generator_fc: tuple[int, ...]
    generator_start: tuple[int, int, int]
    generator_upconvs: tuple[tuple[int, int, bool], ...]
    output: str  # "sigmoid" or "tanh" (rescaled to [0, 1])
    trunk_convs: tuple[tuple[int, int, bool], ...]
    trunk_fc: int
    description: str
    discriminator_norm: str = "batch"  # "spectral": D and Q use spectral norm and no batch norm (InfoGAN-CR)


ARCHITECTURES = {
    a.name: a
    for a in (
        Architecture("mnist", (1, 28, 28), (1024,), (128, 7, 7), ((64, 2, True),), "sigmoid",
                     ((64, 2, False), (128, 2, True)), 1024, "MNIST (table 1): 28x28 gray"),
        Architecture("svhn", (3, 32, 32), (), (448, 2, 2), ((256, 2, True), (128, 2, False), (64, 2, False)), "tanh",
                     ((64, 2, False), (128, 2, True), (256, 2, True)), 0, "SVHN (table 2): 32x32 colour"),
        Architecture("celeba", (3, 32, 32), (), (448, 2, 2), ((256, 2, True), (128, 2, False), (64, 2, False)), "tanh",
                     ((64, 2, False), (128, 2, True), (256, 2, True)), 0, "CelebA (table 3, as SVHN): 32x32 colour"),
        Architecture("faces", (1, 32, 32), (1024,), (128, 8, 8), ((64, 2, True),), "sigmoid",
                     ((64, 2, False), (128, 2, True)), 1024, "3D faces (table 4): 32x32 gray"),
        Architecture("chairs", (1, 64, 64), (1024,), (256, 8, 8), ((256, 1, True), (256, 1, True), (128, 2, True), (64, 2, True)),
                     "sigmoid", ((64, 2, False), (128, 2, True), (256, 2, True), (256, 1, True), (256, 1, True)), 1024,
                     "3D chairs (table 5): 64x64 gray"),
        Architecture("sprites", (1, 64, 64), (128,), (64, 4, 4), ((64, 2, True), (32, 2, True), (32, 2, True)), "sigmoid",
                     ((32, 2, False), (32, 2, False), (64, 2, False), (64, 2, False)), 128,
                     "dSprites (InfoGAN-CR's network): 64x64 gray, spectral norm in D", "spectral"),
    )
}


class NetworkError(InfoganError, ValueError):
    """An unknown network, or data that does not fit the network."""


def architecture(name: str) -> Architecture:
    if name not in ARCHITECTURES:
        raise NetworkError(f"unknown network {name!r}; known: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def check_image_shape(shape: tuple[int, int, int], network: str, source: str) -> None:
    """Raise a one-line error when images of ``shape`` (C, H, W) do not fit ``network``."""
    expected = architecture(network).image_shape
    if tuple(shape) != expected:
        fitting = [name for name, spec in ARCHITECTURES.items() if spec.image_shape == tuple(shape)]
        hint = f"; use --network {' or '.join(fitting)}" if fitting else "; no network of the paper takes this size"
        raise NetworkError(
            f"{source} has {shape[0]}x{shape[1]}x{shape[2]} images (channels x height x width) but network {network} "
            f"takes {expected[0]}x{expected[1]}x{expected[2]}{hint}"
        )


class SamePadConv2d(nn.Conv2d):
    """A 4x4 stride-1 convolution that keeps the size, padded 1 before and 2 after as
    TensorFlow's "SAME" (the paper's stride-1 layers); a stride-1 up-convolution is the same
    operation with a flipped kernel, so G's stride-1 layers use it too."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (1, 2, 1, 2)))


class UnitTanh(nn.Module):
    """The paper's tanh output rescaled to [0, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (torch.tanh(x) + 1) * 0.5


def conv(channels_in: int, channels_out: int, stride: int, bias: bool, transposed: bool) -> nn.Module:
    if stride == 1:
        return SamePadConv2d(channels_in, channels_out, 4, bias=bias)
    layer = nn.ConvTranspose2d if transposed else nn.Conv2d
    return layer(channels_in, channels_out, 4, stride=stride, padding=1, bias=bias)


class Generator(nn.Module):
    """FC layers (BN, ReLU) to a C x H x W tensor, then 4x4 up-convolutions (BN where the table
    has it, ReLU) and a last one to the image's channels with a sigmoid or rescaled tanh."""

    def __init__(self, input_width: int, network: str = "mnist"):
        super().__init__()
        spec = architecture(network)
        self.start_shape = spec.generator_start
        layers, width = [], input_width
        for out in (*spec.generator_fc, spec.generator_start[0] * spec.generator_start[1] * spec.generator_start[2]):
            layers += [Linear(width, out, bias=False), nn.BatchNorm1d(out), nn.ReLU()]
            width = out
        self.fc = nn.Sequential(*layers)
        layers, channels = [], spec.generator_start[0]
        for out, stride, batchnorm in spec.generator_upconvs:
            layers.append(conv(channels, out, stride, bias=not batchnorm, transposed=True))
            layers += [nn.BatchNorm2d(out), nn.ReLU()] if batchnorm else [nn.ReLU()]
            channels = out
        layers += [conv(channels, spec.image_shape[0], 2, bias=True, transposed=True),
                   nn.Sigmoid() if spec.output == "sigmoid" else UnitTanh()]
        self.upconv = nn.Sequential(*layers)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        start = self.fc(latent).view(-1, *self.start_shape)
        return self.upconv(start).float()  # float32 images under bf16 autocast too


def discriminator_trunk(spec: Architecture, channels: int, leaky_slope: float) -> tuple[nn.Sequential, int]:
    """The table's convolutions (and FC layer) on ``channels`` input channels; returns the trunk
    and the width of its features. Spectral-norm networks have no batch norm."""
    batch = spec.discriminator_norm == "batch"
    layers, (height, width) = [], spec.image_shape[1:]
    for out, stride, batchnorm in spec.trunk_convs:
        layers.append(normed(conv(channels, out, stride, bias=not (batchnorm and batch), transposed=False), spec))
        layers += [nn.BatchNorm2d(out), nn.LeakyReLU(leaky_slope)] if batchnorm and batch else [nn.LeakyReLU(leaky_slope)]
        channels, height, width = out, height // stride, width // stride
    layers.append(nn.Flatten())
    features = channels * height * width
    if spec.trunk_fc:
        layers.append(normed(Linear(features, spec.trunk_fc, bias=not batch), spec))
        layers += [nn.BatchNorm1d(spec.trunk_fc), nn.LeakyReLU(leaky_slope)] if batch else [nn.LeakyReLU(leaky_slope)]
        features = spec.trunk_fc
    return nn.Sequential(*layers), features


def normed(layer: nn.Module, spec: Architecture) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if spec.discriminator_norm == "spectral" else layer


class Discriminator(nn.Module):
    """Shared trunk: 4x4 convolutions (the first without BN) with leaky ReLUs, then FC1024-BN-lReLU
    where the table has it; D head FC->1 (a logit); Q head FC128-BN-lReLU-FC -> each code's
    parameters."""

    def __init__(self, q_width: int, leaky_slope: float = 0.1, network: str = "mnist"):
        super().__init__()
        spec = architecture(network)
        self.trunk, features = discriminator_trunk(spec, spec.image_shape[0], leaky_slope)
        batch = spec.discriminator_norm == "batch"
        self.d_head = normed(Linear(features, 1), spec)
        self.q_head = nn.Sequential(
            normed(Linear(features, 128, bias=not batch), spec),
            *([nn.BatchNorm1d(128)] if batch else []),
            nn.LeakyReLU(leaky_slope),
            normed(Linear(128, q_width), spec),
        )

    def forward(self, images: torch.Tensor, detach_q: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Return D's real/fake logit (shape N) and Q's raw output (N x q_width).

        ``detach_q`` stops Q's gradient at the trunk, so only the head learns from it.
        """
        features = self.trunk(images)
        d, q = self.d_head(features).squeeze(1), self.q_head(features.detach() if detach_q else features)
        return d.float(), q.float()  # losses and log-likelihoods in float32, also under bf16 autocast


class PairClassifier(nn.Module):
    """InfoGAN-CR's contrastive classifier: D's trunk on two images stacked along the channels,
    then a logit per code, saying which code the two images share."""

    def __init__(self, codes: int, leaky_slope: float = 0.1, network: str = "mnist"):
        super().__init__()
        spec = architecture(network)
        self.trunk, features = discriminator_trunk(spec, 2 * spec.image_shape[0], leaky_slope)
        self.head = Linear(features, codes)

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(torch.cat([first, second], dim=1))).float()


def init_weights(module: nn.Module) -> None:
    """N(0, 0.02) weights as in the official code; BatchNorm scale N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            parametrized = nn.utils.parametrize.is_parametrized(m, "weight")
            nn.init.normal_(m.parametrizations.weight.original if parametrized else m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
