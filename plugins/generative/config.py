"""Configurations of the generative models. Numeric ranges are declared on
the fields (`ranged`) and checked by core before anything is built; choices
and constraints between values are checked when a config is made."""

from __future__ import annotations

import dataclasses
from typing import Literal, Tuple

from keraslab.core.api import ConfigError, OptimizerConfig, RunConfig, ScheduleConfig, ranged

GAN_LOSSES = ("non-saturating", "minimax", "wasserstein")


@dataclasses.dataclass(frozen=True)
class FlowConfig:
    """A normalizing flow over points of a few dimensions.

    Attributes:
        layers: coupling (RealNVP) or autoregressive (MAF) bijectors.
        hidden_units: sizes of each conditioner's hidden layers.
    """

    layers: int = ranged(8, at_least=1)
    hidden_units: Tuple[int, ...] = ranged((64, 64), at_least=1, nonempty=True)


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
    hidden_units: Tuple[int, ...] = ranged((128,), at_least=1, nonempty=True)
    code_dim: int = ranged(8, at_least=1)
    linear: bool = False
    noise_stddev: float = ranged(0.0, at_least=0)

    def __post_init__(self):
        if self.architecture not in ("dense", "conv"):
            raise ConfigError(
                f"Unknown autoencoder architecture '{self.architecture}' (model.architecture). Accepted: dense, conv."
            )


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

    latent_dim: int = ranged(8, at_least=1)
    hidden_units: Tuple[int, ...] = ranged((256, 128), at_least=1, nonempty=True)
    beta: float = ranged(1.0, at_least=0)
    conditional: bool = False
    flow_layers: int = ranged(0, at_least=0)
    flow_hidden_units: int = ranged(64, at_least=1)
    importance_samples: int = ranged(200, at_least=1)


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
        generator_average: β of the moving average of the generator's
            weights that samples come from (0: the last iterate's weights).
    """

    latent_dim: int = ranged(32, at_least=1)
    hidden_units: Tuple[int, ...] = ranged((256, 256), at_least=1, nonempty=True)
    loss: Literal["non-saturating", "minimax", "wasserstein"] = "non-saturating"
    label_smoothing: float = ranged(0.9, above=0.5, at_most=1)
    gradient_penalty: float = ranged(10.0, at_least=0)
    critic_steps: int = ranged(1, at_least=1)
    conditional: bool = False
    dropout: float = ranged(0.3, at_least=0, below=1)
    adam_beta_1: float = ranged(0.5, at_least=0, below=1)
    generator_average: float = ranged(0.99, at_least=0, below=1)

    def __post_init__(self):
        if self.loss not in GAN_LOSSES:
            raise ConfigError(f"Unknown GAN loss '{self.loss}' (model.loss). Accepted: {', '.join(GAN_LOSSES)}.")


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

    hidden_units: int = ranged(128, at_least=1)
    cd_steps: int = ranged(1, at_least=1)
    persistent: bool = False
    chains: int = ranged(100, at_least=1)


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

    hidden_units: Tuple[int, ...] = ranged((256,), at_least=1, nonempty=True)
    filters: int = ranged(64, at_least=1)
    conv_layers: int = ranged(4, at_least=1)
    kernel_size: int = ranged(3, at_least=1)
    dropout: float = ranged(0.0, at_least=0, below=1)

    def __post_init__(self):
        if self.kernel_size % 2 == 0:
            raise ConfigError(f"Config key 'model.kernel_size' must be odd, received {self.kernel_size}.")


@dataclasses.dataclass(frozen=True)
class BernoulliConfig:
    """Independent Bernoulli pixels: the baseline every density model beats.

    Attributes:
        pseudo_count: Laplace smoothing of each pixel's frequency.
    """

    pseudo_count: float = ranged(1.0, at_least=0)


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
