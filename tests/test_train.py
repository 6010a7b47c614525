"""The training loop: it learns the codes, it is reproducible, and it resumes exactly."""

import dataclasses
import json
import math
import os
import signal
import sys
import warnings

import numpy as np
import pytest
import torch

from infogan import TrainConfig, data, train
from infogan.checkpoint import CHECKPOINT_NAME, CheckpointError, load_checkpoint, save_checkpoint
from infogan.config import ConfigError
from infogan.data import DataError
from infogan.objective import Objective
from infogan.train import COLLAPSED_SPREAD, bf16_is_emulated, classifier_at_chance, image_spread

# A short run on the synthetic glyphs with the default objective (invariance term included):
# 100 updates of 32 images take about 30 s on one core. Measured on this data (seeds 0-2):
# InfoGAN's logged L_I(c1) goes from 0.37-0.44 nats over the first 20 updates to 1.66-1.69 at
# update 100 (H(c1) = ln 10 = 2.30); the baseline with info_weight_g=0 reaches 0.33-0.38.
LEARNING_STEPS = 100


def learning_config(root, info_weight_g: float) -> TrainConfig:
    return TrainConfig(
        data_dir=str(root),
        verify_data=False,
        codes="cat:10",
        info_weight_g=info_weight_g,
        batch_size=32,
        steps=LEARNING_STEPS,
        log_every=20,
        sample_every=50,
        checkpoint_every=50,
        eval_every=LEARNING_STEPS,
        seed=0,
    )


@pytest.fixture(scope="module")
def infogan_run(data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("infogan-run")
    last = train(learning_config(data_root, info_weight_g=1.0), out, progress=False)
    return out, last


@pytest.fixture(scope="module")
def baseline_run(data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline-run")
    last = train(learning_config(data_root, info_weight_g=0.0), out, progress=False)
    return out, last


def read_log(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def same_tensors(first: dict, second: dict) -> bool:
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


# --- learning ---------------------------------------------------------------------------------


def test_infogan_learns_information_about_its_categorical_code(infogan_run):
    run, _ = infogan_run
    mi = [row["mi_c1"] for row in read_log(run)]
    assert mi[-1] >= mi[0] + 0.8, mi
    assert mi[-1] > 1.5, mi
    assert mi[-1] <= math.log(10) + 1e-6


def test_baseline_without_information_reward_learns_clearly_less(infogan_run, baseline_run):
    infogan_mi = read_log(infogan_run[0])[-1]["mi_c1"]
    baseline_mi = read_log(baseline_run[0])[-1]["mi_c1"]
    assert baseline_mi < 1.0
    assert baseline_mi < infogan_mi - 0.6


def test_q_learns_where_an_angle_code_points(data_root, tmp_path):
    """Measured on these glyphs (seeds 0-1): L_I(c1) of one angle code at updates 20 and 100 was
    0.67-0.71 and 1.15-1.18 nats (H = ln 2 pi = 1.84); with G unrewarded, 0.41 and 1.06-1.10."""
    config = dataclasses.replace(learning_config(data_root, info_weight_g=1.0), codes="circ:1", lambda_circ=1.0, eval_every=0)
    train(config, tmp_path, progress=False)
    mi = [row["mi_c1"] for row in read_log(tmp_path)]
    assert mi[0] > 0.5 and mi[-1] >= mi[0] + 0.3, mi
    assert mi[-1] > 1.0, mi


def test_metrics_log_has_one_line_per_logging_interval(infogan_run):
    run, last = infogan_run
    log = read_log(run)
    assert [row["step"] for row in log] == [20, 40, 60, 80, 100]
    for row in log:
        assert {"step", "loss_d", "loss_g", "mi_c1", "images_per_s", "elapsed_s", "image_spread"} <= set(row)
        assert all(math.isfinite(row[key]) for key in ("loss_d", "loss_g", "mi_c1"))
        assert row["image_spread"] > COLLAPSED_SPREAD  # a learning run is not taken for a collapsed one
    assert log[-1] == last
    assert 0.0 <= last["accuracy"] <= 1.0  # evaluated at the last step only
    assert all("accuracy" not in row for row in log[:-1])


def test_run_folder_holds_config_samples_and_final_checkpoint(infogan_run, data_root):
    run, _ = infogan_run
    assert json.loads((run / "config.json").read_text()) == learning_config(data_root, 1.0).to_dict()
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_000050.png", "step_000100.png"]
    state = load_checkpoint(run)
    assert state["step"] == LEARNING_STEPS
    assert state["config"]["info_weight_g"] == 1.0
    assert sorted(p.name for p in run.iterdir()) == ["best.pt", "checkpoint.pt", "config.json", "metrics.jsonl", "samples"]
    best = load_checkpoint(run / "best.pt")  # the one evaluation, at the last update
    assert best["best"] == state["best"] == {"step": LEARNING_STEPS, "score": json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["accuracy"]}


# --- reproducibility and resuming -------------------------------------------------------------


def test_the_same_seed_gives_identical_weights(tmp_path, quick_config):
    train(quick_config(steps=3), tmp_path / "a", progress=False)
    train(quick_config(steps=3), tmp_path / "b", progress=False)
    train(quick_config(steps=3, seed=1), tmp_path / "c", progress=False)
    a, b, c = (load_checkpoint(tmp_path / name) for name in "abc")
    assert same_tensors(a["generator"], b["generator"])
    assert same_tensors(a["discriminator"], b["discriminator"])
    assert not same_tensors(a["generator"], c["generator"])


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path, quick_config):
    # 48 training images in batches of 16: the resumed half starts in the middle of epoch 1
    settings = dict(log_every=2, checkpoint_every=4, sample_every=2, eval_every=2)
    train(quick_config(steps=8, **settings), tmp_path / "straight", progress=False)
    train(quick_config(steps=4, **settings), tmp_path / "resumed", progress=False)
    assert load_checkpoint(tmp_path / "resumed")["step"] == 4
    train(quick_config(steps=8, **settings), tmp_path / "resumed", resume=True, progress=False)

    straight, resumed = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "resumed")
    assert resumed["step"] == 8
    assert same_tensors(straight["generator"], resumed["generator"])
    assert same_tensors(straight["discriminator"], resumed["discriminator"])
    assert torch.equal(straight["rng_cpu"], resumed["rng_cpu"])
    compared = ("step", "loss_d", "loss_g", "mi_c1", "mi_c2", "mi_c3", "accuracy")
    logs = [[{k: row[k] for k in compared} for row in read_log(tmp_path / name)] for name in ("straight", "resumed")]
    assert logs[0] == logs[1]
    assert [row["step"] for row in logs[1]] == [2, 4, 6, 8]


def test_resuming_optimiser_state_saved_contiguous_equals_an_uninterrupted_run(tmp_path, quick_config):
    # a GPU run or an older version saves Adam's state contiguous; on the CPU the weights are
    # channels-last, and fused Adam with differently laid-out state would take wrong steps
    train(quick_config(steps=4), tmp_path / "straight", progress=False)
    train(quick_config(steps=2), tmp_path / "resumed", progress=False)
    state = load_checkpoint(tmp_path / "resumed")
    laid_out = [value for name in ("opt_d", "opt_g") for slots in state[name]["state"].values() for value in slots.values()]
    assert any(value.dim() == 4 and not value.is_contiguous() for value in laid_out)
    for name in ("opt_d", "opt_g"):
        for slots in state[name]["state"].values():
            slots.update({key: value.contiguous() for key, value in slots.items()})
    save_checkpoint(state, tmp_path / "resumed" / CHECKPOINT_NAME)
    train(quick_config(steps=4), tmp_path / "resumed", resume=True, progress=False)

    straight, resumed = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "resumed")
    assert same_tensors(straight["discriminator"], resumed["discriminator"])
    assert same_tensors(straight["generator"], resumed["generator"])


def test_ctrl_c_mid_update_finishes_the_update_and_resumes_exactly(tmp_path, quick_config, monkeypatch):
    train(quick_config(steps=4), tmp_path / "straight", progress=False)
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the tests run in the background

    adam_step = torch.optim.Adam.step
    calls = []

    def ctrl_c_during_the_second_d_step(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # update 2's D step: a real SIGINT, as Ctrl-C sends
            os.kill(os.getpid(), signal.SIGINT)
        return adam_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", ctrl_c_during_the_second_d_step)
    with pytest.raises(KeyboardInterrupt):
        train(quick_config(steps=4, checkpoint_every=100), tmp_path / "interrupted", progress=False)
    monkeypatch.setattr(torch.optim.Adam, "step", adam_step)
    assert load_checkpoint(tmp_path / "interrupted")["step"] == 2
    train(quick_config(steps=4), tmp_path / "interrupted", resume=True, progress=False)

    straight, resumed = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "interrupted")
    assert same_tensors(straight["discriminator"], resumed["discriminator"])
    assert same_tensors(straight["generator"], resumed["generator"])
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_training_into_a_folder_with_a_checkpoint_needs_resume(tmp_path, quick_config):
    save_checkpoint({"step": 3}, tmp_path / CHECKPOINT_NAME)
    before = (tmp_path / CHECKPOINT_NAME).read_bytes()
    with pytest.raises(CheckpointError, match="already holds a run"):
        train(quick_config(), tmp_path, progress=False)
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == before
    assert not (tmp_path / "metrics.jsonl").exists()


def test_resuming_a_folder_without_a_checkpoint_fails(tmp_path, quick_config):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        train(quick_config(), tmp_path / "empty", resume=True, progress=False)


def test_invalid_settings_are_refused_before_anything_is_written(tmp_path, quick_config):
    with pytest.raises(ConfigError, match="steps must be positive"):
        train(quick_config(steps=0), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_a_training_set_smaller_than_a_batch_is_refused(tmp_path, quick_config):
    with pytest.raises(DataError, match="fewer than one batch"):
        train(quick_config(batch_size=64), tmp_path / "run", progress=False)


def test_missing_data_is_a_data_error(tmp_path, quick_config):
    with pytest.raises(DataError, match="not found"):
        train(quick_config(root=tmp_path / "nothing-here"), tmp_path / "run", progress=False)


def test_a_run_with_only_continuous_codes_can_be_evaluated_during_training(tmp_path, quick_config):
    last = train(quick_config(codes="cont:2", steps=2, eval_every=2), tmp_path / "run", progress=False)
    assert "accuracy" not in last and last["step"] == 2


def test_only_continuous_codes_train_without_evaluation(tmp_path, quick_config):
    last = train(quick_config(codes="cont:2", steps=2), tmp_path / "run", progress=False)
    assert set(last) >= {"mi_c1", "mi_c2"} and "accuracy" not in last


# --- options of the information term ------------------------------------------------------------


@pytest.fixture(scope="module")
def two_step_run(quick_config, tmp_path_factory):
    out = tmp_path_factory.mktemp("two-steps")
    train(quick_config(steps=2), out, progress=False)
    return load_checkpoint(out)


@pytest.mark.parametrize(
    "option", [dict(lambda_real=1.0), dict(lambda_invariant=0.0), dict(info_in_d=False), dict(info_weight_g=0.0)]
)
def test_information_options_change_training(tmp_path, quick_config, two_step_run, option):
    last = train(quick_config(steps=2, **option), tmp_path, progress=False)
    assert all(math.isfinite(last[key]) for key in ("loss_d", "loss_g", "mi_c1"))
    changed = load_checkpoint(tmp_path)
    network = "generator" if "info_weight_g" in option else "discriminator"
    assert not same_tensors(two_step_run[network], changed[network])


@pytest.mark.parametrize("name", ["lambda_real", "lambda_invariant", "lambda_cat", "info_weight_g"])
def test_negative_information_weights_are_refused(tmp_path, quick_config, name):
    with pytest.raises(ConfigError, match=f"{name} must be >= 0"):
        train(quick_config(**{name: -0.5}), tmp_path / "run", progress=False)


# --- bfloat16 forward passes ---------------------------------------------------------------------


EMULATED_BF16 = bf16_is_emulated(torch.device("cpu"))


@pytest.mark.skipif(EMULATED_BF16, reason="this CPU has no native bfloat16 (AVX-512 BF16 or AMX): the run took 522 s on one, against 40 s in fp32")
def test_bf16_training_learns_the_categorical_code_too(data_root, tmp_path):
    config = learning_config(data_root, info_weight_g=1.0)
    config.precision = "bf16"
    train(config, tmp_path, progress=False)
    mi = [row["mi_c1"] for row in read_log(tmp_path)]
    assert mi[-1] >= mi[0] + 0.8, mi
    assert mi[-1] > 1.5, mi


@pytest.mark.filterwarnings("ignore:--precision bf16 on this CPU")
def test_bf16_rounds_differently_but_keeps_float32_weights_close_to_the_float32_run(tmp_path, quick_config, two_step_run):
    last = train(quick_config(steps=2, precision="bf16"), tmp_path, progress=False)
    assert all(math.isfinite(last[key]) for key in ("loss_d", "loss_g", "mi_c1"))
    bf16 = load_checkpoint(tmp_path)
    for network in ("generator", "discriminator"):
        tensors = {k: v for k, v in bf16[network].items() if v.is_floating_point()}
        assert all(v.dtype == torch.float32 for v in tensors.values())
        weights = [k for k in tensors if "running_" not in k]  # what Adam moves; BN statistics are not bounded so
        gap = max((tensors[k] - two_step_run[network][k]).abs().max().item() for k in weights)
        assert 0 < gap < 1e-2  # two Adam steps move a weight by about 2 learning rates (1e-3 for G) at most


def test_bf16_on_a_cpu_without_native_bfloat16_is_warned_about_once_and_otherwise_not(tmp_path, quick_config, monkeypatch):
    loop = sys.modules["infogan.train"]
    for emulated in (True, False):
        monkeypatch.setattr(loop, "bf16_is_emulated", lambda device: emulated)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            train(quick_config(steps=1, precision="bf16"), tmp_path / str(emulated), progress=False)
        slow = [str(w.message) for w in caught if "fallback kernels" in str(w.message)]
        assert len(slow) == emulated, slow
    assert not bf16_is_emulated(torch.device("cuda"))  # only a CPU falls back; CUDA's bfloat16 is its own


def test_an_unknown_precision_is_refused(tmp_path, quick_config):
    with pytest.raises(ConfigError, match="precision must be fp32 or bf16"):
        train(quick_config(precision="fp16"), tmp_path / "run", progress=False)


# --- stopping at a target accuracy ---------------------------------------------------------------


def test_training_stops_at_the_first_evaluation_reaching_the_target(tmp_path, quick_config):
    last = train(quick_config(steps=8, eval_every=2, stop_at_accuracy=0.01), tmp_path / "run", progress=False)
    assert last["step"] == 2 and last["accuracy"] >= 0.01
    assert load_checkpoint(tmp_path / "run")["step"] == 2  # the stopped run can be resumed or evaluated
    assert [row["step"] for row in read_log(tmp_path / "run")] == [2]


def test_an_unreachable_target_trains_every_step(tmp_path, quick_config):
    last = train(quick_config(steps=4, eval_every=2, stop_at_accuracy=1.0), tmp_path / "run", progress=False)
    assert last["step"] == 4


@pytest.mark.parametrize("settings, message", [(dict(stop_at_accuracy=1.5), "lie in"), (dict(stop_at_accuracy=0.9, eval_every=0), "needs evaluations")])
def test_impossible_targets_are_refused(tmp_path, quick_config, settings, message):
    with pytest.raises(ConfigError, match=message):
        train(quick_config(**settings), tmp_path / "run", progress=False)


def test_an_infogan_cr_run_checkpoints_its_classifier_and_resumes_exactly(tmp_path, quick_config):
    settings = dict(log_every=2, checkpoint_every=4, sample_every=4, eval_every=0, cr_weight=1.0, cr_start=2)
    train(quick_config(steps=8, **settings), tmp_path / "straight", progress=False)
    train(quick_config(steps=4, **settings), tmp_path / "resumed", progress=False)
    train(quick_config(steps=8, **settings), tmp_path / "resumed", resume=True, progress=False)
    straight, resumed = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "resumed")
    for key in ("generator", "discriminator", "pair_classifier"):
        assert same_tensors(straight[key], resumed[key])
    assert straight["opt_cr"]["state"]  # the classifier was trained
    rows = read_log(tmp_path / "straight")
    assert [row["cr_weight"] for row in rows] == [0.0, 1.0, 1.0, 1.0]  # on from step 2 of 8
    assert rows[0]["loss_cr"] == 0.0 and all(math.isfinite(row["loss_cr"]) and row["loss_cr"] > 0 for row in rows[1:])


def test_the_pair_classifier_learns_at_ds_rate_unless_told_and_a_resumed_run_takes_a_new_rate(tmp_path, quick_config):
    settings = dict(log_every=2, checkpoint_every=4, eval_every=0, cr_weight=1.0, lr_d=3e-4)
    train(quick_config(steps=4, **settings), tmp_path / "run", progress=False)
    assert load_checkpoint(tmp_path / "run")["opt_cr"]["param_groups"][0]["lr"] == 3e-4
    train(quick_config(steps=6, lr_cr=5e-5, **settings), tmp_path / "run", resume=True, progress=False)
    assert load_checkpoint(tmp_path / "run")["opt_cr"]["param_groups"][0]["lr"] == 5e-5  # not the optimiser state's 3e-4


def test_a_pair_classifier_is_at_chance_within_one_percent_of_ln_k_or_above():
    assert classifier_at_chance(math.log(3), 3) and classifier_at_chance(2.0, 3)
    assert classifier_at_chance(0.99 * math.log(4) + 1e-9, 4) and not classifier_at_chance(0.98 * math.log(4), 4)
    assert not classifier_at_chance(0.656, 3)  # a chairs3d classifier at 2e-4, 300 updates in (pair_classifier_probe.py)


def test_a_pair_classifier_stuck_at_chance_is_warned_about_once(tmp_path, quick_config, monkeypatch):
    loop = sys.modules["infogan.train"]
    monkeypatch.setattr(loop, "CHANCE_UPDATES", 6)
    # the classifier's loss is forced to ln 3 (three codes), while it and G still get a graph to step through
    monkeypatch.setattr(Objective, "contrastive_loss", lambda self, classifier, first, second, shared:
                        math.log(3) + 0 * classifier(first, second).sum())
    config = quick_config(codes="cat:4,cont:2", steps=16, log_every=2, cr_weight=1.0, cr_start=4)
    with pytest.warns(UserWarning) as caught:
        train(config, tmp_path / "run", progress=False)
    stuck = [str(w.message) for w in caught if "at chance" in str(w.message)]
    assert len(stuck) == 1, stuck
    assert "for 6 updates up to update 10 " in stuck[0] and "--lr-cr" in stuck[0]  # windows ending at 6, 8 and 10; the one ending at 4 was half before the start


# --- collapse --------------------------------------------------------------------------------


def test_image_spread_is_the_fakes_spread_over_the_reals():
    real = torch.rand(64, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    assert image_spread(real, real).item() == pytest.approx(1.0)
    assert image_spread(0.5 * real + 0.2, real).item() == pytest.approx(0.5)
    one_image = real[:1].expand(64, -1, -1, -1)
    assert image_spread(one_image, real).item() == 0.0


def test_a_collapsed_generator_is_warned_about_once(tmp_path, quick_config, monkeypatch):
    loop = sys.modules["infogan.train"]  # the module: the package's name ``infogan.train`` is the function
    # G's images carry gradients and the real reference sample does not: G's spread is forced to 0.01 of it
    monkeypatch.setattr(loop, "pixel_spread", lambda images: torch.tensor(0.01 if images.requires_grad else 1.0))
    config = quick_config(steps=8, log_every=2)
    with pytest.warns(UserWarning) as caught:
        train(config, tmp_path, progress=False)
    collapse = [str(w.message) for w in caught if "stopped varying" in str(w.message)]
    assert len(collapse) == 1, collapse
    assert "at update 6 " in collapse[0] and "0.010 of the real images'" in collapse[0]  # the third window in a row
    assert [row["image_spread"] for row in read_log(tmp_path)] == pytest.approx([0.01] * 4)


def test_an_opacity_weight_clears_the_fog_of_g_s_volume(tmp_path):
    """A fresh volume is a fog (most of the composited map opaque); charging G for its opacity
    empties much of it within a dozen updates."""
    from infogan.model import InfoGAN

    config = TrainConfig(dataset="faces3d", network="faces-volume", codes="yaw:-75:75,cont:1", noise=4, batch_size=8, steps=12,
                         log_every=4, sample_every=1000, checkpoint_every=12, eval_every=0, seed=0, volume_silhouette=True,
                         opacity_weight=3.0)

    def mean_opacity(model: InfoGAN) -> float:
        noise, codes = model.latents(32, seed=1)
        with torch.no_grad():  # the batch's statistics, as in training: after 12 updates the running ones still lag
            return model.generator.train().composited(model.spec.generator_input(noise, codes))[:, -1].mean().item()

    torch.manual_seed(config.seed)
    fresh = mean_opacity(InfoGAN.from_config(config))
    train(config, tmp_path, progress=False)
    charged = mean_opacity(InfoGAN.load(tmp_path))
    assert fresh > 0.7 and charged < 0.6 * fresh, (charged, fresh)  # measured: 0.82 and 0.43
    level = data.border_level(data.load_dataset("faces3d", "train").images(np.arange(256)))
    assert torch.sigmoid(load_checkpoint(tmp_path)["generator"]["background"]).item() == pytest.approx(level, abs=0.02)  # started there
    with pytest.raises(ConfigError, match="opacity_weight charges G for its volume's opacity, and mnist has no volume"):
        TrainConfig(opacity_weight=1.0).validate()


def test_a_depth_spread_weight_gathers_what_each_pixel_shows_onto_one_surface(tmp_path):
    """A fresh volume's pixels show voxels spread along their lines of sight; charging G for that
    spread gathers them within eight updates, where the same run without the charge does not."""
    from infogan.model import InfoGAN
    from infogan.networks import depth_spread

    def mean_spread(model: InfoGAN) -> float:
        noise, codes = model.latents(32, seed=1)
        with torch.no_grad():  # the batch's statistics, as in training
            model.generator.train()(model.spec.generator_input(noise, codes))
        return depth_spread(model.generator.last_shares).mean().item()

    spreads = {}
    for weight in (0.0, 10.0):
        config = TrainConfig(dataset="faces3d", network="faces-volume", codes="yaw:-75:75,cont:1", noise=4, batch_size=8, steps=8,
                             log_every=4, sample_every=1000, checkpoint_every=8, eval_every=0, seed=0, depth_spread_weight=weight)
        torch.manual_seed(config.seed)
        fresh = mean_spread(InfoGAN.from_config(config))
        train(config, tmp_path / str(weight), progress=False)
        spreads[weight] = mean_spread(InfoGAN.load(tmp_path / str(weight)))
    assert fresh > 0.1 and spreads[0.0] > 0.8 * fresh and spreads[10.0] < 0.5 * fresh, (fresh, spreads)  # measured: 0.152, 0.143 and 0.058
    with pytest.raises(ConfigError, match="depth_spread_weight charges G for how deep its volume's pixels are spread, and mnist has no volume"):
        TrainConfig(depth_spread_weight=1.0).validate()
