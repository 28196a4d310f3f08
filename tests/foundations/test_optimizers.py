"""Optimizers from their update equations agree with Keras step for step."""

import numpy as np
import pytest
import tensorflow as tf

from keraslab.plugins.foundations.optimizers import OPTIMIZERS, keras_counterpart


def _trajectory(optimizer, steps=25):
    """Parameters after each step on f(w) = Σ_i a_i (w_i − 1)⁴ + w·b, a
    non-quadratic loss whose gradients differ in scale across coordinates."""
    w = tf.Variable([0.5, 0.0, 2.0, 0.1])
    a = tf.constant([1.0, 2.0, 0.1, 0.5])
    b = tf.constant([0.3, -0.2, 0.1, 0.0])
    path = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(a * (w - 1.0) ** 4) + tf.tensordot(w, b, 1)
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        path.append(w.numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_matches_keras_step_for_step(name):
    ours = _trajectory(OPTIMIZERS[name](learning_rate=0.01))
    theirs = _trajectory(keras_counterpart(name, 0.01))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    assert np.all(np.isfinite(ours)) and np.abs(ours[-1] - ours[0]).max() > 1e-3  # it moved, and stayed finite


def test_usable_by_the_shared_trainer(tmp_path):
    """A Keras model compiles and fits with one of them."""
    from keraslab.plugins.foundations.optimizers import Adam

    x = np.random.default_rng(0).normal(size=(256, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], np.float32)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer=Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]


def test_the_shared_trainer_takes_them_by_reference(registry, tmp_path):
    from keraslab.core import actions

    _, summary = actions.start_training(
        registry,
        "foundations",
        "softmax-regression",
        runs_root=str(tmp_path),
        overrides=[
            "optimizer.name=keraslab.plugins.foundations.optimizers:Nesterov",
            "optimizer.learning_rate=0.05",
            "train.epochs=20",
        ],
    )
    assert summary["metrics"]["test"]["accuracy"] > 0.9  # digits, 10 classes


@pytest.mark.parametrize(
    "name, message",
    [
        ("adamw", "Accepted: adam, sgd, rmsprop, adagrad, or 'package.module:Class'"),
        ("keraslab.plugins.foundations.optimizers:Nope", "cannot load .* has no attribute 'Nope'"),
    ],
)
def test_bad_optimizer_names(registry, tmp_path, name, message):
    from keraslab.core import actions
    from keraslab.core.errors import KeraslabError

    with pytest.raises(KeraslabError, match=message):
        actions.start_training(
            registry,
            "foundations",
            "mlp",
            runs_root=str(tmp_path),
            overrides=[f"optimizer.name={name}", "data.synthetic=true", "train.epochs=1"],
        )
    assert not any(tmp_path.iterdir())  # refused before any run directory was made
