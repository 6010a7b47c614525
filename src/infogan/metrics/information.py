"""The information lower bound ``E[log Q(c|x)] + H(c)`` of every code, on fresh samples."""

from __future__ import annotations

import torch


@torch.no_grad()
def information_bounds(model, n: int = 10000, batch_size: int = 1000, seed: int = 0) -> dict[str, float]:
    """``E[log Q(c|x)] + H(c)`` per code (nats) on fresh samples from the priors."""
    totals = {code.name: 0.0 for code in model.spec.codes}
    generator = torch.Generator().manual_seed(seed)
    done = 0
    while done < n:
        size = min(batch_size, n - done)
        noise = model.spec.sample_noise(size, generator)
        codes = model.spec.sample_codes(size, generator)
        images = model.generate_from(noise, codes).to(model.device)
        q_output = model.discriminator(images)[1].cpu()
        for name, value in model.spec.log_q(q_output, codes).items():
            totals[name] += float(value) * size
        done += size
    entropies = model.spec.entropies()
    return {name: totals[name] / n + entropies[name] for name in totals}
