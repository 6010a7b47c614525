"""Where a run's numbers go: metrics.jsonl, and TensorBoard event files with --logger tensorboard."""

import json
import shutil
import sys

import pytest

from infogan.cli import main
from infogan.logger import tensorboard_tag


def test_logged_numbers_are_grouped_by_kind():
    assert tensorboard_tag("loss_d") == "loss/d" and tensorboard_tag("loss_cr") == "loss/cr"
    assert tensorboard_tag("mi_c1") == "information/c1"
    assert tensorboard_tag("factor_azimuth") == "factors/azimuth"
    assert tensorboard_tag("accuracy") == "test/accuracy"
    assert tensorboard_tag("images_per_s") == "train/images_per_s"
    assert tensorboard_tag("step") is None and tensorboard_tag("elapsed_s") is None


def events(folder) -> dict:
    """Every scalar series and image tag in a TensorBoard folder, read with TensorBoard's own reader."""
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    multiplexer = EventMultiplexer().AddRunsFromDirectory(str(folder))
    multiplexer.Reload()
    scalars, images = {}, {}
    for run in multiplexer.Runs():
        accumulator = multiplexer.GetAccumulator(run)
        for tag in accumulator.Tags()["scalars"]:
            scalars.setdefault(tag, []).extend((event.step, event.value) for event in accumulator.Scalars(tag))
        for tag in accumulator.Tags()["images"]:
            images.setdefault(tag, []).extend(event.step for event in accumulator.Images(tag))
    return {"scalars": {tag: sorted(series) for tag, series in scalars.items()}, "images": images}


def train_args(root, out, *extra):
    return ["train", "--out", str(out), "--data-dir", str(root), "--no-verify", "--quiet", "--batch-size", "16",
            "--log-every", "2", "--sample-every", "2", "--checkpoint-every", "2", "--eval-every", "2", *extra]


def test_tensorboard_gets_every_scalar_of_metrics_jsonl_and_the_sample_grids(tiny_data_root, tmp_path):
    pytest.importorskip("tensorboard", reason="the optional extra: pip install 'infogan[tensorboard]'")
    out = tmp_path / "run"
    assert main(train_args(tiny_data_root, out, "--steps", "4", "--logger", "tensorboard")) == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    logged = events(out / "tensorboard")
    for key in ("loss_d", "loss_g", "mi_c1", "mi_c2", "mi_c3", "accuracy", "images_per_s"):
        expected = [(row["step"], row[key]) for row in rows]
        assert [step for step, _ in logged["scalars"][tensorboard_tag(key)]] == [2, 4]
        assert [value for _, value in logged["scalars"][tensorboard_tag(key)]] == pytest.approx([v for _, v in expected], rel=1e-6)
    assert logged["scalars"]["entropy/c1"] == [(2, pytest.approx(2.302585, rel=1e-6)), (4, pytest.approx(2.302585, rel=1e-6))]
    assert logged["images"]["samples"] == [2, 4]

    # resuming from an older checkpoint drops what was logged after it, as metrics.jsonl does
    shutil.copy(out / "checkpoint.pt", tmp_path / "at-4.pt")
    assert main(["train", "--resume", str(out), "--steps", "6", "--quiet"]) == 0
    assert [step for step, _ in events(out / "tensorboard")["scalars"]["loss/d"]] == [2, 4, 6]
    shutil.copy(tmp_path / "at-4.pt", out / "checkpoint.pt")
    assert main(["train", "--resume", str(out), "--steps", "6", "--quiet"]) == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [2, 4, 6]
    assert [step for step, _ in events(out / "tensorboard")["scalars"]["loss/d"]] == [2, 4, 6]  # step 6 once

    assert main(["evaluate", str(out), "--samples", "64"]) == 0
    result = json.loads((out / "eval.json").read_text())
    evaluated = events(out / "tensorboard")["scalars"]
    assert evaluated["evaluate/accuracy"] == [(6, pytest.approx(result["accuracy"]))]
    assert evaluated["evaluate/information/c1"] == [(6, pytest.approx(result["mi"]["c1"]))]


def test_without_the_extra_tensorboard_logging_is_a_one_line_error(tiny_data_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    assert main(train_args(tiny_data_root, tmp_path / "run", "--steps", "2", "--logger", "tensorboard")) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.strip().splitlines()[-1] == "infogan: error: --logger tensorboard needs the tensorboard package: pip install 'infogan[tensorboard]'"


def test_the_default_logger_writes_no_tensorboard_files(tiny_data_root, tmp_path):
    out = tmp_path / "run"
    assert main(train_args(tiny_data_root, out, "--steps", "2")) == 0
    assert (out / "metrics.jsonl").exists() and not (out / "tensorboard").exists()
    assert json.loads((out / "config.json").read_text())["logger"] == "jsonl"
