"""InfoGAN's losses, so that the training loop stays a loop.

D's loss: the GAN's real/fake cross-entropy minus ``lambda * log Q(c|x)`` on the fake batch (the
trunk learns it when ``info_in_d``; Q's head learns it either way, with D's optimiser, as in the
official code). G's loss: the non-saturating GAN loss minus ``info_weight_g * lambda * log Q(c|x)``.
Both add the optional invariance term (Q recognises the categorical codes through small random
rotations, shifts and scalings of G's images, optionally also left-right mirrors and horizontal
stretches), the optional mirror-parity term (Q reads every continuous code from G's images mirrored
left to right, as the code itself or reflected, whichever fits: no code both widens and turns an
object; an angle code reflected) and the optional balanced-clustering term on real images (D's loss only).
InfoGAN-CR's contrastive term (``cr_weight``): G makes pairs of images that share one code's value
(and the noise); a classifier learns which code they share, and G lowers the same cross-entropy, so
that each code changes the image in its own recognisable way.
Mode seeking (``mode_seeking``, MSGAN's term): the two halves of the batch share their codes and
differ in their noise, and G is paid for images that differ, so that the noise is not ignored
(on faces3d it took lighting and pose from the codes instead of identity; docs/experiments.md).
Instance noise (``instance_noise``): D and Q see every image through fresh Gaussian pixel noise, so
that G cannot hand Q a code through pixel changes too faint to survive it.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from .augment import apply_grid, raise_factors, raised_upper_half_grid, random_affine_grid
from .codes import LatentSpec
from .config import TrainConfig
from .networks import depth_spread


class Objective:
    def __init__(self, config: TrainConfig, spec: LatentSpec, autocast=None):
        self.config = config
        self.spec = spec
        self.autocast = autocast or contextlib.nullcontext()
        weights = {"cat": config.lambda_cat, "cont": config.lambda_cont, "circ": config.lambda_circ}
        self.weights = {code.name: weights[code.kind] for code in spec.codes}
        self.categorical = [code for code in spec.codes if code.kind == "cat"]
        widths = [spec.noise] + [code.input_width for code in spec.codes]
        perturbed = {"cont", "noise"} if config.hessian_noise else {"cont"}
        self.hessian_columns = torch.cat(
            [torch.full((width,), kind in perturbed) for width, kind in zip(widths, ["noise"] + [code.kind for code in spec.codes])]
        )  # which of G's input columns the Hessian penalty perturbs
        self.invariance = bool(config.lambda_invariant and self.categorical)
        self.parity_codes = [code for code in spec.codes if code.kind in ("cont", "circ")] if config.mirror_parity else []
        self.raised_codes = [code for _, code in spec.pose_columns()] if config.pose_raise else []
        self.parity_names = [f"parity_{code.name}" for code in self.parity_codes if code.kind == "cont"]  # logged after the codes' bounds

    def random_moves(self, n: int, size, device) -> torch.Tensor | None:
        """Sampling grids of the invariance term's random moves for a batch of ``n`` (None when off)."""
        if not self.invariance:
            return None
        return random_affine_grid(n, size, mirror=self.config.invariant_mirror, max_stretch=self.config.invariant_stretch, device=device)

    def seen_by_d(self, images: torch.Tensor) -> torch.Tensor:
        """The images as D and Q see them: with fresh instance noise when it is on."""
        if not self.config.instance_noise:
            return images
        return images + self.config.instance_noise * torch.randn_like(images)

    def weighted_information(self, log_q: dict[str, torch.Tensor]) -> torch.Tensor:
        return sum(self.weights[name] * value for name, value in log_q.items())

    def categorical_log_q(self, q_output: torch.Tensor, codes: dict[str, torch.Tensor]) -> torch.Tensor:
        slices = self.spec.split_q_output(q_output)
        return sum(code.log_q(slices[code.name], codes[code.name]).mean() for code in self.categorical)

    def turn_stretches(self, n: int, size, device) -> torch.Tensor | None:
        """Sampling grids of the turning codes' stretches for a batch of ``n`` (None when off)."""
        if not self.config.turn_stretch:
            return None
        return random_affine_grid(n, size, max_degrees=0.0, max_shift=0.0, max_scale=0.0, max_stretch=self.config.turn_stretch, device=device)

    def pose_raises(self, n: int, size, device) -> torch.Tensor | None:
        """Sampling grids of the pose codes' raises of G's images for a batch of ``n`` (None when
        off or when the raise acts on G's volume)."""
        if not self.raised_codes or self.config.pose_raise_volume:
            return None
        return raised_upper_half_grid(n, size, self.config.pose_raise, device=device)

    def volume_raises(self, n: int, device) -> torch.Tensor | None:
        """The factors by which G raises the upper half of its volumes for a batch of ``n`` (None
        unless the raise acts on G's volume)."""
        if not (self.raised_codes and self.config.pose_raise_volume):
            return None
        return raise_factors(n, self.config.pose_raise, device=device)

    def raised_pose_information(self, D, raised, codes, detach_q=False) -> torch.Tensor:
        """Each pose code's weighted mean log Q, read from G's ``raised`` images (raised through
        ``pose_raises``' grids or drawn from volumes raised by ``volume_raises``): a back raised or
        lowered on the same seat neither turns nor widens a chair, so Q must read the same pose (on
        chairs3d, Q had read a low back as a view from behind and a tall one as a view from the
        front)."""
        with self.autocast:
            slices = self.spec.split_q_output(D(self.seen_by_d(raised), detach_q=detach_q)[1])
        return sum(self.weights[code.name] * code.log_q(slices[code.name], codes[code.name]).mean() for code in self.raised_codes)

    def mirror_parity(self, D, fake, codes, detach_q=False, stretches=None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The mirror-parity term: Q reads each continuous code from G's images mirrored left to right,
        either as the code itself (a trait a mirror keeps: width) or reflected about the middle of its
        range (a sided one: which way an object turns), whichever fits the batch better. A code that
        both widens and turns fits neither. An angle code is always read reflected, as -c: a mirror
        reverses a turn and keeps two views (facing the camera and facing away), which G places at 0
        and pi; so the code cannot carry style or width round the circle, which a mirror keeps.
        With ``stretches`` (``turn_stretches``), Q also reads every turning code (an angle code, or a
        continuous one that this batch reads reflected) from G's images stretched along their rows:
        a stretch imitates a wider or narrower object, which is not turned any further, so a turning
        code cannot be how wide the object looks. Returns the weighted term and each continuous code's
        parity (+1: kept, -1: reflected)."""
        with self.autocast:
            slices = self.spec.split_q_output(D(self.seen_by_d(torch.flip(fake, dims=[-1])), detach_q=detach_q)[1])
            stretched = None if stretches is None else self.spec.split_q_output(D(self.seen_by_d(apply_grid(fake, stretches, padding="border")), detach_q=detach_q)[1])
        term, parities = 0.0, {}
        for code in self.parity_codes:
            values = codes[code.name]
            if code.kind == "circ":
                turning = True
                term = term + self.weights[code.name] * code.log_q(slices[code.name], -values).mean()
            else:
                kept = code.log_q(slices[code.name], values).mean()
                reflected = code.log_q(slices[code.name], code.low + code.high - values).mean()
                turning = stretched is not None and bool(reflected > kept)  # bool() waits for the values: only when needed
                term = term + self.weights[code.name] * torch.maximum(kept, reflected)
                parities[f"parity_{code.name}"] = torch.where(kept >= reflected, 1.0, -1.0).detach()
            if stretched is not None and turning:
                term = term + self.weights[code.name] * code.log_q(stretched[code.name], values).mean()
        return self.config.mirror_parity * term, parities

    def mirror_parity_on(self, step: int) -> bool:
        """Whether the mirror-parity term acts at update ``step`` (counted in updates, as InfoGAN-CR's
        schedule, so that --resume --steps does not move it)."""
        return bool(self.parity_codes) and step >= self.config.mirror_parity_start

    def discriminator_loss(self, D, real, fake, codes, moves=None, mirror=False, stretches=None, raised=None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """D's (and Q's) loss on a real and a (detached) fake batch; also each code's mean log Q and,
        when the mirror-parity term is set, each continuous code's parity under ``parity_names``
        (0 before the term switches on; ``mirror``: it acts on this batch, ``stretches``: with the
        turning codes' stretches; ``raised``: G's raised images, detached, from which Q also reads the
        pose codes)."""
        detach_q = not self.config.info_in_d
        with self.autocast:
            d_real, q_real = D(self.seen_by_d(real), detach_q=detach_q)
            d_fake, q_fake = D(self.seen_by_d(fake), detach_q=detach_q)
        log_q = self.spec.log_q(q_fake, codes)
        info = self.weighted_information(log_q)
        if moves is not None:
            with self.autocast:
                q_moved = D(self.seen_by_d(apply_grid(fake, moves)), detach_q=detach_q)[1]
            info = info + self.config.lambda_invariant * self.categorical_log_q(q_moved, codes)
        if raised is not None:
            info = info + self.raised_pose_information(D, raised, codes, detach_q)
        if mirror:
            parity_term, parities = self.mirror_parity(D, fake, codes, detach_q, stretches)
            info, log_q = info + parity_term, {**log_q, **parities}
        elif self.parity_codes:
            log_q = {**log_q, **{name: torch.zeros((), device=fake.device) for name in self.parity_names}}
        if self.config.lambda_real:
            real_slices = self.spec.split_q_output(q_real)
            info = info + self.config.lambda_real * sum(c.batch_information(real_slices[c.name]) for c in self.categorical)
        return F.softplus(-d_real).mean() + F.softplus(d_fake).mean() - info, log_q

    def generator_loss(self, D, fake, codes, moves=None, mirror=False, stretches=None, raised=None) -> torch.Tensor:
        """G's loss against D (whose weights the caller has frozen)."""
        with self.autocast:
            d_fake, q_fake = D(self.seen_by_d(fake))
        info = self.weighted_information(self.spec.log_q(q_fake, codes))
        if moves is not None:
            with self.autocast:
                q_moved = D(self.seen_by_d(apply_grid(fake, moves)))[1]
            info = info + self.config.lambda_invariant * self.categorical_log_q(q_moved, codes)
        if raised is not None:
            info = info + self.raised_pose_information(D, raised, codes)
        if mirror:
            info = info + self.mirror_parity(D, fake, codes, stretches=stretches)[0]
        return F.softplus(-d_fake).mean() - self.config.info_weight_g * info

    @staticmethod
    def shared_code_pairs(codes: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Mode seeking's pairs: the batch's second half takes its first half's codes (each image
        keeps its own noise), so image i and image i + n/2 differ by their noise alone."""
        half = len(next(iter(codes.values()))) // 2
        return {name: torch.cat([value[:half], value[:half]]) for name, value in codes.items()}

    @staticmethod
    def mode_seeking_loss(noise: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """MSGAN's term (Mao et al. 2019) on the pairs of ``shared_code_pairs``: the ratio r of the
        images' mean absolute difference to the noises', and G's loss 1 / (r + 1e-5), which is large
        when G ignores its noise."""
        half = len(noise) // 2
        ratio = (fake[:half] - fake[half:]).abs().float().mean() / (noise[:half] - noise[half:]).abs().mean()
        return 1.0 / (ratio + 1e-5), ratio

    @staticmethod
    def opacity_loss(G) -> torch.Tensor:
        """A volume G's mean composited opacity in the forward pass that made the batch: charged to
        G, it leaves empty what the images do not need filled."""
        return G.last_opacity.float().mean()

    @staticmethod
    def depth_spread_loss(G) -> torch.Tensor:
        """A volume G's mean depth spread (``networks.depth_spread``) in the forward pass that made
        the batch: charged to G, it makes what a pixel shows one opaque surface, so a near part
        hides a far one as in a render."""
        return depth_spread(G.last_shares.float()).mean()

    def hessian_penalty(self, G, latent: torch.Tensor, fake: torch.Tensor, directions: int = 2, epsilon: float = 0.1) -> torch.Tensor:
        """Peebles et al. (2020)'s Hessian penalty, on the continuous codes (and on the noise too with
        ``hessian_noise``): G's second derivative along ``directions`` random +-``epsilon`` steps in
        those inputs (central finite differences around ``fake = G(latent)``), its variance over the
        steps (which is twice the sum of the squared cross-derivatives between inputs), and the largest
        over pixels and images. Zero when no two inputs interact anywhere, as when one code widens a
        face and another turns it."""
        mask = self.hessian_columns.to(latent.device, latent.dtype)
        derivatives = []
        for _ in range(directions):
            step = epsilon * (2 * torch.randint(0, 2, latent.shape, device=latent.device).to(latent.dtype) - 1) * mask
            with self.autocast:
                derivatives.append((G(latent + step) - 2 * fake + G(latent - step)) / epsilon**2)
        return torch.stack(derivatives).float().var(dim=0).max()

    def contrastive_weight(self, step: int) -> float:
        """InfoGAN-CR's weight at update ``step``: 0 before update ``cr_start``, then rising linearly
        over ``cr_ramp`` updates to ``cr_weight``. Counted in updates, not fractions of the run, so
        that extending a run with --resume --steps does not move the schedule."""
        config = self.config
        if not config.cr_weight or step < config.cr_start:
            return 0.0
        return config.cr_weight * (min(1.0, (step - config.cr_start + 1) / config.cr_ramp) if config.cr_ramp else 1.0)

    def contrastive_pairs(self, n: int, device=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """G's inputs for ``n`` pairs and the index of the code each pair shares: the noise is shared
        too, every other code is drawn independently for each image."""
        noise = self.spec.sample_noise(n, device=device)
        first, second = self.spec.sample_codes(n, device=device), self.spec.sample_codes(n, device=device)
        shared = torch.randint(len(self.spec.codes), (n,), device=device)
        for index, code in enumerate(self.spec.codes):
            second[code.name] = torch.where(shared == index, first[code.name], second[code.name])
        return self.spec.generator_input(noise, first), self.spec.generator_input(noise, second), shared

    def contrastive_loss(self, classifier, first: torch.Tensor, second: torch.Tensor, shared: torch.Tensor) -> torch.Tensor:
        """The pair classifier's cross-entropy: its own loss, and G's extra loss (times the weight)."""
        with self.autocast:
            logits = classifier(first, second)
        return F.cross_entropy(logits, shared)
