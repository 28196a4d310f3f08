"""Graph data: edges, samplers, walks, generated graphs, the user's files."""

import numpy as np
import pytest

from keraslab.core.api import KeraslabError
from keraslab.plugins.graph.data import block_model_graph, molecule_collection
from keraslab.plugins.graph.files import read_user_graph
from keraslab.plugins.graph.graphs import Adjacency, sample_neighbourhoods, undirected
from keraslab.plugins.graph.walks import random_walks, skipgram_pairs


def test_undirected_keeps_each_edge_once_both_ways():
    edges, loops, duplicates = undirected(np.array([[0, 1], [1, 0], [1, 2], [2, 2], [0, 1]]), 3)
    assert (loops, duplicates) == (1, 2)
    assert sorted(map(tuple, edges.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1)]


def star_and_path():
    # node 0 has 6 neighbours (1..6); 6 - 7 - 8 is a path
    pairs = [(0, i) for i in range(1, 7)] + [(6, 7), (7, 8)]
    edges, _, _ = undirected(np.array(pairs), 9)
    return Adjacency.of(edges, 9), edges


def test_sampler_keeps_small_neighbourhoods_whole_and_caps_large_ones():
    adjacency, edges = star_and_path()
    sub = sample_neighbourhoods(adjacency, np.array([0, 8]), (3, 2), np.random.default_rng(0))
    assert sub.asked == 2 and list(sub.nodes[:2]) == [0, 8]
    into = lambda node: sub.edges[sub.edges[:, 1] == int(np.flatnonzero(sub.nodes == node)[0])]  # noqa: E731
    assert len(into(0)) == 3  # degree 6 > fan-out 3: three drawn
    assert sorted(sub.nodes[into(8)[:, 0]].tolist()) == [7]  # degree 1: all kept
    real = {tuple(e) for e in edges.tolist()}
    assert all((int(sub.nodes[s]), int(sub.nodes[t])) in real for s, t in sub.edges)
    again = sample_neighbourhoods(adjacency, np.array([0, 8]), (3, 2), np.random.default_rng(0))
    assert np.array_equal(again.nodes, sub.nodes) and np.array_equal(again.edges, sub.edges)


@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.25, 4.0)])
def test_walks_follow_edges(p, q):
    adjacency, edges = star_and_path()
    walks = random_walks(adjacency, np.arange(9), 12, np.random.default_rng(1), p, q)
    real = {tuple(e) for e in edges.tolist()}
    assert all((int(a), int(b)) in real for walk in walks for a, b in zip(walk[:-1], walk[1:]))
    pairs = skipgram_pairs(walks, 2)
    assert len(pairs) == 9 * 2 * (11 + 10)


def test_node2vec_q_moves_walks_away_or_keeps_them_close():
    graph = block_model_graph(400, 0).graph
    adjacency = graph.adjacency
    starts = np.arange(400)
    returns = []
    for q in (0.25, 4.0):  # q > 1: breadth-first, more returns to the previous node's neighbourhood
        walks = random_walks(adjacency, starts, 8, np.random.default_rng(2), p=1.0, q=q)
        returns.append(np.mean(walks[:, 2:] == walks[:, :-2]))
    assert returns[1] > returns[0]


def test_block_model_puts_signal_in_the_edges():
    labelled = block_model_graph(2000, 0)
    edges, classes = labelled.graph.edges, labelled.classes
    within = np.mean(classes[edges[:, 0]] == classes[edges[:, 1]])
    assert 0.65 < within < 0.75  # homophily 0.7 (less the duplicates dropped)
    assert 9 < len(edges) / 2000 < 10.5  # mean degree about 10


def test_molecules_differ_in_structure_not_in_atoms():
    collection, classes = molecule_collection(400, 0)
    nodes = np.diff(collection.node_offsets)
    edges = np.diff(collection.edge_offsets) // 2
    assert np.array_equal(edges - (nodes - 1), classes)  # a ring: one bond more than a tree
    atoms = [
        collection.node_features[collection.node_offsets[g] : collection.node_offsets[g + 1]].mean(0)
        for g in range(400)
    ]
    atoms = np.array(atoms)
    assert np.abs(atoms[classes == 1].mean(0) - atoms[classes == 0].mean(0)).max() < 0.03


def write_graph(folder, edges, nodes):
    folder.mkdir(exist_ok=True)
    (folder / "edges.csv").write_text(edges)
    (folder / "nodes.csv").write_text(nodes)
    return folder


NODES = "id,label,x\na,red,1\nb,blue,2\nc,red,3\nd,,4\n"


def test_user_graph_reads_names_features_and_unlabelled_nodes(tmp_path, capsys):
    folder = write_graph(tmp_path / "g", "source,target\na,b\nb,c\nc,c\nb,a\nc,d\n", NODES)
    graph = read_user_graph(str(folder))
    assert graph.graph.node_names == ("a", "b", "c", "d")
    assert graph.class_names == ("blue", "red") and list(graph.labelled) == [0, 1, 2]
    assert graph.graph.num_edges == 6
    assert "dropped 1 self-loop(s)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "edges,nodes,message",
    [
        ("a,b\na,zed\n", NODES, "line 2 names node 'zed'"),
        ("a,b\n", "id,label,x\na,red,1\n,blue,2\n", "line 3 has no id"),
        ("a,b\n", "id,label,x\na,red,1\na,blue,2\n", "repeats node 'a'"),
        ("a,b\n", "id,label,x\na,red,1\nb,red,2\n", "names 1 class"),
        ("a,b\n", "id,x\na,1\nb,2\n", "naming columns 'id' and 'label'"),
        ("a,b\n", "id,label,x\na,red,one\nb,blue,2\n", "must be numbers"),
        ("a\n", NODES, "has one node"),
    ],
)
def test_bad_user_graphs_are_refused_in_one_line(tmp_path, edges, nodes, message):
    folder = write_graph(tmp_path / "g", edges, nodes)
    with pytest.raises(KeraslabError, match=message):
        read_user_graph(str(folder))


def test_missing_node_csv_says_what_is_needed(tmp_path):
    (tmp_path / "edges.txt").write_text("# a comment\n1 2\n2 3\n")
    with pytest.raises(KeraslabError, match="needs each node's class"):
        read_user_graph(str(tmp_path / "edges.txt"))
