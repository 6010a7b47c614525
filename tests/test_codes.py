"""Latent codes: priors, entropies, log Q(c|x), the latent layout and its parser."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from infogan.codes import LOG_STD_MAX, LOG_STD_MIN, Angle, Categorical, CodeError, LatentSpec, Uniform


def gaussian_log_density(x, mean, std):
    """log N(x; mean, std^2), written out by hand."""
    return -((x - mean) ** 2) / (2 * std**2) - math.log(std) - 0.5 * math.log(2 * math.pi)


# --- entropies -------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 10, 37])
def test_categorical_entropy_is_log_k(k):
    assert Categorical("c1", k).entropy() == pytest.approx(math.log(k))


@pytest.mark.parametrize("low, high", [(-1.0, 1.0), (-2.0, 3.0), (0.0, 0.5)])
def test_uniform_entropy_is_log_of_width(low, high):
    assert Uniform("c1", low, high).entropy() == pytest.approx(math.log(high - low))


# --- log Q(c|x) ------------------------------------------------------------------------------


def test_categorical_log_q_is_log_softmax_at_the_true_index():
    generator = torch.Generator().manual_seed(0)
    code = Categorical("c1", 10)
    logits = torch.randn(32, 10, generator=generator) * 3
    values = code.sample(32, generator)
    expected = torch.log_softmax(logits, dim=1)[torch.arange(32), values]
    torch.testing.assert_close(code.log_q(logits, values), expected)


@pytest.mark.parametrize("k", [2, 10])
def test_categorical_log_q_of_uniform_logits_is_minus_log_k(k):
    code = Categorical("c1", k)
    values = torch.arange(k)
    log_q = code.log_q(torch.full((k, k), 0.7), values)
    torch.testing.assert_close(log_q, torch.full((k,), -math.log(k)))


def test_uniform_log_q_with_learned_std_is_the_gaussian_log_density():
    code = Uniform("c2", learn_std=True)
    means = [0.0, 0.5, -1.2, 0.3]
    log_stds = [0.0, -1.0, 0.7, -3.0]
    values = [0.2, 0.5, 1.0, -0.9]
    q_output = torch.tensor(list(zip(means, log_stds)), dtype=torch.float64)
    log_q = code.log_q(q_output, torch.tensor(values, dtype=torch.float64))
    expected = [gaussian_log_density(x, m, math.exp(s)) for x, m, s in zip(values, means, log_stds)]
    torch.testing.assert_close(log_q, torch.tensor(expected, dtype=torch.float64))


def test_uniform_log_q_with_fixed_std_is_unit_gaussian_around_the_mean():
    code = Uniform("c2", learn_std=False)
    assert code.output_width == 1
    means = torch.tensor([[0.0], [0.5], [-1.2]], dtype=torch.float64)
    values = torch.tensor([0.2, 0.5, 1.0], dtype=torch.float64)
    expected = [gaussian_log_density(x, m, 1.0) for x, m in zip(values.tolist(), means[:, 0].tolist())]
    torch.testing.assert_close(code.log_q(means, values), torch.tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize("raw_log_std, clamped", [(10.0, LOG_STD_MAX), (-20.0, LOG_STD_MIN), (0.5, 0.5)])
def test_learned_log_std_is_clamped(raw_log_std, clamped):
    code = Uniform("c2", learn_std=True)
    q_output = torch.tensor([[0.1, raw_log_std]], dtype=torch.float64)
    _, log_std = code.mean_and_log_std(q_output)
    assert log_std.item() == pytest.approx(clamped)
    log_q = code.log_q(q_output, torch.tensor([0.3], dtype=torch.float64))
    assert log_q.item() == pytest.approx(gaussian_log_density(0.3, 0.1, math.exp(clamped)))
    assert math.isfinite(log_q.item())


def test_information_bound_of_a_categorical_code_never_exceeds_its_entropy():
    """E[log Q(c|x)] + H(c) <= H(c) whatever Q outputs, and reaches H(c) for a perfect Q."""
    spec = LatentSpec.parse("cat:10", noise=0)
    entropy = spec.entropies()["c1"]
    generator = torch.Generator().manual_seed(1)
    for _ in range(20):
        codes = spec.sample_codes(64, generator)
        logits = torch.randn(64, 10, generator=generator) * 10
        assert spec.log_q(logits, codes)["c1"].item() + entropy <= entropy
    perfect = 50.0 * F.one_hot(codes["c1"], 10).float()
    assert spec.log_q(perfect, codes)["c1"].item() + entropy == pytest.approx(entropy, abs=1e-6)


# --- sampling and values ---------------------------------------------------------------------


def test_categorical_samples_are_long_indices_covering_every_category():
    values = Categorical("c1", 10).sample(2000, torch.Generator().manual_seed(0))
    assert values.shape == (2000,)
    assert values.dtype == torch.long
    assert set(values.tolist()) == set(range(10))


def test_uniform_samples_are_floats_spread_over_the_range():
    values = Uniform("c2", -2.0, 3.0).sample(2000, torch.Generator().manual_seed(0))
    assert values.shape == (2000,)
    assert values.dtype == torch.float32
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert values.min() < -1.5 and values.max() > 2.5
    assert values.mean().item() == pytest.approx(0.5, abs=0.15)


def test_sampling_with_the_same_generator_seed_is_reproducible():
    spec = LatentSpec.parse("cat:10,cont:2", noise=62)
    first = spec.sample_codes(8, torch.Generator().manual_seed(3))
    second = spec.sample_codes(8, torch.Generator().manual_seed(3))
    for name in first:
        assert torch.equal(first[name], second[name])


def test_generator_sees_categories_one_hot_and_continuous_codes_as_columns():
    cat, cont = Categorical("c1", 4), Uniform("c2")
    assert torch.equal(cat.to_input(torch.tensor([2, 0])), torch.tensor([[0.0, 0, 1, 0], [1, 0, 0, 0]]))
    assert torch.equal(cont.to_input(torch.tensor([0.5, -1.0])), torch.tensor([[0.5], [-1.0]]))


@pytest.mark.parametrize("value", [10, -1, 2.5])
def test_fixing_a_categorical_code_to_an_impossible_value_is_refused(value):
    with pytest.raises(CodeError, match="integer in 0..9"):
        Categorical("c1", 10).full(4, value)


def test_fixing_codes_fills_the_batch():
    assert torch.equal(Categorical("c1", 10).full(3, 7.0), torch.tensor([7, 7, 7]))
    assert torch.equal(Uniform("c2").full(2, 0.25), torch.tensor([0.25, 0.25]))


def test_predict_is_the_arg_max_category_and_the_gaussian_mean():
    spec = LatentSpec.parse("cat:3,cont:1", noise=2)
    q_output = torch.tensor([[0.1, 2.0, -1.0, 0.4, -0.3], [5.0, 0.0, 0.0, -0.8, 1.0]])
    predicted = spec.predict(q_output)
    assert predicted["c1"].tolist() == [1, 0]
    torch.testing.assert_close(predicted["c2"], torch.tensor([0.4, -0.8]))


# --- the latent layout -------------------------------------------------------------------------


def test_parse_the_paper_mnist_codes():
    spec = LatentSpec.parse("cat:10,cont:2", noise=62)
    assert [code.name for code in spec.codes] == ["c1", "c2", "c3"]
    assert [code.kind for code in spec.codes] == ["cat", "cont", "cont"]
    assert spec.codes[0].categories == 10
    assert all((code.low, code.high) == (-1.0, 1.0) for code in spec.codes[1:])
    assert spec.input_width == 62 + 10 + 1 + 1 == 74
    assert spec.output_width == 10 + 2 * 2


def test_fixed_std_makes_q_output_one_number_per_continuous_code():
    spec = LatentSpec.parse("cat:10,cont:2", noise=62, learn_std=False)
    assert spec.output_width == 10 + 2
    assert spec.input_width == 74


def test_parse_a_continuous_range():
    spec = LatentSpec.parse("cont:1:-2:3", noise=5)
    (code,) = spec.codes
    assert (code.name, code.low, code.high) == ("c1", -2.0, 3.0)
    assert spec.entropies() == {"c1": pytest.approx(math.log(5))}


def test_parse_tolerates_spaces_between_codes():
    assert [c.name for c in LatentSpec.parse("cat:4, cont:1", noise=1).codes] == ["c1", "c2"]


@pytest.mark.parametrize("text", ["cat:1", "foo:3", "cont:0", "cont:1:3:2", "", "cat", "cat:x", "cat:10:2", "cont:1:0", "turn:0", "turn:1:3:2"])
def test_bad_code_specifications_raise_code_error(text):
    with pytest.raises(CodeError, match="cannot read code"):
        LatentSpec.parse(text, noise=62)


def test_code_error_is_a_value_error():
    assert issubclass(CodeError, ValueError)


@pytest.mark.parametrize("kwargs", [dict(noise=-1), dict(noise_prior="cauchy"), dict(codes=[])])
def test_invalid_latent_layouts_are_refused(kwargs):
    settings = dict(noise=4, codes=[Categorical("c1", 2)], noise_prior="uniform") | kwargs
    with pytest.raises(CodeError):
        LatentSpec(**settings)


def test_uniform_noise_lies_in_minus_one_to_one():
    noise = LatentSpec.parse("cat:2", noise=62).sample_noise(200, torch.Generator().manual_seed(0))
    assert noise.shape == (200, 62)
    assert noise.min() >= -1 and noise.max() <= 1
    assert noise.min() < -0.99 and noise.max() > 0.99


def test_normal_noise_is_standard_normal():
    noise = LatentSpec.parse("cat:2", noise=62, noise_prior="normal").sample_noise(200, torch.Generator().manual_seed(0))
    assert noise.shape == (200, 62)
    assert noise.abs().max() > 2.5  # impossible under Unif(-1, 1)
    assert noise.mean().item() == pytest.approx(0.0, abs=0.05)
    assert noise.std().item() == pytest.approx(1.0, abs=0.05)


def test_to_dict_from_dict_round_trip():
    spec = LatentSpec.parse("cat:7,cont:1:-2:3,cont:1", noise=9, noise_prior="normal", learn_std=False)
    again = LatentSpec.from_dict(spec.to_dict())
    assert again.to_dict() == spec.to_dict()
    assert again.codes == spec.codes
    assert (again.noise, again.noise_prior) == (9, "normal")
    assert again.input_width == spec.input_width and again.output_width == spec.output_width


def test_split_q_output_gives_each_code_its_slice():
    spec = LatentSpec.parse("cat:10,cont:2", noise=62)
    q_output = torch.arange(3 * 14, dtype=torch.float32).view(3, 14)
    parts = spec.split_q_output(q_output)
    assert {name: part.shape[1] for name, part in parts.items()} == {"c1": 10, "c2": 2, "c3": 2}
    assert torch.equal(parts["c1"], q_output[:, :10])
    assert torch.equal(parts["c2"], q_output[:, 10:12])
    assert torch.equal(parts["c3"], q_output[:, 12:14])


def test_generator_input_is_noise_then_codes_in_order():
    spec = LatentSpec.parse("cat:3,cont:2", noise=2)
    noise = torch.tensor([[0.25, -0.75]])
    codes = {"c1": torch.tensor([2]), "c2": torch.tensor([0.5]), "c3": torch.tensor([-0.5])}
    latent = spec.generator_input(noise, codes)
    assert latent.tolist() == [[0.25, -0.75, 0.0, 0.0, 1.0, 0.5, -0.5]]


def test_spec_log_q_is_the_batch_mean_per_code():
    spec = LatentSpec.parse("cat:3,cont:1", noise=0)
    q_output = torch.tensor([[0.0, 1.0, 2.0, 0.3, -0.2], [1.0, 0.0, 0.0, -0.1, 0.4]])
    codes = {"c1": torch.tensor([2, 1]), "c2": torch.tensor([0.5, 0.0])}
    log_q = spec.log_q(q_output, codes)
    torch.testing.assert_close(log_q["c1"], spec.codes[0].log_q(q_output[:, :3], codes["c1"]).mean())
    torch.testing.assert_close(log_q["c2"], spec.codes[1].log_q(q_output[:, 3:], codes["c2"]).mean())


# --- batch information on real images (the lambda_real term) ---------------------------------


def test_batch_information_is_log_k_for_confident_balanced_predictions():
    logits = 50.0 * torch.eye(10)  # each image confidently in its own category
    assert Categorical("c1", 10).batch_information(logits).item() == pytest.approx(math.log(10), abs=1e-4)


@pytest.mark.parametrize("logits", [torch.zeros(8, 5), torch.tensor([[3.0, 0.0, 1.0, -2.0, 0.5]]).repeat(8, 1)])
def test_batch_information_is_zero_when_predictions_ignore_the_image(logits):
    assert Categorical("c1", 5).batch_information(logits).item() == pytest.approx(0.0, abs=1e-6)


def test_batch_information_lies_between_zero_and_log_k():
    generator = torch.Generator().manual_seed(0)
    code = Categorical("c1", 10)
    for scale in (0.1, 1.0, 10.0):
        value = code.batch_information(scale * torch.randn(64, 10, generator=generator)).item()
        assert -1e-6 <= value <= math.log(10) + 1e-6


# --- angle codes -----------------------------------------------------------------------------


def test_angle_code_entropy_is_log_two_pi_and_samples_cover_the_circle():
    code = Angle("c1")
    assert code.entropy() == pytest.approx(math.log(2 * math.pi))
    values = code.sample(20000, torch.Generator().manual_seed(0))
    assert values.dtype == torch.float32
    assert values.min() >= -math.pi and values.max() < math.pi
    assert values.mean().item() == pytest.approx(0.0, abs=0.05)
    assert values.var().item() == pytest.approx(math.pi**2 / 3, rel=0.03)  # variance of Unif(-pi, pi)


def test_angle_log_q_is_the_von_mises_log_density():
    from scipy.stats import vonmises

    generator = torch.Generator().manual_seed(1)
    q_output = torch.randn(64, 2, generator=generator, dtype=torch.float64) * 4
    values = Angle("c1").sample(64, generator).double()
    kappa = q_output.norm(dim=1)
    mean = torch.atan2(q_output[:, 1], q_output[:, 0])
    expected = vonmises.logpdf(values.numpy(), kappa.numpy(), loc=mean.numpy())
    np.testing.assert_allclose(Angle("c1").log_q(q_output, values).numpy(), expected, rtol=1e-6, atol=1e-6)


def test_angle_log_q_stays_finite_for_very_confident_and_for_zero_outputs():
    code = Angle("c1")
    q_output = torch.tensor([[0.0, 0.0], [5000.0, 0.0]], requires_grad=True)
    log_q = code.log_q(q_output, torch.tensor([1.0, 0.0]))
    assert log_q[0].item() == pytest.approx(-math.log(2 * math.pi))  # kappa 0: the uniform density
    assert log_q[1].item() == pytest.approx(0.5 * math.log(5000 / (2 * math.pi)), abs=1e-3)  # ~ Gaussian with std 1/sqrt(kappa)
    log_q.sum().backward()
    assert torch.isfinite(q_output.grad).all()


def test_generator_sees_an_angle_as_its_cosine_and_sine_so_minus_pi_and_pi_are_one_input():
    code = Angle("c1")
    inputs = code.to_input(torch.tensor([-math.pi, math.pi, 0.5]))
    torch.testing.assert_close(inputs[0], inputs[1])
    torch.testing.assert_close(inputs[2], torch.tensor([math.cos(0.5), math.sin(0.5)]))
    assert code.input_width == code.output_width == 2


def test_angle_prediction_is_the_direction_of_q_output():
    predicted = Angle("c1").predict(torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, -1e-9], [1.0, -1.0]]))
    torch.testing.assert_close(predicted, torch.tensor([0.0, math.pi / 2, -math.pi, -math.pi / 4]))


def test_parse_angle_codes_between_others_and_round_trip():
    spec = LatentSpec.parse("cat:12,circ:2,cont:1", noise=5)
    assert [code.kind for code in spec.codes] == ["cat", "circ", "circ", "cont"]
    assert [code.name for code in spec.codes] == ["c1", "c2", "c3", "c4"]
    assert spec.input_width == 5 + 12 + 2 + 2 + 1 and spec.output_width == 12 + 2 + 2 + 2
    again = LatentSpec.from_dict(spec.to_dict())
    assert again.codes == spec.codes and again.to_dict() == spec.to_dict()
    with pytest.raises(CodeError, match="circ:N"):
        LatentSpec.parse("circ:1:0:1", noise=5)


@pytest.mark.parametrize("raw_log_std, direction", [(10.0, -1.0), (-20.0, 1.0)])
def test_a_log_std_beyond_its_bound_still_gets_a_gradient_back_towards_it(raw_log_std, direction):
    """Q's std past a bound must not be stuck there: the gradient of log Q is the one at the bound."""
    code = Uniform("c2", learn_std=True)
    q_output = torch.tensor([[0.1, raw_log_std]], dtype=torch.float64, requires_grad=True)
    code.log_q(q_output, torch.tensor([0.3], dtype=torch.float64)).sum().backward()
    bound = LOG_STD_MAX if direction < 0 else LOG_STD_MIN
    expected = (0.3 - 0.1) ** 2 * math.exp(-2 * bound) - 1  # d log N / d log std at the bound
    assert q_output.grad[0, 1].item() == pytest.approx(expected)
    assert math.copysign(1.0, q_output.grad[0, 1].item()) == direction  # ascent on log Q moves it back inside


def test_a_turn_code_reaches_g_as_the_sine_and_cosine_of_a_half_turn_and_q_reads_the_code_itself():
    spec = LatentSpec.parse("cat:3,turn:1,turn:1:0:4", noise=2)
    plain, turn, ranged = spec.codes
    assert turn.kind == "cont" and turn.turn and not Uniform("c", -1, 1).turn
    assert spec.input_width == 2 + 3 + 2 + 2 and spec.output_width == 3 + 2 + 2  # Q's slice is an interval code's
    ends = turn.to_input(torch.tensor([-1.0, 0.0, 1.0]))  # a quarter turn one way, facing, a quarter turn the other way
    torch.testing.assert_close(ends, torch.tensor([[-1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), atol=1e-6, rtol=0)
    torch.testing.assert_close(ranged.to_input(torch.tensor([0.0, 2.0, 4.0])), ends, atol=1e-6, rtol=0)
    assert turn.entropy() == pytest.approx(math.log(2)) and ranged.entropy() == pytest.approx(math.log(4))
    q_output, values = torch.tensor([[0.3, -0.5]]), torch.tensor([0.1])
    torch.testing.assert_close(turn.log_q(q_output, values), Uniform("c", -1, 1).log_q(q_output, values))
    assert spec.describe().endswith("c2 ~ Turn(-1,1), c3 ~ Turn(0,4)")
    restored = LatentSpec.from_dict(spec.to_dict())
    assert [c.turn for c in restored.codes[1:]] == [True, True] and restored.codes == spec.codes
    old = LatentSpec.parse("cont:1", noise=0).to_dict()
    assert "turn" not in old["codes"][0] and not LatentSpec.from_dict(old).codes[0].turn  # runs saved before turn codes load


def test_pose_codes_are_interval_codes_that_name_a_turn_in_degrees():
    spec = LatentSpec.parse("yaw:-75:75,pitch:-30:30,cont:2", noise=4)
    yaw, pitch, first, _ = spec.codes
    assert (yaw.pose, yaw.pose_range, pitch.pose, pitch.pose_range) == ("yaw", (-75.0, 75.0), "pitch", (-30.0, 30.0))
    assert yaw.kind == "cont" and (yaw.low, yaw.high) == (-1.0, 1.0) and not first.pose
    assert spec.input_width == 4 + 4 and spec.output_width == 8  # one column in and a mean and log-std out, as any interval code
    torch.testing.assert_close(yaw.pose_value(yaw.to_input(torch.tensor([-1.0, 0.0, 1.0]))), torch.tensor([-75.0, 0.0, 75.0]) * math.pi / 180)
    torch.testing.assert_close(pitch.pose_value(torch.tensor([[0.5]])), torch.tensor([15.0 * math.pi / 180]))
    assert [column for column, _ in spec.pose_columns()] == [4, 5]
    assert spec.describe().endswith("c1 ~ Yaw(-75deg,75deg), c2 ~ Pitch(-30deg,30deg), c3 ~ Unif(-1,1), c4 ~ Unif(-1,1)")
    restored = LatentSpec.from_dict(spec.to_dict())
    assert restored.codes == spec.codes and restored.to_dict() == spec.to_dict()
    assert "pose" not in spec.to_dict()["codes"][2]  # other codes are saved as before
    after_a_category = LatentSpec.parse("cat:3,pitch:0:10,cont:1", noise=2)
    assert [column for column, _ in after_a_category.pose_columns()] == [2 + 3]


def test_a_full_turn_yaw_is_an_angle_code_whose_turn_is_its_angle():
    spec = LatentSpec.parse("cat:3,yaw:-180:180,cont:1", noise=2)
    yaw = spec.codes[1]
    assert isinstance(yaw, Angle) and yaw.pose == "yaw" and yaw.kind == "circ"
    assert [column for column, _ in spec.pose_columns()] == [2 + 3] and spec.input_width == 2 + 3 + 2 + 1
    angles = torch.tensor([-3.0, -0.5, 0.0, 2.5])
    torch.testing.assert_close(yaw.pose_value(yaw.to_input(angles)), angles)
    assert spec.describe().endswith("c2 ~ Yaw(full turn), c3 ~ Unif(-1,1)")
    restored = LatentSpec.from_dict(spec.to_dict())
    assert restored.codes == spec.codes and "pose" not in LatentSpec.parse("circ:1", noise=0).to_dict()["codes"][0]


def test_a_light_code_is_an_interval_code_naming_the_light_s_azimuth_in_degrees():
    spec = LatentSpec.parse("yaw:-75:75,light:-70:70,cont:1", noise=2)
    light = spec.codes[1]
    assert (light.pose, light.pose_range, light.kind) == ("light", (-70.0, 70.0), "cont")
    assert [column for column, _ in spec.pose_columns()] == [2, 3]
    torch.testing.assert_close(light.pose_value(torch.tensor([[1.0]])), torch.tensor([70.0 * math.pi / 180]))
    assert spec.describe().endswith("c2 ~ Light(-70deg,70deg), c3 ~ Unif(-1,1)")
    assert LatentSpec.from_dict(spec.to_dict()).codes == spec.codes


def test_a_stretch_code_is_an_interval_code_naming_a_factor_across_and_old_runs_still_load():
    spec = LatentSpec.parse("yaw:-75:75,stretch:0.8:1.2,cont:1", noise=2)
    stretch = spec.codes[1]
    assert (stretch.pose, stretch.pose_range, stretch.kind) == ("stretch", (0.8, 1.2), "cont")
    assert [column for column, _ in spec.pose_columns()] == [2, 3]
    torch.testing.assert_close(stretch.pose_value(torch.tensor([[-1.0], [0.0], [1.0]])), torch.tensor([0.8, 1.0, 1.2]))  # a factor, not radians
    assert spec.describe().endswith("c2 ~ Stretch(x0.8,x1.2), c3 ~ Unif(-1,1)")
    assert LatentSpec.from_dict(spec.to_dict()).codes == spec.codes
    assert not isinstance(LatentSpec.parse("stretch:0.5:360.5", noise=0).codes[0], Angle)  # a span of 360 is no turn here
    saved_before = LatentSpec.parse("yaw:-75:75", noise=2).to_dict()  # runs saved before the stretch code named the range pose_degrees
    saved_before["codes"][0]["pose_degrees"] = saved_before["codes"][0].pop("pose_range")
    assert LatentSpec.from_dict(saved_before).codes[0].pose_range == (-75.0, 75.0)


@pytest.mark.parametrize("text", ["light:10:-10", "light:-70:70,light:0:1", "yaw:75:-75", "yaw:0:400", "yaw:-75:75,yaw:-10:10", "yaw:-180:180,yaw:0:10",
                                  "pitch:1", "yaw:a:b", "yaw:nan:1", "stretch:0:1.2", "stretch:-1:1", "stretch:1.2:0.8", "stretch:1:inf", "stretch:0.8:1.2,stretch:1:2"])
def test_bad_pose_codes_are_refused_with_the_forms_named(text):
    with pytest.raises(CodeError, match="yaw:LOW:HIGH, pitch:LOW:HIGH, light:LOW:HIGH .* or stretch:LOW:HIGH \\(factors, 0 < LOW < HIGH\\)"):
        LatentSpec.parse(text, noise=2)
