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

from keraslab.core.api import ConfigError, DataInfo, OwnLossModel
from keraslab.plugins.bayesian.config import DropoutConfig, EvidentialConfig, HeteroscedasticConfig, VariationalConfig

layers = tf.keras.layers


def standardizer(info: DataInfo) -> layers.Layer:
    """(x − mean) / std of the training features, as a layer of the model."""
    features = np.asarray(info.train_features, np.float64).reshape(len(info.train_features), -1)
    std = features.std(axis=0)
    return layers.Normalization(
        mean=features.mean(axis=0), variance=np.where(std > 0, std, 1.0) ** 2, name="standardize"
    )


def features_input(info: DataInfo) -> tf.keras.Input:
    return tf.keras.Input(shape=info.input_shape, name="features", dtype=tf.float32)


def normal_prior(scale: float):
    """The prior p(w) = Π N(w_i; 0, scale²) in the form TFP layers take."""
    import tensorflow_probability as tfp

    def make_prior(dtype, shape, name, trainable, add_variable_fn):
        del name, trainable, add_variable_fn
        return tfp.distributions.Independent(
            tfp.distributions.Normal(loc=tf.zeros(shape, dtype), scale=tf.constant(scale, dtype)),
            reinterpreted_batch_ndims=len(shape),
        )

    return make_prior


def kl_per_example(info: DataInfo, weight: float = 1.0):
    """β KL(q ‖ p) / N. The loss per batch is then the mean negative
    log-likelihood plus KL / N: the negative ELBO divided by N (Blundell et
    al., 2015, eq. 8 with the KL spread evenly over the N examples); β ≠ 1
    tempers it."""
    import tensorflow_probability as tfp

    scale = weight / float(info.num_train_examples)
    return lambda q, p, _: tfp.distributions.kl_divergence(q, p) * scale


def bayesian_dense(config: VariationalConfig, info: DataInfo):
    """A factory of TFP dense layers with the configured estimator, prior and KL / N."""
    import tensorflow_probability as tfp

    dense = tfp.layers.DenseFlipout if config.estimator == "flipout" else tfp.layers.DenseReparameterization
    prior, divergence = normal_prior(config.prior_scale), kl_per_example(info, config.kl_weight)
    options = dict(kernel_prior_fn=prior, kernel_divergence_fn=divergence)
    if config.bayesian_bias:
        options.update(
            bias_posterior_fn=tfp.layers.default_mean_field_normal_fn(),
            bias_prior_fn=prior,
            bias_divergence_fn=divergence,
        )
    return lambda units, **kwargs: dense(units, **options, **kwargs)


def as_image(x: tf.Tensor, info: DataInfo) -> tf.Tensor:
    """Image-shaped inputs as they are; n² flat features as n × n × 1 images."""
    if len(info.input_shape) == 3:
        return x
    features = int(np.prod(info.input_shape))
    side = int(round(np.sqrt(features)))
    if side * side != features:
        raise ConfigError(
            f"Config key 'model.conv_filters' needs images or a square number of features; "
            f"this dataset has inputs of shape {list(info.input_shape)}. Use conv_filters=[]."
        )
    return layers.Reshape((side, side, 1))(x)


def bayesian_convolutions(config: VariationalConfig, info: DataInfo, x: tf.Tensor) -> tf.Tensor:
    """3×3 Convolution2DFlipout layers (same prior, KL / N), each with 2×2 max pooling."""
    import tensorflow_probability as tfp

    prior, divergence = normal_prior(config.prior_scale), kl_per_example(info, config.kl_weight)
    x = as_image(x, info)
    for i, filters in enumerate(config.conv_filters):
        x = tfp.layers.Convolution2DFlipout(
            filters,
            3,
            padding="same",
            activation=config.activation,
            kernel_prior_fn=prior,
            kernel_divergence_fn=divergence,
            name=f"bayes_conv_{i}",
        )(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"pool_{i}")(x)
    return layers.Flatten()(x)


def bayesian_trunk(config: VariationalConfig, info: DataInfo):
    """(inputs, features): standardised inputs through Bayesian convolutions
    (if any) and dense layers."""
    dense = bayesian_dense(config, info)
    inputs = features_input(info)
    x = standardizer(info)(layers.Flatten()(inputs))
    if config.conv_filters:
        x = bayesian_convolutions(config, info, x)
    for i, units in enumerate(config.hidden_units):
        x = dense(units, activation=config.activation, name=f"bayes_dense_{i}")(x)
    return inputs, x


def build_variational(config: VariationalConfig, info: DataInfo) -> tf.keras.Model:
    """An MLP of Bayesian dense layers: each kernel has a mean-field Gaussian
    posterior q(w) = Π N(μ_i, σ_i²) learned by Bayes by backprop."""
    inputs, x = bayesian_trunk(config, info)
    logits = bayesian_dense(config, info)(int(info.num_classes), name="logits")(x)
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


def regression_trunk(hidden_units, info: DataInfo):
    """(inputs, features): standardised inputs through ReLU dense layers."""
    inputs = features_input(info)
    x = standardizer(info)(layers.Flatten()(inputs))
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
    return inputs, x


def target_statistics(info: DataInfo):
    """(targets per example, mean, standard deviation) of the training
    targets: heads work on unit scale, outputs are in the targets' units."""
    train_targets = np.asarray(info.train_targets, np.float64).reshape(info.num_train_examples, -1)
    return train_targets.shape[1], float(train_targets.mean()), float(train_targets.std()) or 1.0


def gaussian_nll(y: tf.Tensor, mean: tf.Tensor, scale: tf.Tensor) -> tf.Tensor:
    """−log N(y; μ, σ²) up to the constant ½ log 2π: (y − μ)²/(2σ²) + log σ, per example."""
    return tf.reduce_sum(tf.square(y - mean) / (2.0 * tf.square(scale)) + tf.math.log(scale), axis=-1)


def gaussian_outputs(mean: tf.Tensor, raw_scale: tf.Tensor, info: DataInfo) -> dict:
    """{"mean": μ, "stddev": σ = softplus(s) + 10⁻³} in the targets' units,
    from heads that work on unit scale."""
    _, target_mean, target_scale = target_statistics(info)
    return {
        "mean": layers.Rescaling(target_scale, offset=target_mean, name="mean_in_target_units")(mean),
        "stddev": layers.Lambda(lambda s: target_scale * (tf.nn.softplus(s) + 1e-3), name="stddev")(raw_scale),
    }


class GaussianRegressor(OwnLossModel):
    """A network of inputs → {"mean": μ(x), "stddev": σ(x)} trained on the
    Gaussian negative log-likelihood (plus its layers' losses, e.g. KL terms)."""

    def __init__(self, network: tf.keras.Model, name: str):
        super().__init__(name=name)
        self.network = network
        self.mae_tracker = tf.keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, x, training=False):
        return self.network(x, training=training)

    @property
    def own_metrics(self):
        return [self.mae_tracker]

    def own_loss(self, data, training):
        x, y = data
        out = self(x, training=training)
        y = tf.reshape(tf.cast(y, out["mean"].dtype), tf.shape(out["mean"]))  # (n,) targets as (n, 1)
        self.mae_tracker.update_state(y, out["mean"])
        return tf.reduce_mean(gaussian_nll(y, out["mean"], out["stddev"]))


def build_heteroscedastic(config: HeteroscedasticConfig, info: DataInfo) -> tf.keras.Model:
    """Regression with input-dependent noise (Nix & Weigend, 1994): the
    network outputs μ(x) and σ(x) and is trained on the Gaussian negative
    log-likelihood, so σ(x) learns the aleatoric noise."""
    inputs, x = regression_trunk(config.hidden_units, info)
    targets = target_statistics(info)[0]
    outputs = gaussian_outputs(layers.Dense(targets, name="mean")(x), layers.Dense(targets, name="raw_scale")(x), info)
    model = GaussianRegressor(tf.keras.Model(inputs, outputs), name="heteroscedastic")
    model(tf.zeros([1, *info.input_shape]))
    return model


def build_bayesian_regressor(config: VariationalConfig, info: DataInfo) -> tf.keras.Model:
    """Bayes by backprop for regression: Bayesian dense layers output μ(x, w)
    and σ(x, w), trained on the Gaussian negative log-likelihood of a weight
    draw plus β KL(q ‖ p) / N. One call is one pass; over passes w_s ~ q(w)
    the predictive splits as

        Var[y | x] = E_w[σ²(x, w)] (aleatoric) + Var_w[μ(x, w)] (epistemic).
    """
    inputs, x = bayesian_trunk(config, info)
    targets = target_statistics(info)[0]
    heads = bayesian_dense(config, info)(2 * targets, name="mean_and_scale")(x)
    outputs = gaussian_outputs(heads[:, :targets], heads[:, targets:], info)
    model = GaussianRegressor(tf.keras.Model(inputs, outputs), name=f"bnn_{config.estimator}_regressor")
    model(tf.zeros([1, *info.input_shape]))
    model.predictive_samples = config.samples
    return model


def export_bayesian_regressor(model, context):
    """serving_default over `context.samples` passes inside the graph: `mean`
    of μ, aleatoric `stddev` √E[σ²] and `epistemic_stddev` √Var[μ]."""
    from keraslab.core.api import serving_default

    def outputs(features):
        draws = [model(features, training=False) for _ in range(context.samples)]
        means = tf.stack([d["mean"] for d in draws])
        variances = tf.stack([tf.square(d["stddev"]) for d in draws])
        return {
            "mean": tf.reduce_mean(means, axis=0),
            "stddev": tf.sqrt(tf.reduce_mean(variances, axis=0)),
            "epistemic_stddev": tf.math.reduce_std(means, axis=0),
        }

    return serving_default(context, outputs)


def export_regressor(model, context):
    """serving_default: `mean` and `stddev` (the aleatoric σ(x)) per input,
    and `epistemic_stddev` where the model gives one."""
    from keraslab.core.api import serving_default

    return serving_default(context, lambda features: model(features, training=False))


def evidential_nll(y, gamma, nu, alpha, beta) -> tf.Tensor:
    """−log St(y; γ, β(1+ν)/(να), 2α): the marginal likelihood of y under the
    Normal-Inverse-Gamma evidence (Amini et al., 2020, eq. 8), Ω = 2β(1 + ν):
    ½ log(π/ν) − α log Ω + (α + ½) log((y − γ)² ν + Ω) + log Γ(α) − log Γ(α + ½)."""
    omega = 2.0 * beta * (1.0 + nu)
    return (
        0.5 * tf.math.log(np.pi / nu)
        - alpha * tf.math.log(omega)
        + (alpha + 0.5) * tf.math.log(tf.square(y - gamma) * nu + omega)
        + tf.math.lgamma(alpha)
        - tf.math.lgamma(alpha + 0.5)
    )


class Evidential(OwnLossModel):
    """Deep evidential regression (Amini et al., 2020): one forward pass
    predicts the Normal-Inverse-Gamma parameters (γ, ν, α, β) of a prior
    over (μ, σ²), giving

        mean E[μ] = γ,  aleatoric E[σ²] = β / (α − 1),  epistemic Var[μ] = β / (ν (α − 1)).

    Loss = NLL of the evidence + λ |y − γ| (2ν + α): the regulariser takes
    evidence away from wrong predictions, so ν (the "virtual observations"
    of μ) stays small where the data give no support, e.g. in a gap.
    """

    def __init__(self, config: EvidentialConfig, info: DataInfo):
        super().__init__(name="evidential")
        inputs, x = regression_trunk(config.hidden_units, info)
        targets, self.target_mean, self.target_scale = target_statistics(info)
        positive = lambda name: layers.Dense(targets, activation="softplus", name=name)(x)  # noqa: E731
        self.network = tf.keras.Model(
            inputs,
            {
                "gamma": layers.Dense(targets, name="gamma")(x),
                "nu": positive("nu"),
                "alpha": layers.Lambda(lambda a: a + 1.0, name="alpha")(positive("alpha_minus_one")),
                "beta": positive("beta"),
            },
        )
        self.regularizer = config.regularizer
        self.mae_tracker = tf.keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, x, training=False):
        """`mean`, aleatoric `stddev` and `epistemic_stddev`, in the targets' units."""
        p = self.network(x, training=training)
        nu, alpha, beta = p["nu"] + 1e-6, p["alpha"] + 1e-6, p["beta"] + 1e-6
        return {
            "mean": p["gamma"] * self.target_scale + self.target_mean,
            "stddev": self.target_scale * tf.sqrt(beta / (alpha - 1.0)),
            "epistemic_stddev": self.target_scale * tf.sqrt(beta / (nu * (alpha - 1.0))),
        }

    @property
    def own_metrics(self):
        return [self.mae_tracker]

    def own_loss(self, data, training):
        x, y = data
        p = self.network(x, training=training)
        y = tf.reshape(tf.cast(y, p["gamma"].dtype), tf.shape(p["gamma"]))
        unit_y = (y - self.target_mean) / self.target_scale
        nu, alpha, beta = p["nu"] + 1e-6, p["alpha"] + 1e-6, p["beta"] + 1e-6
        nll = evidential_nll(unit_y, p["gamma"], nu, alpha, beta)
        penalty = tf.abs(unit_y - p["gamma"]) * (2.0 * nu + alpha)
        self.mae_tracker.update_state(y, p["gamma"] * self.target_scale + self.target_mean)
        return tf.reduce_mean(nll + self.regularizer * penalty)


def build_evidential(config: EvidentialConfig, info: DataInfo) -> tf.keras.Model:
    model = Evidential(config, info)
    model(tf.zeros([1, *info.input_shape]))
    return model


class Homoscedastic(OwnLossModel):
    """Multi-task regression weighted by one learned noise scale per task
    (Kendall, Gal & Cipolla, 2018): with σ_t = exp(s_t),

        L = Σ_t ‖y_t − f_t(x)‖² / (2σ_t²) + log σ_t,

    the Gaussian NLL of each task with its own homoscedastic noise. A noisy
    task gets a large σ_t and so a small weight, without tuning weights by hand.
    """

    def __init__(self, config: HeteroscedasticConfig, info: DataInfo):
        super().__init__(name="homoscedastic")
        inputs, x = regression_trunk(config.hidden_units, info)
        tasks, self.target_mean, self.target_scale = target_statistics(info)
        mean = layers.Dense(tasks, name="mean")(x)
        self.network = tf.keras.Model(inputs, layers.Rescaling(self.target_scale, offset=self.target_mean)(mean))
        self.log_scale = self.add_weight(name="log_task_scale", shape=(tasks,), initializer="zeros")
        self.mae_tracker = tf.keras.metrics.MeanAbsoluteError(name="mae")
        self.scale_trackers = [tf.keras.metrics.Mean(name=f"sigma_{t}") for t in range(tasks)]

    def task_scales(self) -> tf.Tensor:
        """σ_t in the targets' units."""
        return self.target_scale * tf.exp(self.log_scale)

    def call(self, x, training=False):
        mean = self.network(x, training=training)
        return {"mean": mean, "stddev": tf.ones_like(mean) * self.task_scales()}

    @property
    def own_metrics(self):
        return [self.mae_tracker, *self.scale_trackers]

    def own_loss(self, data, training):
        x, y = data
        out = self(x, training=training)
        y = tf.reshape(tf.cast(y, out["mean"].dtype), tf.shape(out["mean"]))
        self.mae_tracker.update_state(y, out["mean"])
        for t, tracker in enumerate(self.scale_trackers):
            tracker.update_state(self.task_scales()[t])
        return tf.reduce_mean(gaussian_nll(y, out["mean"], out["stddev"]))


def build_homoscedastic(config: HeteroscedasticConfig, info: DataInfo) -> tf.keras.Model:
    model = Homoscedastic(config, info)
    model(tf.zeros([1, *info.input_shape]))
    return model
