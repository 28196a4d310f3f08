"""Pictures a graph run writes when it completes: the embedding of every
node in two dimensions coloured by class, and a small graph drawn with its
predicted classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keraslab.plugins.graph.embeddings import node_embeddings, node_probabilities, plot_embeddings, plot_graph

MAX_REPORTED_NODES = 50_000  # a larger graph's whole-graph pass is left to `keraslab graph embed`


def known_classes(splits) -> np.ndarray:
    """Each node's class where some split labels it, else −1."""
    graph = splits.train.graph
    classes = np.full(graph.num_nodes, -1, np.int64)
    for part in (splits.train, splits.validation, splits.test):
        if len(part):
            classes[part.nodes] = part.targets
    return classes


def write_node_report(model, splits, run_path) -> None:
    graph = splits.train.graph
    if graph.num_nodes > MAX_REPORTED_NODES:
        return
    run_path = Path(run_path)
    classes = known_classes(splits)
    names = splits.train.class_names
    plot_embeddings(
        node_embeddings(model, graph), classes, names, run_path / "embeddings.png", "Node embeddings by class"
    )
    predicted = node_probabilities(model, graph).argmax(axis=1)
    plot_graph(graph, predicted, classes, splits.train.nodes, names, run_path / "graph.png")


def write_graph_set_report(model, splits, run_path) -> None:
    """Accuracy by graph size on the test split (does the model hold on larger graphs?)."""
    from keraslab.core.api import predict_split, pyplot, save_figure

    test = splits.test
    if not len(test):
        return
    predicted = np.asarray(predict_split(model, test)).argmax(axis=1)
    offsets = test.collection.node_offsets
    sizes = offsets[test.graphs + 1] - offsets[test.graphs]
    right = predicted == test.targets
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    values = sorted(set(sizes.tolist()))
    axes.bar(values, [right[sizes == v].mean() for v in values], color="tab:blue")
    axes.set_xlabel("nodes in the graph")
    axes.set_ylabel("test accuracy")
    axes.set_ylim(0, 1)
    axes.set_title(f"Test accuracy by graph size ({len(test)} graphs, {right.mean():.1%} overall)")
    save_figure(figure, Path(run_path) / "accuracy_by_size.png")
