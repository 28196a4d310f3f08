"""Graphs in memory, in the tensor form every graph model takes.

A graph of N nodes and E directed edges is

* ``node_features``: float32 [N, F], one row per node;
* ``edge_index``: int32 [E, 2], each row (source, target): a message flows
  from source to target. An undirected edge is stored both ways.

A model asked about some nodes also takes ``nodes`` (int32 [B], the nodes
whose class it returns, one output row each). A batch of small graphs is
their disjoint union, with ``edge_features`` (float32 [E, D]) and
``node_graph`` (int32 [N], the graph of each node, 0..G−1); the model
returns one row per graph. Exports take the same tensors (docs/topics/graph.md).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Tuple

import numpy as np


@dataclasses.dataclass(frozen=True)
class Graph:
    """One graph: node features, directed edges, the names of its nodes.

    Attributes:
        node_features: float32 [N, F].
        edges: int64 [E, 2], (source, target) rows, no self-loops, no
            duplicates; both directions of an undirected edge.
        node_names: the name of each node (its id in the user's files).
    """

    node_features: np.ndarray
    edges: np.ndarray
    node_names: Tuple[str, ...] = ()

    @property
    def num_nodes(self) -> int:
        return len(self.node_features)

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    @functools.cached_property
    def adjacency(self) -> "Adjacency":
        """The sources of each node's incoming edges, grouped by node (CSR):
        sorted once per graph, not once per sampled batch."""
        return Adjacency.of(self.edges, self.num_nodes)

    def inputs(self) -> dict:
        """The whole graph as a model's inputs, without `nodes`."""
        return {"node_features": self.node_features, "edge_index": self.edges.astype(np.int32)}


@dataclasses.dataclass(frozen=True)
class Adjacency:
    """Compressed rows of incoming edges: node v's in-neighbours are
    `sources[offsets[v]:offsets[v + 1]]`."""

    offsets: np.ndarray
    sources: np.ndarray

    @classmethod
    def of(cls, edges: np.ndarray, num_nodes: int) -> "Adjacency":
        order = np.argsort(edges[:, 1], kind="stable")
        counts = np.bincount(edges[:, 1], minlength=num_nodes)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(offsets, edges[order, 0].astype(np.int64))

    def degrees(self, nodes: np.ndarray) -> np.ndarray:
        return self.offsets[nodes + 1] - self.offsets[nodes]


def undirected(pairs: np.ndarray, num_nodes: int) -> Tuple[np.ndarray, int, int]:
    """(edges both ways, self-loops dropped, duplicates dropped) of node pairs.

    Each unordered pair {u, v}, u ≠ v, becomes the rows (u, v) and (v, u)
    once, however often and in whichever direction it was listed.
    """
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    loops = pairs[:, 0] == pairs[:, 1]
    pairs = pairs[~loops]
    low, high = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    keys = np.unique(low * num_nodes + high)
    duplicates = len(pairs) - len(keys)
    low, high = keys // num_nodes, keys % num_nodes
    both = np.concatenate([np.stack([low, high], 1), np.stack([high, low], 1)])
    return both[np.lexsort((both[:, 0], both[:, 1]))], int(loops.sum()), int(duplicates)


@dataclasses.dataclass(frozen=True)
class Subgraph:
    """Nodes asked about with the neighbourhoods a sampler reached.

    Attributes:
        nodes: the graph's node ids in the subgraph; the first `asked` are
            the nodes asked about, in the order asked.
        edges: int64 [E', 2] (source, target) in the subgraph's numbering.
        asked: how many nodes were asked about.
    """

    nodes: np.ndarray
    edges: np.ndarray
    asked: int

    def inputs(self, graph: Graph) -> dict:
        return {
            "node_features": graph.node_features[self.nodes],
            "edge_index": self.edges.astype(np.int32),
            "nodes": np.arange(self.asked, dtype=np.int32),
        }


def sample_neighbourhoods(
    adjacency: Adjacency, asked: np.ndarray, fanouts: Tuple[int, ...], rng: np.random.Generator
) -> Subgraph:
    """The subgraph a GraphSAGE model of len(fanouts) layers reads for `asked`.

    Hop by hop from the nodes asked about, each node of the frontier keeps
    all its in-neighbours if it has at most k = fanouts[hop] of them, else k
    drawn uniformly with replacement (Hamilton et al., 2017, "Inductive
    representation learning on large graphs", Algorithm 2: fixed-size
    neighbourhood samples). The sampled edges of every hop form one
    subgraph over the union of the nodes reached, as message passing reads
    it; its cost is bounded by B·Π(1 + k), whatever the graph's size.

    Args:
        adjacency: the graph's incoming edges.
        asked: distinct node ids.
        fanouts: neighbours kept per node, nearest hop first.
        rng: the seeded generator the draws come from.
    """
    frontier = np.asarray(asked, np.int64)
    sources, targets = [], []
    for fanout in fanouts:
        degree = adjacency.degrees(frontier)
        start = adjacency.offsets[frontier]
        small = degree <= fanout
        # every neighbour of the nodes that have at most `fanout` of them
        owners = np.repeat(frontier[small], degree[small])
        firsts = np.repeat(start[small], degree[small])
        runs = np.arange(len(owners)) - np.repeat(np.cumsum(degree[small]) - degree[small], degree[small])
        sources.append(adjacency.sources[firsts + runs])
        targets.append(owners)
        # `fanout` drawn with replacement for the others
        big = ~small
        picks = start[big, None] + (rng.random((int(big.sum()), fanout)) * degree[big, None]).astype(np.int64)
        sources.append(adjacency.sources[picks].ravel())
        targets.append(np.repeat(frontier[big], fanout))
        frontier = np.unique(np.concatenate([sources[-1], sources[-2]]))
    return _renumber(
        np.asarray(asked, np.int64), np.concatenate(sources), np.concatenate(targets), len(adjacency.offsets) - 1
    )


def _renumber(asked: np.ndarray, sources: np.ndarray, targets: np.ndarray, num_nodes: int) -> Subgraph:
    """The subgraph over the nodes asked about (first) and those reached."""
    reached = np.setdiff1d(np.concatenate([sources, targets]), asked)
    nodes = np.concatenate([asked, reached])
    position = np.full(num_nodes, -1, np.int64)
    position[nodes] = np.arange(len(nodes))
    edges = np.stack([position[sources], position[targets]], 1)
    return Subgraph(nodes, edges, len(asked))


@dataclasses.dataclass(frozen=True)
class GraphCollection:
    """Many small graphs in concatenated arrays.

    Attributes:
        node_features: float32 [ΣN, F], the graphs' nodes one after another.
        edges: int64 [ΣE, 2], each graph's edges in its own numbering.
        edge_features: float32 [ΣE, D].
        node_offsets: int64 [G + 1]: graph g's nodes are rows
            node_offsets[g]:node_offsets[g + 1].
        edge_offsets: int64 [G + 1], the same for edges.
    """

    node_features: np.ndarray
    edges: np.ndarray
    edge_features: np.ndarray
    node_offsets: np.ndarray
    edge_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.node_offsets) - 1

    def union(self, graphs: np.ndarray) -> dict:
        """The disjoint union of `graphs` as a model's inputs, numbered in the order given."""
        node_rows = [np.arange(self.node_offsets[g], self.node_offsets[g + 1]) for g in graphs]
        edge_rows = [np.arange(self.edge_offsets[g], self.edge_offsets[g + 1]) for g in graphs]
        sizes = np.array([len(rows) for rows in node_rows], np.int64)
        shift = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        edges = [self.edges[rows] + shift[i] for i, rows in enumerate(edge_rows)]
        nodes = np.concatenate(node_rows) if len(graphs) else np.zeros(0, np.int64)
        edge_all = np.concatenate(edge_rows) if len(graphs) else np.zeros(0, np.int64)
        return {
            "node_features": self.node_features[nodes],
            "edge_index": (np.concatenate(edges) if len(graphs) else np.zeros((0, 2))).astype(np.int32),
            "edge_features": self.edge_features[edge_all],
            "node_graph": np.repeat(np.arange(len(graphs)), sizes).astype(np.int32),
        }

    def graph(self, g: int) -> Graph:
        nodes = slice(self.node_offsets[g], self.node_offsets[g + 1])
        edges = slice(self.edge_offsets[g], self.edge_offsets[g + 1])
        return Graph(self.node_features[nodes], self.edges[edges])


def one_hot(ids: np.ndarray, depth: int) -> np.ndarray:
    out = np.zeros((len(ids), depth), np.float32)
    out[np.arange(len(ids)), ids] = 1.0
    return out
