"""Runs that survive anything: kills at any moment, SIGTERM, divergence, full or unwritable disks,
and a run that finds its own data again."""

import errno
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from infogan import checkpoint as checkpoint_module
from infogan.checkpoint import CHECKPOINT_NAME, CheckpointError, check_writable, load_checkpoint
from infogan.cli import main
from infogan.objective import Objective
from infogan.train import DivergenceError, train

# A training process whose every fsync takes 50 ms: most of its time is spent inside checkpoint
# writes, so a kill at a random moment often lands between writing the temporary file and the rename.
SLOW_WRITES = """
import os, sys, time
fsync = os.fsync
os.fsync = lambda fd: (time.sleep(0.05), fsync(fd))[1]
from infogan.cli import main
sys.exit(main(sys.argv[1:]))
"""


def same_tensors(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def cli_train(root, out, *extra) -> list[str]:
    return ["train", "--out", str(out), "--data-dir", str(root), "--no-verify", "--quiet", "--threads", "1",
            "--batch-size", "16", "--log-every", "1", "--sample-every", "5", "--eval-every", "0", *extra]


def start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SLOW_WRITES, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def metrics_rows(run: Path) -> list[dict]:
    """Every line of metrics.jsonl, each of which must be whole JSON."""
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_sigkill_at_random_moments_loses_nothing_and_ends_bit_for_bit_as_a_straight_run(tiny_data_root, tmp_path):
    steps = ["--steps", "20", "--checkpoint-every", "1"]
    straight = tmp_path / "straight"
    assert main(cli_train(tiny_data_root, straight, *steps)) == 0

    run = tmp_path / "killed"
    rng = random.Random(0)
    kills = mid_write = 0
    for attempt in range(5):
        resume = ["--resume", str(run), "--steps", "20", "--quiet"] if (run / "config.json").exists() else None
        argv = ["train", *resume] if resume else cli_train(tiny_data_root, run, *steps)
        logged = (run / "metrics.jsonl").stat().st_size if (run / "metrics.jsonl").exists() else 0
        process = start(argv)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:  # until this process logs its first update
            if (run / "metrics.jsonl").exists() and (run / "metrics.jsonl").stat().st_size > logged:
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.5))
        if process.poll() is not None:
            assert process.returncode == 0, process.stderr.read()
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        mid_write += any(run.glob("*.tmp"))
        if (run / CHECKPOINT_NAME).exists():
            load_checkpoint(run)  # never unreadable
        if (run / "metrics.jsonl").exists():
            metrics_rows(run)  # never cut
    else:
        assert main(["train", "--resume", str(run), "--steps", "20", "--quiet"]) == 0
    assert kills >= 4 and mid_write >= 1  # some kills landed between a checkpoint's write and its rename

    final, expected = load_checkpoint(run), load_checkpoint(straight)
    assert final["step"] == 20
    assert same_tensors(final["generator"], expected["generator"])
    assert same_tensors(final["discriminator"], expected["discriminator"])
    compared = ("step", "loss_d", "loss_g", "mi_c1", "mi_c2", "mi_c3")
    rows = [{k: row[k] for k in compared} for row in metrics_rows(run)]
    assert rows == [{k: row[k] for k in compared} for row in metrics_rows(straight)]
    assert not list(run.glob("*.tmp")) and not list((run / "samples").glob("*.tmp"))


def test_a_run_killed_before_its_first_checkpoint_resumes_from_update_0(tiny_data_root, tmp_path):
    straight, run = tmp_path / "straight", tmp_path / "run"
    assert main(cli_train(tiny_data_root, straight, "--steps", "4")) == 0
    assert main(cli_train(tiny_data_root, run, "--steps", "4")) == 0
    (run / CHECKPOINT_NAME).unlink()  # as if killed after two logged updates, before any checkpoint
    rows_before = metrics_rows(run)
    assert main(["train", "--resume", str(run), "--quiet"]) == 0
    assert same_tensors(load_checkpoint(run)["generator"], load_checkpoint(straight)["generator"])
    assert [row["step"] for row in metrics_rows(run)] == [1, 2, 3, 4] and len(rows_before) == 4


def test_nothing_to_resume_is_a_one_line_error(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("infogan: error:") and "\n" not in error and str(tmp_path) in error


def test_sigterm_saves_a_checkpoint_and_exits_cleanly(tiny_data_root, tmp_path):
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "infogan", *cli_train(tiny_data_root, run, "--steps", "100000",
                                                                            "--checkpoint-every", "100000")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ((run / "metrics.jsonl").exists() and (run / "metrics.jsonl").read_text().count("\n") >= 3):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 143
    error = process.stderr.read()
    assert "stopped by SIGTERM; checkpoint saved, continue with: infogan train --resume" in error and "Traceback" not in error
    state = load_checkpoint(run)
    assert state["step"] >= 3 and state["step"] == metrics_rows(run)[-1]["step"]


def test_checkpoint_minutes_and_keep_hold_the_latest_checkpoints(tmp_path, quick_config):
    run = tmp_path / "run"
    # every update takes longer than 0.00001 minutes: each one is checkpointed although checkpoint_every is 1000
    train(quick_config(steps=6, checkpoint_every=1000, checkpoint_minutes=1e-5, keep=3), run, progress=False)
    kept = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert kept == ["step_000004.pt", "step_000005.pt", "step_000006.pt"]
    latest = load_checkpoint(run / "checkpoints" / "step_000006.pt")
    assert same_tensors(latest["generator"], load_checkpoint(run)["generator"])
    assert load_checkpoint(run / "checkpoints" / "step_000004.pt")["step"] == 4

    single = tmp_path / "single"
    train(quick_config(steps=6, checkpoint_every=1000), single, progress=False)
    assert not (single / "checkpoints").exists() and load_checkpoint(single)["step"] == 6


def test_best_pt_holds_the_best_evaluation(tmp_path, quick_config, data_root):
    run = tmp_path / "run"
    train(quick_config(root=data_root, steps=12, batch_size=32, log_every=2, eval_every=2), run, progress=False)
    evaluated = [(row["accuracy"], -row["step"]) for row in metrics_rows(run) if "accuracy" in row]
    score, step = max(evaluated)
    best = load_checkpoint(run / "best.pt")
    assert best["step"] == -step and best["best"] == {"step": -step, "score": score}


def test_a_diverging_run_stops_naming_the_update_and_keeps_the_last_good_checkpoint(tmp_path, quick_config, monkeypatch, capsys):
    run = tmp_path / "run"
    generator_loss = Objective.generator_loss
    calls = []

    def nan_from_update_5(self, *args, **kwargs):
        calls.append(1)
        loss = generator_loss(self, *args, **kwargs)
        return loss * float("nan") if len(calls) >= 5 else loss

    monkeypatch.setattr(Objective, "generator_loss", nan_from_update_5)
    config = quick_config(steps=10, checkpoint_every=2, log_every=3)
    with pytest.raises(DivergenceError) as raised:
        train(config, run, progress=False)
    message = str(raised.value)
    assert "\n" not in message and "a loss became NaN or infinite at update 5" in message
    assert "last good checkpoint (update 4) is kept untouched" in message and f"--resume {run} --lr-d 0.0001 --lr-g 0.0005" in message
    good = load_checkpoint(run)
    assert good["step"] == 4 and all(torch.isfinite(t).all() for t in good["generator"].values())
    assert all(row["step"] <= 4 for row in metrics_rows(run))  # update 6's NaN line was never written

    monkeypatch.setattr(Objective, "generator_loss", generator_loss)
    assert main(["train", "--resume", str(run), "--lr-d", "1e-4", "--lr-g", "5e-4", "--quiet"]) == 0
    resumed = load_checkpoint(run)
    assert resumed["step"] == 10 and resumed["config"]["lr_d"] == 1e-4 and resumed["config"]["lr_g"] == 5e-4
    assert [group["lr"] for group in resumed["opt_d"]["param_groups"]] == [1e-4]
    assert [group["lr"] for group in resumed["opt_g"]["param_groups"]] == [5e-4]


def test_a_diverged_run_on_the_command_line_is_one_line(tiny_data_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(Objective, "generator_loss", lambda self, *a, **k: torch.tensor(float("inf"), requires_grad=True))
    assert main(cli_train(tiny_data_root, tmp_path / "run", "--steps", "3")) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("infogan: error: training diverged: a loss became NaN or infinite at update 1.")
    assert "no checkpoint was written yet" in error


def test_a_full_disk_fails_the_checkpoint_without_touching_the_previous_one(tmp_path, quick_config, monkeypatch):
    run = tmp_path / "run"
    save = torch.save
    calls = []

    def disk_full_on_the_second_checkpoint(state, handle, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            handle.write(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return save(state, handle, *args, **kwargs)

    monkeypatch.setattr(checkpoint_module.torch, "save", disk_full_on_the_second_checkpoint)
    with pytest.raises(CheckpointError, match=r"at update 4 \(No space left on device\); the previous one \(update 2\) is untouched"):
        train(quick_config(steps=6, checkpoint_every=2), run, progress=False)
    assert load_checkpoint(run)["step"] == 2 and not list(run.glob("*.tmp"))


def test_a_folder_without_room_for_two_checkpoints_is_refused_before_training(tiny_data_root, tmp_path, monkeypatch, capsys):
    class Usage:
        free = 3 << 20

    monkeypatch.setattr(checkpoint_module.shutil, "disk_usage", lambda path: Usage)
    run = tmp_path / "run"
    assert main(cli_train(tiny_data_root, run, "--steps", "2")) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"infogan: error: {run} has 3.0 MiB free, less than the") and "two checkpoints" in error
    assert not (run / CHECKPOINT_NAME).exists()


def test_an_unwritable_run_folder_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(CheckpointError, match="cannot write in the run folder"):
        check_writable(blocker / "run", 1)


def test_a_run_records_the_data_it_found_through_infogan_data(tiny_data_root, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    monkeypatch.setenv("INFOGAN_DATA", str(tiny_data_root))
    assert main(["train", "--out", str(run), "--no-verify", "--quiet", "--steps", "2", "--batch-size", "16", "--eval-every", "0"]) == 0
    assert json.loads((run / "config.json").read_text())["data_dir"] == str(Path(tiny_data_root).resolve())
    monkeypatch.delenv("INFOGAN_DATA")  # a new shell, without the variable
    assert main(["evaluate", str(run), "--samples", "32"]) == 0
    assert "unsupervised accuracy" in capsys.readouterr().out


def test_a_cut_metrics_line_is_dropped_on_resume(tmp_path, quick_config):
    run = tmp_path / "run"
    train(quick_config(steps=4, checkpoint_every=2, log_every=1), run, progress=False)
    with open(run / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 5, "loss_d": 0.')  # as a torn append would leave it
    train(quick_config(steps=6, checkpoint_every=2, log_every=1), run, resume=True, progress=False)
    assert [row["step"] for row in metrics_rows(run)] == [1, 2, 3, 4, 5, 6]


def test_stale_temporary_files_are_removed_when_a_run_starts(tmp_path, quick_config):
    run = tmp_path / "run"
    train(quick_config(steps=2), run, progress=False)
    for leftover in (run / "checkpoint.ptab12.tmp", run / "samples" / "step_000002.png.tmp"):
        leftover.write_bytes(b"half")
    train(quick_config(steps=3), run, resume=True, progress=False)
    assert not list(run.rglob("*.tmp"))
