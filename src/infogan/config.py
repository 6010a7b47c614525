"""Training settings: one dataclass, filled from defaults, then a TOML/YAML file, then flags."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields
from pathlib import Path

from .codes import LatentSpec
from .data import SOURCES
from .errors import InfoganError
from .networks import ARCHITECTURES, architecture, check_pose_codes


class ConfigError(InfoganError, ValueError):
    """A setting that is unknown or out of range."""


@dataclass
class TrainConfig:
    preset: str = ""  # the preset these settings started from (informational)
    # data
    dataset: str = "mnist"
    data_dir: str | None = None
    verify_data: bool = True
    # latent input: the paper's MNIST choice
    codes: str = "cat:10,cont:2"
    noise: int = 62
    noise_prior: str = "uniform"  # official code: Unif(-1,1); "normal" as in TF-GAN's example
    learn_std: bool = True  # paper appendix: Q learns the Gaussian std; official code fixes it at 1
    # the information term
    lambda_cat: float = 1.0
    lambda_cont: float = 0.1
    lambda_circ: float = 1.0  # angle codes (circ:N): weighted as categorical codes, not as the small interval ones
    info_weight_g: float = 1.0  # 0 gives the paper's baseline: Q trained, G not rewarded
    lambda_real: float = 0.0  # weight of I(x_real; Q's category), a balanced-clustering term on real images
    lambda_invariant: float = 1.0  # weight of log Q(c_cat | randomly rotated/shifted/scaled G(z, c)); 0 is the paper's objective
    invariant_mirror: bool = False  # the invariance term's moves also mirror half the images: a category cannot be the side an object faces
    invariant_stretch: float = 0.0  # ... and stretch them along the rows within 1 +- this: a category cannot be how wide an object is
    mirror_parity: float = 0.0  # weight of Q reading each continuous code from G's mirrored images as itself or reflected, whichever fits, and each angle code reflected (0: off)
    mirror_parity_start: int = 0  # the update at which it switches on: from the first, every chairs3d code chose "unchanged" and none took the turn
    pose_raise: float = 0.0  # Q also reads the pose codes from G's images whose upper half is stretched up or down about the centre row by up to 1 +- this (0: off)
    pose_raise_volume: bool = False  # the raise stretches the upper half of G's volume (above its centre, before the turn) rather than of its image
    turn_stretch: float = 0.0  # with the mirror-parity term, Q also reads each turning code from G's images stretched along their rows by up to 1 +- this (0: off)
    info_in_d: bool = True  # official code: D's loss also subtracts lambda*L_I, so the shared trunk learns it
    # InfoGAN-CR (Lin et al. 2020): a classifier tells which code two images share; G helps it
    cr_weight: float = 0.0  # the contrastive term's final weight (0: off; InfoGAN-CR's dSprites: 2)
    cr_start: int = 0  # the update at which the term switches on (InfoGAN-CR's dSprites: 288,000 of 322,560)
    cr_ramp: int = 0  # updates over which its weight then rises linearly to cr_weight (0: at once)
    lr_cr: float = 0.0  # the pair classifier's learning rate; 0: D's (InfoGAN-CR trains both at one rate; at 10x D's it stayed at chance on chairs3d)
    # the Hessian penalty (Peebles et al. 2020) on the continuous codes: no two codes interact in G
    hessian_weight: float = 0.0  # its weight in G's loss (0: off)
    hessian_noise: bool = False  # also across the noise inputs, as the paper applies it to all of z
    # mode seeking (Mao et al. 2019): pairs share their codes, and G is paid for making them differ by the noise
    mode_seeking: float = 0.0  # its weight in G's loss (0: off; MSGAN: 1)
    # instance noise: D and Q see every image (real and fake) through Gaussian pixel noise of this std
    instance_noise: float = 0.0  # 0: off; when on, G must write the codes in changes that survive it
    # networks and optimisation
    network: str = "auto"  # one of networks.ARCHITECTURES; auto: the dataset's own (mnist for MNIST, ...)
    volume_tilt: float = 0.0  # degrees: where a volume network's learned tilt starts (positive: looking down on the object); without a pitch code only
    camera_light: bool = False  # a volume network's G shades its turned volume by one light fixed to the camera at a learned direction (no light code)
    camera_light_azimuth: float = 0.0  # degrees where that light's direction starts (positive: from the image's right) ...
    camera_light_elevation: float = 0.0  # ... and (positive: from above); 0, 0: from the camera. chairs3d's lamp: -39, 48
    volume_silhouette: bool = False  # a volume network's image is G's picture where its turned volume is opaque, a learned plain background elsewhere
    opacity_weight: float = 0.0  # weight in G's loss of its volume's mean composited opacity (0: off), which keeps space empty under volume_silhouette
    depth_spread_weight: float = 0.0  # weight in G's loss of its volume's mean depth spread (0: off): each pixel shows one opaque surface
    mirror_volume: bool = False  # a volume network's G makes its volume mirror-symmetric across its own x: no side can be lit or shaped apart from the other but by the pose and light codes
    leaky_slope: float = 0.1  # paper; the official code uses 0.01
    lr_d: float = 2e-4
    lr_g: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 128
    steps: int = 5000
    seed: int = 0
    device: str = "auto"  # cuda when a GPU is visible, else cpu
    threads: int = 0  # torch intra-op threads; 0 keeps torch's default
    sync_batchnorm: bool = False  # under torchrun on GPUs: batch statistics over the global batch
    render_cache: bool = False  # rendered data: render the training split once, on every core, into a memory-mapped file
    precision: str = "fp32"  # "bf16": forward passes autocast to bfloat16 (1.3-1.4x on CPUs with AVX-512 BF16)
    # bookkeeping
    log_every: int = 50
    sample_every: int = 500
    checkpoint_every: int = 500
    checkpoint_minutes: float = 0.0  # also a checkpoint whenever this many minutes passed since the last (0: off)
    keep: int = 1  # checkpoints kept: checkpoint.pt, and with N > 1 the N latest in RUN/checkpoints
    eval_every: int = 500  # unsupervised test accuracy during training (0: never)
    stop_at_accuracy: float = 0.0  # stop at the first evaluation reaching this accuracy (0: train every step)
    logger: str = "jsonl"  # "tensorboard": also TensorBoard event files in RUN/tensorboard (metrics.jsonl is always written)

    def validate(self) -> "TrainConfig":
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{field.name} must be a finite number, got {value}")
        positive = ("batch_size", "steps", "log_every", "sample_every", "checkpoint_every")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("lr_d", "lr_g"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("lambda_cat", "lambda_cont", "lambda_circ", "lambda_real", "lambda_invariant", "mirror_parity", "mirror_parity_start", "info_weight_g", "cr_weight", "cr_start", "cr_ramp", "lr_cr",
                     "hessian_weight", "mode_seeking", "opacity_weight", "depth_spread_weight", "instance_noise", "eval_every", "threads", "checkpoint_minutes"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("invariant_stretch", "turn_stretch", "pose_raise"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        for name in ("invariant_mirror", "invariant_stretch"):
            if getattr(self, name) and not self.lambda_invariant:
                raise ConfigError(f"{name} widens the invariance term, which is off: set lambda_invariant too")
        for name in ("mirror_parity_start", "turn_stretch"):
            if getattr(self, name) and not self.mirror_parity:
                raise ConfigError(f"{name} {'delays' if name == 'mirror_parity_start' else 'widens'} the mirror-parity term, which is off: set mirror_parity too")
        kinds = {code.kind for code in self.latent_spec().codes}
        if self.mirror_parity and not kinds & {"cont", "circ"}:
            raise ConfigError(f"mirror_parity acts on continuous and angle codes, and --codes {self.codes} has none: add cont:N or circ:N or set it to 0")
        if self.hessian_weight and "cont" not in kinds:
            raise ConfigError(f"hessian_weight acts on continuous codes, and --codes {self.codes} has none: add cont:N or set it to 0")
        if self.hessian_noise and not self.hessian_weight:
            raise ConfigError("hessian_noise widens the Hessian penalty, which is off: set hessian_weight too")
        if self.keep < 1:
            raise ConfigError(f"keep must be at least 1 (the latest checkpoint), got {self.keep}")
        if not 0 <= self.stop_at_accuracy <= 1:
            raise ConfigError(f"stop_at_accuracy must lie in [0, 1], got {self.stop_at_accuracy}")
        if self.stop_at_accuracy and not self.eval_every:
            raise ConfigError("stop_at_accuracy needs evaluations during training (eval_every > 0)")
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ConfigError("beta1 and beta2 must lie in [0, 1)")
        if self.logger not in ("jsonl", "tensorboard"):
            raise ConfigError(f"logger must be jsonl or tensorboard, got {self.logger!r}")
        if self.precision not in ("fp32", "bf16"):
            raise ConfigError(f"precision must be fp32 or bf16, got {self.precision!r}")
        if self.device not in ("cpu", "cuda", "auto") and not self.device.startswith("cuda:"):
            raise ConfigError(f"device must be cpu, cuda, cuda:N or auto, got {self.device!r}")
        if self.dataset not in SOURCES:
            raise ConfigError(f"unknown dataset {self.dataset!r}; known: {', '.join(SOURCES)}")
        if self.network != "auto" and self.network not in ARCHITECTURES:
            raise ConfigError(f"unknown network {self.network!r}; known: auto, {', '.join(ARCHITECTURES)}")
        check_pose_codes(self.latent_spec(), self.resolved_network())  # the spec raises CodeError on a bad --codes / --noise
        if self.mirror_volume and architecture(self.resolved_network()).volume is None:
            raise ConfigError(f"mirror_volume makes a volume network's volume symmetric, and {self.resolved_network()} has none: use a volume network or leave it off")
        poses = {code.pose for _, code in self.latent_spec().pose_columns()}
        if self.camera_light and (architecture(self.resolved_network()).volume is None or "light" in poses):
            raise ConfigError(f"camera_light shades a volume network's volume by G's own fixed light, which needs a volume network without a light code ({self.resolved_network()}, codes {self.codes})")
        if self.volume_silhouette and architecture(self.resolved_network()).volume is None:
            raise ConfigError(f"volume_silhouette cuts G's picture to its volume's outline, and {self.resolved_network()} has no volume: use a volume network or leave it off")
        if self.opacity_weight and architecture(self.resolved_network()).volume is None:
            raise ConfigError(f"opacity_weight charges G for its volume's opacity, and {self.resolved_network()} has no volume: use a volume network or set it to 0")
        if self.depth_spread_weight and architecture(self.resolved_network()).volume is None:
            raise ConfigError(f"depth_spread_weight charges G for how deep its volume's pixels are spread, and {self.resolved_network()} has no volume: use a volume network or set it to 0")
        if (self.camera_light_azimuth or self.camera_light_elevation) and not self.camera_light:
            raise ConfigError("camera_light_azimuth and camera_light_elevation start the camera light, which is off: add camera_light (--camera-light)")
        if not (-180 <= self.camera_light_azimuth <= 180 and -90 <= self.camera_light_elevation <= 90):
            raise ConfigError(f"the camera light starts at azimuth -180..180 and elevation -90..90 degrees, got {self.camera_light_azimuth}, {self.camera_light_elevation}")
        if self.pose_raise_volume and not self.pose_raise:
            raise ConfigError("pose_raise_volume says where the pose raise acts, and pose_raise is 0: set --pose-raise R")
        if self.pose_raise and not poses:
            raise ConfigError(f"pose_raise asks Q to read the pose codes through a raised upper half, and --codes {self.codes} has none: add yaw:LOW:HIGH or stretch:LOW:HIGH or set it to 0")
        pitched = "pitch" in poses
        if self.volume_tilt and (architecture(self.resolved_network()).volume is None or pitched):
            raise ConfigError(f"volume_tilt starts a volume network's learned tilt, which only a volume network without a pitch code has ({self.resolved_network()}, codes {self.codes})")
        if not -90 < self.volume_tilt < 90:
            raise ConfigError(f"volume_tilt must be between -90 and 90 degrees, got {self.volume_tilt}")
        return self

    def camera_light_start(self) -> tuple[float, float] | None:
        """Where G's camera light starts (azimuth, elevation, degrees), or None without one."""
        return (self.camera_light_azimuth, self.camera_light_elevation) if self.camera_light else None

    def resolved_network(self) -> str:
        """``network``, or for ``auto`` the network the dataset's images fit."""
        return SOURCES[self.dataset].network if self.network == "auto" else self.network

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "TrainConfig":
        """A preset's settings (``infogan presets`` lists them) with ``overrides`` on top."""
        from .presets import preset_settings

        return cls.from_dict({**preset_settings(name), **overrides}, f"preset {name}").validate()

    def latent_spec(self) -> LatentSpec:
        return LatentSpec.parse(self.codes, self.noise, self.noise_prior, self.learn_std)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = "settings") -> "TrainConfig":
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
        values = {}
        for key, value in data.items():
            default = known[key].default
            wrong_bool = isinstance(value, bool) and not isinstance(default, bool)
            if default is not None and value is not None and (wrong_bool or not isinstance(value, type(default))):
                if isinstance(default, float) and isinstance(value, int) and not wrong_bool:
                    value = float(value)
                else:
                    raise ConfigError(f"{source}: {key} should be {type(default).__name__}, got {value!r}")
            values[key] = value
        return cls(**values)


def read_config_file(path: str | Path) -> dict:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file of settings into a dict."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read config file {path}: not UTF-8 text") from None
    try:
        if path.suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"config file {path} must end in .toml, .yaml, .yml or .json")
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(f"cannot parse config file {path}: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):  # YAML keys may be numbers
        raise ConfigError(f"config file {path} must hold a table of settings")
    return {key.replace("-", "_"): value for key, value in data.items()}
