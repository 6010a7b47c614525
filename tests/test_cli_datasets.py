"""The command line beyond MNIST: rendered data with known factors, a folder of colour images,
and data that does not fit the chosen network."""

import json
import math

import numpy as np
import torch
import pytest
from PIL import Image

from infogan.cli import main
from infogan.model import InfoGAN


def quick(*extra):
    return ["--steps", "2", "--batch-size", "8", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "--quiet", *extra]


@pytest.fixture(scope="module")
def faces_run(tmp_path_factory):
    """Two updates of the faces-azimuth preset on the rendered faces3d, evaluated during training."""
    out = tmp_path_factory.mktemp("faces") / "run"
    assert main(["train", "--preset", "faces-azimuth", "--out", str(out), "--eval-every", "2", *quick()]) == 0
    return out


@pytest.fixture(scope="module")
def colour_folder(tmp_path_factory):
    """24 colour pictures of three kinds in nested folders, of another size than the network's."""
    root = tmp_path_factory.mktemp("pictures")
    rng = np.random.default_rng(0)
    for i in range(24):
        picture = np.zeros((40, 48, 3), dtype=np.uint8)
        picture[..., i % 3] = 200 + rng.integers(0, 50)
        folder = root / f"kind{i % 3}"
        folder.mkdir(exist_ok=True)
        Image.fromarray(picture).save(folder / f"{i}.png" if i % 2 else folder / f"{i}.jpg")
    return root


def test_training_on_rendered_data_logs_each_factors_best_code(faces_run):
    rows = [json.loads(line) for line in (faces_run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 2
    for factor in ("azimuth", "elevation", "lighting", "width", "identity"):
        assert 0.0 <= rows[-1][f"factor_{factor}"] <= 1.0
    assert "accuracy" not in rows[-1]
    saved = json.loads((faces_run / "config.json").read_text())
    assert (saved["dataset"], saved["network"], saved["codes"]) == ("faces3d", "faces", "cont:5")


def test_evaluate_on_rendered_data_prints_and_writes_the_factor_code_table(faces_run, capsys):
    assert main(["evaluate", str(faces_run), "--samples", "64", "--factor-samples", "200", "--votes", "20"]) == 0
    result = json.loads((faces_run / "eval.json").read_text())
    table = result["factors"]
    assert table["factors"] == ["azimuth", "elevation", "lighting", "width", "identity"]
    assert table["codes"] == ["c1", "c2", "c3", "c4", "c5"]
    assert np.array(table["scores"]).shape == (5, 5)
    assert set(table["captured"]) == set(table["factors"])
    assert "accuracy" not in result
    out = capsys.readouterr().out
    assert "factor x code" in out and "captured by" in out and "azimuth" in out
    scores = result["disentanglement"]
    names = ("factor_vae", "beta_vae", "mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness")
    assert all(0 <= scores[name] <= 1 for name in names)
    assert scores["settings"] == {"points": 200, "test_points": 100, "votes_train": 20, "votes_eval": 10, "dci_model": "gbt"}
    assert "FactorVAE" in out and "DCI completeness" in out and "no FID/KID: no feature net for faces3d" in out


def test_evaluate_reports_fid_and_kid_with_the_feature_net_trained_for_the_dataset(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--preset", "sprites-cr", "--cr-start", "0", "--out", str(run), "--eval-every", "0", *quick()]) == 0
    assert main(["feature-net", "--dataset", "sprites", "--steps", "3", "--batch-size", "8", "--quiet"]) == 0
    arguments = ["evaluate", str(run), "--samples", "32", "--factor-samples", "120", "--votes", "10", "--quality-samples", "64",
                 "--dci-model", "hist"]
    assert main(arguments) == 0
    result = json.loads((run / "eval.json").read_text())
    assert result["quality"]["samples"] == 64 and result["quality"]["fid"] > 0 and np.isfinite(result["quality"]["kid"])
    assert "FID" in capsys.readouterr().out
    assert main([*arguments, "--no-quality", "--no-scores"]) == 0
    assert set(json.loads((run / "eval.json").read_text())) & {"quality", "disentanglement"} == set()
    assert main([*arguments, "--feature-net", str(tmp_path / "missing.pt")]) == 2
    assert "missing.pt" in capsys.readouterr().err


def test_traverse_and_sample_work_for_a_network_without_categorical_codes(faces_run, tmp_path):
    assert main(["traverse", str(faces_run), "--out", str(tmp_path), "--columns", "5", "--scale", "1"]) == 0
    with Image.open(tmp_path / "traverse_c1.png") as picture:
        assert picture.size == (5 * 34 + 2, 10 * 34 + 2) and picture.mode == "L"
    assert main(["sample", str(faces_run), "-n", "3", "--code", "c2=1.5", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (3, 1, 32, 32)


def test_a_folder_of_colour_images_trains_the_colour_network_and_draws_colour_figures(colour_folder, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "folder", "--data-dir", str(colour_folder), "--codes", "cat:3,cont:1", "--noise", "8",
                 "--out", str(out), "--eval-every", "0", *quick()]) == 0
    model = InfoGAN.load(out)
    assert model.network == "celeba" and model.image_shape == (3, 32, 32)
    assert main(["traverse", str(out), "--out", str(tmp_path / "figures"), "--columns", "4"]) == 0
    with Image.open(tmp_path / "figures" / "traverse_c1.png") as picture:
        assert picture.mode == "RGB"
    assert main(["sample", str(out), "-n", "4", "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (4, 3, 32, 32) and samples.min() >= 0 and samples.max() <= 1
    assert main(["evaluate", str(out), "--samples", "16"]) == 0  # no labels, no factors: information bounds only
    result = json.loads((out / "eval.json").read_text())
    assert set(result["mi"]) == {"c1", "c2"} and "accuracy" not in result and "factors" not in result


def test_a_folder_can_be_resized_for_a_gray_network(colour_folder, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "folder", "--data-dir", str(colour_folder), "--network", "faces", "--codes", "cont:2",
                 "--noise", "8", "--out", str(out), "--eval-every", "0", *quick()]) == 0
    assert InfoGAN.load(out).generate(2).shape == (2, 1, 32, 32)


def only_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    return lines[-1]


def test_data_that_does_not_fit_the_network_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "faces3d", "--network", "mnist", "--out", str(out), *quick()]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert "faces3d has 1x32x32 images" in line and "network mnist takes 1x28x28" in line and "--network faces" in line
    assert not (out / "checkpoint.pt").exists()


def test_stopping_at_an_accuracy_needs_labelled_data(tmp_path, capsys):
    assert main(["train", "--preset", "faces-azimuth", "--out", str(tmp_path / "run"), "--stop-at-accuracy", "0.9", *quick()]) == 2
    assert "needs class labels" in only_error_line(capsys.readouterr().err)


def test_folder_without_a_data_dir_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--dataset", "folder", "--out", str(tmp_path / "run"), *quick()]) == 2
    assert "--data-dir" in only_error_line(capsys.readouterr().err)


def test_an_unknown_preset_or_network_is_a_usage_error(tmp_path):
    for flag, value in (("--preset", "dsprites"), ("--network", "resnet")):
        with pytest.raises(SystemExit) as exit_info:
            main(["train", flag, value, "--out", str(tmp_path / "run")])
        assert exit_info.value.code == 2


def test_the_svhn_preset_trains_on_mat_files_and_reports_each_categorical_codes_accuracy(tmp_path, capsys):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "svhn").mkdir()
    for split, count in (("train", 24), ("test", 12)):
        labels = rng.integers(1, 11, (count, 1))  # 10 stands for the digit 0
        savemat(tmp_path / "svhn" / f"{split}_32x32.mat", {"X": rng.integers(0, 256, (32, 32, 3, count), dtype=np.uint8), "y": labels})
    out = tmp_path / "run"
    assert main(["train", "--preset", "svhn", "--data-dir", str(tmp_path), "--no-verify", "--out", str(out), "--eval-every", "2", *quick()]) == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert 0 <= rows[-1]["accuracy"] <= 1
    assert main(["evaluate", str(out), "--samples", "16"]) == 0
    result = json.loads((out / "eval.json").read_text())
    assert set(result["accuracy_by_code"]) == {"c1", "c2", "c3", "c4"} and len(result["confusion"][0]) == 10
    assert "c1:" in capsys.readouterr().out


def test_the_celeba_preset_trains_on_the_aligned_jpeg_folder(tmp_path):
    folder = tmp_path / "celeba" / "img_align_celeba"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(1, 13):
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(folder / f"{i:06d}.jpg")
    (tmp_path / "celeba" / "list_eval_partition.txt").write_text("".join(f"{i:06d}.jpg {0 if i <= 8 else 2}\n" for i in range(1, 13)))
    out = tmp_path / "run"
    assert main(["train", "--preset", "celeba", "--data-dir", str(tmp_path), "--out", str(out), *quick()]) == 0
    model = InfoGAN.load(out)
    assert model.image_shape == (3, 32, 32) and len(model.spec.codes) == 10


def test_an_angle_code_trains_evaluates_and_sweeps_once_round_the_circle(tmp_path, capsys):
    """chairs3d turn all the way round: an angle code is scored against azimuth by the circular
    rank correlation, read by the scores as its cosine and sine, and swept over the whole circle."""
    from infogan.explorer import Explorer
    from infogan.figures import circle_sweep

    run = tmp_path / "run"
    assert main(["train", "--dataset", "chairs3d", "--network", "sprites", "--codes", "cat:3,circ:1,cont:1", "--noise", "8",
                 "--out", str(run), "--eval-every", "2", *quick()]) == 0
    last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert {"mi_c2", "factor_azimuth", "factor_width"} <= set(last)
    assert main(["evaluate", str(run), "--samples", "32", "--factor-samples", "120", "--votes", "10", "--dci-model", "hist",
                 "--no-quality"]) == 0
    result = json.loads((run / "eval.json").read_text())
    assert result["factors"]["measure"]["c2"] == "circular_rank"
    assert 0 <= result["disentanglement"]["factor_vae"] <= 1 and 0 <= result["disentanglement"]["mig"] <= 1
    assert "angle codes: circular rank correlation" in capsys.readouterr().out
    assert main(["traverse", str(run), "--out", str(tmp_path / "figures"), "--columns", "6", "--scale", "1"]) == 0
    with Image.open(tmp_path / "figures" / "traverse_c2.png") as picture:
        assert picture.size == (6 * 66 + 2, 3 * 66 + 2)  # one row per category of c1, six angles across
    assert circle_sweep(4) == pytest.approx([-np.pi, -np.pi / 2, 0.0, np.pi / 2])
    model = InfoGAN.load(run)
    grid, columns = Explorer(run).grid(seed=1, values={"c1": 2.0}, sweep="c2", rows=1, columns=4, low=-2.0, high=2.0)
    noise, codes = model.latents(1, {"c1": 2.0}, seed=1)
    for column, angle in enumerate(circle_sweep(4)):
        expected = model.generate_from(noise, {**codes, "c2": torch.tensor([angle])})
        torch.testing.assert_close(grid[column : column + 1], expected)
    assert columns == 4
    assert main(["sample", str(run), "-n", "2", "--code", "c2=3.1", "--out", str(tmp_path / "s.npy")]) == 0


def test_pose_codes_on_a_flat_network_are_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--preset", "faces-azimuth", "--codes", "yaw:-75:75,cont:4", "--out", str(out), *quick()]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert "pose codes" in line and "faces-volume" in line and "faces has no volume" in line
    assert not out.exists() or not (out / "checkpoint.pt").exists()
    assert main(["train", "--preset", "faces-azimuth", "--mirror-volume", "--out", str(out), *quick()]) == 2
    assert "mirror_volume makes a volume network's volume symmetric, and faces has none" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--volume-tilt", "20", "--out", str(out), *quick()]) == 2
    assert "volume_tilt starts a volume network's learned tilt" in only_error_line(capsys.readouterr().err)
    pitched = ["--network", "faces-volume", "--codes", "yaw:-75:75,pitch:-30:30", "--volume-tilt", "20"]
    assert main(["train", "--preset", "faces-azimuth", *pitched, "--out", str(out), *quick()]) == 2
    assert "without a pitch code" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "chairs-rotation", "--network", "chairs-volume", "--codes", "yaw:-180:180",
                 "--volume-tilt", "95", "--out", str(out), *quick()]) == 2
    assert "volume_tilt must be between -90 and 90 degrees, got 95.0" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--camera-light", "--out", str(out), *quick()]) == 2
    assert "camera_light shades a volume network's volume" in only_error_line(capsys.readouterr().err)
    lit = ["--network", "faces-volume", "--codes", "yaw:-75:75,light:-70:70", "--camera-light"]
    assert main(["train", "--preset", "faces-azimuth", *lit, "--out", str(out), *quick()]) == 2
    assert "without a light code" in only_error_line(capsys.readouterr().err)
    unlit = ["--network", "faces-volume", "--codes", "yaw:-75:75", "--camera-light-azimuth", "-39"]
    assert main(["train", "--preset", "faces-azimuth", *unlit, "--out", str(out), *quick()]) == 2
    assert "start the camera light, which is off: add camera_light (--camera-light)" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", *unlit, "--camera-light", "--camera-light-elevation", "120", "--out", str(out), *quick()]) == 2
    assert "elevation -90..90 degrees, got -39.0, 120.0" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--volume-silhouette", "--out", str(out), *quick()]) == 2
    assert "volume_silhouette cuts G's picture to its volume's outline, and faces has no volume" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--opacity-weight", "0.3", "--out", str(out), *quick()]) == 2
    assert "opacity_weight charges G for its volume's opacity, and faces has no volume" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--depth-spread-weight", "10", "--out", str(out), *quick()]) == 2
    assert "depth_spread_weight charges G for how deep its volume's pixels are spread, and faces has no volume" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--pose-raise", "0.3", "--out", str(out), *quick()]) == 2
    assert "pose_raise asks Q to read the pose codes through a raised upper half, and --codes" in only_error_line(capsys.readouterr().err)
    assert main(["train", "--preset", "faces-azimuth", "--pose-raise-volume", "--out", str(out), *quick()]) == 2
    assert "pose_raise_volume says where the pose raise acts, and pose_raise is 0: set --pose-raise R" in only_error_line(capsys.readouterr().err)


def test_a_volume_network_trains_on_faces3d_resumes_evaluates_and_traverses_its_pose_codes(tmp_path, capsys):
    out = tmp_path / "run"
    volume = ["--preset", "faces-azimuth", "--network", "faces-volume", "--codes", "yaw:-75:75,pitch:-30:30,cont:3", "--mirror-volume",
              "--camera-light", "--camera-light-azimuth", "-39", "--camera-light-elevation", "48"]
    assert main(["train", *volume, "--out", str(out), *quick()]) == 0
    assert main(["train", "--resume", str(out), "--steps", "4", "--pose-raise", "0.3", "--quiet"]) == 0  # switched on in a trained run
    saved = json.loads((out / "config.json").read_text())
    assert saved["pose_raise"] == 0.3 and saved["network"] == "faces-volume" and saved["codes"] == "yaw:-75:75,pitch:-30:30,cont:3" and saved["mirror_volume"] is True
    assert saved["camera_light"] is True and saved["pose_raise_volume"] is False
    assert main(["train", "--resume", str(out), "--steps", "6", "--pose-raise-volume", "--quiet"]) == 0  # the raise moved into G's volume
    saved = json.loads((out / "config.json").read_text())
    assert saved["pose_raise"] == 0.3 and saved["pose_raise_volume"] is True
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()][-1] == 6
    loaded = InfoGAN.load(out).generator
    assert loaded.mirror and loaded.camera_light.shape == (2,)  # learned: no longer exactly where it started
    assert abs(math.degrees(loaded.camera_light[0].item()) + 39) < 5 and abs(math.degrees(loaded.camera_light[1].item()) - 48) < 5
    capsys.readouterr()
    assert main(["evaluate", str(out), "--samples", "64", "--factor-samples", "200", "--votes", "20", "--no-scores"]) == 0
    report = capsys.readouterr().out
    assert "azimuth" in report and "width" in report
    assert main(["traverse", str(out), "--out", str(tmp_path / "grids"), "--columns", "5"]) == 0
    assert sorted(p.name for p in (tmp_path / "grids").glob("traverse_*.png")) == [f"traverse_c{i}.png" for i in range(1, 6)]


def test_the_pose_codes_information_rises_in_a_short_volume_network_run(tmp_path):
    """Q learns to read G's turn: the yaw code's information bound rises within 30 updates."""
    out = tmp_path / "run"
    assert main(["train", "--preset", "faces-azimuth", "--network", "faces-volume", "--codes", "yaw:-75:75,cont:2",
                 "--out", str(out), "--steps", "30", "--batch-size", "16", "--log-every", "5", "--quiet",
                 "--sample-every", "30", "--checkpoint-every", "30", "--seed", "0"]) == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    bounds = [row["mi_c1"] for row in rows if "mi_c1" in row]
    assert len(bounds) >= 5 and bounds[-1] > bounds[0] + 0.2, bounds
