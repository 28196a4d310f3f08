"""Configurations of the foundations models, and the presets that change the
shared defaults where these models need others."""

from __future__ import annotations

import dataclasses
from typing import Tuple

from keraslab.core.api import RunConfig


@dataclasses.dataclass(frozen=True)
class LinearConfig:
    """A linear model on standardised features.

    Attributes:
        standardize: standardise features inside the model with the training
            split's mean and standard deviation.
    """

    standardize: bool = True


@dataclasses.dataclass(frozen=True)
class MLPConfig:
    """A multi-layer perceptron.

    Attributes:
        hidden_units: width of each hidden layer, in order.
        activation: the hidden layers' activation (a Keras name).
        dropout: dropout rate after each hidden layer (0 disables).
        batch_norm: batch normalisation before each activation.
        standardize: standardise features inside the model.
    """

    hidden_units: Tuple[int, ...] = (128, 64)
    activation: str = "relu"
    dropout: float = 0.1
    batch_norm: bool = False
    standardize: bool = True


def linear_preset(config: RunConfig) -> RunConfig:
    """Linear models converge in more, cheaper epochs at a larger step; an L2
    penalty λ = 1e-3, chosen by validation accuracy on digits among
    {0, 1e-4, 3e-4, 1e-3, 3e-3}, keeps the weights of near-constant border
    pixels from fitting noise."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=1e-2),
        train=dataclasses.replace(config.train, epochs=100, batch_size=32, l2=1e-3),
    )


def perceptron_preset(config: RunConfig) -> RunConfig:
    """The perceptron rule is plain gradient descent on the perceptron criterion."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, name="sgd", learning_rate=0.1),
        train=dataclasses.replace(config.train, epochs=30, batch_size=16),
    )


def mlp_preset(config: RunConfig) -> RunConfig:
    return dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=30, batch_size=32))


def regression_preset(config: RunConfig) -> RunConfig:
    """Full-batch gradient descent: every step sees the whole training set."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, name="sgd", learning_rate=0.1),
        train=dataclasses.replace(config.train, epochs=300, batch_size=512),
        devices=dataclasses.replace(config.devices, steps_per_execution=1),
    )
