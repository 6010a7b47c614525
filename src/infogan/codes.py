"""Latent codes: how each is sampled, fed to G, read off Q, scored and how much it can carry.

Modelled on the official code's distribution objects: a code knows its prior (sampling and
entropy ``H(c)``), the width of its slice of G's input and of Q's output, and ``log Q(c|x)``.
The information lower bound for a code is ``E[log Q(c|x)] + H(c)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .errors import InfoganError

LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0  # keeps a learned Gaussian std away from 0 and infinity
POSE_AXES = ("yaw", "pitch", "light", "stretch")  # a volume network stretches its features across, turns them about the
# vertical, then the horizontal axis, and shades them by a light fixed to the camera that swings about the vertical axis
MAX_COUNT = 10_000  # K of cat:K and N of cont:N: far above the paper's (cont:10**9 would never finish parsing)


class CodeError(InfoganError, ValueError):
    """A code specification or code value that cannot be used."""


@dataclass(frozen=True)
class Categorical:
    """A code uniform over ``K`` categories; G sees it one-hot, Q outputs ``K`` logits."""

    name: str
    categories: int

    kind = "cat"

    @property
    def input_width(self) -> int:
        return self.categories

    @property
    def output_width(self) -> int:
        return self.categories

    def entropy(self) -> float:
        return math.log(self.categories)

    def sample(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        return torch.randint(self.categories, (n,), generator=generator, device=device)

    def full(self, n: int, value: float, device=None) -> torch.Tensor:
        if not (float(value).is_integer() and 0 <= value < self.categories):
            raise CodeError(
                f"code {self.name} is categorical: its value must be an integer in 0..{self.categories - 1}, got {value}"
            )
        return torch.full((n,), int(value), dtype=torch.long, device=device)

    def to_input(self, values: torch.Tensor) -> torch.Tensor:
        return F.one_hot(values, self.categories).float()

    def log_q(self, q_output: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Per-sample ``log Q(c|x)`` from Q's logits (not probabilities)."""
        return -F.cross_entropy(q_output, values, reduction="none")

    def predict(self, q_output: torch.Tensor) -> torch.Tensor:
        return q_output.argmax(dim=1)

    def batch_information(self, q_output: torch.Tensor) -> torch.Tensor:
        """``H(mean_x Q(c|x)) - mean_x H(Q(c|x))`` over a batch: the mutual information between
        an image and Q's category, high when Q is confident on each image and uses every
        category equally often (Krause et al., 2010). Used on real images."""
        log_p = F.log_softmax(q_output, dim=1)
        p = log_p.exp()
        marginal = p.mean(dim=0)
        marginal_entropy = -(marginal * torch.log(marginal.clamp_min(1e-12))).sum()
        conditional_entropy = -(p * log_p).sum(dim=1).mean()
        return marginal_entropy - conditional_entropy

    def describe(self) -> str:
        return f"Cat({self.categories})"


@dataclass(frozen=True)
class Uniform:
    """A 1-D code uniform on ``[low, high]``; Q models it as a Gaussian.

    With ``learn_std`` (the paper's appendix) Q outputs a mean and a log-std; without it (the
    official code) the std is fixed at 1 and Q outputs only the mean.

    With ``turn`` (``turn:N``) G sees the code as the sine and cosine of a half turn, from a quarter
    turn one way at ``low`` to a quarter turn the other way at ``high``: where a turned object's
    points land in the image is linear in the sine and cosine of its angle, so G need not make the
    foreshortening (the cosine) from another code. Q reads the code itself, as for any interval code.

    With ``pose`` (``yaw:LOW:HIGH`` or ``pitch:LOW:HIGH``, in degrees) the code is a rigid turn of a
    volume network's 3D features (``networks.VolumeGenerator``) about the vertical (yaw) or the
    horizontal (pitch) axis, from ``pose_range[0]`` at ``low`` to ``pose_range[1]`` at ``high``.
    G's layers see it only through that turn. ``light:LOW:HIGH`` is the azimuth of a light fixed to
    the camera that shades the turned volume. ``stretch:LOW:HIGH`` (factors, not degrees) stretches
    the volume before the turn along a horizontal axis of the object's frame (learned by G, from
    x): a width in every view.
    """

    name: str
    low: float = -1.0
    high: float = 1.0
    learn_std: bool = True
    turn: bool = False
    pose: str = ""
    pose_range: tuple[float, float] = (0.0, 0.0)  # degrees, or factors for a stretch

    kind = "cont"

    @property
    def input_width(self) -> int:
        return 2 if self.turn else 1

    @property
    def output_width(self) -> int:
        return 2 if self.learn_std else 1

    def entropy(self) -> float:
        return math.log(self.high - self.low)

    def sample(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        u = torch.rand((n,), generator=generator, device=device)
        return self.low + (self.high - self.low) * u

    def full(self, n: int, value: float, device=None) -> torch.Tensor:
        return torch.full((n,), float(value), device=device)

    def to_input(self, values: torch.Tensor) -> torch.Tensor:
        if self.turn:
            angle = (math.pi / 2) * (2 * (values - self.low) / (self.high - self.low) - 1)
            return torch.stack([torch.sin(angle), torch.cos(angle)], dim=1)
        return values.unsqueeze(1)

    def mean_and_log_std(self, q_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = q_output[:, 0]
        if self.learn_std:
            raw = q_output[:, 1]
            # the clamp acts on the value only: with its zero gradient outside the bounds, Q's std
            # could stay at the bound for good (measured: two codes dead after 1,000 chairs updates)
            log_std = raw + (raw.clamp(LOG_STD_MIN, LOG_STD_MAX) - raw).detach()
        else:
            log_std = torch.zeros_like(mean)
        return mean, log_std

    def log_q(self, q_output: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Per-sample Gaussian log-density of ``values`` under Q's mean and std."""
        mean, log_std = self.mean_and_log_std(q_output)
        z = (values - mean) * torch.exp(-log_std)
        return -0.5 * z * z - log_std - 0.5 * math.log(2 * math.pi)

    def predict(self, q_output: torch.Tensor) -> torch.Tensor:
        return q_output[:, 0]

    def pose_value(self, inputs: torch.Tensor) -> torch.Tensor:
        """The turn in radians, or the stretch factor, that a pose code's slice of G's input (N x 1) stands for."""
        low, high = self.pose_range if self.pose == "stretch" else (math.radians(d) for d in self.pose_range)
        return low + (high - low) * (inputs[:, 0] - self.low) / (self.high - self.low)

    def describe(self) -> str:
        if self.pose == "stretch":
            return f"Stretch(x{self.pose_range[0]:g},x{self.pose_range[1]:g})"
        if self.pose:
            return f"{self.pose.capitalize()}({self.pose_range[0]:g}deg,{self.pose_range[1]:g}deg)"
        return f"{'Turn' if self.turn else 'Unif'}({self.low:g},{self.high:g})"


@dataclass(frozen=True)
class Angle:
    """A code uniform on the circle [-pi, pi): G sees its cosine and sine, so -pi and pi are the
    same input; Q models it as a von Mises distribution.

    A full turn (a chair seen from every side) cannot be one interval code without a jump where
    the interval's ends meet or a fold that gives mirrored views one value. Q outputs a 2-vector
    ``m``: its direction is the mean angle, its length the concentration ``kappa``, and
    ``log Q = m . (cos c, sin c) - log(2 pi I0(kappa))``.

    With ``pose`` (``yaw:LOW:HIGH`` spanning a full turn) the angle is how far a volume network
    turns its features, as for a pose interval code.
    """

    name: str
    pose: str = ""

    kind = "circ"

    @property
    def input_width(self) -> int:
        return 2

    @property
    def output_width(self) -> int:
        return 2

    def entropy(self) -> float:
        return math.log(2 * math.pi)

    def sample(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        return (2 * torch.rand((n,), generator=generator, device=device) - 1) * math.pi

    def full(self, n: int, value: float, device=None) -> torch.Tensor:
        return torch.full((n,), float(value), device=device)

    def to_input(self, values: torch.Tensor) -> torch.Tensor:
        return torch.stack([torch.cos(values), torch.sin(values)], dim=1)

    def log_q(self, q_output: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Per-sample von Mises log-density of ``values`` (radians) under Q's vector."""
        kappa = torch.sqrt((q_output * q_output).sum(dim=1) + 1e-12)  # the epsilon keeps kappa's gradient finite at 0
        log_i0 = torch.log(torch.special.i0e(kappa)) + kappa  # i0e = I0 * exp(-kappa) does not overflow
        alignment = q_output[:, 0] * torch.cos(values) + q_output[:, 1] * torch.sin(values)
        return alignment - log_i0 - math.log(2 * math.pi)

    def predict(self, q_output: torch.Tensor) -> torch.Tensor:
        return torch.atan2(q_output[:, 1], q_output[:, 0])

    def pose_value(self, inputs: torch.Tensor) -> torch.Tensor:
        """The turn, in radians, that a pose code's slice of G's input (cosine, sine) stands for."""
        return torch.atan2(inputs[:, 1], inputs[:, 0])

    def describe(self) -> str:
        return f"{self.pose.capitalize()}(full turn)" if self.pose else "Angle(-pi,pi)"


Code = Categorical | Uniform | Angle


class LatentSpec:
    """The generator's whole input: noise ``z`` followed by the codes, in order.

    Codes are named ``c1, c2, ...`` in the order declared, as in the paper.
    """

    def __init__(self, noise: int, codes: list[Code], noise_prior: str = "uniform"):
        if noise < 0:
            raise CodeError(f"noise dimension must be >= 0, got {noise}")
        if noise_prior not in ("uniform", "normal"):
            raise CodeError(f"noise prior must be 'uniform' or 'normal', got {noise_prior!r}")
        if not codes:
            raise CodeError("at least one latent code is needed")
        self.noise = noise
        self.codes = list(codes)
        self.noise_prior = noise_prior
        self.by_name = {code.name: code for code in self.codes}

    @classmethod
    def parse(cls, text: str, noise: int, noise_prior: str = "uniform", learn_std: bool = True) -> "LatentSpec":
        """Parse ``"cat:10,cont:2"``: one Cat(10) then two Unif(-1,1) codes.

        ``cont:N:LOW:HIGH`` sets the range of N continuous codes; ``turn:N`` (or ``turn:N:LOW:HIGH``)
        adds N continuous codes that G sees as a half turn; ``circ:N`` adds N angle codes;
        ``yaw:LOW:HIGH`` and ``pitch:LOW:HIGH`` add one pose code each, turning a volume network's
        features from LOW to HIGH degrees (an angle code when they span a full turn);
        ``light:LOW:HIGH`` swings the light that shades the volume from LOW to HIGH degrees;
        ``stretch:LOW:HIGH`` stretches the volume across by a factor from LOW to HIGH (0 < LOW < HIGH).
        """
        codes: list[Code] = []
        for part in (p.strip() for p in text.split(",")):
            fields = part.split(":")
            try:
                if fields[0] in POSE_AXES and len(fields) == 3:
                    low, high = float(fields[1]), float(fields[2])
                    stretch = fields[0] == "stretch"
                    if not (0 < low < high if stretch else low < high and high - low <= 360.0) or not math.isfinite(high) \
                            or any(getattr(c, "pose", "") == fields[0] for c in codes):
                        raise ValueError
                    name = f"c{len(codes) + 1}"
                    full_turn = not stretch and high - low == 360.0  # an angle code: its ends are one view
                    codes.append(Angle(name, fields[0]) if full_turn else Uniform(name, learn_std=learn_std, pose=fields[0], pose_range=(low, high)))
                    continue
                kind, count = fields[0], int(fields[1])
                if count > MAX_COUNT:
                    raise ValueError
                if kind == "cat" and len(fields) == 2 and count >= 2:
                    codes.append(Categorical(f"c{len(codes) + 1}", count))
                elif kind in ("cont", "turn") and len(fields) in (2, 4) and count >= 1:
                    low, high = (float(fields[2]), float(fields[3])) if len(fields) == 4 else (-1.0, 1.0)
                    if not (low < high and math.isfinite(high - low)):  # a prior needs a finite width
                        raise ValueError
                    for _ in range(count):
                        codes.append(Uniform(f"c{len(codes) + 1}", low, high, learn_std, turn=kind == "turn"))
                elif kind == "circ" and len(fields) == 2 and count >= 1:
                    for _ in range(count):
                        codes.append(Angle(f"c{len(codes) + 1}"))
                else:
                    raise ValueError
            except (ValueError, IndexError):
                raise CodeError(
                    f"cannot read code {part!r} in {text!r}: use cat:K (K >= 2), cont:N, cont:N:LOW:HIGH (finite LOW < HIGH), turn:N, turn:N:LOW:HIGH, circ:N, "
                    f"yaw:LOW:HIGH, pitch:LOW:HIGH, light:LOW:HIGH (degrees, LOW < HIGH, a turn at most) or stretch:LOW:HIGH (factors, 0 < LOW < HIGH), one of each, comma-separated, K and N at most {MAX_COUNT}"
                ) from None
        return cls(noise, codes, noise_prior)

    @property
    def input_width(self) -> int:
        return self.noise + sum(code.input_width for code in self.codes)

    @property
    def output_width(self) -> int:
        return sum(code.output_width for code in self.codes)

    def sample_noise(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        if self.noise_prior == "uniform":
            return 2 * torch.rand((n, self.noise), generator=generator, device=device) - 1
        return torch.randn((n, self.noise), generator=generator, device=device)

    def sample_codes(self, n: int, generator: torch.Generator | None = None, device=None) -> dict[str, torch.Tensor]:
        return {code.name: code.sample(n, generator, device) for code in self.codes}

    def generator_input(self, noise: torch.Tensor, codes: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.cat([noise] + [code.to_input(codes[code.name]) for code in self.codes], dim=1)

    def pose_columns(self) -> list[tuple[int, Uniform | Angle]]:
        """Each pose code with the first column of its slice of G's input."""
        columns, column = [], self.noise
        for code in self.codes:
            if getattr(code, "pose", ""):
                columns.append((column, code))
            column += code.input_width
        return columns

    def split_q_output(self, q_output: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cut Q's output into each code's slice."""
        parts = torch.split(q_output, [code.output_width for code in self.codes], dim=1)
        return {code.name: part for code, part in zip(self.codes, parts)}

    def log_q(self, q_output: torch.Tensor, codes: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Mean ``log Q(c|x)`` over the batch, per code."""
        slices = self.split_q_output(q_output)
        return {code.name: code.log_q(slices[code.name], codes[code.name]).mean() for code in self.codes}

    def predict(self, q_output: torch.Tensor) -> dict[str, torch.Tensor]:
        """Q's point estimate of each code: the arg-max category, the Gaussian mean, or the mean angle."""
        slices = self.split_q_output(q_output)
        return {code.name: code.predict(slices[code.name]) for code in self.codes}

    def entropies(self) -> dict[str, float]:
        return {code.name: code.entropy() for code in self.codes}

    def to_dict(self) -> dict:
        return {
            "noise": self.noise,
            "noise_prior": self.noise_prior,
            "codes": [
                {"name": c.name, "kind": "cat", "categories": c.categories}
                if isinstance(c, Categorical)
                else {"name": c.name, "kind": "circ", **({"pose": c.pose} if c.pose else {})}
                if isinstance(c, Angle)
                else {"name": c.name, "kind": "cont", "low": c.low, "high": c.high, "learn_std": c.learn_std,
                   **({"turn": True} if c.turn else {}), **({"pose": c.pose, "pose_range": list(c.pose_range)} if c.pose else {})}
                for c in self.codes
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "LatentSpec":
        codes: list[Code] = []
        for c in data["codes"]:
            if c["kind"] == "cat":
                codes.append(Categorical(c["name"], c["categories"]))
            elif c["kind"] == "circ":
                codes.append(Angle(c["name"], c.get("pose", "")))
            else:
                codes.append(Uniform(c["name"], c["low"], c["high"], c["learn_std"], c.get("turn", False),
                                     c.get("pose", ""), tuple(c.get("pose_range", c.get("pose_degrees", (0.0, 0.0))))))  # pose_degrees: runs before the stretch code
        return cls(data["noise"], codes, data["noise_prior"])

    def describe(self) -> str:
        codes = ", ".join(f"{c.name} ~ {c.describe()}" for c in self.codes)
        return f"z: {self.noise} ({self.noise_prior}); {codes}"
