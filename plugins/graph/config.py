"""Configurations of the graph models, their data section and presets.

Numeric ranges are declared on the fields (`ranged`) and checked by core
before anything is built; the choices (aggregators, batchings) are checked
when a config is made.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, Tuple

from keraslab.core.api import ConfigError, DataConfig, RunConfig, ranged

AGGREGATORS = ("mean", "maxpool", "lstm")
BATCHINGS = ("full", "sampled", "walks")


def _check_choice(value: str, choices: Tuple[str, ...], key: str) -> None:
    if value not in choices:
        raise ConfigError(f"Unknown value '{value}' for {key}. Accepted: {', '.join(choices)}.")


@dataclasses.dataclass(frozen=True)
class GraphDataConfig(DataConfig):
    """The `data` section of every graph model: core's settings, the user's
    files, the size of a generated graph and how batches are made.

    Attributes:
        nodes: the node CSV of an edge list given as `data.path` (a column
            `id`, a column `label_column`, the other columns numeric node
            features); empty: `nodes.csv` beside it, or the folder's own.
        label_column: the node CSV's column of classes (empty cells:
            unlabelled nodes, in the graph but in no split).
        size: nodes of the generated block model, graphs of the generated
            molecules (0: the dataset's default).
        batching: "full" (the whole graph each step), "sampled" (mini-batches
            of nodes with sampled neighbourhoods) or "walks" (DeepWalk's
            random walks); each model's preset sets the one it trains with.
        fanouts: "sampled": neighbours kept per node at each hop, nearest
            first, one per layer.
        walk_length, window, negatives, p, q: "walks": nodes per walk, the
            skip-gram window, noise nodes per pair, node2vec's p and q.
    """

    nodes: str = ""
    label_column: str = "label"
    size: int = ranged(0, at_least=0)
    batching: Literal["full", "sampled", "walks"] = "full"
    fanouts: Tuple[int, ...] = ranged((10, 10), at_least=1, nonempty=True)
    walk_length: int = ranged(20, at_least=2)
    window: int = ranged(5, at_least=1)
    negatives: int = ranged(5, at_least=1)
    p: float = ranged(1.0, above=0)
    q: float = ranged(1.0, above=0)

    def __post_init__(self):
        _check_choice(self.batching, BATCHINGS, "data.batching")


@dataclasses.dataclass(frozen=True)
class GCNConfig:
    """A graph convolutional network (Kipf & Welling, 2017).

    Attributes:
        units: the hidden graph convolutions' sizes; a last one maps to the classes.
        dropout: on the input of every convolution.
        l2: weight decay on the first convolution's kernel (the paper's 5e-4).
    """

    units: Tuple[int, ...] = ranged((16,), at_least=1, nonempty=True)
    dropout: float = ranged(0.5, at_least=0, below=1)
    l2: float = ranged(5e-4, at_least=0)


@dataclasses.dataclass(frozen=True)
class GraphSAGEConfig:
    """GraphSAGE (Hamilton et al., 2017).

    Attributes:
        units: the layers' sizes, one per hop (`data.fanouts` has one fan-out per layer).
        aggregator: "mean", "maxpool" (an elementwise max of each
            neighbour through a dense layer) or "lstm" (an LSTM over the
            neighbours in the order sampled).
        dropout: on the input of every layer.
    """

    units: Tuple[int, ...] = ranged((64, 64), at_least=1, nonempty=True)
    aggregator: Literal["mean", "maxpool", "lstm"] = "mean"
    dropout: float = ranged(0.2, at_least=0, below=1)

    def __post_init__(self):
        _check_choice(self.aggregator, AGGREGATORS, "model.aggregator")


@dataclasses.dataclass(frozen=True)
class DeepWalkConfig:
    """DeepWalk / node2vec embeddings with a logistic regression on them.

    Attributes:
        embedding_dim: size of each node's embedding.
        classifier_l2: weight decay of the logistic regression.
    """

    embedding_dim: int = ranged(64, at_least=1)
    classifier_l2: float = ranged(1e-3, at_least=0)


@dataclasses.dataclass(frozen=True)
class MPNNConfig:
    """A message-passing network with edge features (Gilmer et al., 2017).

    Attributes:
        units: size of every node state.
        steps: rounds of message passing.
        dropout: before the readout's classifier.
    """

    units: int = ranged(64, at_least=1)
    steps: int = ranged(3, at_least=1)
    dropout: float = ranged(0.1, at_least=0, below=1)


@dataclasses.dataclass(frozen=True)
class MLPConfig:
    """The node features alone (or, `bag`, a graph's summed and averaged
    node features) through a multi-layer perceptron: what the edges add is
    measured against it.

    Attributes:
        units: the hidden layers' sizes.
        dropout: after every hidden layer.
    """

    units: Tuple[int, ...] = ranged((64,), at_least=1, nonempty=True)
    dropout: float = ranged(0.5, at_least=0, below=1)


def _node_task(config: RunConfig, batching: str, epochs: int, batch_size: int, learning_rate: float) -> RunConfig:
    """Semi-supervised node classification: 20 labelled nodes per class
    (Planetoid's convention, Yang et al., 2016), a fifth of the nodes for
    validation and two fifths for the test; the best epoch's weights kept."""
    return dataclasses.replace(
        config,
        data=dataclasses.replace(
            config.data, batching=batching, train_per_class=20, validation_fraction=0.2, test_fraction=0.4
        ),
        optimizer=dataclasses.replace(config.optimizer, learning_rate=learning_rate),
        train=dataclasses.replace(
            config.train, epochs=epochs, batch_size=batch_size, early_stopping_patience=max(10, epochs // 10)
        ),
        devices=dataclasses.replace(config.devices, steps_per_execution=1),
    )


def gcn_preset(config: RunConfig) -> RunConfig:
    """Full batch, Adam 0.01, 200 epochs (the paper's settings)."""
    return _node_task(config, "full", epochs=200, batch_size=64, learning_rate=0.01)


def mlp_preset(config: RunConfig) -> RunConfig:
    """As GCN's: the same labelled nodes and budget, without the edges."""
    return _node_task(config, "full", epochs=200, batch_size=64, learning_rate=0.01)


def graphsage_preset(config: RunConfig) -> RunConfig:
    """Mini-batches of 32 labelled nodes with sampled neighbourhoods, Adam 0.005."""
    return _node_task(config, "sampled", epochs=60, batch_size=32, learning_rate=0.005)


def deepwalk_preset(config: RunConfig) -> RunConfig:
    """Walks from 128 nodes a step, 20 epochs (20 walks from every node), Adam 0.01."""
    return _node_task(config, "walks", epochs=20, batch_size=128, learning_rate=0.01)


def graph_classification_preset(config: RunConfig) -> RunConfig:
    """Batches of 32 graphs, Adam 0.002, 40 epochs, the best kept."""
    return dataclasses.replace(
        config,
        optimizer=dataclasses.replace(config.optimizer, learning_rate=2e-3),
        train=dataclasses.replace(config.train, epochs=40, batch_size=32, early_stopping_patience=10),
    )
