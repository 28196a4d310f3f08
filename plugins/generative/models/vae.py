"""Variational autoencoders of binary images.

A VAE (Kingma and Welling, 2014, "Auto-encoding variational Bayes") pairs
a decoder p(x|z) (Bernoulli pixels), a prior p(z) = N(0, I) and an encoder
q(z|x) = N(μ(x), diag σ(x)²), trained to maximise the evidence lower bound

    ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) ≤ log p(x),

with z = μ + σ ⊙ ε, ε ~ N(0, I) (the reparameterisation trick), so the
gradient flows through the sample.

* `beta-vae` (Higgins et al., 2017): the KL term weighted by β (training
  only; the reported bound is always the ELBO with β = 1).
* `cvae` (Sohn, Lee and Yan, 2015): encoder and decoder see the label y;
  its bound is of log p(x | y).
* `vae-flow`: q(z|x) refined by an inverse autoregressive flow (Kingma et
  al., 2016, "Improved variational inference with inverse autoregressive
  flow"): T steps z ← g ⊙ z + (1 − g) ⊙ m, with (m, g) from a MADE
  (`tfb.AutoregressiveNetwork`) of z conditioned on the encoder's features,
  g = σ(s + 1); log q(z_T|x) = log q(z₀|x) − Σ_t Σ_i log g_t,i. The KL term
  is then estimated by Monte Carlo, log q(z_T|x) − log p(z_T).

The test bound reported beside the ELBO is the importance-weighted bound
(Burda, Grosse and Salakhutdinov, 2016) with K samples,

    log p(x) ≥ log (1/K) Σ_k p(x, z_k) / q(z_k|x),   z_k ~ q(z|x),

which tightens towards log p(x) as K grows.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from keraslab.core.api import DataInfo, KeraslabError
from keraslab.plugins.generative.config import VAEConfig
from keraslab.plugins.generative.models.autoregressive import bernoulli_log_prob
from keraslab.plugins.generative.models.density import (
    DensityModel,
    LabelConditioning,
    features_of,
    labels_of,
    stateless_seed,
)

LOG_2PI = math.log(2 * math.pi)


def normal_log_prob(z, mean, log_sigma):
    """Σ_i log N(z_i; μ_i, σ_i²)."""
    return tf.reduce_sum(-0.5 * ((z - mean) * tf.exp(-log_sigma)) ** 2 - log_sigma - 0.5 * LOG_2PI, axis=-1)


class InverseAutoregressiveStep(tf.keras.layers.Layer):
    """One IAF step, z ← σ(s + 1) ⊙ z + (1 − σ(s + 1)) ⊙ m, then the order reversed."""

    def __init__(self, latent_dim: int, context_dim: int, hidden_units: int, **kwargs):
        super().__init__(**kwargs)
        self.made = tfp.bijectors.AutoregressiveNetwork(
            params=2,
            event_shape=[latent_dim],
            conditional=True,
            conditional_event_shape=[context_dim],
            hidden_units=[hidden_units, hidden_units],
            activation="elu",
        )

    def call(self, z, context):
        """Returns (new z, Σ_i log g_i per example)."""
        shift, gate_logit = tf.unstack(self.made(z, conditional_input=context), num=2, axis=-1)
        gate = tf.sigmoid(gate_logit + 1.0)
        moved = gate * z + (1.0 - gate) * shift
        return tf.reverse(moved, axis=[-1]), tf.reduce_sum(tf.math.log(gate), axis=-1)


class VAE(LabelConditioning, DensityModel):
    """Encoder q(z|x[,y]), decoder p(x|z[,y]), prior N(0, I); see the module docstring."""

    likelihood = "bound"

    def __init__(self, config: VAEConfig, image_shape, num_classes: int, **kwargs):
        super().__init__(sample_shape=image_shape, **kwargs)
        self.config = config
        self.num_classes = num_classes
        self.encoder_layers = [tf.keras.layers.Dense(units, activation="relu") for units in config.hidden_units]
        self.posterior = tf.keras.layers.Dense(2 * config.latent_dim)
        self.decoder_layers = [
            tf.keras.layers.Dense(units, activation="relu") for units in reversed(config.hidden_units)
        ]
        self.to_logits = tf.keras.layers.Dense(self.pixels)
        self.flow = [
            InverseAutoregressiveStep(
                config.latent_dim, config.hidden_units[-1], config.flow_hidden_units, name=f"iaf_{t}"
            )
            for t in range(config.flow_layers)
        ]
        self.elbo_tracker = tf.keras.metrics.Mean(name="elbo")
        self.kl_tracker = tf.keras.metrics.Mean(name="kl")

    @property
    def own_metrics(self):
        return (self.elbo_tracker, self.kl_tracker)

    def encode(self, x, labels=None):
        """(μ, log σ, features) of q(z|x[,y])."""
        hidden = self.with_label(tf.reshape(x, [-1, self.pixels]), labels)
        for layer in self.encoder_layers:
            hidden = layer(hidden)
        mean, log_sigma = tf.split(self.posterior(hidden), 2, axis=-1)
        return mean, tf.clip_by_value(log_sigma, -8.0, 4.0), hidden

    def decoder_logits(self, z, labels=None):
        hidden = self.with_label(z, labels)
        for layer in self.decoder_layers:
            hidden = layer(hidden)
        return tf.reshape(self.to_logits(hidden), [-1, *self.image_shape])

    def decode(self, z, labels=None):
        """The decoder's pixel probabilities E[x|z] (images in [0, 1])."""
        return tf.sigmoid(self.decoder_logits(z, labels))

    def posterior_sample(self, x, labels=None, noise=None):
        """(z ~ q(z|x), log q(z|x), closed-form KL or None) for one draw per example."""
        mean, log_sigma, features = self.encode(x, labels)
        noise = tf.random.normal(tf.shape(mean)) if noise is None else noise
        z = mean + tf.exp(log_sigma) * noise
        log_q = normal_log_prob(z, mean, log_sigma)
        for step in self.flow:
            z, log_gates = step(z, features)
            log_q -= log_gates
        closed_form_kl = None
        if not self.flow:
            closed_form_kl = tf.reduce_sum(0.5 * (tf.exp(2 * log_sigma) + mean**2 - 1.0) - log_sigma, axis=-1)
        return z, log_q, closed_form_kl

    def bound_terms(self, x, labels=None):
        """(E log p(x|z), KL) per example, one posterior draw."""
        z, log_q, closed_form_kl = self.posterior_sample(x, labels)
        reconstruction = bernoulli_log_prob(self.decoder_logits(z, labels), x)
        kl = closed_form_kl if closed_form_kl is not None else log_q - normal_log_prob(z, 0.0, 0.0)
        return reconstruction, kl

    def log_prob(self, x, labels=None):
        """The ELBO per example (β = 1): a stochastic lower bound of log p(x)."""
        reconstruction, kl = self.bound_terms(x, labels)
        return reconstruction - kl

    def own_loss(self, data, training: bool):
        x = features_of(data)
        labels = labels_of(data) if self.conditional else None
        reconstruction, kl = self.bound_terms(x, labels)
        self.elbo_tracker.update_state(reconstruction - kl)
        self.kl_tracker.update_state(kl)
        return -tf.reduce_mean(reconstruction - self.config.beta * kl)

    def elbo_by_label(self, x):
        """The bound of log p(x | y) for every label y, (n, classes)."""
        return self.under_every_label(self.log_prob, x)

    def call(self, inputs, training=None):
        """The ELBO of each image; a conditional model's bound of log p(x) =
        log Σ_y p(y) p(x|y) under uniform labels, log-sum-exp of its bounds."""
        if not self.conditional:
            return self.log_prob(inputs)
        return tf.reduce_logsumexp(self.elbo_by_label(inputs), axis=-1) - tf.math.log(float(self.num_classes))

    def importance_weighted_bound(self, x, labels=None, samples: int = 100):
        """log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x) per example, K = `samples`."""
        count = tf.shape(x)[0]
        repeated = tf.repeat(x, samples, axis=0)
        repeated_labels = None if labels is None else tf.repeat(labels, samples, axis=0)
        z, log_q, _ = self.posterior_sample(repeated, repeated_labels)
        log_joint = bernoulli_log_prob(self.decoder_logits(z, repeated_labels), repeated) + normal_log_prob(z, 0.0, 0.0)
        log_weights = tf.reshape(log_joint - log_q, [count, samples])
        return tf.reduce_logsumexp(log_weights, axis=1) - tf.math.log(tf.cast(samples, tf.float32))

    def sample(self, count, seed, labels=None):
        """Decoder means E[x|z] for z ~ N(0, I)."""
        z = tf.random.stateless_normal(tf.stack([count, self.config.latent_dim]), seed=stateless_seed(seed))
        return self.decode(z, labels)

    def extra_measures(self, splits) -> dict:
        """Test ELBO and the importance-weighted bound, both in nats per image."""
        test = splits.test
        samples = self.config.importance_samples
        elbos, bounds = [], []
        for start in range(0, len(test), 16):
            x = tf.constant(test.features[start : start + 16])
            labels = tf.constant(test.targets[start : start + 16]) if self.conditional else None
            elbos.append(np.mean([self.log_prob(x, labels).numpy() for _ in range(10)], axis=0))
            bounds.append(self.importance_weighted_bound(x, labels, samples).numpy())
        elbo, bound = float(np.mean(np.concatenate(elbos))), float(np.mean(np.concatenate(bounds)))
        return {
            "test_elbo": elbo,
            "test_iwae_bound": bound,
            "importance_samples": samples,
            "test_nll_bound": -bound,
            "beta": self.config.beta,
            "bound_of": "log p(x | y)" if self.conditional else "log p(x)",
        }

    def write_pictures(self, splits, run_path) -> None:
        """reconstructions.png: test digits (odd rows) above their reconstructions."""
        from keraslab.plugins.generative.pictures import save_grid

        test = splits.test
        x = test.features[:32]
        labels = tf.constant(test.targets[:32]) if self.conditional else None
        mean, _, _ = self.encode(tf.constant(x), labels)
        reconstructed = self.decode(mean, labels).numpy()
        rows = np.concatenate([np.concatenate([x[i : i + 8], reconstructed[i : i + 8]]) for i in range(0, 32, 8)])
        save_grid(
            rows, run_path / "reconstructions.png", f"{self.name}: test digits, and below them E[x|μ(x)]", columns=8
        )


def build_vae(config: VAEConfig, info: DataInfo) -> VAE:
    if len(info.input_shape) != 3:
        raise KeraslabError(
            f"VAEs here model images (height, width, channels); this dataset's examples have shape {info.input_shape}."
        )
    if config.conditional and not info.num_classes:
        raise KeraslabError(
            "A conditional VAE needs labelled images (digits-binary, or a file whose last column holds labels 0–9)."
        )
    names = {(False, False): "vae", (True, False): "cvae", (False, True): "vae_flow", (True, True): "cvae_flow"}
    model = VAE(
        config, info.input_shape, info.num_classes or 0, name=names[(config.conditional, config.flow_layers > 0)]
    )
    model.log_prob(tf.zeros([1, *info.input_shape]), tf.zeros([1], tf.int64) if config.conditional else None)
    return model


def export_vae(model: VAE, context) -> dict:
    """Signatures of a VAE.

    * `serving_default`: images → `latent_mean`, `latent_stddev`,
      `reconstruction` (E[x|μ(x)]) and `elbo`. A conditional model serves
      images → `elbo_by_label` (the bound of log p(x|y) for each y) and
      `class_id` (its arg max: the CVAE as a generative classifier), and
      `encode`: images, labels → the outputs above.
    * `decode`: latent codes (and labels) → images; `sample`: seed, count
      (or labels) → decoder means.
    """
    from keraslab.plugins.generative.models.exports import LABELS, image_spec, sample_signature

    def outputs(images, labels=None):
        mean, log_sigma, _ = model.encode(images, labels)
        return {
            "latent_mean": mean,
            "latent_stddev": tf.exp(log_sigma),
            "reconstruction": model.decode(mean, labels),
            "elbo": model.log_prob(images, labels),
        }

    def elbo_by_label(images):
        bounds = model.elbo_by_label(images)
        return {"elbo_by_label": bounds, "class_id": tf.argmax(bounds, axis=-1)}

    latent = tf.TensorSpec([None, model.config.latent_dim], tf.float32, name="latent")
    signatures = sample_signature(model)
    if model.conditional:
        signatures["serving_default"] = tf.function(elbo_by_label, input_signature=[image_spec(context)])
        signatures["encode"] = tf.function(outputs, input_signature=[image_spec(context), LABELS])
        signatures["decode"] = tf.function(
            lambda z, labels: {"images": model.decode(z, labels)}, input_signature=[latent, LABELS]
        )
    else:
        signatures["serving_default"] = tf.function(
            lambda images: outputs(images), input_signature=[image_spec(context)]
        )
        signatures["decode"] = tf.function(lambda z: {"images": model.decode(z)}, input_signature=[latent])
    return signatures
