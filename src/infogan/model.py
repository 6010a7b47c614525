"""A trained InfoGAN as a Python object: generate from chosen codes, encode images with Q."""

from __future__ import annotations

import os

import torch

from .checkpoint import CheckpointError, load_checkpoint
from .codes import CodeError, LatentSpec
from .config import TrainConfig
from .networks import Discriminator, architecture, init_weights, make_generator


class InfoGAN:
    """Generator, discriminator with its Q head, and the latent layout they were trained with."""

    def __init__(self, spec: LatentSpec, leaky_slope: float = 0.1, device="cpu", network: str = "mnist", mirror_volume: bool = False,
                 volume_tilt: float = 0.0, camera_light: tuple[float, float] | None = None, volume_silhouette: bool = False):
        self.spec = spec
        self.network = network
        self.image_shape = architecture(network).image_shape
        self.device = torch.device(device)
        self.generator = make_generator(spec, network, mirror_volume, volume_tilt, camera_light, volume_silhouette).to(self.device)
        self.discriminator = Discriminator(spec.output_width, leaky_slope, network).to(self.device)
        init_weights(self.generator)
        init_weights(self.discriminator)

    @classmethod
    def from_config(cls, config: TrainConfig, device="cpu") -> "InfoGAN":
        return cls(config.latent_spec(), config.leaky_slope, device, config.resolved_network(), config.mirror_volume,
                   config.volume_tilt, config.camera_light_start(), config.volume_silhouette)

    @classmethod
    def load(cls, run: str | os.PathLike, device="cpu") -> "InfoGAN":
        """Load the networks of a training run folder (or checkpoint file), in eval mode."""
        state = load_checkpoint(run, map_location=device)
        missing = [key for key in ("config", "generator", "discriminator", "step") if key not in state]
        if missing:
            raise CheckpointError(f"{run}: the checkpoint lacks {', '.join(missing)} (not written by infogan train?)")
        config = TrainConfig.from_dict(state["config"])
        model = cls.from_config(config, device)
        try:
            model.generator.load_state_dict(state["generator"])
            model.discriminator.load_state_dict(state["discriminator"])
        except RuntimeError:
            raise CheckpointError(f"{run}: its weights do not fit the {model.network} network its settings name") from None
        model.step = state["step"]
        model.config = config
        model.eval()
        return model

    def eval(self) -> "InfoGAN":
        self.generator.eval()
        self.discriminator.eval()
        return self

    def latents(self, n: int, codes: dict[str, float | torch.Tensor] | None = None, seed: int | None = None):
        """Noise and codes for ``n`` samples: ``codes`` fixes some codes, the rest come from their priors.

        Every draw is made in the same order whatever is fixed, so with the same ``seed`` the
        noise and the free codes are the same whichever codes are given.
        """
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        noise = self.spec.sample_noise(n, generator)
        values = self.spec.sample_codes(n, generator)
        for name, value in (codes or {}).items():
            if name not in self.spec.by_name:
                raise CodeError(f"no code named {name!r}; this model has {', '.join(self.spec.by_name)}")
            code = self.spec.by_name[name]
            values[name] = code.full(n, value) if not torch.is_tensor(value) else value.to(values[name].dtype)
        return noise, values

    @torch.no_grad()
    def generate(self, n: int = 64, codes: dict | None = None, seed: int | None = None) -> torch.Tensor:
        """Images N x C x H x W in [0, 1] for the given codes (others drawn from their priors)."""
        noise, values = self.latents(n, codes, seed)
        return self.generate_from(noise, values)

    @torch.no_grad()
    def generate_from(self, noise: torch.Tensor, codes: dict[str, torch.Tensor]) -> torch.Tensor:
        latent = self.spec.generator_input(noise, codes).to(self.device)
        return self.generator(latent).cpu()

    @torch.no_grad()
    def encode(self, images: torch.Tensor, batch_size: int = 1000) -> dict[str, torch.Tensor]:
        """Q's estimate of each code for images N x C x H x W in [0, 1]: a category index, or a mean."""
        outputs = []
        for start in range(0, len(images), batch_size):
            outputs.append(self.discriminator(images[start : start + batch_size].to(self.device))[1].cpu())
        return self.spec.predict(torch.cat(outputs))

    @torch.no_grad()
    def representation(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """What the disentanglement scores read, N x D for images in [0, 1]: Q's mean for each
        continuous code, Q's category probabilities for each categorical code (one column per
        category, since a category's index has no order), the cosine and sine of Q's mean angle for
        each angle code (its number jumps at +-pi). ``representation_names`` labels the columns."""
        columns = []
        for start in range(0, len(images), batch_size):
            q_output = self.discriminator(images[start : start + batch_size].to(self.device))[1].cpu()
            slices = self.spec.split_q_output(q_output)
            parts = [representation_columns(code, slices[code.name]) for code in self.spec.codes]
            columns.append(torch.cat(parts, dim=1))
        return torch.cat(columns)

    def representation_names(self) -> list[str]:
        names = []
        for code in self.spec.codes:
            if code.kind == "cat":
                names += [f"{code.name}={k}" for k in range(code.categories)]
            else:
                names += [f"{code.name}.cos", f"{code.name}.sin"] if code.kind == "circ" else [code.name]
        return names


def representation_columns(code, q_output: torch.Tensor) -> torch.Tensor:
    """One code's columns of ``InfoGAN.representation``."""
    if code.kind == "cat":
        return torch.softmax(q_output, dim=1)
    if code.kind == "circ":
        return code.to_input(code.predict(q_output))
    return code.predict(q_output).unsqueeze(1)
