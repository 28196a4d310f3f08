"""Node classifiers that read the graph: GCN and GraphSAGE, and the MLP
that reads the node features alone.

Each takes the inputs of `keraslab.plugins.graph.graphs`: ``node_features``
[N, F], ``edge_index`` [E, 2] and ``nodes`` [B], and returns the logits of
the B nodes asked about. The same weights apply to the whole graph (full
batch), to a sampled subgraph (mini-batches) and to a graph never seen.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import KeraslabError
from keraslab.plugins.graph.models.layers import GatherNodes, GraphConvolution, SAGEConvolution


def graph_inputs(feature_size: int):
    """The Keras inputs of a node classifier."""
    return (
        tf.keras.Input(shape=(feature_size,), name="node_features"),
        tf.keras.Input(shape=(2,), dtype=tf.int32, name="edge_index"),
        tf.keras.Input(shape=(), dtype=tf.int32, name="nodes"),
    )


def check_labels(info) -> None:
    """Every class needs a labelled training node: one with none cannot be learnt."""
    targets = np.asarray(info.train_targets)
    missing = sorted(set(range(info.num_classes)) - set(targets.tolist()))
    if missing:
        names = info.class_names or tuple(str(c) for c in range(info.num_classes))
        raise KeraslabError(
            f"The training split has no labelled node of class {', '.join(repr(names[c]) for c in missing)}; "
            "label more nodes of it, or raise data.train_per_class or the training share "
            "(data.validation_fraction, data.test_fraction)."
        )


def build_gcn(config, info) -> tf.keras.Model:
    """A GCN: dropout, graph convolutions (ReLU) of `config.units`, and a
    last convolution to the classes; L2 on the first kernel (Kipf & Welling, 2017)."""
    check_labels(info)
    features, edges, nodes = graph_inputs(info.input_shape[0])
    states = features
    sizes = (*config.units, info.num_classes)
    for i, units in enumerate(sizes):
        states = tf.keras.layers.Dropout(config.dropout)(states)
        last = i == len(sizes) - 1
        regularizer = tf.keras.regularizers.l2(config.l2) if i == 0 and config.l2 else None
        states = GraphConvolution(
            units, activation=None if last else "relu", kernel_regularizer=regularizer, name=f"gcn_{i}"
        )([states, edges])
    logits = GatherNodes(name="asked")([states, nodes])
    return tf.keras.Model([features, edges, nodes], logits, name="gcn")


def build_graphsage(config, info) -> tf.keras.Model:
    """GraphSAGE: one SAGE layer per entry of `config.units`, then a dense
    layer to the classes on the nodes asked about (Hamilton et al., 2017)."""
    check_labels(info)
    features, edges, nodes = graph_inputs(info.input_shape[0])
    states = features
    for i, units in enumerate(config.units):
        states = tf.keras.layers.Dropout(config.dropout)(states)
        states = SAGEConvolution(units, config.aggregator, name=f"sage_{i}")([states, edges])
    asked = GatherNodes(name="asked")([states, nodes])
    logits = tf.keras.layers.Dense(info.num_classes, name="classes")(asked)
    return tf.keras.Model([features, edges, nodes], logits, name="graphsage")


def build_mlp(config, info) -> tf.keras.Model:
    """The node features of the nodes asked about through dense layers: the
    edges are taken (same inputs as the graph models) and not read."""
    check_labels(info)
    features, edges, nodes = graph_inputs(info.input_shape[0])
    states = GatherNodes(name="asked")([features, nodes])
    for units in config.units:
        states = tf.keras.layers.Dense(units, activation="relu")(states)
        states = tf.keras.layers.Dropout(config.dropout)(states)
    logits = tf.keras.layers.Dense(info.num_classes, name="classes")(states)
    return tf.keras.Model([features, edges, nodes], logits, name="mlp")
