"""The diagnostic scripts behind docs/experiments.md: circular factors and a tiny real run."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from infogan.data import load_dataset, to_unit_range

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import back_height_probe  # noqa: E402
import code_robustness  # noqa: E402
import factor_profile  # noqa: E402
import generator_factors  # noqa: E402
import head_outline  # noqa: E402
import image_spread  # noqa: E402
import one_skull_depth  # noqa: E402
import pair_classifier_probe  # noqa: E402
import refit_encoder  # noqa: E402
import style_views  # noqa: E402
import summarize_factors  # noqa: E402
import supervised_ceiling  # noqa: E402
import volume_opacity  # noqa: E402


def test_regression_targets_turn_a_circular_factor_into_cosine_and_sine_and_leave_out_discrete_ones():
    factors = load_dataset("chairs3d", "test").factors  # style (discrete), azimuth (circular), width
    values = np.array([[3.0, 0.0, 0.8], [5.0, math.pi / 2, 1.2]])
    names, targets = supervised_ceiling.regression_targets(factors, values)
    assert names == ["azimuth (cos)", "azimuth (sin)", "width"]
    np.testing.assert_allclose(targets, [[1.0, 0.0, 0.8], [0.0, 1.0, 1.2]], atol=1e-12)


def test_distance_from_middle_of_a_circular_factor_is_how_side_on_the_view_is():
    azimuth = load_dataset("chairs3d", "test").factors[1]
    views = np.array([0.0, math.pi / 2, math.pi, 3 * math.pi / 2])  # front, side, back, other side
    np.testing.assert_allclose(factor_profile.distance_from_middle(views, azimuth), [0, 1, 0, 1], atol=1e-12)
    width = load_dataset("chairs3d", "test").factors[2]
    np.testing.assert_allclose(factor_profile.distance_from_middle(np.array([0.7, 1.0, 1.3]), width), [0.3, 0, 0.3])


def test_taking_away_each_groups_mean_recovers_a_factor_hidden_under_per_group_offsets():
    rng = np.random.default_rng(0)
    factor, groups = rng.uniform(-1, 1, 3000), rng.integers(0, 30, 3000)
    offsets = rng.uniform(-4, 4, 30)  # each group shifts the reading far more than the factor moves it
    estimate = factor + offsets[groups]
    residual = factor_profile.without_group_means(estimate, groups)
    assert abs(factor_profile.rank_correlation(estimate, factor)) < 0.4
    assert abs(factor_profile.rank_correlation(residual, factor)) > 0.98
    for group in range(30):
        assert abs(residual[groups == group].mean()) < 1e-9


def test_circular_bin_means_agree_within_a_bin_and_cancel_across_opposite_readings():
    angles = np.array([3.0, -3.0, 0.5, 0.5, 0.0, math.pi])  # bin 0 straddles +-pi; bin 2 holds opposite readings
    means, lengths = factor_profile.circular_bin_means(angles, np.array([0, 0, 1, 1, 2, 2]), 3)
    np.testing.assert_allclose(abs(means[:2]), [math.pi, 0.5], atol=1e-12)  # not 0, the arithmetic mean of 3 and -3
    np.testing.assert_allclose(lengths, [math.cos(3.0 - math.pi), 1.0, 0.0], atol=1e-12)


def test_angle_errors_take_away_the_code_s_sense_and_offset_and_show_a_view_taken_for_its_opposite():
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * math.pi, 2000)
    code = -angle + 0.7 + rng.normal(0, 0.05, 2000)  # turns the other way, from another origin
    flipped = np.arange(2000) < 200
    code[flipped] += math.pi  # a tenth read as the opposite view
    errors = factor_profile.angle_errors(code, angle)
    assert (abs(errors[~flipped]) < 15).all() and (abs(errors[flipped]) > 165).all()
    assert abs((abs(errors) < 45).mean() - 0.9) < 1e-12


def test_an_angle_code_through_factor_profile_and_generator_factors(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "chairs-rotation", "--network", "sprites", "--codes", "cat:3,circ:1,cont:1", "--out", str(run), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["factor_profile.py", str(run), "--factor", "azimuth", "--n", "100", "--bins", "4"])
    assert factor_profile.main() == 0
    out = capsys.readouterr().out
    table = out.split("| azimuth (bin middle) | angle code c2: circular mean (degrees) | mean resultant length |")[1]
    rows = [row.split("|") for row in table.strip().splitlines()[1:5]]
    assert len(rows) == 4 and all(-180 <= float(row[2]) <= 180 and 0 <= float(row[3]) <= 1 for row in rows)
    assert "| c3 |" in out and "| c2 |" not in out  # the angle code is left out of the interval codes' tables
    for per in ("style", "c1"):  # a discrete factor; Q's reading of a categorical code
        monkeypatch.setattr(sys, "argv", ["factor_profile.py", str(run), "--factor", "azimuth", "--n", "100", "--per", per])
        assert factor_profile.main() == 0
        table = capsys.readouterr().out.split(f"azimuth within each {per}\n")[1].split("\n\n")
        assert table[0].splitlines()[0] == f"| {per} | images | c3 circular-linear | c2 circular | c2 within 45° |"
        rows = [row.split("|")[1:-1] for row in table[0].splitlines()[2:]]
        assert sum(int(row[1]) for row in rows) == 100 and all(0 <= float(cell) <= 1 for row in rows for cell in row[2:])
        eighths = [row.split("|")[1:-1] for row in table[1].splitlines()[2:]]
        assert [row[0] for row in eighths] == [row[0] for row in rows] and all(len(row) == 9 for row in eighths)
        readings = [row.split("|")[1:-1] for row in table[2].splitlines()[2:]]
        assert [row[0] for row in readings] == [row[0] for row in rows]
        for cell in (cell.strip() for row in readings for cell in row[1:] if cell.strip() != "–"):
            degrees, resultant = cell.replace("(", " ").replace(")", " ").split()
            assert 0 <= float(degrees) <= 360 and 0 <= float(resultant) <= 1 + 1e-9
        assert {int(row[0]) for row in rows} <= set(range(12))  # styles 0-11, or c1's three categories
    monkeypatch.setattr(sys, "argv", ["factor_profile.py", str(run), "--factor", "azimuth", "--per", "width"])
    with pytest.raises(SystemExit) as stop:
        factor_profile.main()
    assert stop.value.code == 2 and "--per takes a discrete factor or a categorical code of this run (style, c1), not 'width'" in capsys.readouterr().err
    # generator_factors: the reader's azimuth along the angle code, and the width code's links by view
    argv = ["generator_factors.py", str(run), "--reader", str(tmp_path / "chairs3d.pt"), "--reader-train", "128", "--reader-epochs", "1",
            "--groups", "12", "--draws", "2", "--n", "90"]
    monkeypatch.setattr(sys, "argv", [*argv, "--sweep", "c2", "--per", "c1", "--chain", "c3:width", "--split-by", "azimuth"])
    assert generator_factors.main() == 0
    out = capsys.readouterr().out
    sweep = out.split("each factor in G's images with c2 held at each value")[1].split("\n\n")[0].splitlines()
    assert sweep[1] == "| c2 | azimuth | width |"
    rows = [row.split("|")[1:-1] for row in sweep[3:]]
    assert [row[0].strip() for row in rows] == [f"{angle:+d}°" for angle in range(-180, 180, 15)]
    for _, azimuth, width in rows:
        mean, length = azimuth.replace("(", " ").replace(")", " ").split()
        assert -180 <= float(mean) <= 180 and 0 <= float(length) <= 1 + 1e-9 and np.isfinite(float(width))
    per = out.split("azimuth in G's images with c1 held at each category and c2 at each value")[1].split("\n\n")[0].splitlines()
    assert per[1] == "| c1 | " + " | ".join(f"{angle:+d}°" for angle in range(-180, 180, 45)) + " | turn | real images read mostly as it (share of them) |"
    rows = [row.split("|")[1:-1] for row in per[3:]]
    assert [row[0].strip() for row in rows] == ["0", "1", "2"] and all(len(row) == 11 for row in rows)
    modal = [label.strip() for row in rows for label in row[10].split(",") if label.strip() != "–"]
    styles = [int(label.split()[1]) for label in modal]
    assert len(styles) == len(set(styles)) and len(styles) >= 10 and set(styles) <= set(range(12))  # each style seen named once
    assert all(label.startswith("style ") and 0 < float(label.split("(")[1].rstrip(")")) <= 1 for label in modal)
    for row in rows:
        means = [float(cell.split()[0]) for cell in row[1:9]]
        steps = [(b - a + 180) % 360 - 180 for a, b in zip(means, means[1:])]  # the turn adds up the steps between neighbours
        assert float(row[9].strip().rstrip("°")) == pytest.approx(sum(steps), abs=4)
    chain = out.split("c3 and width: |Spearman| of each link (thirds of |sin azimuth| (front and back first): the reader's")[1].splitlines()
    assert [row.split("|")[1].strip() for row in chain[3:7]] == ["all", "third 1", "third 2", "third 3"]
    assert sum(int(row.split("|")[2]) for row in chain[4:7]) == 24 and sum(int(row.split("|")[5]) for row in chain[4:7]) == 90
    monkeypatch.setattr(sys, "argv", [*argv, "--sweep", "c1"])
    with pytest.raises(SystemExit) as stop:
        generator_factors.main()
    assert stop.value.code == 2 and "--sweep takes an angle or interval code of this run (c2, c3), not 'c1'" in capsys.readouterr().err
    for extra in (["--per", "c1"], ["--sweep", "c2", "--per", "c3"]):
        monkeypatch.setattr(sys, "argv", [*argv, *extra])
        with pytest.raises(SystemExit) as stop:
            generator_factors.main()
        assert stop.value.code == 2 and "--per goes with --sweep and takes a categorical code of this run (c1), not" in capsys.readouterr().err


def test_factor_profile_scores_a_faces_run_within_identities(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "faces-azimuth", "--codes", "cont:2", "--out", str(run), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["factor_profile.py", str(run), "--factor", "azimuth", "--within", "identity", "--n", "200"])
    assert factor_profile.main() == 0
    out = capsys.readouterr().out
    assert "| code | azimuth | with its mean within each identity taken away |" in out
    rows = [line for line in out.splitlines() if line.startswith("| c") and line.count("|") == 4]
    assert [row.split("|")[1].strip() for row in rows[-2:]] == ["c1", "c2"]
    assert all(0.0 <= float(cell) <= 1.0 for row in rows[-2:] for cell in row.split("|")[2:4])
    monkeypatch.setattr(sys, "argv", ["factor_profile.py", str(run), "--factor", "width", "--split-by", "azimuth", "--n", "300"])
    assert factor_profile.main() == 0
    out = capsys.readouterr().out
    bins, thirds = out.split("\n\n")[1], out.split("| code | its mean within the same thirds: first | second | last |")[1]
    for code in ("c1", "c2"):
        bin_means = [float(row.split("|")[2 + int(code[1]) - 1]) for row in bins.splitlines()[2:]]
        third_means = [float(cell) for cell in next(row for row in thirds.splitlines() if row.startswith(f"| {code} ")).split("|")[2:5]]
        # equal-count bins and thirds: both sets of means average to the code's mean over all images
        assert np.mean(third_means) == pytest.approx(np.mean(bin_means), abs=0.02)
    distance_table = out.split("| code | abs Spearman with |azimuth - middle| within the same thirds: first | second | last |")[1]
    rows = [row.split("|")[1:-1] for row in distance_table.strip().splitlines()[1:3]]
    assert [row[0].strip() for row in rows] == ["c1", "c2"] and all(0 <= float(cell) <= 1 for row in rows for cell in row[1:])


def test_code_robustness_reports_how_much_the_noise_changes_the_images(tmp_path, quick_config, monkeypatch, capsys):
    from infogan.train import train

    train(quick_config(codes="cat:10,cont:2", noise=4, steps=40, checkpoint_every=40), tmp_path / "run", progress=False)
    monkeypatch.setattr(sys, "argv", ["code_robustness.py", str(tmp_path / "run"), "--n", "40", "--sigmas", "0"])
    code_robustness.main()
    lines = capsys.readouterr().out.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("mean |pixel change|")))
    assert lines[header + 1].split() == ["c1", "c2", "c3", "noise", "r"]
    *codes, noise, ratio = (float(cell) for cell in lines[header + 2].split())
    assert noise > 0 and ratio == pytest.approx(noise / (2 / 3), rel=0.15)  # Unif(-1, 1) noises differ by 2/3 on average


def test_pair_classifier_probe_prints_each_rates_loss_beside_chance_and_refuses_a_run_with_one_code(tmp_path, quick_config, monkeypatch, capsys):
    from infogan.train import train

    train(quick_config(codes="cat:4,cont:2", noise=4, steps=2, checkpoint_every=2), tmp_path / "run", progress=False)
    monkeypatch.setattr(sys, "argv", ["pair_classifier_probe.py", str(tmp_path / "run"), "--lrs", "1e-3,1e-4", "--steps", "60", "--batch", "8"])
    assert pair_classifier_probe.main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert "chance = ln 3 = 1.099" in lines[0]
    assert lines[1] == "| update | lr 0.001 | lr 0.0001 |"
    rows = [line.split("|")[1:-1] for line in lines[3:]]
    assert [int(row[0]) for row in rows] == [50, 60]  # every 50 updates and the last
    assert all(0 < float(cell) < 10 for row in rows for cell in row[1:])
    train(quick_config(codes="cat:4", noise=4, steps=2, checkpoint_every=2), tmp_path / "one", progress=False)
    for argv, message in (([str(tmp_path / "one")], "has one code"), ([str(tmp_path / "run"), "--lrs", "fast"], "comma-separated numbers")):
        monkeypatch.setattr(sys, "argv", ["pair_classifier_probe.py", *argv])
        with pytest.raises(SystemExit) as stop:
            pair_classifier_probe.main()
        assert stop.value.code == 2 and message in capsys.readouterr().err


def test_supervised_ceiling_reads_chairs_with_another_networks_trunk(monkeypatch, capsys):
    argv = ["supervised_ceiling.py", "chairs3d", "--network", "sprites", "--train", "128", "--test", "96",
            "--epochs", "1", "--split-by", "azimuth"]
    monkeypatch.setattr(sys, "argv", argv)
    assert supervised_ceiling.main() == 0
    out = capsys.readouterr().out
    assert "| epoch | seconds | azimuth (cos) | azimuth (sin) | width |" in out
    assert "within thirds of |sin azimuth|" in out
    epoch_row = next(line for line in out.splitlines() if line.startswith("| 1 |"))
    scores = [float(cell) for cell in epoch_row.split("|")[3:-1]]  # after epoch and seconds
    assert len(scores) == 3 and all(0.0 <= score <= 1.0 for score in scores)


def test_supervised_ceiling_refuses_a_network_of_another_size_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["supervised_ceiling.py", "chairs3d", "--network", "faces", "--train", "8"])
    with pytest.raises(SystemExit) as exit:
        supervised_ceiling.main()
    assert exit.value.code == 2
    assert "chairs3d has 1x64x64 images" in capsys.readouterr().err


def test_refit_encoder_prints_q_and_the_refitted_encoders_tables_on_the_same_images(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "faces-azimuth", "--codes", "cont:4", "--out", str(run), *quick]) == 0
    capsys.readouterr()
    argv = ["refit_encoder.py", str(run), "--steps", "4", "--batch-size", "16", "--report-every", "2", "--n", "100"]
    monkeypatch.setattr(sys, "argv", argv)
    assert refit_encoder.main() == 0
    out = capsys.readouterr().out
    assert "Q of" in out and "refitted encoder after 2 updates" in out and "refitted encoder after 4 updates" in out
    header = "| factor | c1 | c2 | c3 | c4 | own code |"
    assert out.count(header) == 3
    rows = [line for line in out.splitlines() if line.startswith("| width |")]
    assert len(rows) == 3
    own_codes = [row.split("|")[-2].split()[0] for row in rows]
    assert all(code in ("c1", "c2", "c3", "c4") for code in own_codes)
    monkeypatch.setattr(sys, "argv", [*argv, "--steps", "2", "--split-by", "azimuth"])
    assert refit_encoder.main() == 0
    split = capsys.readouterr().out
    assert split.count("| factor | own code | within thirds of |azimuth - middle| (nearest the middle first): first | second | last |") == 2
    q_part = split.split("refitted encoder after")[0]
    q_table, q_thirds = q_part.split("| factor | own code |")
    q_rows = {line.split("|")[1].strip(): line for line in q_thirds.splitlines() if line.startswith("| ") and "---" not in line}
    assert sorted(q_rows) == ["azimuth", "elevation", "lighting", "width"]  # every faces3d factor is continuous
    for name, line in q_rows.items():  # each factor's own code, as the table above it names it
        own = next(row for row in q_table.splitlines() if row.startswith(f"| {name} |")).split("|")[-2].split()[0]
        cells = line.split("|")[1:-1]
        assert cells[1].strip() == own and all(0 <= float(cell) <= 1 for cell in cells[2:])
    monkeypatch.setattr(sys, "argv", [*argv, "--split-by", "colour"])
    with pytest.raises(SystemExit) as stop:
        refit_encoder.main()
    assert stop.value.code == 2 and "--split-by takes a factor of faces3d (azimuth, elevation, lighting, width, identity), not 'colour'" in capsys.readouterr().err


def test_correlation_ratio_is_the_share_of_variance_explained_by_the_group_means():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 8, 40000)
    by_label = rng.normal(size=8)[labels]
    independent = rng.normal(size=40000) * by_label.std()
    values = np.stack([by_label, independent, by_label + independent], axis=1)
    np.testing.assert_allclose(generator_factors.correlation_ratio(values, labels), [1.0, 0.0, 0.5], atol=0.02)


def test_quantile_bins_are_equally_full_and_ordered():
    code = np.random.default_rng(1).uniform(-1, 1, 1000)
    bins = generator_factors.quantile_bins(code, 10)
    assert np.bincount(bins).tolist() == [100] * 10
    assert all(code[bins == k].max() < code[bins == k + 1].min() for k in range(9))


def test_noise_share_is_the_variance_between_draws_that_share_their_codes():
    rng = np.random.default_rng(2)
    settings, draws = 5000, 4
    from_codes = np.repeat(rng.normal(size=settings) * 2.0, draws)  # variance 4, shared within each block
    from_noise = rng.normal(size=settings * draws)  # variance 1
    values = np.stack([from_codes + from_noise, from_codes], axis=1)
    np.testing.assert_allclose(generator_factors.noise_share(values, draws), [0.2, 0.0], atol=0.02)


def test_the_factor_reader_answers_in_the_factors_own_units():
    dataset = load_dataset("faces3d", "train")
    indices = np.arange(256)
    names, values = supervised_ceiling.regression_targets(dataset.factors, dataset.factor_values(indices))
    values = values + 100.0  # far from the standardised targets' zero: the fold-back must carry it
    for reader in supervised_ceiling.train_reader("faces", dataset.images(indices), values, epochs=1):
        pass
    with torch.no_grad():
        predicted = reader(to_unit_range(dataset.images(indices))).numpy()
    assert not reader.training
    np.testing.assert_allclose(predicted.mean(0), values.mean(0), atol=3 * values.std(0).max())


def test_the_readers_distance_of_a_circular_factor_is_how_side_on():
    azimuth = next(f for f in load_dataset("chairs3d", "test").factors if f.name == "azimuth")
    names = ["azimuth (cos)", "azimuth (sin)", "width"]
    angles = np.radians([0.0, 90.0, 180.0, -90.0, 45.0])
    readings = np.stack([2 * np.cos(angles), 2 * np.sin(angles), np.zeros(5)], axis=1)  # the reader's scale does not matter
    np.testing.assert_allclose(generator_factors.reader_distance(readings, names, azimuth), [0, 1, 0, 1, np.sqrt(0.5)], atol=1e-9)


def test_generator_factors_trains_a_reader_once_and_reads_a_faces_run(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "faces-azimuth", "--codes", "cont:2", "--noise", "3", "--out", str(run), *quick]) == 0
    reader = tmp_path / "readers" / "faces3d.pt"
    argv = ["generator_factors.py", str(run), "--reader", str(reader), "--reader-train", "128", "--reader-epochs", "1",
            "--groups", "60", "--draws", "3", "--n", "100"]
    monkeypatch.setattr(sys, "argv", argv)
    assert generator_factors.main() == 0
    first = capsys.readouterr().out
    assert reader.exists() and "trained on 128 images for 1 epochs" in first
    assert generator_factors.main() == 0
    second = capsys.readouterr().out
    assert f"reader: {reader} (128 training images, 1 epochs)" in second
    assert "| factor | reader on real | spread G / real | noise | c1 | c2 |" in second
    rows = {line.split("|")[1].strip(): line for line in second.splitlines() if line.startswith("| ") and "---" not in line}
    assert ["azimuth", "elevation", "lighting", "width"] == [name for name in rows if name != "factor"]
    for line in (rows[name] for name in ("azimuth", "elevation", "lighting", "width")):
        accuracy, spread, *shares = (float(cell) for cell in line.split("|")[2:-1])
        assert 0 <= accuracy <= 1 and spread >= 0 and all(0 <= share <= 1 for share in shares)
    assert first.split("reader:")[1].splitlines()[1:] == second.split("reader:")[1].splitlines()[1:]  # same reader, same table
    monkeypatch.setattr(sys, "argv", [*argv, "--split-by", "azimuth", "--chain", "c2:width"])
    assert generator_factors.main() == 0
    split = capsys.readouterr().out
    assert split.startswith(second)  # the whole-run table first, unchanged
    thirds = split.split("\nthird of G's images ")[1:]
    settings = [int(third.split("; ")[1].split(" code settings")[0]) for third in thirds]
    assert len(thirds) == 3 and sum(settings) == 60 and max(settings) >= 20  # every code setting in one third
    for count, third in zip(settings, thirds):
        table = "| factor | spread G / real | noise | c1 | c2 |" in third
        assert table == (count >= 20) and ("too few code settings" in third) == (count < 20)
    chain = split.split("c2 and width: |Spearman| of each link")[1].splitlines()
    rows = [row.split("|")[1:-1] for row in chain[3:7]]
    assert [row[0].strip() for row in rows] == ["all", "third 1", "third 2", "third 3"]
    assert int(rows[0][1]) == 180 and sum(int(row[1]) for row in rows[1:]) == 180  # every G image in one third
    assert int(rows[0][4]) == 100 and sum(int(row[4]) for row in rows[1:]) == 100
    for row in rows:  # a third with too few images to rank says so
        for count, cells in ((int(row[1]), row[2:4]), (int(row[4]), row[5:6])):
            assert all(cell.strip() == "–" if count < 20 else 0 <= float(cell) <= 1 for cell in cells)
    monkeypatch.setattr(sys, "argv", ["factor_profile.py", str(run), "--factor", "width", "--n", "100"])
    assert factor_profile.main() == 0  # the last link over all images is the score factor_profile gives the code
    profile = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| c2 |"))
    assert float(rows[0][5]) == pytest.approx(float(profile.split("|")[2]), abs=0.006)
    monkeypatch.setattr(sys, "argv", [*argv, "--split-by", "identity"])
    with pytest.raises(SystemExit) as stop:
        generator_factors.main()
    assert stop.value.code == 2 and "--split-by takes one of the factors azimuth, elevation, lighting, width" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", [*argv, "--moves", "c1", "--across", "c2"])
    assert generator_factors.main() == 0
    moves = capsys.readouterr().out.split("each factor's change when c1 moves from -1 to +1")[1].splitlines()
    assert moves[1] == "| c2 | azimuth | elevation | lighting | width |"
    for row, held in zip(moves[3:8], ("-1.0", "-0.5", "+0.0", "+0.5", "+1.0")):
        cells = row.split("|")[1:-1]
        assert cells[0].strip() == held and len(cells) == 5
        for cell in cells[1:]:
            mean, absolute = (float(part) for part in cell.replace("(", " ").replace(")", " ").split())
            assert abs(mean) <= absolute + 1e-9  # a mean's size never exceeds the mean absolute change
    for flags, message in ((["--moves", "c1"], "--moves and --across go together"),
                           (["--moves", "c1", "--across", "c1"], "two different codes"),
                           (["--moves", "c1", "--across", "c9"], "interval codes of this run (c1, c2), not 'c9'"),
                           (["--chain", "c2"], "--chain takes CODE:FACTOR, an interval code of this run (c1, c2) and a continuous "
                                               "factor (azimuth, elevation, lighting, width), not 'c2'")):
        monkeypatch.setattr(sys, "argv", [*argv, *flags])
        with pytest.raises(SystemExit) as stop:
            generator_factors.main()
        assert stop.value.code == 2 and message in capsys.readouterr().err


def test_image_spread_reads_a_runs_generator_and_sees_one_repeated_image_as_collapsed(tmp_path, quick_config, monkeypatch, capsys):
    from infogan.model import InfoGAN
    from infogan.train import COLLAPSED_SPREAD, train

    # 40 updates: after 4 the eval-mode batch-norm statistics still make nearly one image (0.006)
    train(quick_config(steps=40, checkpoint_every=40), tmp_path / "run", progress=False)
    monkeypatch.setattr(sys, "argv", ["image_spread.py", str(tmp_path / "run")])
    image_spread.main()
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{tmp_path / 'run'} (update 40): image_spread ")
    assert float(line.rsplit(" ", 1)[1]) > COLLAPSED_SPREAD
    one_image = InfoGAN.generate
    monkeypatch.setattr(InfoGAN, "generate", lambda self, n, seed=None: one_image(self, 1, seed=seed).expand(n, -1, -1, -1))
    assert image_spread.run_spread(str(tmp_path / "run")) == (40, 0.0)


def test_skull_depth_is_the_identitys_alone_and_within_its_range():
    identities = np.arange(100)
    depth = head_outline.skull_depth(identities)
    assert np.all((depth >= 0.64) & (depth <= 0.74)) and np.ptp(depth) > 0.05
    _, widened, _ = head_outline.head_parts(identities, np.full(100, 1.2))
    np.testing.assert_array_equal(widened[:, head_outline.SKULL, 2], depth)


def test_a_frontal_outline_follows_width_and_a_turned_one_the_skull_depth():
    rng = np.random.default_rng(0)
    width, identity = rng.uniform(0.8, 1.2, 200), rng.integers(0, 100, 200).astype(float)
    depth = head_outline.skull_depth(identity)
    for azimuth, follows, ignores in ((0.0, width, depth), (5 * math.pi / 12, depth, width)):
        values = np.stack([np.full(200, azimuth), np.zeros(200), np.zeros(200), width, identity], 1)
        outline = head_outline.outline_width(values)
        assert np.all((outline > 0.3) & (outline < 1.0))
        assert abs(head_outline.rank_correlation(outline, follows)) > 0.9
        assert abs(head_outline.rank_correlation(outline, ignores)) < 0.3
    frontal = np.stack([np.zeros(2), np.zeros(2), np.zeros(2), [0.8, 1.2], [7.0, 7.0]], 1)
    narrow, wide = head_outline.outline_width(frontal)
    assert wide / narrow == pytest.approx(1.2 / 0.8, rel=0.05)  # a frontal outline scales with the width factor


def test_width_shows_less_on_turned_heads_than_on_frontal_ones():
    dataset = load_dataset("faces3d", "test")
    rng = np.random.default_rng(1)
    identity, lighting = rng.integers(0, 100, 40).astype(float), rng.uniform(-1, 1, 40)

    def heads(azimuth):
        return np.stack([np.full(40, azimuth), np.zeros(40), lighting, np.ones(40), identity], 1)

    frontal, turned = head_outline.width_effect(dataset, heads(0.0)), head_outline.width_effect(dataset, heads(5 * math.pi / 12))
    assert 0 < turned < frontal
    values = heads(0.0)
    values[:, 3] = 1.2  # already at the high end: the low end alone differs, so the effect is unchanged
    assert head_outline.width_effect(dataset, values) == pytest.approx(frontal)


def test_head_outline_prints_each_third_of_a_faces_run_and_refuses_other_data(tmp_path, quick_config, monkeypatch, capsys):
    from infogan.cli import main
    from infogan.train import train

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "faces-azimuth", "--codes", "cont:2", "--out", str(run), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["head_outline.py", str(run), "--n", "150"])
    assert head_outline.main() == 0
    out = capsys.readouterr().out
    assert out.count("| code | width | skull depth | outline | abs azimuth |") == 3
    assert out.count("changes a pixel by ") == 3
    rows = [line for line in out.splitlines() if line.startswith("| c") and not line.startswith("| code")]
    assert [row.split("|")[1].strip() for row in rows] == ["c1", "c2"] * 3
    assert all(0.0 <= float(cell) <= 1.0 for row in rows for cell in row.split("|")[2:6])
    train(quick_config(steps=2, checkpoint_every=2), tmp_path / "digits", progress=False)
    monkeypatch.setattr(sys, "argv", ["head_outline.py", str(tmp_path / "digits")])
    with pytest.raises(SystemExit) as stop:
        head_outline.main()
    assert stop.value.code == 2 and "this reads faces3d runs" in capsys.readouterr().err


def test_one_skull_depth_gives_every_identity_the_middle_depth_and_keeps_the_rest(tmp_path, monkeypatch, capsys):
    from infogan.data import faces3d

    identities = np.arange(100)
    _, before, _ = faces3d.head_parts(identities, np.ones(100))
    factors = load_dataset("faces3d", "test").factor_values(np.arange(50))
    monkeypatch.setattr(faces3d, "hashed_uniform", faces3d.hashed_uniform)  # restored after the test
    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert one_skull_depth.run(["train", "--preset", "faces-azimuth", "--codes", "cont:2", "--out", str(run), *quick]) == 0
    assert (run / "checkpoint.pt").exists()
    _, after, _ = faces3d.head_parts(identities, np.ones(100))
    np.testing.assert_allclose(head_outline.skull_depth(identities), 0.69)
    assert np.ptp(before[:, head_outline.SKULL, 2]) > 0.05
    unchanged = [p for p in range(len(faces3d.PARTS)) if p != head_outline.SKULL and faces3d.PARTS[p] != "hair"]
    np.testing.assert_array_equal(after[:, unchanged, :2], before[:, unchanged, :2])  # widths and heights of the other parts
    np.testing.assert_array_equal(load_dataset("faces3d", "test").factor_values(np.arange(50)), factors)
    monkeypatch.setattr(faces3d, "hashed_uniform", one_skull_depth._identity_trait)  # back to the real faces; the flag must patch
    monkeypatch.setattr(sys, "argv", ["head_outline.py", str(run), "--n", "150", "--one-skull-depth"])
    assert head_outline.main() == 0  # the control's run, read on its own faces: skull depth is constant, so it scores 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| c") and not line.startswith("| code")]
    assert len(rows) == 6 and all(row.split("|")[3].strip() == "0.00" for row in rows)


def test_matching_gives_each_factor_its_own_code_where_the_best_codes_collide():
    table = {"factors": ["azimuth", "width"], "codes": ["c1", "c2"], "scores": [[0.8, 0.7], [0.9, 0.1]]}
    # both factors score best on c1; taking the factors in turn would give azimuth c1 and width c2 (0.8 + 0.1),
    # the best one-to-one matching gives azimuth c2 and width c1 (0.7 + 0.9)
    assert summarize_factors.matched(table, ["azimuth", "width"]) == {"azimuth": ("c2", 0.7), "width": ("c1", 0.9)}
    # with fewer codes than factors, the best matching leaves one factor (here style) without a code
    table = {"factors": ["style", "azimuth", "width"], "codes": ["c1", "c2"], "scores": [[0.1, 0.2], [0.8, 0.7], [0.9, 0.1]]}
    assert summarize_factors.matched(table, ["style", "azimuth", "width"]) == {"azimuth": ("c2", 0.7), "width": ("c1", 0.9)}


def test_summarize_factors_tables_an_evaluated_run_and_names_a_missing_evaluation_in_one_line(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "faces-azimuth", "--codes", "cont:3", "--out", str(run), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["summarize_factors.py", str(run), "--factors", "azimuth,width"])
    with pytest.raises(SystemExit) as stop:
        summarize_factors.main()
    assert stop.value.code == 2 and f"{run} has no eval.json; run infogan evaluate {run} first" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--no-scores", "--no-quality", "--samples", "200", "--factor-samples", "200"]) == 0
    capsys.readouterr()
    assert summarize_factors.main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| run | updates | min | azimuth: best code | azimuth: own code | width: best code |")
    cells = [cell.strip() for cell in lines[2].split("|")[1:-1]]  # the run's row, after the header and its rule
    assert cells[:2] == ["run", "2"] and len(lines) == 3
    own = [cells[4], cells[6]]  # azimuth's and width's own codes, e.g. "c2 0.13"
    assert len({cell.split()[0] for cell in own}) == 2 and all(0 <= float(cell.split()[1]) <= 1 for cell in own)
    assert cells[-1] in ("yes", "no")


def test_object_cover_counts_the_pixels_off_the_background_and_the_cells_they_touch():
    images = np.full((2, 1, 8, 8), 240, dtype=np.uint8)
    images[0, 0, 0:2, 4:6] = 60  # a 2 x 2 object inside one cell of a 4 x 4 map (cells of 2 x 2 pixels)
    images[1, 0, 3:5, 3:5] = 60  # the same object across four cells
    images[1, 0, 7, 7] = 242  # within the tolerance of the background
    pixels, cells = volume_opacity.object_cover(images, 4)
    assert pixels == pytest.approx(8 / 128) and cells == pytest.approx(5 / 32)


def test_volume_opacity_measures_a_volume_run_and_refuses_a_flat_one(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    volume = tmp_path / "volume"
    assert main(["train", "--preset", "chairs-rotation", "--network", "chairs-volume16-unstyled", "--mirror-volume",
                 "--codes", "cat:3,yaw:-180:180,stretch:0.8:1.2", "--out", str(volume), *quick]) == 0
    opacity, spread = volume_opacity.composited_opacity(volume_opacity.InfoGAN.load(volume), yaws=4, draws=3)
    assert opacity.shape == spread.shape == (12, 16, 16) and 0 <= opacity.min() and opacity.max() <= 1
    assert 0 <= spread.min() and spread.max() <= opacity.max() ** 2 / 2 + 1e-6  # the spread of shares adding up to an opacity o is at most o^2 / 2
    faces = tmp_path / "faces"  # a yaw interval code: its turns lie within the code's range, not a full turn's radians
    assert main(["train", "--preset", "faces-azimuth", "--network", "faces-volume", "--codes", "yaw:-75:75,cont:1",
                 "--out", str(faces), *quick]) == 0
    model = volume_opacity.InfoGAN.load(faces)
    seen = []
    model.generator.composited = lambda latent, original=model.generator.composited: seen.append(latent[:, -2]) or original(latent)
    assert volume_opacity.composited_opacity(model, yaws=4, draws=2)[0].shape == (8, 8, 8)
    assert torch.allclose(torch.cat(seen), torch.tensor([-0.75, -0.75, -0.25, -0.25, 0.25, 0.25, 0.75, 0.75]))
    monkeypatch.setattr(sys, "argv", ["volume_opacity.py", str(volume), "--yaws", "4", "--draws", "3", "--real", "20"])
    assert volume_opacity.main() == 0
    out = capsys.readouterr().out
    assert "G's composited 16x16 opacity over 4 turns x 3 draws: mean" in out and "chairs3d (20 test images): the object covers" in out
    assert "depth spread where above 0.5" in out
    flat = tmp_path / "flat"
    assert main(["train", "--preset", "chairs-rotation", "--network", "sprites", "--codes", "cat:3,cont:1", "--out", str(flat), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["volume_opacity.py", str(flat)])
    with pytest.raises(SystemExit) as stop:
        volume_opacity.main()
    assert stop.value.code == 2 and "has no volume turned by a yaw code (network sprites" in capsys.readouterr().err


def test_style_views_draws_three_rows_per_style_and_prints_q_s_readings(tmp_path, monkeypatch, capsys):
    from PIL import Image

    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "chairs-rotation", "--network", "sprites", "--codes", "cat:3,circ:1,cont:1", "--out", str(run), *quick]) == 0
    figure = tmp_path / "views.png"
    monkeypatch.setattr(sys, "argv", ["style_views.py", str(run), "--styles", "1,2", "--n", "120", "--out", str(figure)])
    assert style_views.main() == 0
    out = capsys.readouterr().out
    table = out.split("| style | c1 (share of its images) | 0° | 45° | 90° | 135° | 180° | 225° | 270° | 315° |\n|---|")[1].splitlines()[1:4]
    assert [row.split("|")[1].strip() for row in table] == ["reference (0,3,5)", "1", "2"]
    for row in table:
        assert all(-180 <= float(cell) <= 180 for cell in row.split("|")[3:11])
    for row in table[1:]:
        category, share = row.split("|")[2].replace("(", " ").replace(")", " ").split()
        assert 0 <= int(category) < 3 and 0 < float(share) <= 1
    with Image.open(figure) as picture:  # 8 columns and 3 rows a style of 64-pixel images, 2-pixel padding, doubled
        assert picture.size == (2 * (8 * 66 + 2), 2 * (6 * 66 + 2))
    monkeypatch.setattr(sys, "argv", ["style_views.py", str(run), "--styles", "1,12", "--out", str(figure)])
    with pytest.raises(SystemExit) as stop:
        style_views.main()
    assert stop.value.code == "--styles takes styles 0..11, not '1,12'"
    flat = tmp_path / "flat"
    assert main(["train", "--preset", "chairs-rotation", "--network", "sprites", "--codes", "cat:3,cont:1", "--out", str(flat), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["style_views.py", str(flat), "--out", str(figure)])
    with pytest.raises(SystemExit) as stop:
        style_views.main()
    assert stop.value.code == 2 and "needs an angle code and a categorical code (its codes: cat:3,cont:1)" in capsys.readouterr().err


def test_back_height_probe_fits_the_code_s_sense_and_counts_views_read_in_the_other_half():
    angle = np.radians(np.arange(16) * 22.5 + 11.25)
    sense, offset = factor_profile.fitted_sense_and_offset(1.0 - angle, angle)  # a code that turns the other way, offset by 1 rad
    assert sense == -1 and offset == pytest.approx(-1.0)
    np.testing.assert_allclose(back_height_probe.reading_errors(1.0 - angle, angle, sense, offset), 0, atol=1e-9)
    reflected = back_height_probe.reading_errors(np.pi - angle, angle, 1, 0.0)  # each view read as its reflection front to back
    assert back_height_probe.reflections(reflected, angle) == (0.75, 0.75)  # the 4 views next to the sides lie within 45° of their reflection
    assert back_height_probe.reflections(np.full(16, np.radians(30.0)), angle) == (0.0, 0.0)  # off, but not reflected


def test_back_height_probe_prints_one_row_per_height_and_refuses_bad_input_in_one_line(tmp_path, monkeypatch, capsys):
    from infogan.cli import main

    run = tmp_path / "run"
    quick = ["--steps", "2", "--batch-size", "8", "--checkpoint-every", "2", "--sample-every", "2", "--quiet"]
    assert main(["train", "--preset", "chairs-rotation", "--network", "sprites", "--codes", "cat:3,circ:1", "--out", str(run), *quick]) == 0
    monkeypatch.setattr(sys, "argv", ["back_height_probe.py", str(run), "--styles", "1,2", "--heights", "0.6,1.1"])
    assert back_height_probe.main() == 0
    out = capsys.readouterr().out
    assert "sense" in out and "fitted on styles 0,3,5" in out
    rows = out.split("|---|---|---|---|\n")[1].splitlines()
    assert [row.split("|")[1].strip() for row in rows] == ["as drawn (0.55, 1.15)", "0.6", "1.1"]
    for row in rows:
        assert all(0 <= float(cell) <= 1 for cell in row.split("|")[2:5])
    for argv, message in ((["--heights", "0.6,2"], "--heights takes back heights in (0, 1.5]"), (["--styles", "1,x"], "--styles takes comma-separated style numbers"),
                          (["--reference", "12"], "--reference takes styles 0..11, not '12'")):
        monkeypatch.setattr(sys, "argv", ["back_height_probe.py", str(run), *argv])
        with pytest.raises(SystemExit) as stop:
            back_height_probe.main()
        assert message in str(stop.value.code)
