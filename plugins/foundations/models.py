"""Models of the foundations topic, built from Keras layers.

Every model takes raw features: standardisation with the training split's
statistics is a layer of the model, so an export needs no preprocessing by
the client. Classifiers return logits; the loss and the export apply the
softmax (or the sigmoid for a single logit).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.contract import DataInfo
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
