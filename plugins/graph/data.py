"""The graph topic's datasets: loaders of `NodeSet`s and `GraphSet`s.

* ``karate``: Zachary's karate club (networkx), 34 members, the two factions
  it split into; each node's feature is its one-hot id (no features: the
  edges are all there is).
* ``block-model``: a generated stochastic block model whose class signal is
  partly in the features and partly in the edges, of any size.
* ``molecules``: generated molecule-like graphs whose class is structural
  (a ring or none), for graph classification.
* ``networkx``: any graph networkx builds by name (`data.path`), its
  classes from a node attribute (`data.label_column`).

Any node dataset reads the user's own graph instead with `--data`
(`keraslab.plugins.graph.files`). The split (core's, by `data.seed`) is of
the labelled nodes, or of the graphs.
"""

from __future__ import annotations

import numpy as np

from keraslab.core.api import KeraslabError
from keraslab.plugins.graph.config import GraphDataConfig
from keraslab.plugins.graph.examples import Batching, GraphSet, NodeSet
from keraslab.plugins.graph.files import LabelledGraph, read_user_graph
from keraslab.plugins.graph.graphs import Graph, GraphCollection, one_hot, undirected

BLOCK_MODEL_NODES = 2000
BLOCK_MODEL_CLASSES = 4
BLOCK_MODEL_DEGREE = 10  # mean degree
BLOCK_MODEL_HOMOPHILY = 0.7  # share of a node's edges within its class
BLOCK_MODEL_FEATURES = 32
BLOCK_MODEL_SIGNAL = 0.35  # length of the class means against unit noise per feature
BLOCK_MODEL_MEANS_SEED = 0  # one set of class means for every graph: a class means the same in each
MOLECULES = 1000
ATOMS = ("C", "N", "O", "S")
ATOM_SHARES = (0.6, 0.2, 0.15, 0.05)
BONDS = ("single", "double", "aromatic")


def node_set(labelled: LabelledGraph, data: GraphDataConfig) -> NodeSet:
    """The labelled nodes of a graph as linked examples, batched as `data` says."""
    batching = Batching(
        kind=data.batching,
        fanouts=tuple(data.fanouts),
        walk_length=data.walk_length,
        window=data.window,
        negatives=data.negatives,
        p=data.p,
        q=data.q,
    )
    return NodeSet(
        graph=labelled.graph,
        nodes=labelled.labelled,
        targets=labelled.classes,
        num_classes=len(labelled.class_names),
        class_names=labelled.class_names,
        batching=batching,
    )


def _or_users(load):
    """The loader, or the user's graph where `data.path` is set."""

    def loader(data: GraphDataConfig) -> NodeSet:
        if data.path:
            return node_set(read_user_graph(data.path, data.nodes, data.label_column), data)
        return node_set(load(data), data)

    loader.__doc__ = load.__doc__
    return loader


def _karate(data: GraphDataConfig) -> LabelledGraph:
    """Zachary's karate club: 34 members, 78 friendships, two factions."""
    import networkx as nx

    return _from_networkx(nx.karate_club_graph(), "club")


def _from_networkx(graph, attribute: str) -> LabelledGraph:
    names = list(graph.nodes())
    index = {name: i for i, name in enumerate(names)}
    labels = [graph.nodes[name].get(attribute) for name in names]
    missing = [name for name, label in zip(names, labels) if label is None]
    if len(missing) == len(names):
        found = sorted({key for name in names for key in graph.nodes[name]})
        raise KeraslabError(
            f"The graph's nodes have no attribute '{attribute}' (data.label_column); its nodes have: "
            f"{', '.join(found) or 'no attributes'}."
        )
    pairs = np.array([(index[u], index[v]) for u, v in graph.edges()], np.int64).reshape(-1, 2)
    edges, _, _ = undirected(pairs, len(names))
    labelled = np.array([i for i, label in enumerate(labels) if label is not None], np.int64)
    class_names = tuple(sorted({str(labels[i]) for i in labelled}))
    lookup = {name: c for c, name in enumerate(class_names)}
    classes = np.array([lookup[str(labels[i])] for i in labelled], np.int64)
    features = one_hot(np.arange(len(names)), len(names))
    return LabelledGraph(Graph(features, edges, tuple(str(n) for n in names)), labelled, classes, class_names)


def _networkx(data: GraphDataConfig) -> LabelledGraph:
    """A graph networkx builds by name (data.path), classes from data.label_column."""
    import networkx as nx

    name = data.path
    builder = getattr(nx, name, None) if name else None
    if builder is None or not callable(builder):
        raise KeraslabError(
            f"networkx has no graph called '{name}' (data.path); try karate_club_graph, "
            "davis_southern_women_graph or florentine_families_graph."
        )
    return _from_networkx(builder(), data.label_column)


def load_networkx(data: GraphDataConfig) -> NodeSet:
    """A graph networkx ships, by the name of its builder (`--data davis_southern_women_graph`)."""
    return node_set(_networkx(data), data)


def block_model_graph(nodes: int, seed: int) -> LabelledGraph:
    """A stochastic block model with informative but noisy features.

    Node v of class c_v (uniform over `BLOCK_MODEL_CLASSES`) has features
    x_v = s·μ_{c_v} + ε, ε ~ N(0, I), with class means μ_c ~ N(0, I) of
    `BLOCK_MODEL_FEATURES` dimensions and s = `BLOCK_MODEL_SIGNAL`: from
    its own features a node's class is hard to tell. Its
    `BLOCK_MODEL_DEGREE`·n/2 edges each join a uniform node u to a node of
    u's class with probability h = `BLOCK_MODEL_HOMOPHILY`, else to a node
    of another class: averaging over neighbours, mostly of one's own class,
    removes noise, which is what a graph network can use and an MLP cannot.
    The class means are the same for every size and seed, so graphs of
    other seeds are new graphs of the same task (GraphSAGE's inductive
    target). Edges are drawn in O(E), so 100,000 nodes and more take seconds.
    """
    rng = np.random.default_rng([seed, nodes])
    classes = rng.integers(BLOCK_MODEL_CLASSES, size=nodes)
    means = np.random.default_rng(BLOCK_MODEL_MEANS_SEED).normal(size=(BLOCK_MODEL_CLASSES, BLOCK_MODEL_FEATURES))
    features = (BLOCK_MODEL_SIGNAL * means[classes] + rng.normal(size=(nodes, BLOCK_MODEL_FEATURES))).astype(np.float32)
    members = [np.flatnonzero(classes == c) for c in range(BLOCK_MODEL_CLASSES)]
    count = nodes * BLOCK_MODEL_DEGREE // 2
    sources = rng.integers(nodes, size=count)
    within = rng.random(count) < BLOCK_MODEL_HOMOPHILY
    shift = rng.integers(1, BLOCK_MODEL_CLASSES, size=count)
    target_class = np.where(within, classes[sources], (classes[sources] + shift) % BLOCK_MODEL_CLASSES)
    targets = np.empty(count, np.int64)
    for c in range(BLOCK_MODEL_CLASSES):
        chosen = target_class == c
        targets[chosen] = members[c][rng.integers(len(members[c]), size=int(chosen.sum()))]
    edges, _, _ = undirected(np.stack([sources, targets], 1), nodes)
    names = tuple(f"class {c}" for c in range(BLOCK_MODEL_CLASSES))
    return LabelledGraph(Graph(features, edges), np.arange(nodes), classes.astype(np.int64), names)


def _block_model(data: GraphDataConfig) -> LabelledGraph:
    """Stochastic block model: 4 classes, weak features, 70% of edges within a class."""
    return block_model_graph(data.size or BLOCK_MODEL_NODES, data.seed)


def _tiny_block_model(data: GraphDataConfig) -> LabelledGraph:
    return block_model_graph(120, data.seed)


load_karate = _or_users(_karate)
load_block_model = _or_users(_block_model)
synthetic_block_model = _or_users(_tiny_block_model)


def molecule_collection(count: int, seed: int):
    """(graphs, classes): `count` molecule-like graphs, half of them with a ring.

    Each has 8–20 atoms of types C, N, O, S (one-hot node features, in
    `ATOM_SHARES`) joined as a random tree (atom i bonds to a uniform
    earlier atom); a graph of class 1 ("ring") gets one more bond between
    two atoms not yet bonded, which closes a cycle. Bond types (one-hot
    edge features) are drawn uniformly, whatever the class. The atoms of
    both classes come from one distribution, so a model that sees only the
    bag of atoms is at chance: the class is in the structure alone.
    """
    rng = np.random.default_rng([seed, count, 17])
    features, edges, bonds, node_offsets, edge_offsets = [], [], [], [0], [0]
    classes = rng.integers(2, size=count)
    for ring in classes:
        n = int(rng.integers(8, 21))
        atoms = rng.choice(len(ATOMS), size=n, p=ATOM_SHARES)
        pairs = [(i, int(rng.integers(i))) for i in range(1, n)]
        if ring:
            bonded = {frozenset(p) for p in pairs}
            while True:
                u, v = (int(x) for x in rng.choice(n, size=2, replace=False))
                if frozenset((u, v)) not in bonded:
                    pairs.append((u, v))
                    break
        both, _, _ = undirected(np.array(pairs), n)
        kinds = rng.integers(len(BONDS), size=len(both) // 2)
        low = np.minimum(both[:, 0], both[:, 1]) * n + np.maximum(both[:, 0], both[:, 1])
        _, bond_of_edge = np.unique(low, return_inverse=True)  # both directions of a bond share its type
        features.append(one_hot(atoms, len(ATOMS)))
        edges.append(both)
        bonds.append(one_hot(kinds[bond_of_edge], len(BONDS)))
        node_offsets.append(node_offsets[-1] + n)
        edge_offsets.append(edge_offsets[-1] + len(both))
    collection = GraphCollection(
        np.concatenate(features),
        np.concatenate(edges),
        np.concatenate(bonds),
        np.asarray(node_offsets, np.int64),
        np.asarray(edge_offsets, np.int64),
    )
    return collection, classes.astype(np.int64)


def _graph_set(count: int, data: GraphDataConfig) -> GraphSet:
    if data.path:
        raise KeraslabError(
            "The molecules dataset is generated; data.path applies to node datasets (an edge list and a node CSV)."
        )
    collection, classes = molecule_collection(count, data.seed)
    return GraphSet(collection, np.arange(len(classes)), classes, 2, ("no ring", "ring"))


def load_molecules(data: GraphDataConfig) -> GraphSet:
    """Generated molecule-like graphs, classed by whether they hold a ring."""
    return _graph_set(data.size or MOLECULES, data)


def synthetic_molecules(data: GraphDataConfig) -> GraphSet:
    return _graph_set(48, data)
