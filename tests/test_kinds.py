"""Every training kind of the contract runs through the one trainer and exports."""

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.export.predict import predict
from keraslab.core.registry import Registry
from keraslab.core.testing import check_plugin
from tests.kinds_plugin import plugin


@pytest.fixture
def kinds_registry():
    registry = Registry([])
    registry.add(plugin)
    return registry


def test_kinds_plugin_honours_the_contract():
    check_plugin(plugin)


def test_custom_train_step_trains_through_the_trainer(kinds_registry, tmp_path):
    run, summary = actions.start_training(
        kinds_registry,
        "kinds",
        "autoencoder",
        runs_root=str(tmp_path),
        overrides=["train.epochs=15", "optimizer.learning_rate=0.02"],
    )
    losses = [r["loss"] for r in run.metrics()]
    # The blobs' per-feature variance is about 2; a 2-D code of a 4-D linear
    # structure (plus noise of variance 0.16) must get well below it.
    assert losses[-1] < 0.5 * losses[0]
    assert summary["metrics"]["test"]["loss"] < 0.4
    version = export_run(kinds_registry, str(run.path), out=str(tmp_path / "exports"))
    x = [[3.0, 0.0, 3.0, 0.0]]
    code = predict(str(version), {"instances": x})["predictions"][0]
    assert len(code) == 2  # one output: the bare value per instance
    rebuilt = predict(str(version), {"instances": x}, signature="reconstruct")["predictions"][0]
    assert np.abs(np.array(rebuilt) - x[0]).max() < 1.0
    first = predict(str(version), {"inputs": {"seed": 7, "count": 5}}, signature="sample")["outputs"]
    again = predict(str(version), {"inputs": {"seed": 7, "count": 5}}, signature="sample")["outputs"]
    other = predict(str(version), {"inputs": {"seed": 8, "count": 5}}, signature="sample")["outputs"]
    assert np.array(first).shape == (5, 4)
    assert first == again and first != other  # samples are a function of the seed


def test_variational_model_trains_and_exports_monte_carlo(kinds_registry, tmp_path):
    run, summary = actions.start_training(
        kinds_registry,
        "kinds",
        "flipout",
        runs_root=str(tmp_path),
        overrides=["train.epochs=20", "optimizer.learning_rate=0.02"],
    )
    assert summary["metrics"]["test"]["accuracy"] > 0.9  # three separated blobs; chance is 1/3
    version = export_run(kinds_registry, str(run.path), out=str(tmp_path / "exports"), samples=200)
    ambiguous, clear = [1.5, 1.5, 1.5, 1.5], [3.0, 0.0, 3.0, 0.0]
    rows = predict(str(version), {"instances": [clear, ambiguous]})["predictions"]
    assert set(rows[0]) == {"mean", "stddev", "probabilities", "class_id", "entropy"}
    assert rows[0]["class_id"] == 1
    np.testing.assert_allclose(sum(rows[0]["probabilities"]), 1.0, rtol=1e-5)
    # Between the blobs the model is less sure than at a blob's centre.
    assert rows[1]["entropy"] > rows[0]["entropy"]

    # The export's Monte-Carlo mean matches the in-memory model's within MC error.
    import tensorflow as tf

    from keraslab.core.trainer.loop import load_trained

    spec = plugin.model("flipout")
    built = load_trained(plugin, spec, actions.load_run_config(spec, run), run)
    draws = np.stack([tf.nn.softmax(built.model(np.array([ambiguous], np.float32))).numpy()[0] for _ in range(400)])
    standard_error = draws.std(axis=0) / np.sqrt(200) + draws.std(axis=0) / np.sqrt(400)
    assert np.all(np.abs(np.array(rows[1]["mean"]) - draws.mean(axis=0)) <= 4 * standard_error + 1e-3)
