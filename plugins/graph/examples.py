"""The graph topic's linked examples: nodes of one graph, or small graphs.

`NodeSet` is a set of nodes of one graph asked about (a split of a
transductive task: the same graph, different labelled nodes); `GraphSet` a
set of graphs of a collection. Both are `LinkedExamples`: core splits them
by the seed like any examples (`take`), and they make their own batches in
an order fixed by (seed, epoch):

* ``full``: the whole graph in one batch, every node of the part asked
  about (GCN's full-batch training, Kipf & Welling, 2017);
* ``sampled``: batches of `batch_size` nodes with the neighbourhoods a
  seeded sampler reaches (GraphSAGE's mini-batches), so memory does not
  grow with the graph;
* ``walks``: DeepWalk's epochs, one truncated random walk from every node
  of the graph, cut into skip-gram pairs with negative samples, together
  with the part's labelled nodes for the classifier on the embeddings;
* a `GraphSet` batches `batch_size` graphs as one disjoint union.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Dict, Optional, Tuple

import numpy as np

from keraslab.core.api import LinkedExamples
from keraslab.plugins.graph.graphs import Graph, GraphCollection, sample_neighbourhoods
from keraslab.plugins.graph.walks import negative_distribution, random_walks, skipgram_pairs

EVALUATION_SEED = 7919  # evaluation samples neighbourhoods the same way on every call


@dataclasses.dataclass(frozen=True)
class Batching:
    """How a node set makes its batches (the run's `data` section sets it).

    Attributes:
        kind: "full", "sampled" or "walks" (the module docstring).
        fanouts: "sampled": neighbours kept per node and hop, nearest first.
        walk_length: "walks": nodes in each walk.
        window: "walks": the largest distance, in steps, of a skip-gram pair.
        negatives: "walks": noise nodes drawn per pair.
        p, q: "walks": node2vec's return and in-out parameters (1, 1: DeepWalk).
    """

    kind: str = "full"
    fanouts: Tuple[int, ...] = (10, 10)
    walk_length: int = 20
    window: int = 5
    negatives: int = 5
    p: float = 1.0
    q: float = 1.0


@dataclasses.dataclass(frozen=True)
class NodeSet(LinkedExamples):
    """Nodes of one graph asked about, with their classes.

    Attributes:
        graph: the whole graph, shared by every part of a split.
        nodes: int64 ids of the nodes this part asks about.
        targets: their classes.
        batching: how batches are made.
    """

    graph: Graph
    nodes: np.ndarray
    targets: Optional[np.ndarray]
    num_classes: Optional[int]
    class_names: Tuple[str, ...] = ()
    batching: Batching = Batching()

    def __len__(self) -> int:
        return len(self.nodes)

    def take(self, indices: np.ndarray) -> "NodeSet":
        targets = None if self.targets is None else self.targets[indices]
        return dataclasses.replace(self, nodes=self.nodes[indices], targets=targets)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.graph.node_features.shape[1],)

    def steps(self, batch_size: int, training: bool) -> int:
        if self.batching.kind == "full":
            return 1
        if self.batching.kind == "walks" and training:
            return max(1, math.ceil(self.graph.num_nodes / batch_size))
        return max(1, math.ceil(len(self) / batch_size))

    def training_batches(self, batch_size: int, seed: int, first_epoch: int, last_epoch: int):
        kind = self.batching.kind

        def epochs():
            for epoch in range(first_epoch, last_epoch):
                rng = np.random.default_rng([seed, epoch])
                if kind == "full":
                    yield self._full(np.arange(len(self)))
                elif kind == "sampled":
                    order = rng.permutation(len(self))
                    for chunk in _chunks(order, batch_size):
                        yield self._sampled(chunk, rng)
                else:
                    yield from self._walk_batches(batch_size, rng)

        return _dataset(epochs, self._signature())

    def evaluation_batches(self, batch_size: int):
        def passes():
            rng = np.random.default_rng(EVALUATION_SEED)
            if self.batching.kind == "full":
                yield self._full(np.arange(len(self)))
                return
            for chunk in _chunks(np.arange(len(self)), batch_size):
                yield self._sampled(chunk, rng) if self.batching.kind == "sampled" else self._asked(chunk)

        return _dataset(passes, self._signature())

    def first_batch(self, size: int) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        chunk = np.arange(min(size, len(self)))
        if self.batching.kind == "full":
            return self._full(chunk)
        if self.batching.kind == "sampled":
            return self._sampled(chunk, np.random.default_rng(EVALUATION_SEED))
        return self._asked(chunk)

    def train_features(self):
        """The graph's node features (all nodes: transductive)."""
        return self.graph.node_features

    # the batches of each kind

    def _full(self, positions: np.ndarray):
        inputs = {**self.graph.inputs(), "nodes": self.nodes[positions].astype(np.int32)}
        return inputs, self._targets_at(positions)

    def _sampled(self, positions: np.ndarray, rng: np.random.Generator):
        asked = self.nodes[positions]
        subgraph = sample_neighbourhoods(self.graph.adjacency, asked, self.batching.fanouts, rng)
        return subgraph.inputs(self.graph), self._targets_at(positions)

    def _asked(self, positions: np.ndarray, pairs=None, negatives=None):
        """A "walks" batch: the nodes asked about and skip-gram pairs (none when evaluating)."""
        pairs = np.zeros((0, 2), np.int64) if pairs is None else pairs
        negatives = np.zeros((0, self.batching.negatives), np.int64) if negatives is None else negatives
        inputs = {
            "nodes": self.nodes[positions].astype(np.int32),
            "centers": pairs[:, 0].astype(np.int32),
            "contexts": pairs[:, 1].astype(np.int32),
            "negatives": negatives.astype(np.int32),
        }
        return inputs, self._targets_at(positions)

    def _walk_batches(self, batch_size: int, rng: np.random.Generator):
        """One epoch of DeepWalk: a walk from every node of the graph, `batch_size`
        starts a batch; each batch also asks about a share of the labelled nodes."""
        settings, adjacency = self.batching, self.graph.adjacency
        noise = negative_distribution(adjacency)
        starts = rng.permutation(self.graph.num_nodes)
        steps = self.steps(batch_size, training=True)
        labelled = rng.permutation(len(self))
        share = max(1, math.ceil(len(self) / steps))
        for step, chunk in enumerate(_chunks(starts, batch_size)):
            walks = random_walks(adjacency, chunk, settings.walk_length, rng, settings.p, settings.q)
            pairs = skipgram_pairs(walks, settings.window)
            negatives = rng.choice(len(noise), size=(len(pairs), settings.negatives), p=noise)
            asked = labelled[np.arange(step * share, (step + 1) * share) % len(self)]
            yield self._asked(asked, pairs, negatives)

    def _targets_at(self, positions: np.ndarray) -> np.ndarray:
        if self.targets is None:
            return np.zeros(len(positions), np.int64)
        return self.targets[positions].astype(np.int64)

    def _signature(self):
        import tensorflow as tf

        features = tf.TensorSpec((None, *self.input_shape), tf.float32)
        ids = tf.TensorSpec((None,), tf.int32)
        if self.batching.kind == "walks":
            inputs = {
                "nodes": ids,
                "centers": ids,
                "contexts": ids,
                "negatives": tf.TensorSpec((None, self.batching.negatives), tf.int32),
            }
        else:
            inputs = {"node_features": features, "edge_index": tf.TensorSpec((None, 2), tf.int32), "nodes": ids}
        return inputs, tf.TensorSpec((None,), tf.int64)


@dataclasses.dataclass(frozen=True)
class GraphSet(LinkedExamples):
    """Graphs of a collection asked about, with their classes.

    Attributes:
        collection: every graph, shared by every part of a split.
        graphs: the ids of this part's graphs.
        targets: their classes.
    """

    collection: GraphCollection
    graphs: np.ndarray
    targets: Optional[np.ndarray]
    num_classes: Optional[int]
    class_names: Tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.graphs)

    def take(self, indices: np.ndarray) -> "GraphSet":
        targets = None if self.targets is None else self.targets[indices]
        return dataclasses.replace(self, graphs=self.graphs[indices], targets=targets)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.collection.node_features.shape[1],)

    @property
    def edge_feature_size(self) -> int:
        return int(self.collection.edge_features.shape[1])

    def steps(self, batch_size: int, training: bool) -> int:
        return max(1, math.ceil(len(self) / batch_size))

    def training_batches(self, batch_size: int, seed: int, first_epoch: int, last_epoch: int):
        def epochs():
            for epoch in range(first_epoch, last_epoch):
                order = np.random.default_rng([seed, epoch]).permutation(len(self))
                for chunk in _chunks(order, batch_size):
                    yield self._union(chunk)

        return _dataset(epochs, self._signature())

    def evaluation_batches(self, batch_size: int):
        def passes():
            for chunk in _chunks(np.arange(len(self)), batch_size):
                yield self._union(chunk)

        return _dataset(passes, self._signature())

    def first_batch(self, size: int):
        return self._union(np.arange(min(size, len(self))))

    def _union(self, positions: np.ndarray):
        targets = np.zeros(len(positions), np.int64) if self.targets is None else self.targets[positions]
        return self.collection.union(self.graphs[positions]), targets.astype(np.int64)

    def _signature(self):
        import tensorflow as tf

        inputs = {
            "node_features": tf.TensorSpec((None, *self.input_shape), tf.float32),
            "edge_index": tf.TensorSpec((None, 2), tf.int32),
            "edge_features": tf.TensorSpec((None, self.edge_feature_size), tf.float32),
            "node_graph": tf.TensorSpec((None,), tf.int32),
        }
        return inputs, tf.TensorSpec((None,), tf.int64)


def _chunks(order: np.ndarray, size: int):
    for start in range(0, len(order), size):
        yield order[start : start + size]


def _dataset(generator, signature):
    import tensorflow as tf

    return tf.data.Dataset.from_generator(generator, output_signature=signature)
