"""Foundations models learn: held-out accuracy above a bar, fixed seeds."""

import json

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.registry import Registry


def test_accuracy(registry, tmp_path, model, dataset, *overrides):
    _, summary = actions.start_training(
        registry, "foundations", model, runs_root=str(tmp_path), overrides=[f"data.name={dataset}", *overrides]
    )
    return summary["metrics"]["test"]["accuracy"]


test_accuracy.__test__ = False  # a helper, not a test


@pytest.mark.parametrize(
    "model, dataset, bar",
    [
        # On the fixed 15% test split (seed 0); chance is 0.63 and 0.10.
        ("logistic-regression", "breast-cancer", 0.95),
        # scikit-learn's LogisticRegression peaks at 95.2% on this split (C=1).
        ("softmax-regression", "digits", 0.93),
        ("mlp", "digits", 0.96),
    ],
)
def test_models_reach_their_targets(registry, tmp_path, model, dataset, bar):
    assert test_accuracy(registry, tmp_path, model, dataset) >= bar


def test_mlp_solves_xor_where_a_linear_model_cannot(registry, tmp_path):
    mlp = test_accuracy(
        registry, tmp_path, "mlp", "xor", "model.hidden_units=[16]", "model.dropout=0.0", "optimizer.learning_rate=0.01"
    )
    logistic = test_accuracy(registry, tmp_path, "logistic-regression", "xor")
    from keraslab.core.config import DataConfig
    from keraslab.plugins.foundations.data import make_xor
    from keraslab.plugins.foundations.linear import best_linear_accuracy

    xor = make_xor(DataConfig())
    best_line = best_linear_accuracy(xor.features, xor.targets)
    assert mlp == 1.0
    # A line separates at most three of XOR's four corners: about 75% is the
    # ceiling of any linear classifier, and logistic regression gets no higher.
    assert 0.70 <= best_line <= 0.80
    assert logistic <= best_line


SPLIT_SEEDS = (0, 1, 2, 3, 4)
TRAINING_SEEDS = (0, 1, 2)


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, dataset, bar",
    [
        ("logistic-regression", "breast-cancer", 0.95),
        ("softmax-regression", "digits", 0.95),
        ("mlp", "digits", 0.97),
    ],
)
@pytest.mark.parametrize("seed", TRAINING_SEEDS)
def test_targets_over_five_fixed_splits_on_every_seed(registry, tmp_path, model, dataset, bar, seed):
    """The topic's targets as mean test accuracy over five fixed splits
    (data.seed 0..4), for each training seed: one 15% split of digits holds
    only 269 images, so one split moves by ±1.5 points with the split alone."""
    accuracies = [
        test_accuracy(registry, tmp_path, model, dataset, f"data.seed={split}", f"train.seed={seed}")
        for split in SPLIT_SEEDS
    ]
    print(
        model,
        dataset,
        "training seed",
        seed,
        "splits",
        [round(a, 4) for a in accuracies],
        "mean",
        round(float(np.mean(accuracies)), 4),
        "min",
        round(min(accuracies), 4),
    )
    assert np.mean(accuracies) >= bar


@pytest.mark.parametrize("model", [m.name for m in Registry().get("foundations").models])
def test_every_model_trains_and_exports(registry, tmp_path, model):
    from keraslab.core.actions import export_run
    from keraslab.core.export.predict import predict

    run, summary = actions.start_training(
        registry, "foundations", model, runs_root=str(tmp_path), overrides=["train.epochs=2", "data.synthetic=true"]
    )
    assert summary["epochs"] == 2
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    shape = json.loads((version / "assets.extra" / "keraslab.json").read_text())["input"]["shape"][1:]
    features = np.zeros((2, *shape)).tolist()
    response = predict(str(version), {"instances": features})
    assert len(response["predictions"]) == 2
