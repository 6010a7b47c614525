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

Networks beyond the paper, ``faces-volume`` and ``chairs-volume`` (each also ``-unstyled``),
keep the ``faces`` and ``sprites`` discriminators and give G a 3D bias after HoloGAN
(Nguyen-Phuoc et al., 2019): G builds a volume of densities and features in the object's own
frame, stretches it along a learned axis by a stretch code (``stretch:LOW:HIGH``), turns it
rigidly by its pose codes (``yaw:LOW:HIGH``, ``pitch:LOW:HIGH``), shades it by a light code
(``light:LOW:HIGH``) and composites each pixel's line of sight. A code that widens the object in
the volume widens it in every view, as the rendered factor does. ``chairs-volume16-unstyled-d256``
pairs the 16^3 volume with a D twice as wide at each layer: Q shares D's trunk, and on chairs3d
the wider trunk doubled Q's reading of width on real side views (docs/experiments.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .augment import raised_upper_half
from .codes import LatentSpec
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
class Volume:
    """A volume generator's 3D part: FC to ``start_channels`` x ``start_size``^3, then a 4x4x4
    stride-2 up-convolution (BN, ReLU) per entry of ``upconvs``; the last one's first channel is a
    density, the others what each voxel shows. After the turn each pixel composites its line of
    sight front to back, and a 1x1 convolution (BN scaled and shifted by the content, or with
    ``style`` off by its own weights; ReLU) makes ``generator_start``'s channels from what it sees
    and how opaque it is."""

    start_channels: int
    start_size: int
    upconvs: tuple[int, ...]
    style: bool = True  # the content scales and shifts the composited map (AdaIN); without it only pose and light codes act in the camera's frame


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
    volume: Volume | None = None  # G's 3D part before generator_start, for the volume networks


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
        Architecture("faces-volume", (1, 32, 32), (1024,), (128, 8, 8), ((64, 2, True),), "sigmoid",
                     ((64, 2, False), (128, 2, True)), 1024,
                     "3D faces, G turning an 8^3 feature volume by its yaw/pitch codes; D as faces", volume=Volume(64, 4, (32,))),
        Architecture("faces-volume-unstyled", (1, 32, 32), (1024,), (128, 8, 8), ((64, 2, True),), "sigmoid",
                     ((64, 2, False), (128, 2, True)), 1024,
                     "as faces-volume, but the content does not scale and shift the composited map",
                     volume=Volume(64, 4, (32,), style=False)),
        Architecture("chairs-volume", (1, 64, 64), (128,), (64, 8, 8), ((32, 2, True), (32, 2, True)), "sigmoid",
                     ((32, 2, False), (32, 2, False), (64, 2, False), (64, 2, False)), 128,
                     "3D chairs, G turning an 8^3 feature volume by its yaw/pitch codes; D as sprites", "spectral",
                     Volume(64, 4, (32,))),
        Architecture("chairs-volume-unstyled", (1, 64, 64), (128,), (64, 8, 8), ((32, 2, True), (32, 2, True)), "sigmoid",
                     ((32, 2, False), (32, 2, False), (64, 2, False), (64, 2, False)), 128,
                     "as chairs-volume, but the content does not scale and shift the composited map", "spectral",
                     Volume(64, 4, (32,), style=False)),
        Architecture("chairs-volume16-unstyled", (1, 64, 64), (128,), (64, 16, 16), ((32, 2, True),), "sigmoid",
                     ((32, 2, False), (32, 2, False), (64, 2, False), (64, 2, False)), 128,
                     "as chairs-volume-unstyled, but a 16^3 volume (HoloGAN's size): thin parts such as legs fit its voxels",
                     "spectral", Volume(64, 4, (32, 16), style=False)),
        Architecture("chairs-volume16-unstyled-d256", (1, 64, 64), (128,), (64, 16, 16), ((32, 2, True),), "sigmoid",
                     ((32, 2, False), (64, 2, False), (128, 2, False), (256, 2, False)), 256,
                     "as chairs-volume16-unstyled, but D's channels double at each layer (to 256) and its FC is 256 wide",
                     "spectral", Volume(64, 4, (32, 16), style=False)),
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


def fc_stack(width: int, widths: tuple[int, ...]) -> nn.Sequential:
    layers = []
    for out in widths:
        layers += [Linear(width, out, bias=False), nn.BatchNorm1d(out), nn.ReLU()]
        width = out
    return nn.Sequential(*layers)


def upconv_stack(spec: Architecture) -> nn.Sequential:
    """G's 2D part: the table's up-convolutions from ``generator_start``, then the image."""
    layers, channels = [], spec.generator_start[0]
    for out, stride, batchnorm in spec.generator_upconvs:
        layers.append(conv(channels, out, stride, bias=not batchnorm, transposed=True))
        layers += [nn.BatchNorm2d(out), nn.ReLU()] if batchnorm else [nn.ReLU()]
        channels = out
    layers += [conv(channels, spec.image_shape[0], 2, bias=True, transposed=True),
               nn.Sigmoid() if spec.output == "sigmoid" else UnitTanh()]
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """FC layers (BN, ReLU) to a C x H x W tensor, then 4x4 up-convolutions (BN where the table
    has it, ReLU) and a last one to the image's channels with a sigmoid or rescaled tanh."""

    def __init__(self, input_width: int, network: str = "mnist"):
        super().__init__()
        spec = architecture(network)
        self.start_shape = spec.generator_start
        start = spec.generator_start[0] * spec.generator_start[1] * spec.generator_start[2]
        self.fc = fc_stack(input_width, (*spec.generator_fc, start))
        self.upconv = upconv_stack(spec)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        start = self.fc(latent).view(-1, *self.start_shape)
        return self.upconv(start).float()  # float32 images under bf16 autocast too


def turning_grid(yaw: torch.Tensor, pitch: torch.Tensor, shape: torch.Size, stretch: torch.Tensor | None = None,
                 stretch_axis: torch.Tensor | None = None, raises: torch.Tensor | None = None) -> torch.Tensor:
    """``F.grid_sample``'s grid that turns a N x C x D x H x W volume (x along W, y down along H,
    z along D, the line of sight) by ``yaw`` about y and then ``pitch`` about x (radians), after
    stretching it by ``stretch`` (a factor; none: 1) along the horizontal axis of its own frame
    that is ``stretch_axis`` radians from x towards z (none: x), and its upper half (above its
    centre, along its own y) up or down by ``raises`` (factors; none: 1)."""
    cy, sy, cp, sp = torch.cos(yaw), torch.sin(yaw), torch.cos(pitch), torch.sin(pitch)
    one, zero = torch.ones_like(yaw), torch.zeros_like(yaw)
    turn_yaw = torch.stack([torch.stack([cy, zero, sy], -1), torch.stack([zero, one, zero], -1),
                            torch.stack([-sy, zero, cy], -1)], -2)
    turn_pitch = torch.stack([torch.stack([one, zero, zero], -1), torch.stack([zero, cp, -sp], -1),
                              torch.stack([zero, sp, cp], -1)], -2)
    # each output voxel samples the volume where the inverse turn (the transpose) and the inverse stretch take it
    to_object = (turn_pitch @ turn_yaw).transpose(1, 2)
    if stretch is not None:
        angle = torch.zeros((), device=stretch.device) if stretch_axis is None else stretch_axis
        axis = torch.stack([torch.cos(angle), torch.zeros_like(angle), torch.sin(angle)]).to(stretch)
        unstretch = torch.eye(3, device=stretch.device, dtype=stretch.dtype) + (1 / stretch - 1)[:, None, None] * torch.outer(axis, axis)
        to_object = unstretch @ to_object
    theta = torch.cat([to_object, torch.zeros_like(to_object[:, :, :1])], dim=2)
    grid = F.affine_grid(theta, list(shape), align_corners=False)
    if raises is None:
        return grid
    return torch.stack([grid[..., 0], raised_upper_half(grid[..., 1], raises.to(grid)), grid[..., 2]], dim=-1)


class VolumeGenerator(nn.Module):
    """G with a 3D bias (HoloGAN): the content (noise and every code but the pose codes) makes a
    volume of densities and features in the object's frame; the pose codes turn it rigidly; each
    pixel composites the turned voxels along its line of sight front to back (emission and
    absorption, as volume rendering), so what the image shows of the object turns as a solid
    does. The table's 2D up-convolutions make the composited map into the image. The content also
    scales and shifts the map's channels (as HoloGAN's AdaIN; not in the ``-unstyled`` networks), so
    what is fixed to the camera, such as the light, has a way in. Without a pitch code the pitch is
    a learned tilt: a camera that looks down on a turning chair sees it turn about a tilted axis. A
    light code shades the turned volume (``shade``) by a light at a learned elevation, and a stretch
    code widens the volume before the turn along a learned horizontal axis of its frame (a yaw over a
    full turn leaves G free to face the object any way in its frame, so its width need not lie along
    x); neither is part of the content. With ``mirror`` the volume is made symmetric across its own
    x before the stretch and the turn, as a face or a chair is: a side lit or shaped apart from the
    other then comes only from the pose and light codes (without it, G turned a lit patch round
    with its yaw code). With ``camera_light`` (the light's starting azimuth and elevation, degrees)
    and no light code, one light fixed to the camera at a learned direction shades the turned
    volume, as a renderer's fixed lamp does (a voxel's features are the same from every side). On
    chairs3d, started at the renderer's lamp, it left the turn's score where it was. With
    ``silhouette`` the image is G's picture where the turned volume is opaque and a learned plain
    background where it is not (the composited opacity, upsampled), so the object's outline is the
    volume's; training starts that background at the data's (``start_background``). Every forward
    pass keeps its composited opacity in ``last_opacity`` for the objective's opacity charge, which
    is what keeps space empty: without it G made its whole volume opaque and painted the
    background itself. On chairs3d, with both, the volume covers what the chairs do. It also keeps
    each voxel's compositing share in ``last_shares``, for the objective's depth-spread charge
    (``depth_spread``), which asks each pixel to show one surface rather than a fog behind it."""

    def __init__(self, spec: LatentSpec, network: str, mirror: bool = False, tilt: float = 0.0,
                 camera_light: tuple[float, float] | None = None, silhouette: bool = False):
        super().__init__()
        arch = architecture(network)
        volume = arch.volume
        self.mirror = mirror
        self.poses = spec.pose_columns()
        pose_inputs = {column + k for column, code in self.poses for k in range(code.input_width)}
        content = [column for column in range(spec.input_width) if column not in pose_inputs]
        self.register_buffer("content_columns", torch.tensor(content), persistent=False)
        content_width = len(content)
        self.start_shape = (volume.start_channels, *(volume.start_size,) * 3)
        self.fc = fc_stack(content_width, (*arch.generator_fc, volume.start_channels * volume.start_size ** 3))
        layers, channels = [], volume.start_channels
        for out in volume.upconvs:
            layers += [nn.ConvTranspose3d(channels, out, 4, stride=2, padding=1, bias=False), nn.BatchNorm3d(out), nn.ReLU()]
            channels = out
        self.upconv3d = nn.Sequential(*layers)
        depth = volume.start_size * 2 ** len(volume.upconvs)
        if depth != arch.generator_start[1]:
            raise NetworkError(f"network {network}: the volume's side ({depth}) must be the 2D start's ({arch.generator_start[1]})")
        self.project = nn.Conv2d(channels, arch.generator_start[0], 1, bias=False)
        self.project_norm = nn.BatchNorm2d(arch.generator_start[0], affine=not volume.style)
        self.style = Linear(content_width, 2 * arch.generator_start[0]) if volume.style else None
        self.upconv = upconv_stack(arch)
        pitched = any(code.pose == "pitch" for _, code in self.poses)
        self.tilt = None if pitched else nn.Parameter(torch.tensor(math.radians(tilt)))
        lit = any(code.pose == "light" for _, code in self.poses)
        self.light_elevation = nn.Parameter(torch.zeros(())) if lit else None
        if camera_light is not None and lit:
            raise NetworkError("a camera light is G's own fixed light; with a light code the code sets the light: leave one out")
        self.background = nn.Parameter(torch.zeros(())) if silhouette else None  # its level before the output's sigmoid
        self.camera_light = None if camera_light is None else nn.Parameter(torch.tensor([math.radians(d) for d in camera_light]))  # azimuth, elevation
        stretched = any(code.pose == "stretch" for _, code in self.poses)
        self.stretch_axis = nn.Parameter(torch.zeros(())) if stretched else None

    def start_background(self, level: float) -> None:
        """Start the silhouette's background at ``level`` (in [0, 1]), the data's own: a background
        that starts wrong makes every transparent pixel cost G, and it kept its fog."""
        with torch.no_grad():
            self.background.fill_(torch.logit(torch.tensor(level).clamp(0.01, 0.99)).item())

    def forward(self, latent: torch.Tensor, raises: torch.Tensor | None = None) -> torch.Tensor:
        """G's images of ``latent``; with ``raises`` (a factor per row) each volume's upper half is
        first stretched up or down about its centre by its factor (``turning_grid``)."""
        start = self.project_norm(self.project(self.composited(latent, raises)))
        if self.style is not None:
            scale, shift = self.style(latent[:, self.content_columns])[:, :, None, None].chunk(2, dim=1)
            start = start * (1 + scale) + shift
        image = self.upconv(F.relu(start)).float()
        if self.background is None:
            return image
        opacity = F.interpolate(self.last_opacity[:, None].float(), size=image.shape[-2:], mode="bilinear", align_corners=False)
        return opacity * image + (1 - opacity) * torch.sigmoid(self.background)

    def composited(self, latent: torch.Tensor, raises: torch.Tensor | None = None) -> torch.Tensor:
        """What each pixel sees of the turned (and lit, and with ``raises`` raised) volume: its
        features and, last, its opacity (N x C x side x side), before the 2D layers."""
        content = latent[:, self.content_columns]
        poses = {code.pose: code.pose_value(latent[:, column:column + code.input_width].float()) for column, code in self.poses}
        zero = torch.zeros(len(latent), device=latent.device)
        volume = self.upconv3d(self.fc(content).view(-1, *self.start_shape))
        if self.mirror:
            volume = 0.5 * (volume + volume.flip(-1))
        pitch = poses["pitch"] if self.tilt is None else zero + self.tilt
        grid = turning_grid(poses.get("yaw", zero), pitch, volume.shape, poses.get("stretch"), self.stretch_axis, raises)
        turned = F.grid_sample(volume, grid.to(volume.dtype), mode="bilinear", padding_mode="zeros", align_corners=False)
        if self.light_elevation is not None:
            turned = shade(turned, poses["light"], zero + self.light_elevation)
        if self.camera_light is not None:
            turned = shade(turned, zero + self.camera_light[0], zero + self.camera_light[1])
        shares = compositing_shares(turned[:, :1])
        seen = composite(turned, shares)
        self.last_opacity = seen[:, -1]
        self.last_shares = shares
        return seen


LIGHT_AMBIENT = 0.15  # share of the light that reaches every surface, as the faces3d renderer's


def shade(volume: torch.Tensor, azimuth: torch.Tensor, elevation: torch.Tensor) -> torch.Tensor:
    """Lambertian shading of a turned N x C x D x H x W volume (channel 0 a density, the others
    features) by a light fixed to the camera at ``azimuth`` (positive: from the image's right) and
    ``elevation`` (positive: from above), radians. A voxel's normal points down the density's
    gradient; every feature is multiplied by (ambient + (1 - ambient) x max(0, normal . light)), so
    a light code changes the image only as a light on the volume's surface would, and G cannot
    leave it out by ignoring one channel (as it did when only channel 1 was shaded)."""
    density = volume[:, 0]
    # camera frame: x along W, y down along H, z along D away from the camera
    slope_z, slope_y, slope_x = torch.gradient(density, dim=(1, 2, 3))
    towards_light = torch.stack([torch.sin(azimuth) * torch.cos(elevation), -torch.sin(elevation),
                                 -torch.cos(azimuth) * torch.cos(elevation)], dim=1)[:, :, None, None, None]
    outward = -torch.stack([slope_x, slope_y, slope_z], dim=1)
    facing = (outward * towards_light).sum(dim=1) * torch.rsqrt((outward * outward).sum(dim=1) + 1e-6)
    lit = volume[:, 1:] * (LIGHT_AMBIENT + (1 - LIGHT_AMBIENT) * F.relu(facing))[:, None]
    return torch.cat([volume[:, :1], lit], dim=1)


def compositing_shares(density: torch.Tensor) -> torch.Tensor:
    """Each voxel's share of its pixel in front-to-back compositing along depth (dim 2, index 0
    nearest) of densities N x 1 x D x H x W (>= 0): the light that reaches it times its opacity
    ``1 - exp(-density)``."""
    reaching = torch.exp(density - torch.cumsum(density, dim=2))  # exp(-density in front of the voxel)
    return reaching * (1 - torch.exp(-density))


def composite(volume: torch.Tensor, shares: torch.Tensor | None = None) -> torch.Tensor:
    """Front-to-back compositing of a N x C x D x H x W volume whose channel 0 is a density:
    the features each pixel sees (C - 1 channels, weighted by ``compositing_shares``, computed here
    unless given) and its total opacity, N x C x H x W."""
    shares = compositing_shares(volume[:, :1]) if shares is None else shares
    return torch.cat([(shares * volume[:, 1:]).sum(dim=2), shares.sum(dim=2)], dim=1)


def depth_spread(shares: torch.Tensor) -> torch.Tensor:
    """How far apart along its line of sight the voxels that a pixel shows lie: the sum over pairs
    of their shares' product times their distance (mip-NeRF 360's distortion loss on a grid), in
    units of the volume's depth, N x H x W. Zero when one voxel (an opaque surface) gives the
    pixel, and more the further apart its shares lie, as in a fog. A back seen from behind hides
    the seat only when the back is opaque."""
    depth = shares.shape[2]
    position = torch.arange(depth, device=shares.device, dtype=shares.dtype).view(1, 1, depth, 1, 1)
    before = torch.cumsum(shares, dim=2) - shares  # shares nearer than each voxel
    moment_before = torch.cumsum(shares * position, dim=2) - shares * position
    pairs = 2 * (shares * (position * before - moment_before)).sum(dim=2)  # sum over i != j of w_i w_j |i - j|
    return pairs[:, 0] / max(depth - 1, 1)


def check_pose_codes(spec: LatentSpec, network: str) -> None:
    """Raise a one-line error when ``spec`` has pose codes and ``network`` no volume to turn."""
    if spec.pose_columns() and architecture(network).volume is None:
        *others, last = (name for name, a in ARCHITECTURES.items() if a.volume)
        volumes = f"{', '.join(others)} or {last}"
        raise NetworkError(f"pose codes (yaw:, pitch:, light:, stretch:) need a volume network (--network {volumes}); {network} has no volume")


def make_generator(spec: LatentSpec, network: str, mirror_volume: bool = False, volume_tilt: float = 0.0,
                   camera_light: tuple[float, float] | None = None, silhouette: bool = False) -> nn.Module:
    """G for ``network`` fed by the latent layout ``spec``; only volume networks take pose codes,
    a mirror-symmetric volume, a starting tilt (degrees, positive: looking down on the object), a
    camera light (its starting azimuth and elevation, degrees; none: no light) and a silhouette."""
    check_pose_codes(spec, network)
    if architecture(network).volume is not None:
        return VolumeGenerator(spec, network, mirror_volume, volume_tilt, camera_light, silhouette)
    if silhouette:
        raise NetworkError(f"a silhouette is a volume's outline; {network} has no volume")
    if mirror_volume:
        raise NetworkError(f"a mirror-symmetric volume needs a volume network; {network} has no volume")
    if camera_light is not None:
        raise NetworkError(f"a camera light shades a volume; {network} has no volume")
    return Generator(spec.input_width, network)


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
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Conv3d, nn.ConvTranspose3d)):
            parametrized = nn.utils.parametrize.is_parametrized(m, "weight")
            nn.init.normal_(m.parametrizations.weight.original if parametrized else m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
