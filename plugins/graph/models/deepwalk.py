"""DeepWalk and node2vec: embeddings from random walks, and a logistic
regression on them.

Perozzi et al., 2014, "DeepWalk: online learning of social representations";
Grover & Leskovec, 2016, "node2vec: scalable feature learning for networks".
The data's "walks" batches bring skip-gram pairs (`centers`, `contexts`)
and noise nodes (`negatives`) cut from truncated random walks
(`keraslab.plugins.graph.walks`), and the labelled nodes asked about
(`nodes`). Each step lowers the skip-gram loss with negative sampling
(Mikolov et al., 2013),

    −log σ(u_c · v_o) − Σ_k log σ(−u_c · v_{n_k}),

over the embeddings u and context vectors v, and fits the logistic
regression z = W u_v + b on the embeddings of the labelled nodes, which it
reads through a stop-gradient: the labels never shape the embeddings, as in
the paper's two stages. The embeddings belong to the training graph's nodes
(transductive, "not dynamic"): the export answers for those nodes by id.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.plugins.graph.models.nodes import check_labels


class DeepWalk(tf.keras.layers.Layer):
    """Node embeddings, context vectors and a classifier on the embeddings:
    takes a "walks" batch, adds its skip-gram loss, returns the logits of
    the nodes asked about."""

    def __init__(self, num_nodes: int, dim: int, num_classes: int, l2: float, **kwargs):
        super().__init__(**kwargs)
        self.num_nodes, self.dim = num_nodes, dim
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(num_nodes, dim),
            initializer=tf.keras.initializers.RandomUniform(-0.5 / dim, 0.5 / dim),
        )
        self.context_vectors = self.add_weight(name="contexts", shape=(num_nodes, dim), initializer="zeros")
        self.classifier = tf.keras.layers.Dense(
            num_classes, kernel_regularizer=tf.keras.regularizers.l2(l2) if l2 else None, name="classes"
        )

    def call(self, inputs):
        nodes, centers, contexts, negatives = inputs
        self.add_loss(self.skipgram_loss(centers, contexts, negatives))
        return self.classify(nodes)

    def classify(self, nodes):
        return self.classifier(tf.stop_gradient(tf.gather(self.embeddings, tf.cast(nodes, tf.int32))))

    def skipgram_loss(self, centers, contexts, negatives):
        u = tf.gather(self.embeddings, tf.cast(centers, tf.int32))
        positive = tf.reduce_sum(u * tf.gather(self.context_vectors, tf.cast(contexts, tf.int32)), -1)
        noise = tf.einsum("pd,pkd->pk", u, tf.gather(self.context_vectors, tf.cast(negatives, tf.int32)))
        losses = -tf.math.log_sigmoid(positive) - tf.reduce_sum(tf.math.log_sigmoid(-noise), -1)
        return tf.math.divide_no_nan(tf.reduce_sum(losses), tf.cast(tf.shape(losses)[0], tf.float32))


def build_deepwalk(config, info) -> tf.keras.Model:
    check_labels(info)
    num_nodes = len(info.train_features)  # the graph's node features: one row per node
    inputs = [
        tf.keras.Input(shape=(), dtype=tf.int32, name="nodes"),
        tf.keras.Input(shape=(), dtype=tf.int32, name="centers"),
        tf.keras.Input(shape=(), dtype=tf.int32, name="contexts"),
        tf.keras.Input(shape=(None,), dtype=tf.int32, name="negatives"),
    ]
    walker = DeepWalk(num_nodes, config.embedding_dim, info.num_classes, config.classifier_l2, name=WALKER)
    return tf.keras.Model(inputs, walker(inputs), name="deepwalk")


WALKER = "walker"


def walker_of(model):
    """The `DeepWalk` layer of a built model, or None for other models."""
    return next((layer for layer in model.layers if isinstance(layer, DeepWalk)), None)
