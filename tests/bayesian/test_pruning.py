"""Pruning Bayes-by-backprop weights by signal-to-noise ratio (`keraslab bayesian prune`)."""

import json

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.api import open_finished_run
from keraslab.plugins.bayesian import pruning


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from keraslab.core.registry import Registry

    registry = Registry()
    root = tmp_path_factory.mktemp("pruning")
    run, _ = actions.start_training(registry, "bayesian", "bnn-flipout", runs_root=str(root), overrides=[])
    return registry, run, root


def test_half_the_weights_go_by_signal_to_noise_at_little_cost(trained):
    registry, run, _ = trained
    built = open_finished_run(registry, "bayesian", str(run.path), "prune")
    before = [w.numpy().copy() for w in built.model.weights]
    report = pruning.prune_study(built.model, built.splits.test, (0.0, 0.5, 0.99))
    unpruned, half, nearly_all = report["rows"]
    assert report["weights"] == 64 * 128 + 128 * 10
    assert half["snr_accuracy"] >= unpruned["snr_accuracy"] - 0.015  # measured +0.4 points on seed 0
    assert nearly_all["snr_accuracy"] < 0.5 < unpruned["snr_accuracy"]  # removing weights does remove them
    assert unpruned["snr_accuracy"] == unpruned["magnitude_accuracy"]
    for kept, weight in zip(before, built.model.weights):  # the model is left as it was
        np.testing.assert_array_equal(kept, weight.numpy())


def test_the_command_writes_its_table_and_refuses_what_it_cannot_prune(cli_runner, trained, tmp_path):
    registry, run, root = trained
    result = cli_runner("bayesian", "prune", str(run.path), "--fractions", "0,0.9")
    assert result.exit_code == 0, result.output
    assert "kernel weights in bayes_dense_0, logits" in result.output
    rows = json.loads((run.path / pruning.RESULT_FILE).read_text())["rows"]
    assert [r["fraction_removed"] for r in rows] == [0.0, 0.9] and (run.path / pruning.PICTURE).is_file()
    bad = cli_runner("bayesian", "prune", str(run.path), "--fractions", "0.5,1")
    assert bad.exit_code == 2 and "--fractions must be comma-separated numbers in [0, 1)" in bad.output
    other, _ = actions.start_training(
        registry, "bayesian", "deterministic", runs_root=str(tmp_path), overrides=["train.epochs=1"]
    )
    refused = cli_runner("bayesian", "prune", str(other.path))
    assert refused.exit_code == 2 and "has no Bayesian kernels" in refused.output
    assert len(refused.output.strip().splitlines()) == 1, refused.output


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pruning_half_by_signal_to_noise_costs_at_most_one_and_a_half_points(registry, tmp_path, seed):
    run, _ = actions.start_training(
        registry, "bayesian", "bnn-flipout", runs_root=str(tmp_path), overrides=[f"train.seed={seed}"]
    )
    built = open_finished_run(registry, "bayesian", str(run.path), "prune")
    rows = pruning.prune_study(built.model, built.splits.test)["rows"]
    print("seed", seed, [(r["fraction_removed"], r["snr_accuracy"], r["magnitude_accuracy"]) for r in rows])
    by_fraction = {r["fraction_removed"]: r for r in rows}
    assert by_fraction[0.5]["snr_accuracy"] >= by_fraction[0.0]["snr_accuracy"] - 0.015
