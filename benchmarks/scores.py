"""Time and peak memory of each disentanglement score at disentanglement_lib's sizes (10,000 train
and 5,000 test points, FactorVAE/BetaVAE 10,000 + 5,000 votes of batch 64), on a synthetic sampler
shaped like dSprites (5 factors of 3, 6, 40, 32, 32 classes) with a cheap 10-dimensional encoder,
so that the scores' own cost is what is measured.

    .venv/bin/python benchmarks/scores.py [--gbt] [--seed 0]

One line per score: seconds, the process's peak resident memory during the score, and how far it
rose above the resident memory before it. ``--gbt`` adds DCI with GradientBoostingClassifier (minutes).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from infogan.metrics.disentanglement import beta_vae_score, dci, factor_vae_score, mig, represent, sap

SIZES = (3, 6, 40, 32, 32)


class SyntheticSampler:
    """Images are 1 x 1 x K tensors of the factors scaled to [0, 1]: rendering costs nothing."""

    factor_names = tuple(f"factor{k}" for k in range(len(SIZES)))
    factor_sizes = SIZES

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, np.asarray(SIZES), size=(n, len(SIZES)), dtype=np.int64)

    def sample_images(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        scaled = factors / (np.asarray(SIZES) - 1)
        return torch.from_numpy(scaled.astype(np.float32)).reshape(len(factors), 1, 1, -1)


def make_encoder(seed: int):
    """A partly entangled 10-d code: the 5 factors mixed, plus noise, plus 5 pure-noise dims."""
    generator = np.random.default_rng(seed)
    mixing = np.eye(len(SIZES)) + 0.3 * generator.normal(size=(len(SIZES), len(SIZES)))

    def encode(images: torch.Tensor) -> np.ndarray:
        factors = images.reshape(len(images), -1).double().numpy()
        mixed = factors @ mixing + 0.03 * generator.normal(size=factors.shape)
        return np.concatenate([mixed, generator.normal(size=(len(images), 5))], axis=1)

    return encode


def _status_mib(field: str) -> float | None:
    """A memory line of /proc/self/status (Linux), in MiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Restart the kernel's peak-RSS count, so that each score's peak is its own (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def measure(name: str, run) -> None:
    """Wall time and peak resident memory, read from the kernel rather than tracemalloc: tracing
    every allocation tripled the hist model's time, and misses what C code allocates."""
    before = _status_mib("VmRSS")
    own_peak = _reset_peak_rss()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = _status_mib("VmHWM") if own_peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    growth = f"+{peak - before:6.1f}" if own_peak and before is not None else "   n/a"
    shown = ", ".join(f"{key} {value:.3f}" for key, value in result.items()) if isinstance(result, dict) else f"{result:.3f}"
    print(f"{name:<12} {seconds:7.1f} s   peak RSS {peak:6.0f} MiB ({growth} MiB over before)   {shown}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gbt", action="store_true", help="also time DCI with GradientBoostingClassifier")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sampler, encode = SyntheticSampler(), make_encoder(args.seed)
    rng = np.random.default_rng(args.seed)
    factors = sampler.sample_factors(15000, rng)
    codes = represent(sampler, encode, factors, rng)
    train, test = slice(0, 10000), slice(10000, None)
    print(f"codes {codes.shape[0]} x {codes.shape[1]}, factor sizes {SIZES}, torch threads {torch.get_num_threads()}")
    measure("mig", lambda: mig(codes[train], factors[train]))
    measure("sap", lambda: sap(codes[train], factors[train], codes[test], factors[test]))
    measure("dci (hist)", lambda: dci(codes[train], factors[train], codes[test], factors[test], model="hist").as_dict())
    if args.gbt:
        measure("dci (gbt)", lambda: dci(codes[train], factors[train], codes[test], factors[test], model="gbt").as_dict())
    measure("factor_vae", lambda: factor_vae_score(sampler, encode, np.random.default_rng(args.seed)))
    measure("beta_vae", lambda: beta_vae_score(sampler, encode, np.random.default_rng(args.seed)))


if __name__ == "__main__":
    main()
