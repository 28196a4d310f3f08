"""The notes' claims measured by `keraslab foundations study xor|gradient-noise`."""

import numpy as np
import pytest

from keraslab.core.api import digits
from keraslab.plugins.foundations import demos


def test_a_feature_map_makes_xor_linear_on_held_out_points():
    for result in demos.xor_study((0, 1, 2)):
        assert result.linear_accuracy < 0.76  # no line gets more than 3 corners of 4
        assert result.mapped_accuracy >= 0.99  # measured 1.000 / 0.9975 / 1.000
        w1, w2, w12, _ = result.mapped_weights
        assert w12 < -1.5 * max(w1, w2) < 0  # the learned rule is x1 + x2 − 2·x1·x2, scaled


def test_per_example_gradients_average_to_the_gradient_of_the_mean_loss():
    import tensorflow as tf

    data = digits()
    x, y = data.features[:50] / 16.0, data.targets[:50]
    weights = np.random.default_rng(0).normal(0, 0.1, size=(64, 10))
    w = tf.Variable(weights)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, tf.constant(x, tf.float64) @ w))
    np.testing.assert_allclose(
        demos.per_example_gradients(x, y, weights).mean(axis=0), tape.gradient(loss, w).numpy().ravel(), atol=1e-10
    )


def test_mini_batch_gradient_error_falls_as_one_over_root_m():
    data = digits()
    rows = demos.gradient_noise_study(data.features / 16.0, data.targets, (1, 16, 256), draws=800)
    for row in rows:
        assert row.measured_rms == pytest.approx(row.predicted_rms, rel=0.05)  # measured within 1%
    # 16 times the batch: a quarter of the error (a little less, sampling without replacement).
    assert rows[1].measured_rms / rows[0].measured_rms == pytest.approx(0.25, rel=0.05)


def test_whitened_inputs_take_gradient_descent_to_the_optimum_in_one_step():
    raw, standardised, whitened = demos.whitening_study()
    assert whitened.condition_number == pytest.approx(1.0, abs=0.01) and whitened.steps == 1
    # (1 + ρ)/(1 − ρ) = 39 for correlation 0.95: standardising the scales leaves the correlation.
    assert standardised.condition_number == pytest.approx(39, rel=0.05)
    assert raw.steps > 10 * standardised.steps > 10 * whitened.steps  # measured 10,294, 252, 1


def test_eight_tanh_units_fit_the_curve_within_five_hundredths_and_two_do_not():
    narrow, enough = demos.universal_approximation_study(widths=(2, 8))
    assert narrow.max_error > 0.5 and enough.max_error <= 0.05  # measured 0.73 and 0.028 on seed 0
    assert demos.width_needed([narrow, enough], 0.05) == 8


@pytest.mark.parametrize(
    "name, picture", [("xor", "xor.png"), ("gradient-noise", "gradient_noise.png"), ("whitening", "whitening.png")]
)
def test_the_study_command_prints_its_table_and_draws_it(cli_runner, tmp_path, name, picture):
    result = cli_runner("foundations", "study", name, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / picture).stat().st_size > 5_000 and f"Plot: {tmp_path / picture}" in result.output
