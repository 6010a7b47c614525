"""Checkpoints: atomic writes, safe loads, and clear errors."""

import fractions

import pytest
import torch

from infogan.checkpoint import CHECKPOINT_NAME, FORMAT_VERSION, CheckpointError, load_checkpoint, save_checkpoint


def example_state():
    return {
        "step": 7,
        "config": {"codes": "cat:10,cont:2", "data_dir": None, "lr_d": 2e-4, "verify_data": False},
        "generator": {"w": torch.arange(6.0).view(2, 3), "n": torch.tensor(3)},
        "rng_cpu": torch.get_rng_state(),
    }


def test_save_and_load_round_trip(tmp_path):
    state = example_state()
    save_checkpoint(state, tmp_path / CHECKPOINT_NAME)
    loaded = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert loaded["format_version"] == FORMAT_VERSION
    assert loaded["step"] == 7
    assert loaded["config"] == state["config"]
    assert torch.equal(loaded["generator"]["w"], state["generator"]["w"])
    assert torch.equal(loaded["generator"]["n"], state["generator"]["n"])
    assert torch.equal(loaded["rng_cpu"], state["rng_cpu"])


def test_a_run_folder_loads_its_checkpoint(tmp_path):
    save_checkpoint(example_state(), tmp_path / "run" / CHECKPOINT_NAME)  # creates the folder
    assert load_checkpoint(tmp_path / "run")["step"] == 7


def test_atomic_write_leaves_only_the_checkpoint(tmp_path):
    path = tmp_path / CHECKPOINT_NAME
    save_checkpoint(example_state(), path)
    save_checkpoint({**example_state(), "step": 8}, path)  # overwrite in place
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_NAME]
    assert load_checkpoint(path)["step"] == 8


def test_a_failed_write_keeps_the_old_checkpoint_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / CHECKPOINT_NAME
    save_checkpoint(example_state(), path)
    before = path.read_bytes()
    with pytest.raises(Exception):
        save_checkpoint({"step": 9, "unpicklable": lambda: None}, path)
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_NAME]
    assert path.read_bytes() == before
    assert load_checkpoint(path)["step"] == 7


def test_missing_checkpoint_is_a_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path)  # an existing folder without checkpoint.pt


def test_garbage_file_is_a_checkpoint_error(tmp_path):
    path = tmp_path / CHECKPOINT_NAME
    path.write_bytes(b"this is not a torch file at all")
    with pytest.raises(CheckpointError, match="not a readable infogan checkpoint"):
        load_checkpoint(path)


def test_a_torch_file_without_the_format_version_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"step": 1}, path)
    with pytest.raises(CheckpointError, match="format"):
        load_checkpoint(path)
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="format"):
        load_checkpoint(path)


def test_pickled_objects_other_than_tensors_and_containers_are_not_loaded(tmp_path):
    path = tmp_path / "unsafe.pt"
    torch.save({"format_version": FORMAT_VERSION, "value": fractions.Fraction(1, 3)}, path)
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(path)
