"""Configurations of the sequence models. Numeric ranges are declared on the
fields (`ranged`) and checked by core before anything is built; the choices
(cells) are checked when a config is made."""

from __future__ import annotations

import dataclasses
from typing import Literal, Tuple

from keraslab.core.api import ConfigError, DataConfig, RunConfig, ranged

CELLS = ("simple", "lstm", "gru", "irnn")
Cell = Literal["simple", "lstm", "gru", "irnn"]


def check_cell(cell: str) -> None:
    if cell not in CELLS:
        raise ConfigError(f"Unknown cell type '{cell}' (model.cell). Accepted: {', '.join(CELLS)}.")


@dataclasses.dataclass(frozen=True)
class SequenceDataConfig(DataConfig):
    """The `data` section of every sequence model: core's settings and the
    length of history the text, series and word datasets cut.

    Attributes:
        window: steps of history in each example (a language model's
            window, a forecaster's lags, the word distance of skip-gram
            pairs and co-occurrence counts); 0: the dataset's default.
        cache_dir: streamed text (`data.stream=true`) only: where its token
            files are written (empty: $KERASLAB_CACHE, else ~/.cache/keraslab).
    """

    window: int = ranged(0, at_least=0)
    cache_dir: str = ""


@dataclasses.dataclass(frozen=True)
class RecurrentLanguageModelConfig:
    """A recurrent language model (char-rnn).

    Attributes:
        cell: "simple" (tanh), "lstm", "gru" or "irnn" (ReLU with identity
            recurrent weights, Le et al., 2015).
        embedding_dim: size of each token's embedding.
        units: the recurrent layers' sizes, bottom first (stacked).
        dropout: dropout between layers and before the output.
    """

    cell: Cell = "gru"
    embedding_dim: int = 64
    units: Tuple[int, ...] = ranged((256,), at_least=1, nonempty=True)
    dropout: float = ranged(0.3, at_least=0, below=1)

    def __post_init__(self):
        check_cell(self.cell)


@dataclasses.dataclass(frozen=True)
class NeuralLanguageModelConfig:
    """Bengio et al.'s neural language model.

    Attributes:
        context: tokens the model sees (n − 1 in the paper's terms).
        embedding_dim: size of each token's embedding.
        hidden_units: the tanh hidden layer's size.
        dropout: dropout before the output.
    """

    context: int = ranged(8, at_least=1)
    embedding_dim: int = ranged(32, at_least=1)
    hidden_units: int = ranged(512, at_least=1)
    dropout: float = ranged(0.2, at_least=0, below=1)


@dataclasses.dataclass(frozen=True)
class WaveNetConfig:
    """A WaveNet-style causal, dilated convolutional language model. The
    default over-fits the help text within 4 epochs without dropout inside
    its blocks (2.036 bits per character); with 0.3 there it reaches 1.874.

    Attributes:
        embedding_dim: size of each token's embedding.
        channels: residual channels of every block.
        skip_channels: channels of the skip connections and the output stack.
        dilations: one block per dilation (kernel size 2), bottom first.
        dropout: dropout before the output.
        block_dropout: dropout of each block's gated output z, before its
            residual and skip projections.
    """

    embedding_dim: int = ranged(64, at_least=1)
    channels: int = ranged(128, at_least=1)
    skip_channels: int = ranged(256, at_least=1)
    dilations: Tuple[int, ...] = ranged((1, 2, 4, 8, 16, 32, 1, 2, 4, 8, 16, 32), at_least=1, nonempty=True)
    dropout: float = ranged(0.3, at_least=0, below=1)
    block_dropout: float = ranged(0.3, at_least=0, below=1)

    @property
    def receptive_field(self) -> int:
        """Tokens a prediction depends on: 2 + Σ dilations (kernel size 2;
        the causal input convolution adds one)."""
        return 2 + sum(self.dilations)


@dataclasses.dataclass(frozen=True)
class RecurrentClassifierConfig:
    """A many-to-one recurrent classifier: the last step's state → class.
    The default (a bidirectional GRU of 128) reads digit rows to 97.8%.

    Attributes:
        cell: "simple" (tanh), "lstm", "gru" or "irnn".
        units: the recurrent layers' sizes, bottom first.
        bidirectional: read each sequence both ways (an encoder may; a
            language model may not, it would see the tokens it predicts).
        dropout: dropout before the output.
    """

    cell: Cell = "gru"
    units: Tuple[int, ...] = ranged((128,), at_least=1, nonempty=True)
    bidirectional: bool = True
    dropout: float = ranged(0.2, at_least=0, below=1)

    def __post_init__(self):
        check_cell(self.cell)


@dataclasses.dataclass(frozen=True)
class ForecasterConfig:
    """A recurrent one-step forecaster.

    Attributes:
        cell: "lstm", "gru", "simple" or "irnn".
        units: the recurrent layers' sizes, bottom first.
        dropout: dropout before the output.
        ar_order: the order p of the AR(p) baseline reported beside it.
    """

    cell: Cell = "gru"
    units: Tuple[int, ...] = ranged((64,), at_least=1, nonempty=True)
    dropout: float = ranged(0.0, at_least=0, below=1)
    ar_order: int = ranged(9, at_least=1)

    def __post_init__(self):
        check_cell(self.cell)


def forecaster_preset(config: RunConfig) -> RunConfig:
    """Adam 3e-3, batches of 16, up to 400 epochs stopped 40 epochs after
    the best validation loss (a few hundred examples)."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=3e-3, clipnorm=1.0),
        train=dataclasses.replace(config.train, epochs=400, batch_size=16, early_stopping_patience=40),
    )


def classifier_preset(config: RunConfig) -> RunConfig:
    """Adam 1e-3, gradients clipped to norm 1, 60 epochs of 32."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=1e-3, clipnorm=1.0),
        train=dataclasses.replace(config.train, epochs=60, batch_size=32),
    )


def language_model_preset(config: RunConfig) -> RunConfig:
    """Adam 2e-3 with gradients clipped to norm 1 (RNNs' exploding
    gradients), at most 30 epochs of 32 windows a batch, stopped 3 epochs
    after the best validation loss and restored to it (a corpus of this
    size is over-fitted within 15 epochs)."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=2e-3, clipnorm=1.0),
        train=dataclasses.replace(config.train, epochs=30, batch_size=32, early_stopping_patience=3),
        devices=dataclasses.replace(config.devices, steps_per_execution=1),
    )


@dataclasses.dataclass(frozen=True)
class Seq2SeqConfig:
    """An encoder–decoder over characters.

    Attributes:
        cell: "gru" or "lstm", for the encoder and the decoder.
        embedding_dim: size of each character's embedding (shared by both sides).
        units: the decoder's state size; each encoder direction has as many.
        bidirectional: read the source both ways.
        attention: Bahdanau additive attention over the encoder's states;
            False: the encoder's final state is the only context.
        reverse_input: feed the source's characters in reverse order
            (Sutskever et al., 2014), padding left at the end.
        beam_width: beams of the beam search the report also measures.
    """

    cell: Literal["gru", "lstm"] = "gru"
    embedding_dim: int = ranged(32, at_least=1)
    units: int = ranged(128, at_least=1)
    bidirectional: bool = True
    attention: bool = True
    reverse_input: bool = False
    beam_width: int = ranged(4, at_least=1)

    def __post_init__(self):
        if self.cell not in ("gru", "lstm"):
            raise ConfigError(f"Unknown cell type '{self.cell}' (model.cell) for seq2seq. Accepted: gru, lstm.")


def seq2seq_preset(config: RunConfig) -> RunConfig:
    """Adam 3e-3 decayed to 0 by a cosine over 10,000 steps (18 epochs of
    the 70,000 training sums; at a constant rate the exact-match rate swung
    between 81% and 97% from epoch to epoch), gradients clipped to norm 1,
    batches of 128 problems, stopped 4 epochs after the best validation
    exact-match rate (`val_sequence_accuracy`), 30 epochs at most."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=3e-3, clipnorm=1.0),
        schedule=dataclasses.replace(config.schedule, name="cosine", decay_steps=10_000),
        train=dataclasses.replace(
            config.train, epochs=30, batch_size=128, early_stopping_patience=4, monitor="val_sequence_accuracy"
        ),
    )


@dataclasses.dataclass(frozen=True)
class Word2VecConfig:
    """Skip-gram with negative sampling.

    Attributes:
        dimensions: size of each word's vector.
        negatives: noise words k drawn per (word, context) pair.
    """

    dimensions: int = ranged(32, at_least=1)
    negatives: int = ranged(5, at_least=1)


@dataclasses.dataclass(frozen=True)
class GloVeConfig:
    """GloVe's weighted least squares.

    Attributes:
        dimensions: size of each word's vector.
        x_max: the count above which a cell's weight f(x) is 1 (the paper's 100).
        alpha: the exponent α of f(x) = (x / x_max)^α below x_max (the paper's 3/4).
    """

    dimensions: int = ranged(32, at_least=1)
    x_max: float = 100.0
    alpha: float = 0.75

    def __post_init__(self):
        if self.x_max <= 0 or not 0 < self.alpha <= 1:
            raise ConfigError(
                f"model.x_max must be positive and model.alpha in (0, 1], received {self.x_max}, {self.alpha}."
            )


def word2vec_preset(config: RunConfig) -> RunConfig:
    """Adam 1e-2, 5 epochs of 1,024 pairs."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=1e-2),
        train=dataclasses.replace(config.train, epochs=5, batch_size=1024),
    )


def glove_preset(config: RunConfig) -> RunConfig:
    """Adam 1e-2, 100 epochs of 512 cells (a small matrix: each epoch is a few steps)."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=1e-2),
        train=dataclasses.replace(config.train, epochs=100, batch_size=512),
    )
