"""Exports of the graph models: signatures over a graph in tensor form.

* node classifiers (gcn, graphsage, mlp): ``serving_default`` takes a
  graph, ``node_features`` float32 [N, F] and ``edge_index`` int32 [E, 2],
  and returns ``probabilities`` [N, C] and ``class_id`` [N] for every node;
  ``classify_nodes`` also takes ``nodes`` int32 [B] and answers for those.
  GraphSAGE and the MLP answer for any graph (inductive); GCN's weights
  apply to any graph as well, its quality on one it never saw is not a
  target.
* graph classifiers (mpnn, bag): ``serving_default`` takes a batch of graphs
  as their disjoint union (``node_features``, ``edge_index``,
  ``edge_features`` float32 [E, D], ``node_graph`` int32 [N]) and returns
  one row per graph.
* deepwalk: transductive, its embeddings are those of the training graph's
  nodes: ``serving_default`` takes ``nodes`` int32 [B] (ids 0..N−1 in the
  order of the graph's node list) and returns their classes; ``embed``
  their embeddings.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import classifier_outputs
from keraslab.plugins.graph.graphs import sample_neighbourhoods
from keraslab.plugins.graph.models.deepwalk import walker_of

WARMUP_NODES = 8


def _graph_specs(context):
    return (
        tf.TensorSpec([None, *context.input_shape], tf.float32, name="node_features"),
        tf.TensorSpec([None, 2], tf.int32, name="edge_index"),
    )


def export_node_classifier(model, context):
    features_spec, edges_spec = _graph_specs(context)

    @tf.function(input_signature=[features_spec, edges_spec])
    def serve(node_features, edge_index):
        nodes = tf.range(tf.shape(node_features)[0], dtype=tf.int32)
        inputs = {"node_features": node_features, "edge_index": edge_index, "nodes": nodes}
        return classifier_outputs(model(inputs, training=False))

    @tf.function(input_signature=[features_spec, edges_spec, tf.TensorSpec([None], tf.int32, name="nodes")])
    def classify_nodes(node_features, edge_index, nodes):
        inputs = {"node_features": node_features, "edge_index": edge_index, "nodes": nodes}
        return classifier_outputs(model(inputs, training=False))

    return {"serving_default": serve, "classify_nodes": classify_nodes}


def export_graph_classifier(model, context):
    features_spec, edges_spec = _graph_specs(context)
    edge_features_size = int(model.get_layer("edge_features").output.shape[-1])
    specs = [
        features_spec,
        edges_spec,
        tf.TensorSpec([None, edge_features_size], tf.float32, name="edge_features"),
        tf.TensorSpec([None], tf.int32, name="node_graph"),
    ]

    @tf.function(input_signature=specs)
    def serve(node_features, edge_index, edge_features, node_graph):
        inputs = {
            "node_features": node_features,
            "edge_index": edge_index,
            "edge_features": edge_features,
            "node_graph": node_graph,
        }
        return classifier_outputs(model(inputs, training=False))

    return {"serving_default": serve}


def export_deepwalk(model, context):
    walker = walker_of(model)
    nodes_spec = tf.TensorSpec([None], tf.int32, name="nodes")

    @tf.function(input_signature=[nodes_spec])
    def serve(nodes):
        return classifier_outputs(walker.classify(nodes))

    @tf.function(input_signature=[nodes_spec])
    def embed(nodes):
        return {"embedding": tf.gather(walker.embeddings, nodes)}

    return {"serving_default": serve, "embed": embed}


def node_graph_request(split) -> dict:
    """The warm-up request of a node classifier: the 2-hop neighbourhood of a
    few nodes, as a graph of its own (a whole large graph would be a large request)."""
    asked = split.nodes[:WARMUP_NODES]
    subgraph = sample_neighbourhoods(split.graph.adjacency, asked, (5, 5), np.random.default_rng(0))
    inputs = subgraph.inputs(split.graph)
    return {"node_features": inputs["node_features"], "edge_index": inputs["edge_index"]}


def graph_set_request(split) -> dict:
    return split.first_batch(WARMUP_NODES)[0]


def deepwalk_request(split) -> dict:
    return {"nodes": split.nodes[:WARMUP_NODES].astype(np.int32)}
