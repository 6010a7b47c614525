"""The ``infogan`` command: train, evaluate, traverse, sample, plot-mi and plot-accuracy, and its error handling."""

import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from infogan.checkpoint import load_checkpoint
from infogan.cli import main
from infogan.config import ConfigError, TrainConfig
from infogan.figures import category_sweep
from infogan.model import InfoGAN


def train_args(root, out, *extra):
    return ["train", "--out", str(out), "--data-dir", str(root), "--no-verify", "--quiet", *extra]


@pytest.fixture(scope="module")
def run(tiny_data_root, tmp_path_factory):
    """A 4-update run of the paper's codes (cat:10, cont:2) trained through the command line."""
    out = tmp_path_factory.mktemp("cli") / "run"
    settings = ["--steps", "4", "--batch-size", "16", "--log-every", "2", "--sample-every", "4", "--checkpoint-every", "4", "--eval-every", "4"]
    assert main(train_args(tiny_data_root, out, *settings)) == 0
    return out


def only_error_line(stderr: str) -> str:
    """The one line of an error report; fails on tracebacks or extra lines."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("infogan: error: ")
    return lines[0]


def final_error_line(stderr: str) -> str:
    """The error report that ends a command which had already started (and said so on stderr)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert [line for line in lines if line.startswith("infogan: error: ")] == lines[-1:], stderr
    return lines[-1]


def sample_array(run, tmp_path, name, *args):
    out = tmp_path / name
    assert main(["sample", str(run), "--out", str(out), *args]) == 0
    return np.load(out)


def subprocess_env():
    return {**os.environ, "OMP_NUM_THREADS": "1"}


# --- train ------------------------------------------------------------------------------------


def test_train_creates_a_run_folder(run, tiny_data_root):
    state = load_checkpoint(run)
    assert state["step"] == 4
    config = json.loads((run / "config.json").read_text())
    assert (config["steps"], config["batch_size"], config["codes"]) == (4, 16, "cat:10,cont:2")
    assert (config["data_dir"], config["verify_data"]) == (str(tiny_data_root), False)
    log = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == [2, 4]
    assert {"mi_c1", "mi_c2", "mi_c3", "loss_d", "loss_g"} <= set(log[-1])
    assert 0.0 <= log[-1]["accuracy"] <= 1.0
    assert (run / "samples" / "step_000004.png").is_file()


def test_train_verifies_checksums_unless_told_not_to(tiny_data_root, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--data-dir", str(tiny_data_root), "--steps", "1", "--quiet"]) == 2
    assert "SHA-256 checksum does not match" in final_error_line(capsys.readouterr().err)
    assert not out.exists()


def test_resume_extends_a_run(run, tmp_path, capsys):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["train", "--resume", str(copy), "--steps", "6", "--quiet"]) == 0
    assert "done:" in capsys.readouterr().out
    assert load_checkpoint(copy)["step"] == 6
    assert [json.loads(line)["step"] for line in (copy / "metrics.jsonl").read_text().splitlines()] == [2, 4, 6]
    assert json.loads((copy / "config.json").read_text())["steps"] == 6


def test_resume_accepts_a_setting_repeated_with_its_own_value(run, tmp_path, capsys):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["train", "--resume", str(copy), "--out", str(copy), "--seed", "0", "--batch-size", "16", "--steps", "6", "--quiet"]) == 0
    assert load_checkpoint(copy)["step"] == 6


def test_resume_may_switch_on_the_contrastive_term(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["train", "--resume", str(copy), "--steps", "6", "--cr-weight", "2", "--cr-start", "4", "--quiet"]) == 0
    state = load_checkpoint(copy)
    assert state["step"] == 6 and state["opt_cr"]["state"]  # the pair classifier was created and trained
    last = json.loads((copy / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["cr_weight"] == 2.0 and last["loss_cr"] > 0


@pytest.mark.parametrize("flags, setting, value, logged", [(["--hessian-weight", "0.01"], "hessian_weight", 0.01, "hessian"),
                                                           (["--hessian-weight", "0.01", "--hessian-noise"], "hessian_noise", True, "hessian"),
                                                           (["--mode-seeking", "1"], "mode_seeking", 1.0, "noise_ratio")])
def test_resume_may_switch_on_a_term_of_gs_loss(run, tmp_path, flags, setting, value, logged):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["train", "--resume", str(copy), "--steps", "6", *flags, "--quiet"]) == 0
    assert json.loads((copy / "config.json").read_text())[setting] == value
    last = json.loads((copy / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["step"] == 6 and last[logged] > 0


def test_resume_may_switch_on_instance_noise(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["train", "--resume", str(copy), "--steps", "6", "--instance-noise", "0.05", "--quiet"]) == 0
    assert json.loads((copy / "config.json").read_text())["instance_noise"] == 0.05
    assert load_checkpoint(copy)["step"] == 6


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--seed", "1"], "cannot change --seed when resuming"),
        (["--codes", "cat:5"], "cannot change --codes"),
        (["--config", "settings.toml"], "--config cannot be combined with --resume"),
        (["--out", "elsewhere"], "leave out --out"),
    ],
)
def test_resume_refuses_to_change_what_defines_the_run(run, capsys, extra, message):
    before = (run / "checkpoint.pt").read_bytes()
    assert main(["train", "--resume", str(run), "--steps", "6", *extra]) == 2
    assert message in only_error_line(capsys.readouterr().err)
    assert (run / "checkpoint.pt").read_bytes() == before


def test_resume_of_a_folder_without_a_run_fails_cleanly(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path / "none")]) == 2
    assert "no checkpoint" in only_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("codes", ["cat:1", "cont:1:3:2", "dog:2"])
def test_bad_codes_exit_with_status_2(tiny_data_root, tmp_path, capsys, codes):
    assert main(train_args(tiny_data_root, tmp_path / "run", "--codes", codes)) == 2
    assert "cannot read code" in only_error_line(capsys.readouterr().err)
    assert not (tmp_path / "run").exists()


def test_the_mirror_and_stretch_flags_reach_the_run_and_without_the_invariance_term_are_a_one_line_error(tiny_data_root, tmp_path, capsys):
    assert main(train_args(tiny_data_root, tmp_path / "run", "--steps", "2", "--batch-size", "8", "--eval-every", "0",
                           "--invariant-mirror", "--invariant-stretch", "0.3")) == 0
    settings = json.loads((tmp_path / "run" / "config.json").read_text())
    assert settings["invariant_mirror"] is True and settings["invariant_stretch"] == 0.3
    capsys.readouterr()
    assert main(train_args(tiny_data_root, tmp_path / "off", "--lambda-invariant", "0", "--invariant-mirror")) == 2
    assert "invariant_mirror widens the invariance term" in only_error_line(capsys.readouterr().err)
    assert not (tmp_path / "off").exists()


def test_the_mirror_parity_flag_reaches_the_run_and_its_log_and_without_a_continuous_or_angle_code_is_a_one_line_error(tiny_data_root, tmp_path, capsys):
    assert main(train_args(tiny_data_root, tmp_path / "run", "--steps", "4", "--batch-size", "8", "--eval-every", "0",
                           "--log-every", "1", "--mirror-parity", "0.5", "--mirror-parity-start", "2", "--turn-stretch", "0.2")) == 0
    settings = json.loads((tmp_path / "run" / "config.json").read_text())
    assert settings["mirror_parity"] == 0.5 and settings["mirror_parity_start"] == 2 and settings["turn_stretch"] == 0.2
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    logged = [row for row in rows if "loss_d" in row]
    assert len(logged) == 4 and all(row[f"parity_{name}"] == 0 for row in logged[:2] for name in ("c2", "c3"))  # updates 0, 1: not yet on
    assert all(row[f"parity_{name}"] in (-1, 1) for row in logged[2:] for name in ("c2", "c3"))  # updates 2, 3: each code chose
    assert "parity_c1" not in logged[0]  # the categorical code has its own mirror: --invariant-mirror
    assert main(["train", "--resume", str(tmp_path / "run"), "--steps", "5", "--turn-stretch", "0.3", "--quiet"]) == 0  # as the term, switched on later
    assert json.loads((tmp_path / "run" / "config.json").read_text())["turn_stretch"] == 0.3
    capsys.readouterr()
    assert main(train_args(tiny_data_root, tmp_path / "cat", "--codes", "cat:10", "--batch-size", "8", "--mirror-parity", "1")) == 2
    assert "mirror_parity acts on continuous and angle codes" in only_error_line(capsys.readouterr().err)
    assert not (tmp_path / "cat").exists()
    assert main(train_args(tiny_data_root, tmp_path / "angle", "--codes", "cat:10,circ:1", "--steps", "2", "--batch-size", "8",
                           "--eval-every", "0", "--log-every", "1", "--mirror-parity", "1")) == 0  # an angle code alone is enough
    rows = [json.loads(line) for line in (tmp_path / "angle" / "metrics.jsonl").read_text().splitlines()]
    assert [row["mi_c2"] for row in rows if "loss_d" in row] and not any(key.startswith("parity_") for row in rows for key in row)


def test_out_of_range_settings_exit_with_status_2(tiny_data_root, tmp_path, capsys):
    assert main(train_args(tiny_data_root, tmp_path / "run", "--batch-size", "0")) == 2
    assert "batch_size must be positive" in only_error_line(capsys.readouterr().err)


def test_a_missing_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


# --- config files -----------------------------------------------------------------------------


def test_toml_config_file_is_honoured_and_flags_override_it(tiny_data_root, tmp_path, capsys):
    config = tmp_path / "settings.toml"
    config.write_text(
        f'data_dir = "{tiny_data_root}"\nverify_data = false\nsteps = 5\nbatch_size = 16\nseed = 7\n'
        'log_every = 1\neval_every = 0\ncodes = "cat:4,cont:1"\nlambda_cont = 1\n'
    )
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(out), "--steps", "2", "--quiet"]) == 0
    assert "at step 2" in capsys.readouterr().out
    saved = json.loads((out / "config.json").read_text())
    assert saved["steps"] == 2  # the flag beats the file
    assert (saved["batch_size"], saved["seed"], saved["log_every"], saved["codes"]) == (16, 7, 1, "cat:4,cont:1")
    assert saved["lambda_cont"] == 1.0 and isinstance(saved["lambda_cont"], float)  # an integer where a float is due
    assert load_checkpoint(out)["step"] == 2


def test_yaml_config_file_accepts_dashed_names_and_flags_override_it(tiny_data_root, tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text(
        f"data-dir: {tiny_data_root}\nverify-data: false\nsteps: 2\nbatch-size: 16\nseed: 5\n"
        "log-every: 1\neval-every: 0\nlambda-cont: 0.5\nlearn-std: false\n"
    )
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(out), "--seed", "9", "--quiet"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert (saved["steps"], saved["batch_size"], saved["lambda_cont"], saved["learn_std"]) == (2, 16, 0.5, False)
    assert saved["seed"] == 9
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2]


def test_unknown_setting_in_a_config_file_is_a_one_line_error(tmp_path, capsys):
    config = tmp_path / "settings.toml"
    config.write_text("steps = 2\ncolour = 'blue'\n")
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert "unknown setting(s) colour" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("settings.toml", "steps = 'many'\n", "steps should be int"),
        ("settings.toml", "steps = [\n", "cannot parse config file"),
        ("settings.yaml", "- 1\n- 2\n", "must hold a table"),
        ("settings.ini", "steps=2\n", "must end in .toml, .yaml, .yml or .json"),
    ],
)
def test_bad_config_files_exit_with_status_2(tmp_path, capsys, name, text, message):
    (tmp_path / name).write_text(text)
    assert main(["train", "--config", str(tmp_path / name), "--out", str(tmp_path / "run")]) == 2
    assert message in only_error_line(capsys.readouterr().err)


def test_a_missing_config_file_exits_with_status_2(tmp_path, capsys):
    assert main(["train", "--config", str(tmp_path / "absent.toml"), "--out", str(tmp_path / "run")]) == 2
    assert "cannot read config file" in only_error_line(capsys.readouterr().err)


def test_out_in_a_config_file_chooses_the_run_folder(tiny_data_root, tmp_path):
    config = tmp_path / "settings.toml"
    out = tmp_path / "from-config"
    config.write_text(f'out = "{out}"\ndata_dir = "{tiny_data_root}"\nverify_data = false\nsteps = 1\nbatch_size = 16\neval_every = 0\n')
    assert main(["train", "--config", str(config), "--quiet"]) == 0
    assert load_checkpoint(out)["step"] == 1


def test_a_boolean_where_a_number_is_due_is_refused():
    with pytest.raises(ConfigError, match="steps should be int"):
        TrainConfig.from_dict({"steps": True}, "settings.toml")


# --- evaluate ---------------------------------------------------------------------------------


def test_evaluate_writes_eval_json_with_accuracy_and_information_bounds(run, capsys):
    assert main(["evaluate", str(run), "--samples", "64"]) == 0
    result = json.loads((run / "eval.json").read_text())
    assert 0.0 <= result["accuracy"] <= 1.0
    assert result["accuracy_code"] == "c1"
    assert set(result["mi"]) == set(result["mi_batch_statistics"]) == {"c1", "c2", "c3"}
    assert all(math.isfinite(v) for v in [*result["mi"].values(), *result["mi_batch_statistics"].values()])
    assert result["mi"]["c1"] <= math.log(10)
    assert result["entropy"]["c1"] == pytest.approx(math.log(10))
    assert result["step"] == 4
    assert len(result["confusion"]) == 10 and sum(map(sum, result["confusion"])) == 20  # the tiny test split
    printed = capsys.readouterr().out
    assert "unsupervised accuracy of c1" in printed and "L_I, D on batch statistics" in printed


def test_evaluate_without_accuracy_needs_no_data(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["evaluate", str(copy), "--samples", "16", "--no-accuracy", "--data-dir", str(tmp_path / "nothing")]) == 0
    result = json.loads((copy / "eval.json").read_text())
    assert "accuracy" not in result and set(result["mi"]) == {"c1", "c2", "c3"}


def test_evaluating_a_nonexistent_run_exits_with_status_2(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "no-such-run")]) == 2
    assert "no checkpoint" in only_error_line(capsys.readouterr().err)


# --- traverse ---------------------------------------------------------------------------------


def test_traverse_writes_one_figure_per_code(run, tmp_path):
    out = tmp_path / "figures"
    assert main(["traverse", str(run), "--out", str(out), "--columns", "4", "--scale", "1"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["traverse_c1.png", "traverse_c2.png", "traverse_c3.png"]
    for path in out.iterdir():
        with Image.open(path) as picture:
            assert picture.size == (4 * 30 + 2, 10 * 30 + 2)  # ten categories by four columns


def test_traverse_holds_the_codes_named_by_code_where_they_are_not_swept(run, tmp_path, capsys):
    run = shutil.copytree(run, tmp_path / "run")
    (run / "eval.json").unlink(missing_ok=True)  # rows in category order, whatever other tests evaluated

    def figures(folder, *held):
        assert main(["traverse", str(run), "--out", str(tmp_path / folder), "--columns", "3", "--scale", "1", *held]) == 0
        return {name: np.asarray(Image.open(tmp_path / folder / f"traverse_{name}.png")) for name in ("c1", "c2", "c3")}

    plain, held = figures("plain"), figures("held", "--code", "c3=1.5")
    assert np.array_equal(held["c3"], plain["c3"])  # c3 is the swept code there: holding it changes nothing
    assert not np.array_equal(held["c2"], plain["c2"]) and not np.array_equal(held["c1"], plain["c1"])
    model = InfoGAN.load(run)
    images, _ = category_sweep(model, seed=0, columns=3, held={"c3": 1.5})
    np.testing.assert_allclose(held["c1"][2:30, 2:30] / 255, images[0, 0].numpy(), atol=1 / 255 + 1e-6)
    for held_code, message in (("c9=1", "no code named 'c9'"), ("c1=3", "traverse shows every category of c1 as its rows")):
        assert main(["traverse", str(run), "--out", str(tmp_path / "bad"), "--code", held_code]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]


def test_traverse_of_an_evaluated_run_orders_rows_by_matched_digit(run, tmp_path, capsys):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    mapping = [3, 0, 9, 1, 2, 8, 4, 7, 5, 6]  # category -> digit
    (copy / "eval.json").write_text(json.dumps({"mapping": mapping}))
    assert main(["traverse", str(copy), "--out", str(tmp_path / "ordered"), "--columns", "3", "--scale", "1"]) == 0
    assert "ordered by the digit" in capsys.readouterr().err
    model = InfoGAN.load(copy)
    order = [1, 3, 4, 0, 6, 8, 9, 7, 5, 2]  # the categories standing for digits 0, 1, ..., 9
    assert [mapping[category] for category in order] == list(range(10))
    images, _ = category_sweep(model, seed=0, columns=3, order=order)
    with Image.open(tmp_path / "ordered" / "traverse_c1.png") as picture:
        written = np.asarray(picture, dtype=np.float32) / 255
    first_of_row_four = written[2 + 3 * 30 : 2 + 3 * 30 + 28, 2 : 2 + 28]  # row 3 shows digit 3
    assert np.abs(first_of_row_four - images[9, 0].numpy()).max() <= 1 / 255 + 1e-6


# --- sample -----------------------------------------------------------------------------------


def test_sample_to_npy_gives_unit_range_image_arrays(run, tmp_path):
    images = sample_array(run, tmp_path, "samples.npy", "-n", "12")
    assert images.shape == (12, 1, 28, 28)
    assert images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0


def test_sample_to_png_gives_a_grid(run, tmp_path):
    assert main(["sample", str(run), "-n", "6", "--columns", "3", "--out", str(tmp_path / "grid.png")]) == 0
    with Image.open(tmp_path / "grid.png") as picture:
        assert picture.size == (3 * 30 + 2, 2 * 30 + 2)


def test_sample_is_reproducible_and_fixing_another_code_changes_the_images(run, tmp_path):
    first = sample_array(run, tmp_path, "a.npy", "-n", "8", "--seed", "3", "--code", "c1=3")
    again = sample_array(run, tmp_path, "b.npy", "-n", "8", "--seed", "3", "--code", "c1=3")
    with_c2 = sample_array(run, tmp_path, "c.npy", "-n", "8", "--seed", "3", "--code", "c1=3", "--code", "c2=0.5")
    assert np.array_equal(first, again)
    assert not np.array_equal(first, with_c2)
    expected = InfoGAN.load(run).generate(8, {"c1": 3, "c2": 0.5}, seed=3).numpy()
    assert np.array_equal(with_c2, expected)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--code", "c1=10"], "integer in 0..9"),
        (["--code", "c1=2.5"], "integer in 0..9"),
        (["--code", "c9=1"], "no code named 'c9'"),
        (["--code", "c1"], "--code takes NAME=VALUE"),
        (["--code", "c2=wide"], "--code takes NAME=VALUE"),
        (["-n", "0"], "-n must be positive"),
    ],
)
def test_bad_sample_requests_exit_with_status_2(run, tmp_path, capsys, args, message):
    assert main(["sample", str(run), "--out", str(tmp_path / "x.npy"), *args]) == 2
    assert message in only_error_line(capsys.readouterr().err)
    assert not (tmp_path / "x.npy").exists()


def test_sample_refuses_other_output_formats(run, tmp_path, capsys):
    assert main(["sample", str(run), "--out", str(tmp_path / "x.jpg")]) == 2
    assert "must end in .png or .npy" in only_error_line(capsys.readouterr().err)


def test_latents_with_the_same_seed_share_noise_and_free_codes_whatever_is_fixed(run):
    model = InfoGAN.load(run)
    noise_a, codes_a = model.latents(16, {"c1": 3}, seed=11)
    noise_b, codes_b = model.latents(16, {"c2": 0.5}, seed=11)
    noise_c, codes_c = model.latents(16, None, seed=11)
    assert torch.equal(noise_a, noise_b) and torch.equal(noise_a, noise_c)
    assert torch.equal(codes_a["c3"], codes_b["c3"]) and torch.equal(codes_a["c3"], codes_c["c3"])
    assert torch.equal(codes_a["c2"], codes_c["c2"])  # c2 free in a and c
    assert torch.equal(codes_b["c1"], codes_c["c1"])  # c1 free in b and c
    assert torch.equal(codes_a["c1"], torch.full((16,), 3))
    assert torch.equal(codes_b["c2"], torch.full((16,), 0.5))
    noise_d, _ = model.latents(16, {"c1": 3}, seed=12)
    assert not torch.equal(noise_a, noise_d)


# --- plot-mi ------------------------------------------------------------------------------------


def test_plot_mi_writes_a_png(run, tmp_path):
    out = tmp_path / "mi.png"
    assert main(["plot-mi", str(run), str(run), "--code", "c2", "--out", str(out)]) == 0
    with Image.open(out) as picture:
        assert picture.format == "PNG"


def test_plot_mi_defaults_to_the_first_runs_figures_folder(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["plot-mi", str(copy)]) == 0
    assert (copy / "figures" / "mi_c1.png").is_file()


def test_plot_mi_of_an_unlogged_code_exits_with_status_2(run, tmp_path, capsys):
    assert main(["plot-mi", str(run), "--code", "c9", "--out", str(tmp_path / "mi.png")]) == 2
    assert "has no logged 'mi_c9'" in only_error_line(capsys.readouterr().err)


def test_plot_accuracy_draws_the_evaluated_runs(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["plot-accuracy", str(copy), str(run)]) == 0
    assert (copy / "figures" / "accuracy.png").is_file()


def test_plot_draws_every_curve_of_the_runs(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["plot", str(copy), str(run)]) == 0
    with Image.open(copy / "figures" / "curves.png") as picture:
        assert picture.size == (1350, 640)  # losses, c1, c2, c3, accuracy


def test_plot_of_a_folder_without_metrics_is_a_one_line_error(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    assert "no metrics.jsonl in" in only_error_line(capsys.readouterr().err)


# --- as a separate process --------------------------------------------------------------------


def test_python_dash_m_infogan_samples_the_same_images_as_main(run, tmp_path):
    out = tmp_path / "subprocess.npy"
    command = [sys.executable, "-m", "infogan", "sample", str(run), "-n", "4", "--seed", "5", "--code", "c1=7", "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == str(out)
    in_process = sample_array(run, tmp_path, "in-process.npy", "-n", "4", "--seed", "5", "--code", "c1=7")
    assert np.array_equal(np.load(out), in_process)


def test_python_dash_m_infogan_reports_errors_without_a_traceback(tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text("steps: 2\nwidth: 3\n")
    command = [sys.executable, "-m", "infogan", "train", "--config", str(config), "--out", str(tmp_path / "run")]
    finished = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert finished.returncode == 2
    assert "unknown setting(s) width" in only_error_line(finished.stderr)
