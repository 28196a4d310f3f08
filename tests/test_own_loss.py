"""The base of models with a loss of their own: train and test steps."""

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core.trainer.own_loss import OwnLossModel


class SquaredError(OwnLossModel):
    """ŷ = w x with an L2 penalty λ w² on its kernel."""

    def __init__(self, l2):
        super().__init__()
        self.dense = tf.keras.layers.Dense(
            1, use_bias=False, kernel_initializer="ones", kernel_regularizer=tf.keras.regularizers.L2(l2)
        )
        self.error = tf.keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, x, training=False):
        return self.dense(x)

    @property
    def own_metrics(self):
        return [self.error]

    def own_loss(self, data, training):
        x, y = data
        prediction = self(x, training=training)
        self.error.update_state(y, prediction)
        return tf.reduce_mean(tf.square(y - prediction))


def test_loss_and_its_gradient_include_the_regularisation():
    model = SquaredError(l2=0.5)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1))
    x, y = np.ones((4, 1), np.float32), np.full((4, 1), 3.0, np.float32)
    # w = 1: squared error (3 − 1)² = 4, penalty 0.5 · 1² = 0.5.
    assert model.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx({"loss": 4.5, "mae": 2.0})
    # The minimum of (3 − w)² + 0.5 w² is at w = 2 with loss 3; descending
    # the squared error alone would head for w = 3 (loss 4.5 with the penalty).
    model.fit(x, y, epochs=40, verbose=0)
    assert model.dense.kernel.numpy()[0, 0] == pytest.approx(2.0, abs=1e-3)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] == pytest.approx(3.0, abs=1e-4)
