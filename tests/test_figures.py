"""Image grids, code traversals (Figure 2), category sweeps and information curves (Figure 1)."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from infogan.codes import LatentSpec
from infogan.figures import (
    category_sweep,
    code_traversal,
    curve_panels,
    image_grid,
    plot_accuracy,
    plot_curves,
    plot_information,
    read_metrics,
    save_grid,
)
from infogan.model import InfoGAN


@pytest.mark.parametrize(
    "n, columns, padding, scale, size",
    [
        (7, 3, 2, 1, (3 * 30 + 2, 3 * 30 + 2)),  # 3 rows, the last one partly empty
        (10, 5, 2, 2, ((5 * 30 + 2) * 2, (2 * 30 + 2) * 2)),
        (4, 4, 0, 1, (4 * 28, 28)),
        (1, 1, 3, 1, (28 + 6, 28 + 6)),
    ],
)
def test_image_grid_size(n, columns, padding, scale, size):
    assert image_grid(torch.rand(n, 1, 28, 28), columns, padding=padding, scale=scale).size == size  # (width, height)


def test_image_grid_places_images_row_by_row_on_white_padding():
    images = torch.zeros(5, 1, 10, 6)
    for i in range(5):
        images[i] = i / 10
    picture = np.asarray(image_grid(images, columns=2, padding=1))
    assert picture.shape == (3 * 11 + 1, 2 * 7 + 1)  # rows x columns of pixels
    for i in range(5):
        row, column = divmod(i, 2)
        top, left = 1 + row * 11, 1 + column * 7
        assert (picture[top : top + 10, left : left + 6] == round(255 * i / 10)).all()
    assert (picture[0] == 255).all() and (picture[:, 0] == 255).all()
    assert (picture[23:33, 8:14] == 255).all()  # the empty sixth cell


def test_image_grid_clamps_values_outside_the_unit_range():
    picture = np.asarray(image_grid(torch.tensor([-1.0, 2.0]).view(2, 1, 1, 1), columns=2, padding=0))
    assert picture.tolist() == [[0, 255]]


def test_save_grid_creates_folders_and_writes_a_png(tmp_path):
    path = save_grid(torch.rand(6, 1, 28, 28), tmp_path / "a" / "b" / "grid.png", columns=3, scale=2)
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        assert picture.size == ((3 * 30 + 2) * 2, (2 * 30 + 2) * 2)


# --- traversals -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return InfoGAN(LatentSpec.parse("cat:10,cont:2", noise=62)).eval()


def record_generator_inputs(model, monkeypatch):
    """Make model.generate_from remember the generator input it was given."""
    seen = []
    original = model.generate_from

    def recording(noise, codes):
        seen.append(model.spec.generator_input(noise, codes))
        return original(noise, codes)

    monkeypatch.setattr(model, "generate_from", recording)
    return seen


def test_code_traversal_returns_one_image_per_category_and_value(model):
    images, columns = code_traversal(model, "c2", [-2.0, -1.0, 0.0, 1.0, 2.0], seed=0)
    assert columns == 5
    assert images.shape == (10 * 5, 1, 28, 28)


def test_code_traversal_changes_only_the_swept_code_along_a_row(model, monkeypatch):
    seen = record_generator_inputs(model, monkeypatch)
    values = [-2.0, -0.5, 1.0, 2.0]
    code_traversal(model, "c2", values, seed=4)
    latent = seen[0].view(10, 4, 74)  # rows x columns x generator input
    c2, c3 = 62 + 10, 62 + 10 + 1
    others = [i for i in range(74) if i != c2]
    assert torch.equal(latent[:, :, others], latent[:, :1, others].expand(10, 4, -1))
    assert torch.equal(latent[:, :, c2], torch.tensor(values).expand(10, 4))
    assert torch.equal(latent[:, 0, 62:72], torch.eye(10))  # row r has category r
    assert not latent[:, :, c3].any()  # the other continuous code at 0
    assert not torch.equal(latent[0, 0, :62], latent[1, 0, :62])  # rows have their own noise


def test_code_traversal_with_the_same_seed_repeats_and_another_seed_differs(model):
    first, _ = code_traversal(model, "c3", [-1.0, 1.0], seed=1)
    again, _ = code_traversal(model, "c3", [-1.0, 1.0], seed=1)
    other, _ = code_traversal(model, "c3", [-1.0, 1.0], seed=2)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_code_traversal_without_a_categorical_code_uses_ten_noise_rows(monkeypatch):
    torch.manual_seed(0)
    model = InfoGAN(LatentSpec.parse("cont:2", noise=4)).eval()
    seen = record_generator_inputs(model, monkeypatch)
    images, columns = code_traversal(model, "c1", [0.0, 0.5, 1.0], seed=0)
    assert columns == 3 and images.shape == (30, 1, 28, 28)
    latent = seen[0].view(10, 3, 6)
    assert torch.equal(latent[:, :, :4], latent[:, :1, :4].expand(10, 3, 4))
    assert torch.equal(latent[:, :, 4], torch.tensor([0.0, 0.5, 1.0]).expand(10, 3))


def test_category_sweep_holds_the_noise_fixed_down_each_column(model, monkeypatch):
    seen = record_generator_inputs(model, monkeypatch)
    images, columns = category_sweep(model, seed=0, columns=3)
    assert columns == 3 and images.shape == (10 * 3, 1, 28, 28)
    latent = seen[0].view(10, 3, 74)
    assert torch.equal(latent[:, :, :62], latent[:1, :, :62].expand(10, 3, 62))
    assert torch.equal(latent[:, :, 62:72], torch.eye(10).unsqueeze(1).expand(10, 3, 10))
    assert not latent[:, :, 72:].any()


def test_category_sweep_and_traversal_show_categories_in_the_given_order(model, monkeypatch):
    seen = record_generator_inputs(model, monkeypatch)
    order = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    category_sweep(model, seed=0, columns=2, order=order)
    code_traversal(model, "c2", [0.0, 1.0], seed=0, order=order)
    for latent in seen:
        assert torch.equal(latent.view(10, 2, 74)[:, 0, 62:72], torch.eye(10)[order])


@pytest.mark.parametrize("order", [[0, 1, 2], [0] * 10, list(range(1, 11))])
def test_a_row_order_that_is_not_a_permutation_of_the_categories_is_refused(model, order):
    with pytest.raises(ValueError, match="each category"):
        category_sweep(model, order=order)


# --- information curves -------------------------------------------------------------------------


def write_metrics(run, rows):
    run.mkdir(parents=True, exist_ok=True)
    (run / "metrics.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows) + "\n")


def test_read_metrics_reads_every_line(tmp_path):
    rows = [{"step": 10, "mi_c1": 0.5}, {"step": 20, "mi_c1": 1.0}]
    write_metrics(tmp_path / "run", rows)
    assert read_metrics(tmp_path / "run") == rows


def test_read_metrics_of_a_folder_without_metrics_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no metrics.jsonl"):
        read_metrics(tmp_path)


def test_plot_information_writes_a_png(tmp_path):
    write_metrics(tmp_path / "infogan", [{"step": s, "mi_c1": s / 100} for s in (10, 20, 30)])
    write_metrics(tmp_path / "gan", [{"step": s, "mi_c1": s / 1000} for s in (10, 20, 30)])
    path = plot_information([tmp_path / "infogan", tmp_path / "gan"], "c1", tmp_path / "fig" / "mi.png", entropy=2.3, max_step=20)
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        assert picture.size == (600, 400)


def test_plot_information_refuses_a_code_that_was_not_logged(tmp_path):
    write_metrics(tmp_path / "run", [{"step": 10, "mi_c1": 0.1}])
    with pytest.raises(ValueError, match="has no logged 'mi_c7'"):
        plot_information([tmp_path / "run"], "c7", tmp_path / "mi.png")


def test_plot_accuracy_writes_a_png_and_needs_logged_accuracy(tmp_path):
    write_metrics(tmp_path / "a", [{"step": 250, "accuracy": 0.5}, {"step": 500, "accuracy": 0.9}])
    write_metrics(tmp_path / "b", [{"step": 250, "mi_c1": 0.5}])
    path = plot_accuracy([tmp_path / "a"], tmp_path / "figures" / "accuracy.png")
    with Image.open(path) as picture:
        assert picture.size == (600, 400)
    with pytest.raises(ValueError, match="has no logged 'accuracy'"):
        plot_accuracy([tmp_path / "a", tmp_path / "b"], tmp_path / "other.png")


def test_curve_panels_follow_what_was_logged():
    rows = [{"step": 50, "loss_d": 1.0, "loss_g": 2.0, "mi_c1": 0.3, "mi_c10": 0.1, "mi_c2": 0.2},
            {"step": 100, "loss_d": 1.0, "loss_g": 2.0, "mi_c1": 0.4, "mi_c10": 0.1, "mi_c2": 0.2, "accuracy": 0.5,
             "factor_width": 0.3, "factor_azimuth": 0.9}]
    panels = curve_panels(rows, {"c1": 2.3026, "c2": 0.6931})
    assert panels == [
        ("losses", ["loss_d", "loss_g"], None),
        ("L_I(c1) (nats)", ["mi_c1"], 2.3026), ("L_I(c2) (nats)", ["mi_c2"], 0.6931), ("L_I(c10) (nats)", ["mi_c10"], None),
        ("test accuracy", ["accuracy"], None),
        ("each factor's best code", ["factor_azimuth", "factor_width"], None),
    ]


def test_plot_curves_lays_out_one_panel_per_curve_three_to_a_row(tmp_path):
    write_metrics(tmp_path / "a", [{"step": s, "loss_d": 1.0, "loss_g": 1.5, "mi_c1": s / 100} for s in (10, 20)])
    with Image.open(plot_curves([tmp_path / "a"], tmp_path / "one.png")) as picture:
        assert picture.size == (900, 320)  # losses and c1: two panels of 450 x 320
    write_metrics(tmp_path / "b", [{"step": 10, "loss_d": 1.0, "loss_g": 1.5, "mi_c1": 0.1, "mi_c2": 0.1, "accuracy": 0.4}])
    with Image.open(plot_curves([tmp_path / "a", tmp_path / "b"], tmp_path / "two.png")) as picture:
        assert picture.size == (1350, 640)  # losses, c1, c2, accuracy: two rows of three


def test_plot_curves_refuses_a_run_with_nothing_logged(tmp_path):
    write_metrics(tmp_path / "a", [{"step": 10, "loss_d": 1.0, "loss_g": 1.5}])
    with pytest.raises(ValueError, match="nothing logged up to step 5 in"):
        plot_curves([tmp_path / "a"], tmp_path / "x.png", max_step=5)
