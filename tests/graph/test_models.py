"""Graph models train through the shared trainer, export, answer in a
process without keraslab, and refuse bad input in one line; the full
targets run in `make test-slow` (test_targets.py)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.api import KeraslabError
from keraslab.plugins.graph.data import block_model_graph


def train(registry, tmp_path, model, *overrides):
    return actions.start_training(registry, "graph", model, runs_root=str(tmp_path), overrides=list(overrides))


def test_gcn_reads_the_edges_an_mlp_cannot(registry, tmp_path):
    """On a 600-node block model with 20 labels a class, the edges are worth
    more than 10 points of held-out accuracy."""
    accuracy = {}
    for model in ("gcn", "mlp"):
        _, summary = train(registry, tmp_path, model, "data.size=600", "train.epochs=100")
        accuracy[model] = summary["metrics"]["test"]["accuracy"]
    assert accuracy["gcn"] > 0.8
    assert accuracy["gcn"] > accuracy["mlp"] + 0.1, accuracy


def isolated(code: str, cwd) -> str:
    """Runs `code` where TensorFlow is importable and keraslab is not."""
    import tensorflow as tf

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(tf.__file__))
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    header = (
        "import importlib.util, numpy as np, tensorflow as tf\nassert importlib.util.find_spec('keraslab') is None\n"
    )
    out = subprocess.run([sys.executable, "-S", "-c", header + code], capture_output=True, text=True, env=env, cwd=cwd)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


SAGE_ANSWER = """
m = tf.saved_model.load({export!r})
g = np.load({graph!r})
out = m.signatures["serving_default"](node_features=tf.constant(g["x"]), edge_index=tf.constant(g["e"], tf.int32))
p = out["probabilities"].numpy()
print(p.shape, round(float(p.sum(1).mean()), 4), float(np.mean(p.argmax(1) == g["y"])))
"""


@pytest.mark.parametrize("aggregator,epochs,better_than", [("mean", 8, 0.5), ("maxpool", 8, 0.5), ("lstm", 1, 0.0)])
def test_graphsage_answers_for_a_graph_it_never_saw(registry, tmp_path, aggregator, epochs, better_than):
    """Each aggregator exports; mean and max-pool, trained for 8 short
    epochs, already beat chance (0.25) by far on a graph they never saw."""
    run, summary = train(
        registry, tmp_path, "graphsage", "data.size=400", f"train.epochs={epochs}", f"model.aggregator={aggregator}"
    )
    assert summary["metrics"]["test"]["accuracy"] > better_than
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    unseen = block_model_graph(300, seed=99)
    np.savez(tmp_path / "unseen.npz", x=unseen.graph.node_features, e=unseen.graph.edges, y=unseen.classes)
    answer = SAGE_ANSWER.format(export=str(version), graph=str(tmp_path / "unseen.npz"))
    out = isolated(answer, tmp_path)
    shape, total, accuracy = out.split(") ")[0] + ")", *out.split(") ")[1].split()
    assert shape == "(300, 4)" and float(total) == pytest.approx(1.0, abs=1e-3)
    assert float(accuracy) > better_than


EXPORTS_ANSWER = """
g = np.load({graph!r})
graph = dict(node_features=tf.constant(g["x"]), edge_index=tf.constant(g["e"], tf.int32))
gcn = tf.saved_model.load({gcn!r}).signatures
p = gcn["serving_default"](**graph)["probabilities"].numpy()
q = gcn["classify_nodes"](**graph, nodes=tf.constant([3, 5]))["probabilities"].numpy()
print("gcn", p.shape, np.allclose(p[[3, 5]], q, atol=1e-5))
walk = tf.saved_model.load({deepwalk!r}).signatures
nodes = tf.constant([0, 1, 2])
answer, embedding = walk["serving_default"](nodes=nodes), walk["embed"](nodes=nodes)
print("deepwalk", answer["probabilities"].shape, embedding["embedding"].shape)
mpnn = tf.saved_model.load({mpnn!r}).signatures["serving_default"]
ring = dict(
    node_features=tf.one_hot([0, 0, 1], 4),
    edge_index=tf.constant([[0, 1], [1, 0], [1, 2], [2, 1], [2, 0], [0, 2]]),
    edge_features=tf.one_hot([0] * 6, 3),
    node_graph=tf.constant([0, 0, 0]),
)
print("mpnn", mpnn(**ring)["probabilities"].shape)
"""


def test_gcn_deepwalk_and_mpnn_export_and_answer(registry, tmp_path):
    answers = {}
    for model, overrides in (
        ("gcn", ["data.synthetic=true", "train.epochs=3"]),
        ("deepwalk", ["data.synthetic=true", "train.epochs=2"]),
        ("mpnn", ["data.synthetic=true", "train.epochs=2"]),
    ):
        run, _ = train(registry, tmp_path, model, *overrides)
        answers[model] = str(export_run(registry, str(run.path), out=str(tmp_path / "exports")))
    graph = block_model_graph(120, seed=0).graph  # the synthetic graph of data.seed 0
    np.savez(tmp_path / "g.npz", x=graph.node_features, e=graph.edges)
    out = isolated(EXPORTS_ANSWER.format(graph=str(tmp_path / "g.npz"), **answers), tmp_path)
    assert "gcn (120, 4) True" in out
    assert "deepwalk (3, 4) (3, 64)" in out
    assert "mpnn (1, 2)" in out
    warmup = json.loads((tmp_path / "exports" / "graph-gcn" / "1" / "assets.extra" / "keraslab.json").read_text())
    assert [i["name"] for i in warmup["input"]] == ["node_features", "edge_index"]


def test_embed_and_neighbours_commands(registry, cli_runner, tmp_path):
    run, _ = train(registry, tmp_path, "gcn", "data.name=karate", "train.epochs=20")
    out = tmp_path / "emb.npy"
    result = cli_runner("graph", "embed", str(run.path), "--out", str(out), registry=registry)
    assert result.exit_code == 0, result.output
    assert np.load(out).shape == (34, 16) and out.with_suffix(".png").stat().st_size > 5_000
    assert (run.path / "graph.png").stat().st_size > 10_000 and (run.path / "embeddings.png").exists()
    result = cli_runner("graph", "neighbours", str(run.path), "0", "--top", "5", "--json", registry=registry)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["node"]["class"] == "Mr. Hi" and len(answer["nearest"]) == 5
    result = cli_runner("graph", "neighbours", str(run.path), "nobody", registry=registry)
    assert result.exit_code == 2 and "has no node 'nobody'" in result.output


def test_a_bad_edge_list_is_one_line_and_leaves_nothing(cli_runner, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "edges.csv").write_text("source,target\na,b\nb,ghost\n")
    (folder / "nodes.csv").write_text("id,label\na,x\nb,y\n")
    runs = tmp_path / "runs"
    result = cli_runner("graph", "train", "gcn", "--data", str(folder), "--runs-root", str(runs))
    assert result.exit_code == 2
    assert "line 3 names node 'ghost'" in result.output and "Traceback" not in result.output
    assert not runs.exists()


def test_a_class_without_a_labelled_training_node_is_refused(registry, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "edges.csv").write_text("a,b\nb,c\nc,d\n")
    (folder / "nodes.csv").write_text("id,label\na,x\nb,x\nc,x\nd,y\n")
    with pytest.raises(KeraslabError, match="The training split has no labelled node of class 'x'"):
        train(registry, tmp_path / "runs", "gcn", f"data.path={folder}", "data.test_fraction=0.5")
    assert not (tmp_path / "runs").exists()


def test_users_graph_trains_and_says_what_it_dropped(registry, tmp_path, capsys):
    labelled = block_model_graph(200, seed=3)
    folder = tmp_path / "mine"
    folder.mkdir()
    g = labelled.graph
    pairs = g.edges[g.edges[:, 0] < g.edges[:, 1]]
    lines = ["source,target"] + [f"n{u},n{v}" for u, v in pairs] + ["n1,n1", f"n{pairs[0][1]},n{pairs[0][0]}"]
    (folder / "edges.csv").write_text("\n".join(lines) + "\n")
    header = "id,label," + ",".join(f"f{i}" for i in range(g.node_features.shape[1]))
    rows = [f"n{v},c{labelled.classes[v]}," + ",".join(f"{x:.5f}" for x in g.node_features[v]) for v in range(200)]
    (folder / "nodes.csv").write_text("\n".join([header, *rows]) + "\n")
    run, summary = train(registry, tmp_path, "gcn", f"data.path={folder}", "train.epochs=30")
    assert (
        "dropped 1 self-loop(s) (a node linked to itself) and 1 edge(s) listed more than once"
        in capsys.readouterr().err
    )
    assert 70 <= summary["examples"]["train"] <= 80 and summary["metrics"]["test"]["accuracy"] > 0.5


def test_linked_examples_train_on_one_replica(tmp_path):
    from tests.cli_process import run

    result = run(
        "graph",
        "train",
        "gcn",
        "--set",
        "data.synthetic=true",
        "--set",
        "devices.logical_cpus=2",
        "--set",
        "devices.strategy=mirrored",
        "--runs-root",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "trains on one replica" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()


def test_a_resumed_sampled_run_sees_the_batches_of_an_uninterrupted_one(registry, tmp_path):
    """Mini-batches and their sampled neighbourhoods are fixed by (seed, epoch):
    a run killed after epoch 2 resumes into the losses of the uninterrupted
    one (without dropout, whose masks are drawn afresh by a resumed process)."""
    run, _ = train(
        registry,
        tmp_path,
        "graphsage",
        "data.synthetic=true",
        "train.epochs=4",
        "checkpoint.seconds=0",
        "train.early_stopping_patience=0",
        "model.dropout=0",
    )
    full = run.metrics()
    run.write_state(dict(run.state, status="interrupted"))
    for path in run.checkpoints.iterdir():
        if path.name.startswith("ckpt-") and path.name.split(".")[0] not in ("ckpt-1", "ckpt-2"):
            path.unlink()
    (run.checkpoints / "checkpoint").write_text(
        'model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-2"\n'
    )
    run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in full[:2]))
    actions.resume_training(registry, str(run.path))
    resumed = run.metrics()
    assert [r["epoch"] for r in resumed] == [1, 2, 3, 4]
    assert np.allclose([r["loss"] for r in resumed], [r["loss"] for r in full], rtol=1e-4)
