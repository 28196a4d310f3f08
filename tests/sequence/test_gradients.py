"""Gradients through time against a case worked out by hand."""

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core.errors import KeraslabError
from keraslab.plugins.sequence import gradients as g


def linear_rnn(recurrent_scale: float, steps: int) -> tf.keras.Model:
    """h_t = x_t W + h_{t−1} (a I): then ∂L/∂h_k = a^{T−k} ∂L/∂h_T exactly."""
    inputs = tf.keras.Input((steps, 1))
    x = tf.keras.layers.Rescaling(1.0, name="to_unit_range")(inputs)
    rnn = tf.keras.layers.SimpleRNN(
        2,
        activation=None,
        use_bias=False,
        name="simple_0",
        recurrent_initializer=tf.keras.initializers.Identity(recurrent_scale),
        kernel_initializer=tf.keras.initializers.Constant(0.3),
    )
    logits = tf.keras.layers.Dense(3, name="logits", kernel_initializer="glorot_uniform")(rnn(x))
    return tf.keras.Model(inputs, logits)


@pytest.mark.parametrize("scale", [0.5, 1.5])
def test_step_norms_shrink_or_grow_by_the_recurrent_factor(scale):
    model = linear_rnn(scale, steps=6)
    features = np.random.default_rng(0).normal(size=(8, 6, 1)).astype(np.float32)
    result = g.hidden_state_gradients(model, features, np.arange(8) % 3)
    ratios = result["step_norms"] / result["step_norms"][-1]
    np.testing.assert_allclose(ratios, scale ** np.arange(5, -1, -1), rtol=1e-4)
    # Clipping to a tenth of the gradient's norm scales every step by the same tenth.
    np.testing.assert_allclose(g.clipped(result, 0.1 * result["parameter_norm"]), 0.1 * result["step_norms"], rtol=1e-6)


def test_stacked_or_bidirectional_models_are_refused():
    inputs = tf.keras.Input((4, 1))
    x = tf.keras.layers.Bidirectional(tf.keras.layers.SimpleRNN(2))(inputs)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="logits")(x))
    with pytest.raises(KeraslabError, match="one unidirectional recurrent layer"):
        g.hidden_state_gradients(model, np.zeros((1, 4, 1), np.float32), np.zeros(1))
