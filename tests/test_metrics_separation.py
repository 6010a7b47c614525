"""Slant and width from image moments, and whether two continuous codes split them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infogan.codes import CodeError, LatentSpec
from infogan.metrics.separation import code_separation, image_moments, moment_table, separation_report

SIZE = 28


def bar(slant: float, width: float, height: float = 16.0, x_shift: float = 0.0) -> np.ndarray:
    """An anti-aliased bar ``width`` pixels wide and ``height`` rows tall, centred, whose centre
    moves ``slant`` pixels right per row upwards."""
    image = np.zeros((SIZE, SIZE))
    centre = (SIZE - 1) / 2
    columns = np.arange(SIZE)
    for row in range(SIZE):
        up = (SIZE - 1 - row) - centre
        if abs(up) > height / 2:
            continue
        middle = centre + x_shift + slant * up
        low, high = middle - width / 2, middle + width / 2
        image[row] = np.clip(np.minimum(high, columns + 0.5) - np.maximum(low, columns - 0.5), 0.0, 1.0)
    return image


class BarModel:
    """A stand-in generator: slant follows one continuous code, width the other; the noise moves
    the bar sideways and changes its height; the categorical code does nothing."""

    image_shape = (1, SIZE, SIZE)

    def __init__(self, slant_code: str = "c2", width_code: str = "c3"):
        self.spec = LatentSpec.parse("cat:3,cont:2", noise=2)
        self.slant_code, self.width_code = slant_code, width_code

    def generate_from(self, noise, codes):
        images = [
            bar(0.4 * float(s), 5.0 + 2.0 * float(w), height=16.0 + 3.0 * float(z[1]), x_shift=2.0 * float(z[0]))
            for s, w, z in zip(codes[self.slant_code], codes[self.width_code], noise)
        ]
        return torch.tensor(np.stack(images)[:, None], dtype=torch.float32)


@pytest.mark.parametrize("slant", [-0.5, -0.2, 0.0, 0.3, 0.6])
def test_a_sheared_bar_has_the_slant_it_was_drawn_with(slant):
    measured = image_moments(bar(slant, 4.0)[None, None])
    assert measured["slant"][0] == pytest.approx(slant, abs=0.02)
    assert measured["width"][0] == pytest.approx(4.0 / math.sqrt(12), rel=0.05)


def test_width_grows_with_the_rectangle_and_matches_w_over_root_12():
    widths = [4, 6, 8, 12]
    measured = image_moments(np.stack([bar(0.0, w) for w in widths]))["width"]
    assert np.all(np.diff(measured) > 0)
    # whole pixels: a discrete uniform over w columns has variance (w^2 - 1) / 12
    assert measured == pytest.approx([w / math.sqrt(12) for w in widths], rel=0.04)


def test_a_blank_image_has_zero_slant_and_width():
    measured = image_moments(np.zeros((1, 1, SIZE, SIZE)))
    assert (measured["slant"][0], measured["width"][0]) == (0.0, 0.0)


def table(scores):
    return {"codes": ["c2", "c3"], "moments": ["slant", "width"], "spearman": scores}


def test_separation_is_one_for_a_clean_split_and_names_the_codes():
    result = code_separation(table([[0.0, 1.0], [1.0, 0.0]]))
    assert result["separation"] == pytest.approx(1.0)
    assert result["assignment"] == {"slant": "c3", "width": "c2"}


def test_separation_is_zero_when_both_codes_move_both_moments_alike():
    assert code_separation(table([[0.7, 0.7], [0.7, 0.7]]))["separation"] == pytest.approx(0.0)


def test_one_code_driving_both_moments_is_credited_only_where_it_beats_the_other():
    result = code_separation(table([[0.9, 0.8], [0.2, 0.0]]))
    assert result["assignment"] == {"slant": "c3", "width": "c2"}
    assert result["per_moment"]["slant"]["gap"] == 0.0
    assert result["separation"] == pytest.approx(0.4)


def test_separation_with_a_third_code_compares_against_the_best_other():
    three = {"codes": ["c2", "c3", "c4"], "moments": ["slant", "width"], "spearman": [[0.9, 0.1], [0.1, 0.8], [0.5, 0.2]]}
    result = code_separation(three)
    assert result["assignment"] == {"slant": "c2", "width": "c3"}
    assert result["per_moment"]["slant"]["gap"] == pytest.approx(0.4)
    assert result["per_moment"]["width"]["gap"] == pytest.approx(0.6)
    assert result["separation"] == pytest.approx(0.5)


@pytest.mark.parametrize("slant_code, width_code", [("c2", "c3"), ("c3", "c2")])
def test_moment_table_on_a_bar_generator_finds_which_code_is_which(slant_code, width_code):
    model = BarModel(slant_code, width_code)
    result = moment_table(model, n=1000, seed=0, sweep_draws=8)
    assert result["codes"] == ["c2", "c3"]
    separated = code_separation(result)
    assert separated["assignment"] == {"slant": slant_code, "width": width_code}
    assert separated["separation"] > 0.9
    traversal = dict(zip(result["codes"], result["traversal"]))
    assert traversal[slant_code][0] > 1.0 and abs(traversal[slant_code][1]) < 0.1
    assert traversal[width_code][1] > 1.0 and abs(traversal[width_code][0]) < 0.1


def test_separation_report_applies_only_to_two_continuous_codes_on_grey_images():
    model = BarModel()
    report = separation_report(model, n=200)
    assert report["assignment"] == {"slant": "c2", "width": "c3"}
    one_code = BarModel()
    one_code.spec = LatentSpec.parse("cat:3,cont:1", noise=2)
    assert separation_report(one_code) is None
    with pytest.raises(CodeError, match="at least two continuous codes"):
        moment_table(one_code)
    colour = BarModel()
    colour.image_shape = (3, SIZE, SIZE)
    assert separation_report(colour) is None
