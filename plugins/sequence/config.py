"""Configurations of the sequence models; each is checked when it is made."""
from __future__ import annotations

import dataclasses
from typing import Literal, Tuple

from keraslab.core.config import RunConfig
from keraslab.core.errors import ConfigError

CELLS = ("simple", "lstm", "gru", "irnn")
Cell = Literal["simple", "lstm", "gru", "irnn"]


def check_cell(cell: str) -> None:
    if cell not in CELLS:
        raise ConfigError(f"Unknown cell type '{cell}' (model.cell). Accepted: {', '.join(CELLS)}.")


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

    cell: Cell = "lstm"
    embedding_dim: int = 64
    units: Tuple[int, ...] = (512,)
    dropout: float = 0.2

    def __post_init__(self):
        check_cell(self.cell)
        if not self.units or min(self.units) < 1:
            raise ConfigError(f"Config key 'model.units' must list at least one positive size, received {list(self.units)}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"Config key 'model.dropout' must be in [0, 1), received {self.dropout}.")


def language_model_preset(config: RunConfig) -> RunConfig:
    """Adam 2e-3 with gradients clipped to norm 1 (RNNs' exploding
    gradients), 30 epochs of 64 windows a batch, the best validation loss kept."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=2e-3, clipnorm=1.0),
        train=dataclasses.replace(config.train, epochs=30, batch_size=64, steps_per_execution=1))
