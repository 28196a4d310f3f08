"""The user's own graph: an edge list and a node CSV.

    edges.csv                      nodes.csv
    source,target                  id,label,x0,x1,...
    alice,bob                      alice,red,0.1,2.0
    bob,carol                      bob,,0.3,1.1       (no label: in the graph, in no split)

The edge list is a CSV file with a header naming its first two columns, or
whitespace-separated pairs (SNAP's format; lines starting with # are
comments); either way an edge is undirected. `data.path` is the edge list,
or a folder holding `edges.csv` (or `edges.txt`) and `nodes.csv`;
`data.nodes` names a node CSV elsewhere. Node CSV columns besides `id` and
the label are the node features, all numbers; with none, each node's
feature is its one-hot id (graphs of at most `MAX_ONE_HOT` nodes).

What is wrong is said in one line naming the file, the line and what is
accepted; nothing is trained. Self-loops and edges listed twice are
accepted, dropped, and said on stderr.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from keraslab.core.api import KeraslabError
from keraslab.plugins.graph.graphs import Graph, one_hot, undirected

MAX_ONE_HOT = 5000
HEADER_WORDS = {"source", "target", "src", "dst", "from", "to", "u", "v", "node1", "node2"}


@dataclasses.dataclass(frozen=True)
class LabelledGraph:
    """A graph, and the classes of the nodes that have one.

    Attributes:
        graph: the nodes, their features and edges.
        labelled: the ids of the labelled nodes.
        classes: their class ids.
        class_names: the name of each class id.
    """

    graph: Graph
    labelled: np.ndarray
    classes: np.ndarray
    class_names: Tuple[str, ...]


def read_user_graph(path: str, nodes: str = "", label_column: str = "label") -> LabelledGraph:
    """Reads the user's graph (the module docstring); raises `KeraslabError` on bad input."""
    edge_path, node_path = _locate(Path(path), nodes)
    names, features, labels = read_nodes(node_path, label_column)
    pairs = read_edges(edge_path, {name: i for i, name in enumerate(names)}, node_path)
    edges, loops, duplicates = undirected(pairs, len(names))
    if loops or duplicates:
        said = [f"{loops} self-loop(s) (a node linked to itself)"] if loops else []
        said += [f"{duplicates} edge(s) listed more than once"] if duplicates else []
        print(f"{edge_path}: dropped {' and '.join(said)}; each edge is kept once, both ways.", file=sys.stderr)
    if features is None:
        if len(names) > MAX_ONE_HOT:
            raise KeraslabError(
                f"{node_path} has no feature columns and {len(names)} nodes; give node features as numeric columns "
                f"beside 'id' and '{label_column}' (one-hot ids are used for graphs of at most {MAX_ONE_HOT} nodes)."
            )
        features = one_hot(np.arange(len(names)), len(names))
    labelled = np.array([i for i, label in enumerate(labels) if label != ""], np.int64)
    class_names = tuple(sorted({label for label in labels if label != ""}))
    if len(class_names) < 2:
        raise KeraslabError(
            f"{node_path}: column '{label_column}' names {len(class_names)} class(es); node classification needs "
            "at least 2 (leave a cell empty for a node without a class)."
        )
    lookup = {name: c for c, name in enumerate(class_names)}
    classes = np.array([lookup[labels[i]] for i in labelled], np.int64)
    return LabelledGraph(Graph(features, edges, tuple(names)), labelled, classes, class_names)


def _locate(path: Path, nodes: str) -> Tuple[Path, Path]:
    if path.is_dir():
        found = [path / name for name in ("edges.csv", "edges.txt", "edges.tsv") if (path / name).exists()]
        if not found:
            raise KeraslabError(f"Folder {path} has no edges.csv (or edges.txt): its graph's edge list.")
        edge_path, default_nodes = found[0], path / "nodes.csv"
    elif path.is_file():
        edge_path, default_nodes = path, path.with_name("nodes.csv")
    else:
        raise KeraslabError(f"data.path={path} does not exist; give an edge list file or a folder with edges.csv.")
    node_path = Path(nodes) if nodes else default_nodes
    if not node_path.is_file():
        raise KeraslabError(
            f"No node CSV at {node_path}: node classification needs each node's class; give "
            "--set data.nodes=FILE, a CSV with columns id,label and numeric node features."
        )
    return edge_path, node_path


def read_nodes(path: Path, label_column: str) -> Tuple[List[str], Optional[np.ndarray], List[str]]:
    """(node names, features or None, label of each node or "")."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or "id" not in header or label_column not in header:
            raise KeraslabError(
                f"{path} must start with a header naming columns 'id' and '{label_column}' "
                f"(data.label_column); found {header or 'an empty file'}."
            )
        at_id, at_label = header.index("id"), header.index(label_column)
        feature_columns = [i for i in range(len(header)) if i not in (at_id, at_label)]
        names: List[str] = []
        labels: List[str] = []
        rows: List[List[float]] = []
        seen: Dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise KeraslabError(f"{path} line {line} has {len(row)} cells; the header has {len(header)}.")
            name = row[at_id].strip()
            if not name:
                raise KeraslabError(f"{path} line {line} has no id; every node needs one.")
            if name in seen:
                raise KeraslabError(f"{path} line {line} repeats node '{name}' of line {seen[name]}; ids are unique.")
            seen[name] = line
            names.append(name)
            labels.append(row[at_label].strip())
            try:
                rows.append([float(row[i]) for i in feature_columns])
            except ValueError:
                raise KeraslabError(
                    f"{path} line {line}: node features must be numbers; received {[row[i] for i in feature_columns]}."
                ) from None
    if not names:
        raise KeraslabError(f"{path} lists no node.")
    features = np.asarray(rows, np.float32) if feature_columns else None
    if features is not None and not np.isfinite(features).all():
        raise KeraslabError(f"{path} has NaN or infinite node features; fix or remove them.")
    return names, features, labels


def read_edges(path: Path, index: Dict[str, int], node_path: Path) -> np.ndarray:
    """The edge list's pairs of node indices, int64 [E, 2]."""
    pairs: List[Tuple[int, int]] = []
    with open(path, newline="", encoding="utf-8") as handle:
        first_data = True
        for line, text in enumerate(handle, start=1):
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            cells = [c.strip() for c in (next(csv.reader([text])) if "," in text else text.split())]
            if first_data and cells[0] not in index and cells[0].lower() in HEADER_WORDS:
                first_data = False
                continue  # a header
            first_data = False
            if len(cells) < 2:
                raise KeraslabError(f"{path} line {line} has one node; each line of an edge list names two.")
            unknown = [c for c in cells[:2] if c not in index]
            if unknown:
                raise KeraslabError(
                    f"{path} line {line} names node '{unknown[0]}', which {node_path} does not list; "
                    "every node of an edge needs a row there."
                )
            pairs.append((index[cells[0]], index[cells[1]]))
    if not pairs:
        raise KeraslabError(f"{path} lists no edge.")
    return np.asarray(pairs, np.int64)
