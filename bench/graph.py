"""Figure 13: GraphSAGE trained in mini-batches on a 100,000-node graph.

`keraslab graph train graphsage` on the generated block model
(`data.size` nodes, 4 classes, mean degree 10, 32 features) at two
sizes, 100,000 nodes and a tenth of that (2,000 and 200 on the tiny
budget), each in a fresh child process. Both train on the same number of
labelled nodes (`TRAIN_PER_CLASS` per class), validate on the same number
and test on the same number; only the graph around them grows. Batch 256,
fan-outs (10, 10), the model's defaults otherwise.

* Throughput: training nodes per second of each epoch after the first (the
  first traces the step), validation included, from the run's
  `metrics.jsonl`. The sampled subgraph of a batch of B nodes reaches at
  most B·(1 + 10)·(1 + 10) = 30,976 nodes; on the small graph the two hops
  overlap (they cannot reach more than its 10,000 nodes), on the large one
  they overlap far less, so the batches are larger there and the ratio is
  below 1 by the sampler's design. Target ≥ 0.5: a lower ratio means
  something in a step grows with the graph rather than with the batch.
* Memory: each process's peak resident memory. Mini-batch training holds
  the graph's arrays (features, edge index, its incoming-edge index) and
  the batches in flight, never activations of every node: target ≤ 1.2 at
  10× the nodes.
"""

from __future__ import annotations

import tempfile
from typing import Dict, List

from bench.harness import Budget, Comparison, Stats, run_session

FIGURE = "13. Graph: GraphSAGE mini-batches, 10× the nodes"
SIZES = {False: 100_000, True: 2_000}  # nodes of the large graph, by budget.tiny
TRAIN_PER_CLASS = {False: 1_500, True: 20}
HELD_OUT = {False: (500, 2_000), True: (20, 20)}  # validation and test nodes, at every size
BATCH = {False: 256, True: 32}


def overrides(nodes: int, tiny: bool, epochs: int) -> List[str]:
    """The run's `--set` overrides: `nodes` nodes, the same labelled nodes at every size."""
    validation, test = HELD_OUT[tiny]
    return [
        f"data.size={nodes}",
        f"data.train_per_class={TRAIN_PER_CLASS[tiny]}",
        f"data.validation_fraction={validation / nodes}",
        f"data.test_fraction={test / nodes}",
        f"train.batch_size={BATCH[tiny]}",
        f"train.epochs={epochs}",
    ]


def train_session(params: Dict) -> Dict:
    """Trains GraphSAGE with `params["overrides"]`; its epochs' seconds and sizes."""
    from keraslab.core import actions
    from keraslab.core.registry import Registry

    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as root:
        run, summary = actions.start_training(
            Registry(), "graph", "graphsage", runs_root=root, overrides=params["overrides"]
        )
        seconds = [record["seconds"] for record in run.metrics()]
    return {
        "epoch_seconds": seconds,
        "examples": summary["examples"],
        "test_accuracy": summary["metrics"]["test"]["accuracy"],
    }


def run(budget: Budget, echo=print) -> List[Comparison]:
    large = SIZES[budget.tiny]
    epochs = 1 + budget.warmup + budget.repeats  # the first traces the step; then warm-up, then measured
    sides = {}
    for nodes in (large, large // 10):
        echo(f"   graphsage on a {nodes:,}-node block model, {epochs} epochs ...")
        sides[nodes] = run_session("bench.graph:train_session", {"overrides": overrides(nodes, budget.tiny, epochs)})
    big, small = sides[large], sides[large // 10]
    train = big["examples"]["train"]

    def rates(side: Dict) -> Stats:
        measured = side["epoch_seconds"][1 + budget.warmup :]
        return Stats([side["examples"]["train"] / s for s in measured], "nodes/s")

    note = (
        f"{train:,} training nodes, batch {BATCH[budget.tiny]}; test accuracy "
        f"{big['test_accuracy']:.3f} at {large:,} nodes, {small['test_accuracy']:.3f} at {large // 10:,}"
    )
    return [
        Comparison(
            FIGURE,
            f"training nodes/s on {large:,} nodes",
            rates(big),
            rates(small),
            f"the same on {large // 10:,} nodes",
            ">= 0.5",
            note,
        ),
        Comparison(
            FIGURE,
            f"peak resident memory on {large:,} nodes",
            Stats([big["peak_rss_mb"]], "MiB"),
            Stats([small["peak_rss_mb"]], "MiB"),
            f"the same on {large // 10:,} nodes",
            "<= 1.2",
        ),
    ]
