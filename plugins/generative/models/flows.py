"""Normalizing flows from `tfp.bijectors` with Keras conditioners.

A flow writes the data as an invertible transform of a simple base variable,
x = f(z), z ~ N(0, I), and scores it by the change of variables

    log p(x) = log N(f⁻¹(x); 0, I) + log |det ∂f⁻¹(x)/∂x|.

* `realnvp` (Dinh, Sohl-Dickstein and Bengio, 2017, "Density estimation
  using Real NVP"): affine coupling layers. Each keeps the first d
  coordinates and moves the rest, x₂ ↦ x₂ ⊙ exp(s(x₁)) + t(x₁); a
  permutation between layers lets every coordinate be moved.
* `maf` (Papamakarios, Pavlakou and Murray, 2017, "Masked autoregressive
  flow for density estimation"): each layer is autoregressive,
  xᵢ = zᵢ exp(αᵢ(x₍<ᵢ₎)) + μᵢ(x₍<ᵢ₎), with μ and α from a MADE
  (`tfb.AutoregressiveNetwork`): density evaluation in one pass, sampling
  in D passes.

The conditioners are Keras layers held by the Keras model, so the trainer
sees, checkpoints and updates their variables (TF1 templates such as
`tfb.real_nvp_default_template` would be invisible to it). Log-scales pass
through tanh, and each conditioner's last layer starts at zero, so every
layer starts as the identity.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from keraslab.core.api import DataInfo
from keraslab.plugins.generative.config import FlowConfig
from keraslab.plugins.generative.models.density import DensityModel, stateless_seed

tfb = tfp.bijectors
tfd = tfp.distributions


class CouplingConditioner(tf.keras.layers.Layer):
    """s(x₁), t(x₁) of an affine coupling layer: an MLP of the kept coordinates."""

    def __init__(self, hidden_units: Sequence[int], output_units: int, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [tf.keras.layers.Dense(units, activation="relu") for units in hidden_units]
        self.shift_and_log_scale = tf.keras.layers.Dense(2 * output_units, kernel_initializer="zeros")

    def call(self, kept, output_units=None, **condition_kwargs):
        hidden = kept
        for layer in self.hidden:
            hidden = layer(hidden)
        shift, log_scale = tf.split(self.shift_and_log_scale(hidden), 2, axis=-1)
        return shift, tf.tanh(log_scale)


class AutoregressiveConditioner(tf.keras.layers.Layer):
    """μ(x₍<ᵢ₎), α(x₍<ᵢ₎) of a MAF layer: a MADE with two outputs per coordinate."""

    def __init__(self, dimensions: int, hidden_units: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        self.made = tfb.AutoregressiveNetwork(
            params=2,
            event_shape=[dimensions],
            hidden_units=list(hidden_units),
            activation="relu",
            kernel_initializer="glorot_uniform",
        )

    def call(self, x):
        shift, log_scale = tf.unstack(self.made(x), num=2, axis=-1)
        return shift, tf.tanh(log_scale)


class Flow(DensityModel):
    """x = f(z), z ~ N(0, I): a chain of bijectors over a standard normal."""

    def __init__(
        self,
        bijectors: Sequence[tfb.Bijector],
        conditioners: Sequence[tf.keras.layers.Layer],
        dimensions: int,
        **kwargs,
    ):
        super().__init__(sample_shape=(dimensions,), **kwargs)
        self.conditioners = list(conditioners)
        self.dimensions = dimensions
        # Chain applies its last bijector first: f = b₁ ∘ … ∘ b_n.
        self.bijector = tfb.Chain(list(reversed(bijectors)))
        self.base = tfd.MultivariateNormalDiag(loc=tf.zeros(dimensions))

    def log_prob(self, x, labels=None):
        return self.base.log_prob(self.bijector.inverse(x)) + self.bijector.inverse_log_det_jacobian(x, event_ndims=1)

    def to_base(self, x):
        """f⁻¹(x): the data pushed through the flow to the base distribution."""
        return self.bijector.inverse(x)

    def sample(self, count, seed, labels=None):
        z = tf.random.stateless_normal(tf.stack([count, self.dimensions]), seed=stateless_seed(seed))
        return self.bijector.forward(z)


def _permutation(dimensions: int) -> tfb.Bijector:
    return tfb.Permute(permutation=list(reversed(range(dimensions))))


def build_realnvp(config: FlowConfig, info: DataInfo) -> Flow:
    """RealNVP: `config.layers` affine couplings with reversals between them."""
    dimensions = _dimensions(info)
    kept = dimensions // 2
    bijectors, conditioners = [], []
    for index in range(config.layers):
        conditioner = CouplingConditioner(config.hidden_units, dimensions - kept, name=f"coupling_{index}")
        conditioners.append(conditioner)
        bijectors.append(tfb.RealNVP(num_masked=kept, shift_and_log_scale_fn=conditioner))
        if index < config.layers - 1:
            bijectors.append(_permutation(dimensions))
    return _built(Flow(bijectors, conditioners, dimensions, name="realnvp"), dimensions)


def build_maf(config: FlowConfig, info: DataInfo) -> Flow:
    """MAF: `config.layers` masked autoregressive layers, orders reversed between them."""
    dimensions = _dimensions(info)
    bijectors, conditioners = [], []
    for index in range(config.layers):
        conditioner = AutoregressiveConditioner(dimensions, config.hidden_units, name=f"made_{index}")
        conditioners.append(conditioner)
        bijectors.append(tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=conditioner))
        if index < config.layers - 1:
            bijectors.append(_permutation(dimensions))
    return _built(Flow(bijectors, conditioners, dimensions, name="maf"), dimensions)


def _dimensions(info: DataInfo) -> int:
    if len(info.input_shape) != 1 or info.input_shape[0] < 2:
        from keraslab.core.api import KeraslabError

        raise KeraslabError(
            f"Flows take points of at least 2 coordinates (rows of numbers); this dataset's "
            f"examples have shape {info.input_shape}."
        )
    return info.input_shape[0]


def _built(flow: Flow, dimensions: int) -> Flow:
    flow(tf.zeros([1, dimensions]))  # creates every conditioner's variables
    return flow


def gaussian_nll(train: np.ndarray, test: np.ndarray) -> float:
    """Mean test NLL (nats) of the Gaussian fitted to `train` by maximum likelihood."""
    mean = train.mean(axis=0)
    covariance = np.cov(train, rowvar=False, bias=True)
    centred = test - mean
    _, log_det = np.linalg.slogdet(covariance)
    mahalanobis = np.einsum("ni,ij,nj->n", centred, np.linalg.inv(covariance), centred)
    return float(np.mean(0.5 * (mahalanobis + log_det + train.shape[1] * np.log(2 * np.pi))))


def export_flow(model: Flow, context) -> dict:
    """`serving_default` and `log_prob`: points → `log_prob`; `sample`:
    seed, count → `samples`."""
    from keraslab.plugins.generative.models.exports import sample_signature

    spec = tf.TensorSpec([None, *context.input_shape], tf.float32, name=context.input_name)
    score = tf.function(lambda points: {"log_prob": model.log_prob(points)}, input_signature=[spec])
    return {"serving_default": score, "log_prob": score, **sample_signature(model)}
