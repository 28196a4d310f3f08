"""Configurations of the bayesian models and their presets."""

from __future__ import annotations

import dataclasses
from typing import Literal, Tuple

from keraslab.core.api import ConfigError, RunConfig


def check_samples(samples: int) -> None:
    if samples < 1:
        raise ConfigError(f"Config key 'model.samples' must be at least 1 (Monte-Carlo passes), received {samples}.")


@dataclasses.dataclass(frozen=True)
class VariationalConfig:
    """Bayes by backprop (Blundell et al., 2015).

    Attributes:
        hidden_units: widths of the hidden layers.
        prior_scale: σ_p of the prior N(0, σ_p²) on every kernel weight.
        samples: Monte-Carlo forward passes of the predictive (reports, export).
        estimator: "flipout" (Wen et al., 2018: decorrelated perturbations
            within a batch) or "reparameterization" (one weight draw per batch).
        activation: of the hidden layers.
        conv_filters: Bayesian 3×3 convolutions (Convolution2DFlipout), each
            followed by 2×2 max pooling, before the dense layers; flat
            inputs of a square number of features are read as square images.
        bayesian_bias: biases get a posterior and prior too (by default they
            are point estimates, as in TFP's layers; measured worse on
            digits and gap-1d).
        kl_weight: β of the tempered objective NLL + β KL(q ‖ p) / N. β = 1
            is Bayes by backprop's ELBO; β < 1 a tempered ("cold") posterior
            (Wenzel et al., 2020), narrower than the Bayesian one. The
            default 0.1 was chosen on digits: with β = 1 the mean-field
            posterior is under-confident (lower accuracy, NLL and ECE
            worse than the deterministic network's; docs/topics/bayesian.md).
    """

    hidden_units: Tuple[int, ...] = (128,)
    prior_scale: float = 1.0
    samples: int = 50
    estimator: Literal["flipout", "reparameterization"] = "flipout"
    activation: str = "relu"
    conv_filters: Tuple[int, ...] = ()
    bayesian_bias: bool = False
    kl_weight: float = 0.1

    def __post_init__(self):
        if self.prior_scale <= 0:
            raise ConfigError(
                f"Config key 'model.prior_scale' must be > 0 (the prior's standard deviation), "
                f"received {self.prior_scale}."
            )
        if self.kl_weight <= 0:
            raise ConfigError(f"Config key 'model.kl_weight' must be > 0 (1 is the ELBO), received {self.kl_weight}.")
        check_samples(self.samples)


@dataclasses.dataclass(frozen=True)
class DropoutConfig:
    """An MLP with dropout; `monte_carlo` keeps dropout on at prediction
    time, the predictive then averaging `samples` passes (Gal & Ghahramani, 2016)."""

    hidden_units: Tuple[int, ...] = (128,)
    dropout: float = 0.2
    monte_carlo: bool = True
    samples: int = 50

    def __post_init__(self):
        check_samples(self.samples)


@dataclasses.dataclass(frozen=True)
class HeteroscedasticConfig:
    """A regressor of mean μ(x) and noise scale σ(x)."""

    hidden_units: Tuple[int, ...] = (64, 64)


@dataclasses.dataclass(frozen=True)
class EvidentialConfig:
    """Deep evidential regression.

    Attributes:
        hidden_units: widths of the hidden layers.
        regularizer: λ of the evidence regulariser |y − γ| (2ν + α).
    """

    hidden_units: Tuple[int, ...] = (64, 64)
    regularizer: float = 0.01


@dataclasses.dataclass(frozen=True)
class EvidentialClassifierConfig:
    """Evidential classification (Sensoy et al., 2018).

    Attributes:
        hidden_units: widths of the ReLU hidden layers.
        annealing_epochs: T of the KL weight λ_t = min(1, t / T), t in
            epochs (the paper's 10); 0 applies the whole KL from the start.
        evidence: the non-negative function of the last layer's outputs
            z: "exp" e^z (z clipped at 10), "softplus" log(1 + e^z) or
            "relu" max(0, z) (the paper's). Measured on digits, seeds 0–2
            (docs/topics/bayesian.md): exp 96.6% accurate, ECE 0.040;
            softplus 95.3%, ECE 0.161 (its evidence grows slowly, so
            E[p] stays under-confident); ReLU 85.8% (units die).
    """

    hidden_units: Tuple[int, ...] = (128,)
    annealing_epochs: float = 10.0
    evidence: Literal["exp", "softplus", "relu"] = "exp"

    def __post_init__(self):
        if self.annealing_epochs < 0:
            raise ConfigError(
                f"Config key 'model.annealing_epochs' must be >= 0 (epochs over which the KL weight "
                f"grows to 1), received {self.annealing_epochs}."
            )


def classifier_preset(config: RunConfig) -> RunConfig:
    return dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=100, batch_size=64))


def variational_preset(config: RunConfig) -> RunConfig:
    """The classifier preset, ending on a moving average of the variational
    parameters (`optimizer.average` 0.99, about the last 2 of 100 epochs):
    a mean-field posterior's parameters keep moving under Adam's noisy
    steps at a constant rate; the average sits nearer their centre. On
    digits (269 test images, seeds 0–4) `bnn-flipout`'s accuracy went from
    96.7 / 97.0 / 95.9 / 96.7 / 97.0% to 96.3 / 96.3 / 96.7 / 97.0 / 97.0%:
    the same mean, and no seed under 96% (β = 0.999 averaged too far back:
    95.5% at worst)."""
    config = classifier_preset(config)
    return dataclasses.replace(config, optimizer=dataclasses.replace(config.optimizer, average=0.99))


def regression_preset(config: RunConfig) -> RunConfig:
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=3e-3),
        train=dataclasses.replace(config.train, epochs=600, batch_size=64),
    )


def heteroscedastic_preset(config: RunConfig) -> RunConfig:
    """The regression preset with Adam's rate decayed by a cosine to zero
    over the whole run: at a constant 3e-3 the σ(x) head of one seed in
    three was still moving at epoch 600 (relative RMSE 0.21; 0.10 with the
    cosine on seeds 0, 1 and 2)."""
    config = regression_preset(config)
    return dataclasses.replace(config, schedule=dataclasses.replace(config.schedule, name="cosine", decay_steps=0))
