"""Data-parallel training: sharding of the global batch, two gloo processes under torchrun that stay
in sync, and resuming their checkpoint on one process."""

import json
import os
import shutil
import signal
import subprocess
import time
import sys

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from infogan import TrainConfig, distributed, train
from infogan.checkpoint import load_checkpoint
from infogan.config import ConfigError


@pytest.mark.parametrize("size", [1, 2, 4])
def test_the_shards_of_all_processes_make_up_the_global_batch_in_order(size):
    global_batch = torch.arange(32 * 3).view(32, 3)
    shards = [distributed.World(rank, size).shard(global_batch) for rank in range(size)]
    assert all(len(shard) == 32 // size for shard in shards)
    assert torch.equal(torch.cat(shards), global_batch)


def test_a_single_process_world_changes_nothing():
    world = distributed.World()
    module = nn.Linear(2, 2)
    batch = torch.rand(4, 2)
    assert world.is_main and world.shard(batch) is batch and world.wrap(module) is module
    assert world.mean({"loss": 1.5}) == {"loss": 1.5} and world.any(True) and not world.any(False)
    world.check_in_sync(module)


def test_without_torchrun_training_runs_in_one_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert distributed.setup(torch.device("cpu")).size == 1


@pytest.mark.parametrize(
    "settings, message",
    [(dict(batch_size=16), "does not split evenly over 3 processes"), (dict(batch_size=18, sync_batchnorm=True), "needs CUDA")],
)
def test_settings_that_cannot_run_on_the_processes_are_refused(tmp_path, quick_config, monkeypatch, settings, message):
    monkeypatch.setattr(distributed, "setup", lambda device: distributed.World(0, 3, device))
    with pytest.raises(ConfigError, match=message):
        train(quick_config(**settings), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def check_in_sync_worker(rank: int, init_file: str, perturb: bool) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        torch.manual_seed(0)
        module = nn.Linear(3, 2)
        if perturb and rank == 1:
            with torch.no_grad():
                module.bias[0] += 1e-6
        world = distributed.World(rank, 2)
        if perturb:
            with pytest.raises(RuntimeError, match="out of sync"):
                world.check_in_sync(module)
        else:
            world.check_in_sync(module)
        assert world.mean({"x": float(rank)}) == {"x": 0.5}
        assert world.any(rank == 1) and not world.any(False)
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("perturb", [False, True])
def test_processes_with_different_weights_are_caught(tmp_path, perturb):
    mp.spawn(check_in_sync_worker, args=(str(tmp_path / "init"), perturb), nprocs=2)


ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1"}


def torchrun_train(out, data_root, *extra) -> list[str]:
    """``infogan train`` on two gloo processes launched by torchrun, a global batch of 16."""
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "infogan", "train", "--out", str(out), "--data-dir", str(data_root), "--no-verify", "--quiet",
        "--device", "cpu", "--threads", "1", "--batch-size", "16", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def two_process_run(tiny_data_root, tmp_path_factory):
    """Four updates of a global batch of 16 on two gloo processes launched by torchrun."""
    out = tmp_path_factory.mktemp("ddp") / "run"
    command = torchrun_train(out, tiny_data_root, "--steps", "4", "--log-every", "2", "--checkpoint-every", "2", "--eval-every", "2")
    result = subprocess.run(command, capture_output=True, text=True, env=ONE_THREAD, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


def test_two_processes_train_in_sync_and_rank_zero_writes_the_run(two_process_run):
    out, result = two_process_run
    # every checkpoint first compares the processes' weights and fails the run if they differ
    assert load_checkpoint(out)["step"] == 4
    log = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == [2, 4]  # one writer
    assert all("accuracy" in row for row in log)
    assert result.stdout.count("done:") == 1
    assert sorted(p.name for p in out.iterdir()) == ["best.pt", "checkpoint.pt", "config.json", "metrics.jsonl", "samples"]


def test_a_two_process_checkpoint_resumes_on_one_process(two_process_run, tmp_path, tiny_data_root):
    out = tmp_path / "run"
    shutil.copytree(two_process_run[0], out)
    config = TrainConfig.from_dict({**load_checkpoint(out)["config"], "steps": 6})
    last = train(config, out, resume=True, progress=False)
    assert last["step"] == 6 and load_checkpoint(out)["step"] == 6
    log = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == [2, 4, 6]


def test_sigterm_to_one_process_stops_every_process_after_one_checkpoint(tiny_data_root, tmp_path):
    """A scheduler may signal only some of the processes: they agree to stop after the same update."""
    out = tmp_path / "run"
    command = torchrun_train(out, tiny_data_root, "--steps", "100000", "--log-every", "1", "--checkpoint-every", "100000", "--eval-every", "0")
    launcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ONE_THREAD)
    deadline = time.monotonic() + 120
    while not ((out / "metrics.jsonl").exists() and (out / "metrics.jsonl").read_text().count("\n") >= 3):
        assert launcher.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    workers = [int(pid) for pid in subprocess.run(["pgrep", "-P", str(launcher.pid)], capture_output=True, text=True).stdout.split()]
    assert len(workers) == 2
    os.kill(max(workers), signal.SIGTERM)  # one worker only
    launcher.wait(timeout=120)
    state = load_checkpoint(out)
    log = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert state["step"] >= 3 and state["step"] == log[-1]["step"]  # one checkpoint, at the update both stopped after
    assert launcher.stderr.read().count("stopped by") == 1  # rank 0 reports
