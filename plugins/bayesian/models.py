"""Bayesian models: weights with distributions, predictives with uncertainty.

Classifiers return logits and regressors their prediction from one forward
pass; a stochastic model (TFP layers draw new weights, Monte-Carlo dropout
new masks, on every call) gives a different answer on each pass, and its
predictive is the average over `samples` passes
p(y | x) ≈ (1/S) Σ_s p(y | x, w_s), w_s ~ q(w).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.contract import DataInfo
from keraslab.plugins.bayesian.config import DropoutConfig, HeteroscedasticConfig, VariationalConfig

layers = tf.keras.layers


def standardizer(info: DataInfo) -> layers.Layer:
    """(x − mean) / std of the training features, as a layer of the model."""
    features = np.asarray(info.train_features, np.float64).reshape(len(info.train_features), -1)
    std = features.std(axis=0)
    return layers.Normalization(mean=features.mean(axis=0), variance=np.where(std > 0, std, 1.0) ** 2,
                                name="standardize")


def features_input(info: DataInfo) -> tf.keras.Input:
    return tf.keras.Input(shape=info.input_shape, name="features", dtype=tf.float32)


def normal_prior(scale: float):
    """The prior p(w) = Π N(w_i; 0, scale²) in the form TFP layers take."""
    import tensorflow_probability as tfp

    def make_prior(dtype, shape, name, trainable, add_variable_fn):
        del name, trainable, add_variable_fn
        return tfp.distributions.Independent(
            tfp.distributions.Normal(loc=tf.zeros(shape, dtype), scale=tf.constant(scale, dtype)),
            reinterpreted_batch_ndims=len(shape))

    return make_prior


def kl_per_example(info: DataInfo):
    """KL(q ‖ p) / N. The loss per batch is then the mean negative
    log-likelihood plus KL / N: the negative ELBO divided by N (Blundell et
    al., 2015, eq. 8 with the KL spread evenly over the N examples)."""
    import tensorflow_probability as tfp

    examples = float(info.num_train_examples)
    return lambda q, p, _: tfp.distributions.kl_divergence(q, p) / examples


def build_variational(config: VariationalConfig, info: DataInfo) -> tf.keras.Model:
    """An MLP of Bayesian dense layers: each kernel has a mean-field Gaussian
    posterior q(w) = Π N(μ_i, σ_i²) learned by Bayes by backprop."""
    import tensorflow_probability as tfp

    dense = tfp.layers.DenseFlipout if config.estimator == "flipout" else tfp.layers.DenseReparameterization
    options = dict(kernel_prior_fn=normal_prior(config.prior_scale), kernel_divergence_fn=kl_per_example(info))
    inputs = features_input(info)
    x = standardizer(info)(layers.Flatten()(inputs))
    for i, units in enumerate(config.hidden_units):
        x = dense(units, activation="relu", name=f"bayes_dense_{i}", **options)(x)
    logits = dense(int(info.num_classes), name="logits", **options)(x)
    model = tf.keras.Model(inputs, logits, name=f"bnn_{config.estimator}")
    model.predictive_samples = config.samples
    return model


class MonteCarloDropout(layers.Dropout):
    """Dropout that stays on at prediction time: each call samples a new
    mask, i.e. new weights from the Bernoulli variational posterior."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


def build_dropout_mlp(config: DropoutConfig, info: DataInfo) -> tf.keras.Model:
    """MLP with dropout after every hidden layer; Monte-Carlo dropout when
    `monte_carlo`, otherwise the deterministic baseline of the same size."""
    drop = MonteCarloDropout if config.monte_carlo else layers.Dropout
    inputs = features_input(info)
    x = standardizer(info)(layers.Flatten()(inputs))
    for i, units in enumerate(config.hidden_units):
        x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        if config.dropout:
            x = drop(config.dropout, name=f"dropout_{i}")(x)
    logits = layers.Dense(int(info.num_classes), name="logits")(x)
    model = tf.keras.Model(inputs, logits, name="mc_dropout" if config.monte_carlo else "deterministic")
    model.predictive_samples = config.samples if config.monte_carlo else 1
    return model


def gaussian_nll(y: tf.Tensor, mean: tf.Tensor, scale: tf.Tensor) -> tf.Tensor:
    """−log N(y; μ, σ²) up to the constant ½ log 2π: (y − μ)²/(2σ²) + log σ, per example."""
    return tf.reduce_sum(tf.square(y - mean) / (2.0 * tf.square(scale)) + tf.math.log(scale), axis=-1)


class Heteroscedastic(tf.keras.Model):
    """Regression with input-dependent noise (Nix & Weigend, 1994): the
    network outputs μ(x) and σ(x) = softplus(s(x)) + 10⁻³ and is trained on
    the Gaussian negative log-likelihood, so σ(x) learns the aleatoric noise."""

    def __init__(self, config: HeteroscedasticConfig, info: DataInfo):
        super().__init__(name="heteroscedastic")
        inputs = features_input(info)
        x = standardizer(info)(layers.Flatten()(inputs))
        for i, units in enumerate(config.hidden_units):
            x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        train_targets = np.asarray(info.train_targets, np.float64).reshape(info.num_train_examples, -1)
        targets = train_targets.shape[1]
        target_scale = float(train_targets.std()) or 1.0
        target_mean = float(train_targets.mean())
        mean = layers.Dense(targets, name="mean")(x)
        raw_scale = layers.Dense(targets, name="raw_scale")(x)
        # The outputs are in the targets' units: the heads work on unit scale.
        outputs = {"mean": layers.Rescaling(target_scale, offset=target_mean, name="mean_in_target_units")(mean),
                   "stddev": layers.Lambda(lambda s: target_scale * (tf.nn.softplus(s) + 1e-3),
                                           name="stddev")(raw_scale)}
        self.network = tf.keras.Model(inputs, outputs)
        self.loss_tracker = tf.keras.metrics.Mean(name="loss")
        self.mae_tracker = tf.keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, x, training=False):
        return self.network(x, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_tracker]

    def _loss(self, data, training):
        x, y = data
        out = self(x, training=training)
        y = tf.reshape(tf.cast(y, out["mean"].dtype), tf.shape(out["mean"]))  # (n,) targets as (n, 1)
        loss = tf.reduce_mean(gaussian_nll(y, out["mean"], out["stddev"]))
        self.mae_tracker.update_state(y, out["mean"])
        return loss

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = self._loss(data, training=True)
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        self.loss_tracker.update_state(self._loss(data, training=False))
        return {m.name: m.result() for m in self.metrics}


def build_heteroscedastic(config: HeteroscedasticConfig, info: DataInfo) -> tf.keras.Model:
    model = Heteroscedastic(config, info)
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_heteroscedastic(model, context):
    """serving_default: `mean` and `stddev` (the aleatoric σ(x)) per input."""
    from keraslab.core.export.signatures import serving_default

    return serving_default(context, lambda features: model(features, training=False))
