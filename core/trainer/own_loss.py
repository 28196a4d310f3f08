"""A base for models trained on a loss of their own (`training: custom_step`)."""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf


class OwnLossModel(tf.keras.Model):
    """`train_step` and `test_step` for a model that defines its loss.

    A subclass implements `own_loss(data, training)`, the scalar loss of a
    batch (updating its own metrics on the way), and lists those metrics in
    `own_metrics`. Training minimises own loss + the layers' regularisation
    losses (`train.l1`, `train.l2`, KL terms) with the compiled optimizer;
    the reported `loss` is that total, averaged over batches.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loss_tracker = tf.keras.metrics.Mean(name="loss")

    def own_loss(self, data, training: bool) -> tf.Tensor:
        raise NotImplementedError

    @property
    def own_metrics(self) -> Sequence[tf.keras.metrics.Metric]:
        return ()

    def get_config(self):
        """Only the name: keraslab rebuilds these models from their run's
        config.yaml, never from a Keras config (saving a SavedModel asks)."""
        return {"name": self.name}

    @property
    def metrics(self):
        return [self.loss_tracker, *self.own_metrics]

    @property
    def training_metrics(self) -> Sequence[tf.keras.metrics.Metric]:
        """The metrics `train_step` reports: all of them, unless a model
        measures some only in evaluation (a decoding's exact match)."""
        return self.metrics

    def _total_loss(self, data, training: bool) -> tf.Tensor:
        return self.own_loss(data, training=training) + tf.add_n(self.losses or [0.0])

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = self._total_loss(data, training=True)
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {m.name: m.result() for m in self.training_metrics}

    def test_step(self, data):
        self.loss_tracker.update_state(self._total_loss(data, training=False))
        return {m.name: m.result() for m in self.metrics}
