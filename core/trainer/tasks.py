"""Loss and metrics by task: what `compile` gets for a model trained by `fit`."""

from __future__ import annotations

import tensorflow as tf


def loss_and_metrics(task: str, model: tf.keras.Model):
    """Returns (loss, metrics) for a model of `task`.

    Classifiers return logits: one per class (softmax cross-entropy), or a
    single logit for two classes (sigmoid cross-entropy). Regressors are fit
    by mean squared error. Other tasks carry their loss in the model
    (`train_step` or `add_loss`) and get none here.
    """
    if task == "classification":
        if model.output_shape[-1] == 1:
            return (
                tf.keras.losses.BinaryCrossentropy(from_logits=True),
                [tf.keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)],
            )
        return (
            tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            [tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
    if task == "regression":
        return tf.keras.losses.MeanSquaredError(), [tf.keras.metrics.MeanAbsoluteError(name="mae")]
    return None, []
