"""Linear regression: normal equations, gradient descent, polynomial degree."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from keraslab.core import actions
from keraslab.plugins.foundations import linear


@pytest.fixture(scope="module")
def diabetes():
    data = load_diabetes()
    x = (data.data - data.data.mean(0)) / data.data.std(0)
    return x, data.target, linear.closed_form(x, data.target)


def _loss(x, y, w):
    residual = linear.with_bias(x) @ w - y
    return float(residual @ residual / (2 * len(y)))


def test_closed_form_matches_numpy_least_squares(diabetes):
    x, y, w = diabetes
    # Normal equations: the gradient Xᵀ(Xw − y) vanishes at the solution.
    assert np.abs(linear.with_bias(x).T @ (linear.with_bias(x) @ w - y)).max() < 1e-8


def test_full_batch_descent_reaches_the_closed_form(diabetes):
    x, y, w = diabetes
    # XᵀX/n has eigenvalues in [0.0086, 4.02] (κ ≈ 470): η = 0.45 < 2/4.02 is
    # stable and contracts the slowest direction by 1 − 0.45·0.0086 per step.
    result = linear.gradient_descent(x, y, "full", learning_rate=0.45, epochs=3000)
    assert linear.relative_error(result.weights, w) < 1e-4


@pytest.mark.parametrize(
    "mode, learning_rate, epochs, decay, bound",
    [
        ("minibatch", 0.2, 300, 2000, 0.01),  # measured 0.0016 above the optimal loss
        ("sgd", 0.02, 50, 20000, 0.05),  # measured 0.032
    ],
)
def test_stochastic_descent_approaches_the_optimal_loss(diabetes, mode, learning_rate, epochs, decay, bound):
    x, y, w = diabetes
    result = linear.gradient_descent(x, y, mode, learning_rate, epochs, decay_steps=decay)
    assert result.losses[-1] <= (1 + bound) * _loss(x, y, w)


def test_validation_picks_the_true_degree(cli_runner, tmp_path):
    result = cli_runner("foundations", "select-degree", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Chosen degree: 3 (true degree 3)" in result.output
    assert (tmp_path / "validation_curve.png").stat().st_size > 10_000


def test_negative_degree_is_refused(cli_runner, tmp_path):
    result = cli_runner("foundations", "select-degree", "--max-degree", "-1", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and "--max-degree must be at least 0, received -1" in result.output
    with pytest.raises(Exception, match="degree must be at least 0"):
        linear.polynomial_features(np.zeros(3), -2)


def test_linear_regression_through_the_trainer_matches_the_closed_form(registry, tmp_path):
    run, summary = actions.start_training(registry, "foundations", "linear-regression", runs_root=str(tmp_path))
    plugin = registry.get("foundations")
    from keraslab.core import building

    spec = plugin.model("linear-regression")
    splits = building.load_splits(plugin, spec, actions.load_run_config(spec, run).data)
    w = linear.closed_form(splits.train.features, splits.train.targets)
    closed_test_mse = float(np.mean((linear.with_bias(splits.test.features) @ w - splits.test.targets) ** 2))
    assert summary["metrics"]["test"]["loss"] == pytest.approx(closed_test_mse, rel=0.01)


def test_perceptron_learns_breast_cancer_and_exports_a_score(registry, tmp_path):
    from keraslab.core.actions import export_run
    from keraslab.core.export.predict import predict

    run, summary = actions.start_training(registry, "foundations", "perceptron", runs_root=str(tmp_path))
    assert summary["metrics"]["test"]["accuracy"] >= 0.93  # nearly separable data; the majority class is 0.63
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    row = predict(str(version), {"instances": [[0.0] * 30]})["predictions"][0]
    assert set(row) == {"score", "class_id"} and row["class_id"] == int(row["score"] > 0)


def test_best_linear_accuracy_is_one_on_separable_data():
    points = np.random.default_rng(0).normal(size=(300, 2))
    assert linear.best_linear_accuracy(points, points[:, 0] + points[:, 1] > 0.3) == 1.0
