"""Graph layers written from their equations, on `tf.sparse` and segment ops.

Every layer takes node states H [N, F] and the edges [E, 2] (source,
target) of the graph in the tensor form of `keraslab.plugins.graph.graphs`,
so one layer serves the whole graph, a sampled subgraph, or a graph it
never saw. TF-GNN is not used: it does not install beside the pinned stack
(docs/topics/graph.md).
"""

from __future__ import annotations

import tensorflow as tf


def _sources_targets(edge_index):
    edge_index = tf.cast(edge_index, tf.int32)
    return edge_index[:, 0], edge_index[:, 1]


class GraphConvolution(tf.keras.layers.Layer):
    """One graph convolution (Kipf & Welling, 2017, "Semi-supervised
    classification with graph convolutional networks", eq. 2):

        H' = σ(D̂^-½ Â D̂^-½ H W),  Â = A + I,  D̂_ii = Σ_j Â_ij,

    the renormalised adjacency Â applied as a `tf.SparseTensor`: each node
    averages itself and its neighbours, weighted by 1/√(d_i d_j).
    """

    def __init__(self, units: int, activation=None, kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.dense = tf.keras.layers.Dense(units, use_bias=False, kernel_regularizer=kernel_regularizer)
        self.bias = None
        self.units = units
        self.activation = tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        super().build(input_shape)

    def call(self, inputs):
        states, edge_index = inputs
        adjacency = renormalised_adjacency(edge_index, tf.shape(states)[0])
        return self.activation(tf.sparse.sparse_dense_matmul(adjacency, self.dense(states)) + self.bias)


def renormalised_adjacency(edge_index, num_nodes) -> tf.SparseTensor:
    """D̂^-½ (A + I) D̂^-½ as a sparse [N, N] tensor, row = target, column = source."""
    sources, targets = _sources_targets(edge_index)
    loops = tf.range(num_nodes)
    sources, targets = tf.concat([sources, loops], 0), tf.concat([targets, loops], 0)
    degree = tf.math.unsorted_segment_sum(tf.ones_like(targets, tf.float32), targets, num_nodes)
    weights = tf.math.rsqrt(tf.gather(degree, targets)) * tf.math.rsqrt(tf.gather(degree, sources))
    indices = tf.cast(tf.stack([targets, sources], 1), tf.int64)
    shape = tf.cast(tf.stack([num_nodes, num_nodes]), tf.int64)
    return tf.sparse.reorder(tf.SparseTensor(indices, weights, shape))


class SAGEConvolution(tf.keras.layers.Layer):
    """One GraphSAGE layer (Hamilton et al., 2017, "Inductive representation
    learning on large graphs", Algorithm 1):

        h'_v = σ(W · [h_v ‖ AGG({h_u : u → v})]),  then h'_v / ‖h'_v‖₂,

    with AGG the mean of the neighbours' states, the elementwise max of
    σ(W_pool h_u + b) (max-pooling), or the last state of an LSTM run over
    the neighbours in the order given (the paper's LSTM aggregator, which
    it feeds a random permutation: the sampler's order). A node with no
    neighbour aggregates zeros. Weights do not depend on the graph, so the
    layer applies to nodes and graphs unseen in training (inductive).
    """

    def __init__(self, units: int, aggregator: str = "mean", activation="relu", normalize: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.aggregator, self.normalize = units, aggregator, normalize
        self.combine = tf.keras.layers.Dense(units, activation=activation)
        if aggregator == "maxpool":
            self.pool = tf.keras.layers.Dense(units, activation="relu")
        elif aggregator == "lstm":
            self.lstm = tf.keras.layers.LSTM(units)

    def call(self, inputs):
        states, edge_index = inputs
        num_nodes = tf.shape(states)[0]
        sources, targets = _sources_targets(edge_index)
        if self.aggregator == "mean":
            gathered = tf.gather(states, sources)
            neighbours = tf.math.unsorted_segment_mean(gathered, targets, num_nodes)
        elif self.aggregator == "maxpool":
            pooled = self.pool(tf.gather(states, sources))
            most = tf.math.unsorted_segment_max(pooled, targets, num_nodes)
            counts = tf.math.unsorted_segment_sum(tf.ones_like(targets), targets, num_nodes)
            neighbours = tf.where(counts[:, None] > 0, most, tf.zeros_like(most))
        else:
            order = tf.argsort(targets, stable=True)
            sequences = tf.RaggedTensor.from_value_rowids(
                tf.gather(states, tf.gather(sources, order)), tf.gather(targets, order), nrows=num_nodes
            )
            padded = sequences.to_tensor()
            mask = tf.sequence_mask(sequences.row_lengths(), tf.shape(padded)[1])
            neighbours = self.lstm(padded, mask=mask)
        updated = self.combine(tf.concat([states, neighbours], axis=-1))
        return tf.math.l2_normalize(updated, axis=-1) if self.normalize else updated


class MessagePassing(tf.keras.layers.Layer):
    """One round of message passing with edge features (Gilmer et al., 2017,
    "Neural message passing for quantum chemistry", eq. 1–2):

        m_v = Σ_{w → v} M(h_v, h_w, e_wv),   h'_v = GRU(h_v, m_v),

    M a dense layer over the concatenated states and the edge's features,
    the update a GRU cell whose state is the node's (the paper's GG-NN
    update).
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.message = tf.keras.layers.Dense(units, activation="relu")
        self.update = tf.keras.layers.GRUCell(units)

    def call(self, inputs):
        states, edge_index, edge_features = inputs
        sources, targets = _sources_targets(edge_index)
        pair = tf.concat([tf.gather(states, targets), tf.gather(states, sources), edge_features], axis=-1)
        messages = tf.math.unsorted_segment_sum(self.message(pair), targets, tf.shape(states)[0])
        updated, _ = self.update(messages, [states])
        return updated


class GraphReadout(tf.keras.layers.Layer):
    """Each graph's node states summed and averaged: [G, 2F] (a permutation-
    invariant readout; the sum counts, the mean does not grow with size)."""

    def call(self, inputs):
        states, node_graph = inputs
        node_graph = tf.cast(node_graph, tf.int32)
        graphs = tf.reduce_max(node_graph) + 1
        total = tf.math.unsorted_segment_sum(states, node_graph, graphs)
        mean = tf.math.unsorted_segment_mean(states, node_graph, graphs)
        return tf.concat([total, mean], axis=-1)


class GatherNodes(tf.keras.layers.Layer):
    """The rows of the nodes asked about."""

    def call(self, inputs):
        states, nodes = inputs
        return tf.gather(states, tf.cast(nodes, tf.int32))
