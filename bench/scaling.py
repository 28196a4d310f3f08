"""Figure 7: scaling over devices, workers and data.

* `MirroredStrategy` over 2 logical CPU devices against 1
  (`--strategy mirrored --set devices.logical_cpus=N`), foundations MLP
  (6 epochs here, to keep `make bench` short).
* `multi-worker` (`MultiWorkerMirroredStrategy`) with 2 local workers
  against 1, talking over loopback, the same MLP.
* The vision CNN's epoch time at 2× and 4× its training set (the digits
  plus copies shifted by one pixel) against 1×.

`train.batch_size` stays the batch per replica, so 2 replicas take steps of
twice the examples (the trainer's meaning of the setting). All replicas and
workers share this machine's cores, so more of them cannot add compute here:
these figures measure what the distribution itself costs; on separate GPUs
or hosts the same commands add devices.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from typing import Dict, List

import numpy as np

from bench import training
from bench.harness import Budget, Comparison, Stats, finish_session, free_ports, run_session, start_session
from bench.workloads import WORKLOADS, Workload

FIGURE = "7. Scaling"
FACTORS = (1, 2, 4)


def _with(workload: Workload, suffix: str, *overrides: str) -> Workload:
    return dataclasses.replace(workload, name=f"{workload.name}-{suffix}", overrides=workload.overrides + overrides)


def run(budget: Budget, echo=print) -> List[Comparison]:
    mlp = _with(WORKLOADS["mlp"], "6-epochs", "train.epochs=6").for_budget(budget.tiny)
    mirrored = {
        k: training.keras_side(
            "keraslab",
            _with(mlp, f"mirrored{k}", "devices.strategy=mirrored", f"devices.logical_cpus={k}"),
            budget,
            echo,
        )
        for k in (1, 2)
    }
    workers = {
        k: multi_worker(_with(mlp, f"workers{k}", "devices.strategy=multi-worker"), k, budget, echo) for k in (1, 2)
    }
    epochs = data_scaling(budget, echo)
    eps = training.throughput
    comparisons = [
        Comparison(
            FIGURE,
            "mlp: mirrored over 2 logical CPUs vs 1",
            eps(mirrored[2]),
            eps(mirrored[1]),
            "mirrored over 1 logical CPU",
            note="examples/s, batch 32 per replica",
        ),
        Comparison(
            FIGURE,
            "mlp: multi-worker, 2 local workers vs 1",
            eps(workers[2]),
            eps(workers[1]),
            "1 worker",
            note="examples/s, batch 32 per worker",
        ),
    ]
    for factor in FACTORS[1:]:
        comparisons.append(
            Comparison(
                FIGURE,
                f"cnn: epoch time at {factor}x the training set",
                Stats(epochs[str(factor)], "s"),
                Stats(epochs["1"], "s"),
                "1x the training set",
                note=f"{factor} would be linear; {epochs['examples'][str(factor)]} examples",
            )
        )
    return comparisons


def multi_worker(workload: Workload, count: int, budget: Budget, echo=print) -> dict:
    """Starts `count` local workers of one multi-worker run; the chief's result."""
    echo(f"   {workload.name}: {count} local worker(s) ({budget.warmup} warm-up + {budget.repeats} runs) ...")
    ports = free_ports(count)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    params = {"workload": workload.as_params(), "warmup": budget.warmup, "repeats": budget.repeats}
    processes = [
        start_session(
            "bench.scaling:multi_worker_session",
            params,
            env={"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})},
        )
        for index in range(count)
    ]
    results = [finish_session(process, "bench.scaling:multi_worker_session") for process in processes]
    return next(r for r in results if r["chief"])


def multi_worker_session(params: Dict) -> Dict:
    """One worker: makes the strategy once (a process can make only one),
    then trains warmup + repeats times in lockstep with the other workers."""
    from keraslab.core.rundir import RunDir
    from keraslab.core.trainer.loop import build, prepare_runtime, train
    from keraslab.core.trainer.strategy import is_chief

    workload = Workload.from_params(params["workload"])
    _, plugin, spec, config, splits = workload.resolve()
    strategy = prepare_runtime(config)
    chief = is_chief(strategy)
    values = []
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as root:
        for index in range(params["warmup"] + params["repeats"]):
            run = RunDir.create(plugin.name, spec.name, config.data.name, explicit=f"{root}/run-{index}")
            summary = train(plugin, spec, config, run, built=build(plugin, spec, config, splits, strategy))
            values.append(summary.get("examples_per_second"))
    return {"chief": chief, "examples_per_second": values[params["warmup"] :]}


def data_scaling(budget: Budget, echo=print) -> dict:
    workload = _with(WORKLOADS["cnn"].for_budget(budget.tiny), "data", "train.epochs=3")
    echo(
        f"   cnn: epoch time at {', '.join(f'{f}x' for f in FACTORS)} the training set "
        f"({budget.warmup} warm-up + {budget.repeats} runs) ..."
    )
    return run_session(
        "bench.scaling:data_scaling_session",
        {"workload": workload.as_params(), "warmup": budget.warmup, "repeats": budget.repeats},
    )


def data_scaling_session(params: Dict) -> Dict:
    """Median epoch seconds (epochs after the first) at each factor, interleaved."""
    import tensorflow as tf

    from keraslab.core.rundir import RunDir
    from keraslab.core.trainer.loop import build, prepare_runtime, train

    workload = Workload.from_params(params["workload"])
    _, plugin, spec, config, splits = workload.resolve()
    strategy = prepare_runtime(config)
    grown = {
        factor: dataclasses.replace(splits, train=augmented_copies(splits.train, factor, seed=factor))
        for factor in FACTORS
    }
    seconds = {str(factor): [] for factor in FACTORS}
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as root:
        for index in range(params["warmup"] + params["repeats"]):
            for factor in FACTORS:
                run = RunDir.create(plugin.name, spec.name, config.data.name, explicit=f"{root}/{factor}-{index}")
                train(plugin, spec, config, run, built=build(plugin, spec, config, grown[factor], strategy))
                epoch_seconds = [record["seconds"] for record in run.metrics()[1:]]
                if index >= params["warmup"]:
                    seconds[str(factor)].append(float(np.median(epoch_seconds)))
                tf.keras.backend.clear_session()
    return {**seconds, "examples": {str(f): len(grown[f].train) for f in FACTORS}}


def augmented_copies(examples, factor: int, seed: int):
    """The examples and `factor` − 1 copies of them, each image shifted by
    one pixel in a random direction (zeros fill the edge left empty)."""
    rng = np.random.default_rng(seed)
    features = [examples.features]
    for _ in range(factor - 1):
        shifted = np.zeros_like(examples.features)
        for i, image in enumerate(examples.features):
            dy, dx = rng.choice([-1, 0, 1], size=2)
            shifted[i] = _shift(image, int(dy), int(dx))
        features.append(shifted)
    targets = None if examples.targets is None else np.concatenate([examples.targets] * factor)
    return dataclasses.replace(examples, features=np.concatenate(features), targets=targets)


def _shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(image)
    height, width = image.shape[:2]
    out[max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = image[
        max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
    ]
    return out
