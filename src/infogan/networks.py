"""The paper's MNIST networks (Appendix C): G, and D with the Q head on D's shared trunk.

Fully connected layers are linear layers rather than 7x7 convolutions, which compute the same
thing and are much faster on a CPU. On the CPU their matrix products run on oneDNN, the library
PyTorch already uses for convolutions, rather than on ``torch.mm``'s BLAS (MKL): on this
project's AMD CPU with AVX-512, MKL's float32 matrix products reach about half the speed of
oneDNN's (``benchmarks/throughput.py`` prints both peaks).
"""

from __future__ import annotations

import torch
from torch import nn


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


class Generator(nn.Module):
    """FC1024-BN-ReLU, FC7*7*128-BN-ReLU, upconv64-BN-ReLU, upconv1-sigmoid: 28x28 in [0, 1]."""

    def __init__(self, input_width: int):
        super().__init__()
        self.fc = nn.Sequential(
            Linear(input_width, 1024, bias=False),
            nn.BatchNorm1d(1024),
            nn.ReLU(),
            Linear(1024, 128 * 7 * 7, bias=False),
            nn.BatchNorm1d(128 * 7 * 7),
            nn.ReLU(),
        )
        self.upconv = nn.Sequential(
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.upconv(self.fc(latent).view(-1, 128, 7, 7)).float()  # float32 images under bf16 autocast too


class Discriminator(nn.Module):
    """Shared trunk conv64-lReLU, conv128-BN-lReLU, FC1024-BN-lReLU; D head FC->1 (a logit);
    Q head FC128-BN-lReLU-FC -> each code's parameters."""

    def __init__(self, q_width: int, leaky_slope: float = 0.1):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 64, 4, stride=2, padding=1),
            nn.LeakyReLU(leaky_slope),
            nn.Conv2d(64, 128, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(leaky_slope),
            nn.Flatten(),
            Linear(128 * 7 * 7, 1024, bias=False),
            nn.BatchNorm1d(1024),
            nn.LeakyReLU(leaky_slope),
        )
        self.d_head = Linear(1024, 1)
        self.q_head = nn.Sequential(
            Linear(1024, 128, bias=False),
            nn.BatchNorm1d(128),
            nn.LeakyReLU(leaky_slope),
            Linear(128, q_width),
        )

    def forward(self, images: torch.Tensor, detach_q: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Return D's real/fake logit (shape N) and Q's raw output (N x q_width).

        ``detach_q`` stops Q's gradient at the trunk, so only the head learns from it.
        """
        features = self.trunk(images)
        d, q = self.d_head(features).squeeze(1), self.q_head(features.detach() if detach_q else features)
        return d.float(), q.float()  # losses and log-likelihoods in float32, also under bf16 autocast


def init_weights(module: nn.Module) -> None:
    """N(0, 0.02) weights as in the official code; BatchNorm scale N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
