"""Serving signatures for each kind of model, computed inside the graph.

A signature is a `tf.function` with one named input (the model's
`input_name`: "features", "image", ...) that returns a dict of named outputs:

* classifier: `probabilities` (softmax of the logits; for one logit,
  [1 − σ(z), σ(z)]) and `class_id`;
* regressor: `prediction`;
* variational model (TFP layers draw new weights on every call): S Monte-Carlo
  passes inside the graph, returning the predictive `mean` and `stddev`, and
  for classifiers the averaged `probabilities`, `class_id` and the predictive
  `entropy` H[p̄] = −Σ_k p̄_k log p̄_k.

A plugin replaces these for a model by setting `ModelSpec.export` to a
function `(model, ExportContext) -> {signature name: tf.function}`; it must
return a `serving_default`.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, Tuple

import tensorflow as tf

from keraslab.core.errors import KeraslabError


@dataclasses.dataclass(frozen=True)
class ExportContext:
    """What an export hook may know about the model it exports.

    Attributes:
        input_name: the serving input's name.
        input_shape: one example's shape, without the batch axis.
        input_dtype: the raw input dtype the signature accepts.
        task: the model's task ("classification", "regression", ...).
        training: the model's kind of training ("fit", "variational", ...).
        samples: Monte-Carlo samples per request for stochastic models.
    """

    input_name: str
    input_shape: Tuple[int, ...]
    input_dtype: str
    task: str
    training: str
    samples: int = 50


def serving_default(
    context: ExportContext, outputs: Callable[[tf.Tensor], Dict[str, tf.Tensor]], dtype: str = "float32"
) -> Dict[str, Callable]:
    """{"serving_default": f} for export hooks: f takes the model's named
    input (one example's shape, any batch size) and returns `outputs(input)`."""
    spec = tf.TensorSpec([None, *context.input_shape], tf.as_dtype(dtype), name=context.input_name)
    return {"serving_default": tf.function(outputs, input_signature=[spec])}


def image_signatures(
    context: ExportContext, outputs: Callable[[tf.Tensor], Dict[str, tf.Tensor]]
) -> Dict[str, Callable]:
    """Signatures of a model taking raw pixels: `serving_default` accepts
    float pixels, `serving_uint8` the same pixels as uint8 (decoded image
    bytes, four times smaller on the wire); both return `outputs(pixels)`
    with the pixels as float32."""
    signatures = serving_default(context, outputs)
    spec = tf.TensorSpec([None, *context.input_shape], tf.uint8, name=context.input_name)
    signatures["serving_uint8"] = tf.function(
        lambda pixels: outputs(tf.cast(pixels, tf.float32)), input_signature=[spec]
    )
    return signatures


def classifier_outputs(logits: tf.Tensor) -> Dict[str, tf.Tensor]:
    """`probabilities` (softmax; for one logit [1 − σ(z), σ(z)]) and `class_id`."""
    probabilities = _probabilities(logits)
    return {"probabilities": probabilities, "class_id": tf.argmax(probabilities, axis=-1)}


def default_signatures(model: tf.keras.Model, context: ExportContext) -> Dict[str, Callable]:
    """The core's signatures for the model's task and training kind."""
    spec = tf.TensorSpec([None, *context.input_shape], tf.as_dtype(context.input_dtype), name=context.input_name)
    if context.task not in ("classification", "regression"):
        raise KeraslabError(
            f"Models of task '{context.task}' need an export hook of their plugin (ModelSpec.export); "
            "the core exports classifiers and regressors."
        )
    if context.training == "variational":
        if context.samples < 1:
            raise KeraslabError(f"Monte-Carlo samples must be at least 1, received {context.samples}.")
        return {"serving_default": _monte_carlo(model, spec, context)}
    head = classifier_outputs if context.task == "classification" else _regressor_head

    @tf.function(input_signature=[spec])
    def serve(inputs):
        return head(model(tf.cast(inputs, tf.float32), training=False))

    return {"serving_default": serve}


def _probabilities(logits: tf.Tensor) -> tf.Tensor:
    logits = tf.cast(logits, tf.float32)
    if logits.shape[-1] == 1:
        p = tf.sigmoid(logits)
        return tf.concat([1.0 - p, p], axis=-1)
    return tf.nn.softmax(logits, axis=-1)


def _regressor_head(prediction: tf.Tensor) -> Dict[str, tf.Tensor]:
    return {"prediction": tf.cast(prediction, tf.float32)}


def _monte_carlo(model: tf.keras.Model, spec: tf.TensorSpec, context: ExportContext) -> Callable:
    classify = context.task == "classification"

    @tf.function(input_signature=[spec])
    def serve(inputs):
        x = tf.cast(inputs, tf.float32)

        def one_pass(_):
            output = model(x, training=False)
            return _probabilities(output) if classify else tf.cast(output, tf.float32)

        draws = tf.map_fn(one_pass, tf.range(context.samples), fn_output_signature=tf.float32)
        mean = tf.reduce_mean(draws, axis=0)
        outputs = {"mean": mean, "stddev": tf.math.reduce_std(draws, axis=0)}
        if classify:
            outputs["probabilities"] = mean
            outputs["class_id"] = tf.argmax(mean, axis=-1)
            outputs["entropy"] = -tf.reduce_sum(mean * tf.math.log(mean + 1e-12), axis=-1)
        return outputs

    return serve
