"""The paper's experiments as presets: their settings, and how files and flags override them."""

import json

import pytest

from infogan.cli import main
from infogan.config import ConfigError, TrainConfig
from infogan.data import SOURCES
from infogan.networks import ARCHITECTURES
from infogan.presets import DESCRIPTIONS, PRESETS, preset_settings

# latent widths of the appendix's tables (PAPER.md section 3)
PAPER_LATENT_WIDTH = {"mnist": 74, "svhn": 168, "celeba": 228, "faces-azimuth": 133, "faces-elevation": 133,
                      "faces-lighting": 133, "chairs-rotation": 189, "chairs-width": 189,
                      "sprites": 10, "sprites-cr": 10}  # InfoGAN-CR's dSprites: 5 + 5 Unif(-1, 1)


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_is_valid_and_has_the_papers_latent_width(name):
    config = TrainConfig.from_preset(name)
    assert config.latent_spec().input_width == PAPER_LATENT_WIDTH[name]
    assert config.network in ARCHITECTURES and config.dataset in SOURCES
    assert config.preset == name and name in DESCRIPTIONS


def test_the_sprites_presets_follow_infogan_crs_dsprites_code_and_differ_only_in_the_contrastive_term():
    plain, contrastive = TrainConfig.from_preset("sprites"), TrainConfig.from_preset("sprites-cr")
    assert (plain.lr_g, plain.lr_d, plain.lambda_cont, plain.learn_std, plain.batch_size) == (1e-3, 2e-3, 0.05, False, 64)
    assert plain.resolved_network() == "sprites" and plain.cr_weight == 0
    assert contrastive.cr_weight == 2.0
    differing = {k for k, v in plain.to_dict().items() if contrastive.to_dict()[k] != v}
    assert differing == {"preset", "cr_weight", "cr_start", "cr_ramp"}


def test_the_mnist_preset_is_the_default_recipe():
    defaults = TrainConfig().to_dict()
    preset = TrainConfig.from_preset("mnist").to_dict()
    assert {k: v for k, v in preset.items() if k not in ("preset", "network")} == {
        k: v for k, v in defaults.items() if k not in ("preset", "network")
    }
    assert TrainConfig().resolved_network() == "mnist"


@pytest.mark.parametrize(
    "name, learning_rates, weights",
    [
        ("faces-azimuth", (2e-4, 5e-4), (1.0, 0.2)),
        ("faces-elevation", (4e-4, 3e-4), (1.0, 0.1)),
        ("faces-lighting", (8e-4, 3e-4), (1.0, 0.1)),
        ("chairs-rotation", (2e-4, 1e-3), (1.0, 10.0)),
        ("chairs-width", (2e-4, 1e-3), (2.0, 0.05)),
    ],
)
def test_appendix_settings_of_faces_and_chairs(name, learning_rates, weights):
    config = TrainConfig.from_preset(name)
    assert (config.lr_d, config.lr_g) == learning_rates
    assert (config.lambda_cat, config.lambda_cont) == weights
    assert config.dataset == ("faces3d" if name.startswith("faces") else "chairs3d")
    assert config.lambda_invariant == 0.0  # the paper's objective


def test_overrides_beat_the_preset_and_an_unknown_preset_is_refused():
    assert TrainConfig.from_preset("chairs-width", dataset="folder", steps=7).dataset == "folder"
    with pytest.raises(ConfigError, match="unknown preset 'dsprites'"):
        preset_settings("dsprites")


def test_presets_command_lists_every_preset_with_its_settings(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert f"{name}: " in out
    assert "--codes cat:20,cat:20,cat:20,cont:1" in out and "--lambda-cont 10.0" in out


def test_config_file_beats_the_preset_and_flags_beat_the_file(tmp_path):
    config = tmp_path / "faces.toml"
    config.write_text('preset = "faces-elevation"\nlr_g = 7e-4\nsteps = 1\nbatch_size = 8\neval_every = 0\nlog_every = 1\n')
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(out), "--lr-d", "1e-4", "--quiet"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["preset"] == "faces-elevation" and saved["dataset"] == "faces3d" and saved["network"] == "faces"
    assert (saved["lr_d"], saved["lr_g"], saved["lambda_cont"]) == (1e-4, 7e-4, 0.1)
