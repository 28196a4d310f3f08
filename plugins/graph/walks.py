"""Random walks and the skip-gram pairs DeepWalk and node2vec learn from.

DeepWalk (Perozzi et al., 2014, "DeepWalk: online learning of social
representations") treats truncated random walks as sentences and nodes as
words: nodes that co-occur within a window of a walk get close embeddings
(skip-gram with negative sampling, Mikolov et al., 2013). node2vec (Grover
& Leskovec, 2016) biases each step by where the walk came from: from
previous node t at current node v, the next node x is drawn with weight
1/p if x = t (return), 1 if x is a neighbour of t, 1/q otherwise, so q < 1
explores outwards (depth-first) and q > 1 stays close (breadth-first).
"""

from __future__ import annotations

import numpy as np

from keraslab.plugins.graph.graphs import Adjacency


def random_walks(
    adjacency: Adjacency, starts: np.ndarray, length: int, rng: np.random.Generator, p: float = 1.0, q: float = 1.0
) -> np.ndarray:
    """Walks of `length` nodes from each of `starts`: int64 [len(starts), length].

    A walk at a node with no neighbours stays there. With p = q = 1 each
    step is uniform over the current node's neighbours (DeepWalk); else
    node2vec's second-order weights, drawn exactly by rejection: a uniform
    neighbour is kept with probability weight / max(1/p, 1, 1/q).
    """
    num_nodes = len(adjacency.offsets) - 1
    walks = np.empty((len(starts), length), np.int64)
    walks[:, 0] = starts
    edge_keys = np.sort(np.repeat(np.arange(num_nodes), np.diff(adjacency.offsets)) * num_nodes + adjacency.sources)
    biased = p != 1.0 or q != 1.0
    top = max(1.0 / p, 1.0, 1.0 / q)
    for step in range(1, length):
        current = walks[:, step - 1]
        chosen = _uniform_neighbour(adjacency, current, rng)
        if biased and step > 1:
            previous = walks[:, step - 2]
            pending = np.ones(len(current), bool)
            while pending.any():
                weight = _node2vec_weight(previous[pending], chosen[pending], edge_keys, num_nodes, p, q)
                kept = rng.random(int(pending.sum())) * top < weight
                index = np.flatnonzero(pending)
                pending[index[kept]] = False
                redraw = np.flatnonzero(pending)
                chosen[redraw] = _uniform_neighbour(adjacency, current[redraw], rng)
        walks[:, step] = chosen
    return walks


def _uniform_neighbour(adjacency: Adjacency, nodes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    degree = adjacency.degrees(nodes)
    pick = adjacency.offsets[nodes] + (rng.random(len(nodes)) * degree).astype(np.int64)
    return np.where(degree > 0, adjacency.sources[np.minimum(pick, len(adjacency.sources) - 1)], nodes)


def _node2vec_weight(previous, candidate, edge_keys, num_nodes, p, q) -> np.ndarray:
    """node2vec's unnormalised weight of stepping to `candidate` having come from `previous`."""
    keys = candidate * num_nodes + previous  # an edge previous → candidate is stored as target*N+source
    at = np.minimum(np.searchsorted(edge_keys, keys), len(edge_keys) - 1)
    linked = edge_keys[at] == keys if len(edge_keys) else np.zeros(len(keys), bool)
    return np.where(candidate == previous, 1.0 / p, np.where(linked, 1.0, 1.0 / q))


def skipgram_pairs(walks: np.ndarray, window: int) -> np.ndarray:
    """(centre, context) rows for every two nodes at most `window` apart
    in a walk, both ways: int64 [P, 2]."""
    pairs = []
    for offset in range(1, min(window, walks.shape[1] - 1) + 1):
        left, right = walks[:, :-offset].ravel(), walks[:, offset:].ravel()
        pairs.append(np.stack([left, right], 1))
        pairs.append(np.stack([right, left], 1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)


def negative_distribution(adjacency: Adjacency) -> np.ndarray:
    """Noise distribution of negative samples: degree^¾ (a random walk visits
    a node in proportion to its degree; word2vec's ¾ power of frequency)."""
    weight = np.maximum(np.diff(adjacency.offsets), 1).astype(np.float64) ** 0.75
    return weight / weight.sum()
