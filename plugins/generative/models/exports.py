"""Serving signatures the generative models share.

Every export carries `sample`: an int seed and a count in, `samples` out
(images in [0, 1] of shape (count, 8, 8, 1), or points). Conditional models
take `labels` (one per sample) instead of a count. The same seed gives the
same samples as `keraslab generative sample --seed`.
"""

from __future__ import annotations

import tensorflow as tf

SEED = tf.TensorSpec([], tf.int64, name="seed")
COUNT = tf.TensorSpec([], tf.int32, name="count")
LABELS = tf.TensorSpec([None], tf.int64, name="labels")


def sample_signature(model) -> dict:
    """{"sample": f}: seed, count (or labels) → samples."""
    if model.conditional:
        function = tf.function(
            lambda seed, labels: {"samples": model.sample(tf.size(labels), seed, labels)},
            input_signature=[SEED, LABELS],
        )
    else:
        function = tf.function(
            lambda seed, count: {"samples": model.sample(count, seed)}, input_signature=[SEED, COUNT]
        )
    return {"sample": function}


def image_spec(context) -> tf.TensorSpec:
    return tf.TensorSpec([None, *context.input_shape], tf.float32, name=context.input_name)


def export_image_density(model, context) -> dict:
    """An autoregressive model: `serving_default` and `log_prob` (images →
    `log_prob`, nats per image) and `sample`."""
    score = tf.function(lambda images: {"log_prob": model.log_prob(images)}, input_signature=[image_spec(context)])
    return {"serving_default": score, "log_prob": score, **sample_signature(model)}
