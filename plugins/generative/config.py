"""Configurations of the generative models; each is checked when it is made."""

from __future__ import annotations

import dataclasses
from typing import Literal, Tuple

from keraslab.core.api import ConfigError, OptimizerConfig, RunConfig, ScheduleConfig

GAN_LOSSES = ("non-saturating", "minimax", "wasserstein")


def check_positive(config, *keys: str) -> None:
    """Every named field at least 1 (a tuple field: each element at least 1)."""
    for key in keys:
        value = getattr(config, key)
        values = value if isinstance(value, tuple) else (value,)
        if not values or min(values) < 1:
            raise ConfigError(
                f"Config key 'model.{key}' must be at least 1"
                f"{' for every layer' if isinstance(value, tuple) else ''}, received "
                f"{list(value) if isinstance(value, tuple) else value}."
            )


def check_fraction(value: float, key: str, low: float = 0.0, high: float = 1.0) -> None:
    if not low <= value < high:
        raise ConfigError(f"Config key 'model.{key}' must be in [{low:g}, {high:g}), received {value}.")


@dataclasses.dataclass(frozen=True)
class FlowConfig:
    """A normalizing flow over points of a few dimensions.

    Attributes:
        layers: coupling (RealNVP) or autoregressive (MAF) bijectors.
        hidden_units: sizes of each conditioner's hidden layers.
    """

    layers: int = 8
    hidden_units: Tuple[int, ...] = (64, 64)

    def __post_init__(self):
        check_positive(self, "layers", "hidden_units")


@dataclasses.dataclass(frozen=True)
class AutoencoderConfig:
    """An autoencoder of images.

    Attributes:
        architecture: "dense" (MLP encoder and decoder) or "conv"
            (strided convolutions and transposed convolutions).
        hidden_units: dense: hidden layer sizes of the encoder (the decoder
            mirrors them); conv: filters of each convolution.
        code_dim: size of the code (bottleneck).
        linear: no hidden layers and no nonlinearity anywhere: the linear
            autoencoder, whose decoder spans PCA's top `code_dim` components.
        noise_stddev: denoising: Gaussian noise of this σ is added to the
            inputs during training (0: a plain autoencoder).
    """

    architecture: Literal["dense", "conv"] = "dense"
    hidden_units: Tuple[int, ...] = (128,)
    code_dim: int = 8
    linear: bool = False
    noise_stddev: float = 0.0

    def __post_init__(self):
        if self.architecture not in ("dense", "conv"):
            raise ConfigError(
                f"Unknown autoencoder architecture '{self.architecture}' (model.architecture). Accepted: dense, conv."
            )
        check_positive(self, "code_dim", "hidden_units")
        if self.noise_stddev < 0:
            raise ConfigError(f"Config key 'model.noise_stddev' must be at least 0, received {self.noise_stddev}.")


@dataclasses.dataclass(frozen=True)
class VAEConfig:
    """A variational autoencoder of binary images.

    Attributes:
        latent_dim: dimension of z.
        hidden_units: encoder hidden layers (the decoder mirrors them).
        beta: weight of the KL term (1: the VAE; β > 1: β-VAE).
        conditional: condition encoder and decoder on the label (CVAE).
        flow_layers: inverse autoregressive flow steps refining q(z|x)
            (0: the plain diagonal Gaussian posterior).
        flow_hidden_units: hidden units of each IAF step's MADE.
        importance_samples: K of the importance-weighted bound reported on
            the test split.
    """

    latent_dim: int = 8
    hidden_units: Tuple[int, ...] = (256, 128)
    beta: float = 1.0
    conditional: bool = False
    flow_layers: int = 0
    flow_hidden_units: int = 64
    importance_samples: int = 200

    def __post_init__(self):
        check_positive(self, "latent_dim", "hidden_units", "flow_hidden_units", "importance_samples")
        if self.beta < 0:
            raise ConfigError(
                f"Config key 'model.beta' must be at least 0 (β weighs the KL term), received {self.beta}."
            )
        if self.flow_layers < 0:
            raise ConfigError(f"Config key 'model.flow_layers' must be at least 0, received {self.flow_layers}.")


@dataclasses.dataclass(frozen=True)
class GANConfig:
    """A generative adversarial network of images.

    Attributes:
        latent_dim: dimension of the generator's noise z ~ N(0, I).
        hidden_units: generator hidden layers (the critic mirrors them).
        loss: "non-saturating" (the generator maximises log D(G(z))),
            "minimax" (it minimises log(1 − D(G(z)))) or "wasserstein"
            (a critic with a gradient penalty, WGAN-GP).
        label_smoothing: one-sided label smoothing: real examples are
            labelled this value for the discriminator (1: none).
        gradient_penalty: λ of WGAN-GP's penalty (E[(‖∇D(x̂)‖ − 1)²]).
        critic_steps: critic updates per generator update.
        conditional: condition both networks on the label (cGAN).
        dropout: dropout in the discriminator.
        adam_beta_1: β₁ of both players' Adam optimizers.
    """

    latent_dim: int = 32
    hidden_units: Tuple[int, ...] = (256, 256)
    loss: Literal["non-saturating", "minimax", "wasserstein"] = "non-saturating"
    label_smoothing: float = 0.9
    gradient_penalty: float = 10.0
    critic_steps: int = 1
    conditional: bool = False
    dropout: float = 0.3
    adam_beta_1: float = 0.5

    def __post_init__(self):
        if self.loss not in GAN_LOSSES:
            raise ConfigError(f"Unknown GAN loss '{self.loss}' (model.loss). Accepted: {', '.join(GAN_LOSSES)}.")
        check_positive(self, "latent_dim", "hidden_units", "critic_steps")
        if not 0.5 < self.label_smoothing <= 1.0:
            raise ConfigError(
                f"Config key 'model.label_smoothing' must be in (0.5, 1], received {self.label_smoothing}."
            )
        if self.gradient_penalty < 0:
            raise ConfigError(
                f"Config key 'model.gradient_penalty' must be at least 0, received {self.gradient_penalty}."
            )
        check_fraction(self.dropout, "dropout")
        check_fraction(self.adam_beta_1, "adam_beta_1")


@dataclasses.dataclass(frozen=True)
class RBMConfig:
    """A binary restricted Boltzmann machine.

    Attributes:
        hidden_units: number of binary hidden units.
        cd_steps: Gibbs steps k of contrastive divergence (CD-k).
        persistent: persistent CD: the negative chains carry over between
            updates instead of restarting at the data.
        chains: persistent chains (PCD only).
    """

    hidden_units: int = 128
    cd_steps: int = 1
    persistent: bool = False
    chains: int = 100

    def __post_init__(self):
        if self.hidden_units < 1:
            raise ConfigError(
                f"An RBM needs at least one hidden unit: model.hidden_units must be at least 1, "
                f"received {self.hidden_units}."
            )
        check_positive(self, "cd_steps", "chains")


@dataclasses.dataclass(frozen=True)
class AutoregressiveConfig:
    """An autoregressive density model of binary images.

    Attributes:
        hidden_units: NADE: its hidden layer size (first element); MADE:
            its masked hidden layers.
        filters: PixelCNN: feature maps of each masked convolution.
        conv_layers: PixelCNN: gated masked convolution layers after the
            first (mask A) one.
        kernel_size: PixelCNN: size of the masked kernels.
        dropout: PixelCNN: dropout of each gated block's output; MADE:
            dropout of its input pixels (training only, against
            over-fitting the 1,257 training digits).
    """

    hidden_units: Tuple[int, ...] = (256,)
    filters: int = 64
    conv_layers: int = 4
    kernel_size: int = 3
    dropout: float = 0.0

    def __post_init__(self):
        check_positive(self, "hidden_units", "filters", "conv_layers", "kernel_size")
        check_fraction(self.dropout, "dropout")
        if self.kernel_size % 2 == 0:
            raise ConfigError(f"Config key 'model.kernel_size' must be odd, received {self.kernel_size}.")


@dataclasses.dataclass(frozen=True)
class BernoulliConfig:
    """Independent Bernoulli pixels: the baseline every density model beats.

    Attributes:
        pseudo_count: Laplace smoothing of each pixel's frequency.
    """

    pseudo_count: float = 1.0


def _preset(
    config: RunConfig, epochs: int, batch_size: int, learning_rate: float, patience: int, monitor: str = "val_loss"
) -> RunConfig:
    train = dataclasses.replace(
        config.train, epochs=epochs, batch_size=batch_size, early_stopping_patience=patience, monitor=monitor
    )
    optimizer = dataclasses.replace(config.optimizer, learning_rate=learning_rate)
    return dataclasses.replace(config, train=train, optimizer=optimizer)


def flow_preset(config: RunConfig) -> RunConfig:
    """Flows on moons: Adam 1e-3 decayed by a cosine over 5,100 steps (300
    epochs of 2,100 points in batches of 128), no early stopping: with a
    constant rate and early stopping, RealNVP stopped at 1.358 nats."""
    config = _preset(config, epochs=300, batch_size=128, learning_rate=1e-3, patience=0)
    return dataclasses.replace(config, schedule=ScheduleConfig(name="cosine", decay_steps=5100))


def image_preset(config: RunConfig) -> RunConfig:
    """Density models and autoencoders of digits: Adam 1e-3, batch 64,
    up to 200 epochs, patience 20 on the validation loss."""
    return _preset(config, epochs=200, batch_size=64, learning_rate=1e-3, patience=20)


def linear_autoencoder_preset(config: RunConfig) -> RunConfig:
    """The linear autoencoder: Adam 3e-2 decayed by a cosine over 3,000 steps
    (150 epochs), no early stopping: the last directions converge slowly
    (at a rate set by the gap between eigenvalues k and k + 1), long after
    the validation loss has stopped moving. At 1e-2, one seed of two ended
    12.7° away from PCA's subspace."""
    config = _preset(config, epochs=150, batch_size=64, learning_rate=3e-2, patience=0)
    return dataclasses.replace(config, schedule=ScheduleConfig(name="cosine", decay_steps=3000))


def gan_preset(config: RunConfig) -> RunConfig:
    """GANs: Adam 2e-4 for both players, batch 64, 300 epochs, no early
    stopping (a GAN's losses do not say when its samples are best)."""
    return _preset(config, epochs=300, batch_size=64, learning_rate=2e-4, patience=0)


def rbm_preset(config: RunConfig) -> RunConfig:
    """RBMs: SGD 0.05 with momentum 0.5, batch 32, 100 epochs."""
    config = _preset(config, epochs=100, batch_size=32, learning_rate=0.05, patience=0)
    return dataclasses.replace(config, optimizer=OptimizerConfig(name="sgd", learning_rate=0.05, momentum=0.5))
