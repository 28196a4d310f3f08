"""Models of the foundations topic, built from Keras layers.

Every model takes raw features: standardisation with the training split's
statistics is a layer of the model, so an export needs no preprocessing by
the client. Classifiers return logits; the loss and the export apply the
softmax (or the sigmoid for a single logit).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo, serving_default
from keraslab.plugins.foundations.config import LinearConfig, MLPConfig


def standardizer(info: DataInfo) -> tf.keras.layers.Layer:
    """x ↦ (x − μ) / σ with μ, σ of the training split.

    σ is floored at 1e-3 of the largest feature's σ, so a feature that never
    varies in training (a blank pixel) does not blow up when it does at test
    time.
    """
    features = np.asarray(info.train_features, dtype=np.float64).reshape(len(info.train_features), -1)
    mean = features.mean(axis=0)
    std = features.std(axis=0)
    std = np.maximum(std, 1e-3 * max(std.max(), 1e-12))
    return tf.keras.layers.Normalization(mean=mean, variance=std**2, name="standardize")


def _inputs(info: DataInfo) -> tf.keras.Input:
    return tf.keras.Input(shape=info.input_shape, name="features", dtype=tf.float32)


def build_logistic_regression(config: LinearConfig, info: DataInfo) -> tf.keras.Model:
    """Binary logistic regression: p(y=1 | x) = σ(wᵀx + b).

    Trained on the binary cross-entropy −[y log p + (1−y) log(1−p)].
    """
    return _linear(config, info, binary=True, name="logistic_regression")


def build_softmax_regression(config: LinearConfig, info: DataInfo) -> tf.keras.Model:
    """Multinomial logistic regression: p(y=k | x) = softmax(Wx + b)_k."""
    return _linear(config, info, binary=False, name="softmax_regression")


def _linear(config: LinearConfig, info: DataInfo, binary: bool, name: str) -> tf.keras.Model:
    inputs = _inputs(info)
    x = tf.keras.layers.Flatten()(inputs)
    if config.standardize:
        x = standardizer(info)(x)
    units = 1 if binary else int(info.num_classes)
    logits = tf.keras.layers.Dense(units, name="logits")(x)
    return tf.keras.Model(inputs, logits, name=name)


def build_mlp(config: MLPConfig, info: DataInfo) -> tf.keras.Model:
    """A multi-layer perceptron h_{l+1} = φ(W_l h_l + b_l) with a linear read-out.

    Binary data (two classes) gets one logit, other data one per class.
    """
    inputs = _inputs(info)
    x = tf.keras.layers.Flatten()(inputs)
    if config.standardize:
        x = standardizer(info)(x)
    for i, units in enumerate(config.hidden_units):
        x = tf.keras.layers.Dense(units, use_bias=not config.batch_norm, name=f"dense_{i}")(x)
        if config.batch_norm:
            x = tf.keras.layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = tf.keras.layers.Activation(config.activation, name=f"{config.activation}_{i}")(x)
        if config.dropout:
            x = tf.keras.layers.Dropout(config.dropout, name=f"dropout_{i}")(x)
    units = 1 if info.num_classes == 2 else int(info.num_classes)
    logits = tf.keras.layers.Dense(units, name="logits")(x)
    return tf.keras.Model(inputs, logits, name="mlp")


def build_linear_regression(config: LinearConfig, info: DataInfo) -> tf.keras.Model:
    """Linear regression ŷ = wᵀx + b on standardised features, trained on
    the mean squared error (the closed form is in `foundations.linear`)."""
    inputs = _inputs(info)
    x = tf.keras.layers.Flatten()(inputs)
    if config.standardize:
        x = standardizer(info)(x)
    prediction = tf.keras.layers.Dense(1, name="prediction")(x)
    return tf.keras.Model(inputs, prediction, name="linear_regression")


class Perceptron(tf.keras.Model):
    """Rosenblatt's perceptron (1958), trained by its own rule.

    With labels s = ±1 and score f(x) = wᵀx + b, the perceptron criterion
    J(w) = −Σ_{i misclassified} s_i f(x_i) / n (Duda & Hart, 1973) has
    gradient −Σ_{misclassified} s_i x_i / n, so a gradient step of size η is
    the (batch) perceptron update w ← w + η Σ s_i x_i / n over the mistakes.
    """

    def __init__(self, config: LinearConfig, info: DataInfo):
        super().__init__(name="perceptron")
        self.standardize = standardizer(info) if config.standardize else None
        self.score = tf.keras.layers.Dense(1, name="score")
        self.accuracy_tracker = tf.keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)
        self.mistakes = tf.keras.metrics.Mean(name="mistakes")

    def call(self, x, training=False):
        x = tf.reshape(tf.cast(x, tf.float32), [tf.shape(x)[0], -1])
        return self.score(self.standardize(x) if self.standardize is not None else x)

    @property
    def metrics(self):
        return [self.accuracy_tracker, self.mistakes]

    def _measure(self, x, y, scores):
        signs = 2.0 * tf.cast(tf.reshape(y, [-1, 1]), tf.float32) - 1.0
        wrong = tf.cast(signs * scores <= 0, tf.float32)
        self.accuracy_tracker.update_state(tf.reshape(y, [-1, 1]), scores)
        self.mistakes.update_state(wrong)  # a mean over examples, not batches
        return signs, wrong

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            scores = self(x, training=True)
            signs, wrong = self._measure(x, y, scores)
            criterion = -tf.reduce_mean(tf.stop_gradient(wrong) * signs * scores)
        gradients = tape.gradient(criterion, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        self._measure(x, y, self(x, training=False))
        return {m.name: m.result() for m in self.metrics}


def build_perceptron(config: LinearConfig, info: DataInfo) -> tf.keras.Model:
    model = Perceptron(config, info)
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_perceptron(model, context):
    """serving_default: the raw `score` f(x) and `class_id` = 1[f(x) > 0]
    (a perceptron's score is no probability, so none is served)."""

    def outputs(features):
        score = model(features)[:, 0]
        return {"score": score, "class_id": tf.cast(score > 0, tf.int64)}

    return serving_default(context, outputs)
