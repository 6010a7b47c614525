"""The paper's experiments as named settings (Appendix C), for ``infogan train --preset NAME``.

A preset fills dataset, network, codes, noise, learning rates and the information weights; a
config file and then flags override it. Where the paper's text and appendix disagree, the preset
follows the appendix's tables: SVHN has four continuous codes (the text shows two:
``--codes cat:10,cat:10,cat:10,cat:10,cont:2``), the chairs have three Cat(20) codes (the text
says four: ``--codes cat:20,cat:20,cat:20,cat:20,cont:1``). The invariance term is an addition of
this project for digits, so only ``mnist`` keeps it; the other presets train the paper's objective.
The paper's faces and chairs are renders of 3D models that are not freely redistributable; their
presets train on this package's rendered stand-ins ``faces3d`` and ``chairs3d`` unless
``--dataset folder --data-dir PATH`` points at real renders. ``sprites`` and ``sprites-cr`` follow
InfoGAN-CR's dSprites code rather than this paper; InfoGAN-CR switches its term on at once after
288,000 of 322,560 updates (28 epochs: ``--steps 322560 --cr-start 288000 --cr-ramp 0``), which a
CPU run never reaches, so ``sprites-cr`` ramps it in from update 250 to 500 instead.
"""

from __future__ import annotations

from .config import ConfigError

PAPER_DEFAULTS = {"lr_d": 2e-4, "lr_g": 1e-3, "lambda_cat": 1.0, "lambda_cont": 1.0, "lambda_invariant": 0.0}

PRESETS: dict[str, dict] = {
    "mnist": {"dataset": "mnist", "network": "mnist", "codes": "cat:10,cont:2", "noise": 62,
              "lr_d": 2e-4, "lr_g": 1e-3, "lambda_cat": 1.0, "lambda_cont": 0.1, "lambda_invariant": 1.0},
    "svhn": {**PAPER_DEFAULTS, "dataset": "svhn", "network": "svhn", "codes": "cat:10,cat:10,cat:10,cat:10,cont:4", "noise": 124},
    "celeba": {**PAPER_DEFAULTS, "dataset": "celeba", "network": "celeba", "codes": ",".join(["cat:10"] * 10), "noise": 128},
    "faces-azimuth": {**PAPER_DEFAULTS, "dataset": "faces3d", "network": "faces", "codes": "cont:5", "noise": 128,
                      "lr_d": 2e-4, "lr_g": 5e-4, "lambda_cont": 0.2},
    "faces-elevation": {**PAPER_DEFAULTS, "dataset": "faces3d", "network": "faces", "codes": "cont:5", "noise": 128,
                        "lr_d": 4e-4, "lr_g": 3e-4, "lambda_cont": 0.1},
    "faces-lighting": {**PAPER_DEFAULTS, "dataset": "faces3d", "network": "faces", "codes": "cont:5", "noise": 128,
                       "lr_d": 8e-4, "lr_g": 3e-4, "lambda_cont": 0.1},
    "chairs-rotation": {**PAPER_DEFAULTS, "dataset": "chairs3d", "network": "chairs", "codes": "cat:20,cat:20,cat:20,cont:1",
                        "noise": 128, "lambda_cat": 1.0, "lambda_cont": 10.0},
    "chairs-width": {**PAPER_DEFAULTS, "dataset": "chairs3d", "network": "chairs", "codes": "cat:20,cat:20,cat:20,cont:1",
                     "noise": 128, "lambda_cat": 2.0, "lambda_cont": 0.05},
    # InfoGAN-CR's dSprites setup (fjxmlzn/InfoGAN-CR, InfoGAN-CR_dSprites/config.py): 5 regularised +
    # 5 unregularised Unif(-1,1) codes, Q's std fixed at 1, information weight 0.05, spectral norm in D
    "sprites": {"dataset": "sprites", "network": "sprites", "codes": "cont:5", "noise": 5, "noise_prior": "uniform",
                "learn_std": False, "lambda_cat": 1.0, "lambda_cont": 0.05, "lambda_invariant": 0.0, "lr_d": 2e-3, "lr_g": 1e-3,
                "leaky_slope": 0.2, "batch_size": 64},
}
PRESETS["sprites-cr"] = {**PRESETS["sprites"], "cr_weight": 2.0, "cr_start": 250, "cr_ramp": 250}

DESCRIPTIONS = {
    "mnist": "Fig. 2: digit class, rotation, width (this package's default recipe)",
    "svhn": "Fig. 4: lighting, context digits (appendix: 4 Cat(10) + 4 continuous codes)",
    "celeba": "Fig. 5: azimuth, glasses, hairstyle, emotion (10 Cat(10) codes)",
    "faces-azimuth": "Fig. 3a: pose, on the rendered faces3d",
    "faces-elevation": "Fig. 3b: elevation, on the rendered faces3d",
    "faces-lighting": "Fig. 3c: lighting, on the rendered faces3d",
    "chairs-rotation": "Fig. 6a: rotation, on the rendered chairs3d (appendix: 3 Cat(20) + 1 continuous code)",
    "chairs-width": "Fig. 6b: width, on the rendered chairs3d",
    "sprites": "InfoGAN-CR's dSprites baseline: 5 continuous codes scored by FactorVAE/MIG/DCI/SAP/BetaVAE",
    "sprites-cr": "InfoGAN-CR on dSprites: the sprites preset plus the contrastive term (weight 2, ramped in over updates 250-500)",
}


def preset_settings(name: str) -> dict:
    """The settings of preset ``name`` (a copy, with ``preset`` recorded)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return {**PRESETS[name], "preset": name}
