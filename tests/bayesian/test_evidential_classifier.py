"""Evidential classification: the Dirichlet loss by hand, a short run that
learns and reports its vacuity, the export, and the slow targets."""

import json
import math

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.api import open_finished_run
from keraslab.core.export.predict import predict
from keraslab.plugins.bayesian import dirichlet


def test_expected_squared_error_by_hand():
    # α = [2, 1, 1], y = [1, 0, 0]: S = 4, p̂ = [1/2, 1/4, 1/4];
    # Σ (y − p̂)² = 1/4 + 1/16 + 1/16 = 0.375, Σ p̂ (1 − p̂) / (S + 1) = (1/4 + 3/16 + 3/16) / 5 = 0.125.
    loss = dirichlet.expected_squared_error(tf.constant([[1.0, 0.0, 0.0]]), tf.constant([[2.0, 1.0, 1.0]]))
    assert float(loss[0]) == pytest.approx(0.5, abs=1e-6)


def test_expected_squared_error_is_the_dirichlet_average_of_the_squared_error():
    alpha = np.array([3.0, 1.5, 0.5])
    one_hot = np.array([0.0, 1.0, 0.0])
    draws = np.random.default_rng(0).dirichlet(alpha, size=400_000)
    monte_carlo = float(np.mean(np.sum((one_hot - draws) ** 2, axis=-1)))
    exact = float(dirichlet.expected_squared_error(tf.constant([one_hot]), tf.constant([alpha]))[0])
    assert exact == pytest.approx(monte_carlo, abs=2e-3)


def test_kl_from_the_uniform_dirichlet_by_hand():
    # KL(Dir(2, 1) ‖ Dir(1, 1)) = log Γ(3) − log Γ(2) − log Γ(2) − log Γ(1) + 1 · (ψ(2) − ψ(3))
    #                           = log 2 − 1/2 (ψ(3) − ψ(2) = 1/2); and KL(Dir(1) ‖ Dir(1)) = 0.
    kl = dirichlet.kl_from_uniform_dirichlet(tf.constant([[2.0, 1.0], [1.0, 1.0]]))
    assert float(kl[0]) == pytest.approx(math.log(2) - 0.5, abs=1e-6)
    assert float(kl[1]) == pytest.approx(0.0, abs=1e-6)


def test_vacuity_is_one_without_evidence():
    # logits log α = 0: α = 1 for every class, S = K, u = 1; α = [9, 1]: u = 2 / 10.
    u = dirichlet.vacuity(tf.math.log(tf.constant([[1.0, 1.0], [9.0, 1.0]])))
    assert np.allclose(u.numpy(), [1.0, 0.2])


def test_evidential_classifier_learns_reports_its_vacuity_and_serves_it(registry, tmp_path):
    run, summary = actions.start_training(
        registry, "bayesian", "evidential-classifier", runs_root=str(tmp_path), overrides=["train.epochs=30"]
    )
    assert summary["metrics"]["test"]["accuracy"] > 0.85  # 10 classes: chance is 0.1
    report = json.loads((run.path / "uncertainty.json").read_text())
    assert report["samples"] == 1 and report["accuracy"] > 0.85 and 0 <= report["ece"] < 0.2
    assert set(report["out_of_distribution"]["noise"]) >= {"auc_entropy", "auc_vacuity", "mean_vacuity"}
    assert 0 < report["mean_vacuity_test"] < 1  # it has gathered evidence for the test digits

    finished = open_finished_run(registry, "bayesian", str(run.path), "test")
    # The KL's weight counts the examples seen: 30 epochs of the training split.
    assert float(finished.model.examples_seen.numpy()) == 30 * len(finished.splits.train)
    assert float(finished.model.annealing_weight()) == 1.0  # past the 10 epochs of annealing

    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    from sklearn.datasets import load_digits

    rows = predict(str(version), {"instances": load_digits().data[:3].tolist()})["predictions"]
    assert set(rows[0]) == {"probabilities", "class_id", "vacuity", "evidence"}
    for row in rows:
        assert sum(row["probabilities"]) == pytest.approx(1.0, abs=1e-5)
        assert 0 < row["vacuity"] <= 1 and row["evidence"] >= 0
        assert row["vacuity"] == pytest.approx(10 / (row["evidence"] + 10), rel=1e-4)  # u = K / S, S = evidence + K


def test_a_negative_annealing_is_refused_before_any_write(cli_runner, tmp_path):
    result = cli_runner(
        "bayesian",
        "train",
        "evidential-classifier",
        "--synthetic",
        "--set",
        "model.annealing_epochs=-1",
        "--runs-root",
        str(tmp_path),
    )
    assert result.exit_code == 2 and "'model.annealing_epochs' must be >= 0" in result.output
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_evidential_classifier_is_accurate_and_calibrated_on_every_seed(registry, tmp_path):
    """Digits, split seed 0: accuracy ≥ 95% and ECE ≤ 0.06 on seeds 0, 1 and 2
    (measured 97.0 / 95.9 / 97.0%, ECE 0.039 / 0.037 / 0.044)."""
    reports = []
    for seed in (0, 1, 2):
        run, _ = actions.start_training(
            registry, "bayesian", "evidential-classifier", runs_root=str(tmp_path), overrides=[f"train.seed={seed}"]
        )
        reports.append(json.loads((run.path / "uncertainty.json").read_text()))
    print("evidential-classifier accuracy / ECE by seed", [(r["accuracy"], r["ece"]) for r in reports])
    assert min(r["accuracy"] for r in reports) >= 0.95
    assert max(r["ece"] for r in reports) <= 0.06
