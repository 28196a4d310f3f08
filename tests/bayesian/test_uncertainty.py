"""Uncertainty measures checked against hand computations."""

import numpy as np
import pytest

from keraslab.plugins.bayesian import uncertainty as u


def test_entropy_and_mutual_information_by_hand():
    # Two passes that disagree with certainty: the mean is uniform over two
    # classes (H = log 2), each pass has H = 0, so all of it is epistemic.
    passes = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    assert u.entropy(passes.mean(axis=0))[0] == pytest.approx(np.log(2))
    assert u.mutual_information(passes)[0] == pytest.approx(np.log(2))
    # Two passes that agree on a uniform prediction: no epistemic part.
    agree = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    assert u.mutual_information(agree)[0] == pytest.approx(0.0, abs=1e-12)


def test_expected_calibration_error_by_hand():
    # Confidence 0.9 on four examples, three right: |0.75 − 0.9| = 0.15.
    # Confidence 0.6 on one example, right: |1 − 0.6| = 0.4. ECE = 4/5·0.15 + 1/5·0.4.
    p = np.array([[0.9, 0.1]] * 4 + [[0.6, 0.4]])
    targets = np.array([0, 0, 0, 1, 0])
    assert u.expected_calibration_error(p, targets) == pytest.approx(0.8 * 0.15 + 0.2 * 0.4)
    assert u.negative_log_likelihood(p, targets) == pytest.approx(-np.mean(np.log([0.9, 0.9, 0.9, 0.1, 0.6])))


def test_separation_auc_orders_scores():
    assert u.separation_auc(np.array([0.1, 0.2]), np.array([0.3, 0.4])) == 1.0
    assert u.separation_auc(np.array([0.3, 0.4]), np.array([0.1, 0.2])) == 0.0


def test_out_of_distribution_sets_stay_in_the_input_range():
    features = np.random.default_rng(0).uniform(0, 16, size=(10, 64)).astype(np.float32)
    sets = u.out_of_distribution_sets(features)
    assert set(sets) == {"noise", "inverted"}
    for images in sets.values():
        assert images.shape == features.shape and images.min() >= 0 and images.max() <= 16
    np.testing.assert_allclose(sets["inverted"], features.max() - features)


def test_evidential_nll_is_the_student_t_marginal():
    from scipy import stats

    from keraslab.plugins.bayesian.models import evidential_nll

    y, gamma, nu, alpha, beta = 0.7, 0.2, 1.5, 2.5, 0.8
    scale = np.sqrt(beta * (1 + nu) / (nu * alpha))
    expected = -stats.t.logpdf(y, df=2 * alpha, loc=gamma, scale=scale)
    assert float(evidential_nll(*(np.float64(v) for v in (y, gamma, nu, alpha, beta)))) == pytest.approx(expected)


def test_conjugate_posterior_is_ridge_regression_and_finds_the_noise():
    from keraslab.plugins.bayesian.conjugate import BayesianLinearRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3))
    t = x @ np.array([1.0, -2.0, 0.5]) + 3.0 + rng.normal(scale=0.3, size=500)
    model = BayesianLinearRegression(basis="linear").fit(x, t)
    # The posterior mean is the ridge solution with λ = α / β on the same features.
    phi = model.features(x)
    ridge = np.linalg.solve(phi.T @ phi + (model.alpha / model.beta) * np.eye(4), phi.T @ t)
    np.testing.assert_allclose(model.mean_weights, ridge, rtol=1e-6)
    assert 1 / np.sqrt(model.beta) == pytest.approx(0.3, rel=0.1)  # evidence maximisation finds the noise
    mean, aleatoric, epistemic = model.predict(x[:5])
    assert mean.shape == aleatoric.shape == epistemic.shape == (5, 1) and np.all(epistemic > 0)
