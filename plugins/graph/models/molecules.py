"""Graph classifiers: a message-passing network, and the bag of node
features it is measured against.

Both take a batch of graphs as their disjoint union (`node_features`,
`edge_index`, `edge_features`, `node_graph`) and return one row of logits
per graph.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.plugins.graph.models.layers import GraphReadout, MessagePassing


def graph_set_inputs(feature_size: int, edge_feature_size: int):
    return (
        tf.keras.Input(shape=(feature_size,), name="node_features"),
        tf.keras.Input(shape=(2,), dtype=tf.int32, name="edge_index"),
        tf.keras.Input(shape=(edge_feature_size,), name="edge_features"),
        tf.keras.Input(shape=(), dtype=tf.int32, name="node_graph"),
    )


def _edge_feature_size(info) -> int:
    return int(info.train_features["edge_features"].shape[1])


def build_mpnn(config, info) -> tf.keras.Model:
    """An MPNN (Gilmer et al., 2017): atoms embedded, `config.steps` rounds
    of message passing with edge features and a GRU update, a sum-and-mean
    readout, a hidden layer and the classes."""
    inputs = graph_set_inputs(info.input_shape[0], _edge_feature_size(info))
    features, edges, edge_features, node_graph = inputs
    states = tf.keras.layers.Dense(config.units, activation="relu", name="embed")(features)
    for step in range(config.steps):
        states = MessagePassing(config.units, name=f"message_{step}")([states, edges, edge_features])
    graphs = GraphReadout(name="readout")([states, node_graph])
    hidden = tf.keras.layers.Dense(config.units, activation="relu")(graphs)
    hidden = tf.keras.layers.Dropout(config.dropout)(hidden)
    logits = tf.keras.layers.Dense(info.num_classes, name="classes")(hidden)
    return tf.keras.Model(list(inputs), logits, name="mpnn")


def build_bag(config, info) -> tf.keras.Model:
    """The baseline: each graph's node features summed and averaged (the
    bag of atoms, no edge read), through dense layers."""
    inputs = graph_set_inputs(info.input_shape[0], _edge_feature_size(info))
    features, _, _, node_graph = inputs
    states = GraphReadout(name="readout")([features, node_graph])
    for units in config.units:
        states = tf.keras.layers.Dense(units, activation="relu")(states)
        states = tf.keras.layers.Dropout(config.dropout)(states)
    logits = tf.keras.layers.Dense(info.num_classes, name="classes")(states)
    return tf.keras.Model(list(inputs), logits, name="bag")
