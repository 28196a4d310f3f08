"""Commands of `keraslab graph` beyond train/evaluate/export: a run's node
embeddings, and the nodes nearest one of them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from keraslab.core.api import KeraslabError

NODE_MODELS = ("gcn", "graphsage", "deepwalk", "mlp")


def _open(ctx, run: str, command: str):
    from keraslab.core.api import open_finished_run, registry_of

    return open_finished_run(registry_of(ctx), "graph", run, command, models=NODE_MODELS)


@click.command("embed")
@click.argument("run")
@click.option("--out", required=True, help="Where to write the embeddings: a .npy file, one row per node.")
@click.option("--plot", "plot_path", help="Where to draw their 2-D projection (default: OUT with .png).")
@click.pass_context
def embed(ctx, run, out, plot_path):
    """Every node's embedding in a run's graph: DeepWalk's vectors, or the
    last hidden layer of GCN, GraphSAGE and the MLP. Writes OUT (.npy, rows
    in the order of the graph's nodes) and a picture of the embeddings'
    two principal components coloured by class."""
    import numpy as np

    from keraslab.plugins.graph.embeddings import node_embeddings, plot_embeddings
    from keraslab.plugins.graph.report import known_classes

    if not out.endswith(".npy"):
        raise KeraslabError(f"--out must name a .npy file, received '{out}'.")
    finished = _open(ctx, run, "embed")
    graph = finished.splits.train.graph
    embeddings = node_embeddings(finished.model, graph)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    partial = Path(out + ".partial.npy")
    np.save(partial, embeddings.astype(np.float32))
    partial.replace(out)  # a reader never sees a half-written file
    picture = Path(plot_path) if plot_path else Path(out).with_suffix(".png")
    plot_embeddings(
        embeddings,
        known_classes(finished.splits),
        finished.splits.train.class_names,
        picture,
        f"{finished.spec.name}: node embeddings by class",
    )
    click.echo(f"Wrote {embeddings.shape[0]} embeddings of {embeddings.shape[1]} numbers to {out}; picture: {picture}")


@click.command("neighbours")
@click.argument("run")
@click.argument("node")
@click.option("--top", default=10, show_default=True, help="How many nearest nodes to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def neighbours(ctx, run, node, top, as_json):
    """The nodes whose embeddings are nearest NODE's (cosine similarity),
    with their classes and whether an edge joins them to NODE. NODE is a
    node's name (its id in your node CSV) or its index."""
    import numpy as np

    from keraslab.plugins.graph.embeddings import nearest, node_embeddings, node_probabilities
    from keraslab.plugins.graph.report import known_classes

    if top < 1:
        raise KeraslabError(f"--top must be at least 1, received {top}.")
    finished = _open(ctx, run, "neighbours")
    graph = finished.splits.train.graph
    names = list(graph.node_names) or [str(i) for i in range(graph.num_nodes)]
    index = _node_index(node, names)
    embeddings = node_embeddings(finished.model, graph)
    order, similarity = nearest(embeddings, index, top)
    classes = known_classes(finished.splits)
    predicted = node_probabilities(finished.model, graph).argmax(axis=1)
    class_names = finished.splits.train.class_names
    linked = set(graph.edges[graph.edges[:, 1] == index, 0].tolist())

    def describe(v):
        return {
            "node": names[v],
            "similarity": round(float(similarity[v]), 4) if v != index else 1.0,
            "class": class_names[classes[v]] if classes[v] >= 0 else None,
            "predicted": class_names[int(predicted[v])],
            "edge_to_node": v in linked,
        }

    rows = [describe(int(v)) for v in order]
    if as_json:
        click.echo(json.dumps({"node": describe(index), "nearest": rows}, indent=2))
        return
    me = describe(index)
    click.echo(f"{me['node']}: class {me['class']}, predicted {me['predicted']}, {len(linked)} edges")
    for row in rows:
        edge = "edge" if row["edge_to_node"] else ""
        click.echo(
            f"  {row['node']:>12}  {row['similarity']:+.3f}  class {row['class']!s:<10} "
            f"predicted {row['predicted']:<10} {edge}"
        )
    share = np.mean([r["edge_to_node"] for r in rows]) if rows else 0.0
    click.echo(f"{share:.0%} of the {len(rows)} nearest are joined to {me['node']} by an edge.")


def _node_index(node: str, names) -> int:
    if node in names:
        return names.index(node)
    if node.isdigit() and int(node) < len(names):
        return int(node)
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    raise KeraslabError(
        f"The run's graph has no node '{node}'; give a node's name ({shown}) or an index 0..{len(names) - 1}."
    )


def commands():
    return [embed, neighbours]
