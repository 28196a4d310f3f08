"""What a trained node model says of every node: embeddings, predicted
classes, nearest nodes, and pictures of them.

A node's embedding is the representation its class is read from: a
DeepWalk embedding; the last hidden layer's state for GCN, GraphSAGE and
the MLP, computed over the whole graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from keraslab.plugins.graph.graphs import Graph
from keraslab.plugins.graph.models.deepwalk import walker_of

MAX_DRAWN_NODES = 300  # larger graphs are drawn as embeddings only


def hidden_tensor(model):
    """The Keras tensor of the last hidden node states of a node model."""
    convolutions = [layer for layer in model.layers if layer.name.startswith(("gcn_", "sage_"))]
    if convolutions and convolutions[-1].name.startswith("gcn_"):
        # GCN's last convolution maps to the classes: the one before it is the last hidden one.
        return convolutions[-2].output if len(convolutions) > 1 else convolutions[-1].input[0]
    if convolutions:
        return convolutions[-1].output
    return model.get_layer("classes").input


def whole_graph(graph: Graph) -> dict:
    return {**graph.inputs(), "nodes": np.arange(graph.num_nodes, dtype=np.int32)}


def node_embeddings(model, graph: Graph) -> np.ndarray:
    """float32 [N, D]: every node's embedding."""
    import tensorflow as tf

    walker = walker_of(model)
    if walker is not None:
        return walker.embeddings.numpy()
    hidden = tf.keras.Model(model.inputs, hidden_tensor(model))
    return np.asarray(hidden(whole_graph(graph), training=False))


def node_probabilities(model, graph: Graph) -> np.ndarray:
    """float32 [N, C]: every node's predicted class distribution."""
    import tensorflow as tf

    walker = walker_of(model)
    if walker is not None:
        logits = walker.classify(tf.range(graph.num_nodes))
    else:
        logits = model(whole_graph(graph), training=False)
    return tf.nn.softmax(logits).numpy()


def project(embeddings: np.ndarray) -> np.ndarray:
    """[N, 2]: the embeddings' first two principal components."""
    centred = embeddings - embeddings.mean(axis=0)
    if centred.shape[1] < 2:
        return np.concatenate([centred, np.zeros((len(centred), 2 - centred.shape[1]))], 1)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    return centred @ directions[:2].T


def nearest(embeddings: np.ndarray, node: int, count: int) -> Tuple[np.ndarray, np.ndarray]:
    """(the `count` nodes whose embeddings are closest to `node`'s by cosine,
    closest first; every node's similarity to it)."""
    norms = np.linalg.norm(embeddings, axis=1) + 1e-12
    similarity = embeddings @ embeddings[node] / (norms * norms[node])
    similarity[node] = -np.inf
    order = np.argsort(-similarity, kind="stable")
    return order[: min(count, len(order) - 1)], similarity


def plot_embeddings(embeddings: np.ndarray, classes: np.ndarray, class_names, path: Path, title: str) -> Path:
    """The 2-D projection coloured by class (-1: unlabelled, grey)."""
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    points = project(embeddings)
    figure, axes = plt.subplots(figsize=(6, 5))
    unknown = classes < 0
    if unknown.any():
        axes.scatter(*points[unknown].T, s=6, c="lightgrey", label="unlabelled")
    for c, name in enumerate(class_names):
        chosen = classes == c
        axes.scatter(*points[chosen].T, s=8 if len(points) > 500 else 24, label=str(name))
    axes.set_title(title)
    axes.set_xlabel("first principal component")
    axes.set_ylabel("second principal component")
    axes.legend(fontsize="small", markerscale=1.5)
    return save_figure(figure, path)


def plot_graph(
    graph: Graph, predicted: np.ndarray, truth: np.ndarray, trained_on: np.ndarray, class_names, path: Path
) -> Optional[Path]:
    """A small graph drawn (spring layout), nodes coloured by predicted class;
    ringed in black: the labelled nodes trained on; a red cross: wrong."""
    if graph.num_nodes > MAX_DRAWN_NODES:
        return None
    import networkx as nx

    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    drawn = nx.Graph()
    drawn.add_nodes_from(range(graph.num_nodes))
    drawn.add_edges_from(graph.edges.tolist())
    layout = nx.spring_layout(drawn, seed=0)
    points = np.array([layout[v] for v in range(graph.num_nodes)])
    figure, axes = plt.subplots(figsize=(7, 6))
    for u, v in graph.edges[graph.edges[:, 0] < graph.edges[:, 1]]:
        axes.plot(*points[[u, v]].T, color="lightgrey", linewidth=0.6, zorder=1)
    colours = plt.get_cmap("tab10")
    for c, name in enumerate(class_names):
        chosen = predicted == c
        axes.scatter(*points[chosen].T, s=90, color=colours(c % 10), label=f"predicted {name}", zorder=2)
    axes.scatter(
        *points[trained_on].T,
        s=160,
        facecolors="none",
        edgecolors="black",
        linewidths=1.5,
        label="labelled, trained on",
        zorder=3,
    )
    wrong = (truth >= 0) & (truth != predicted)
    if wrong.any():
        axes.scatter(*points[wrong].T, s=40, marker="x", color="red", label="wrong", zorder=4)
    axes.set_axis_off()
    axes.set_title(f"{graph.num_nodes} nodes, {graph.num_edges // 2} edges: predicted classes")
    axes.legend(fontsize="small", loc="best")
    return save_figure(figure, path)
