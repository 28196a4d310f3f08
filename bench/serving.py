"""Figure 5: the exported model against `model.predict`.

The vision CNN (the main job's model, with its default config, trained 2
epochs: the weights do not change the cost) is exported with
`keraslab vision export` and loaded back with `tf.saved_model.load`. Its
`serving_default` signature answers one image at a time (latency p50 and
p99 over `calls` requests) and batches of 256 (throughput), against
`model.predict` of the same trained Keras model on the same inputs. Both
sides return NumPy arrays, as a server must before it answers.
Target: batch-1 p50 at least 10× faster than `model.predict`.
"""

from __future__ import annotations

import tempfile
import time
from typing import Callable, Dict, List

from bench.harness import Budget, Comparison, Stats, run_session
from bench.workloads import Workload

FIGURE = "5. Serving: exported serving_default vs model.predict"
WORKLOAD = Workload("cnn-export", "vision", "cnn", ("train.epochs=2",), "vision CNN, default config, 2 epochs")


def serving_session(params: Dict) -> Dict:
    """Trains, exports and loads the model; times both sides, interleaved."""
    import numpy as np
    import tensorflow as tf

    from keraslab.core import actions
    from keraslab.core.actions import export_run
    from keraslab.core.registry import Registry
    from keraslab.core.trainer.loop import load_trained

    workload = Workload.from_params(params["workload"])
    calls, batch_calls = params["calls"], params["batch_calls"]
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as root:
        registry = Registry()
        run, _ = actions.start_training(
            registry, workload.plugin, workload.model, overrides=workload.overrides, runs_root=f"{root}/runs"
        )
        version_dir = export_run(registry, str(run.path), out=f"{root}/exports")
        loaded = tf.saved_model.load(str(version_dir))  # kept: its signatures use its variables
        signature = loaded.signatures["serving_default"]
        input_name = next(iter(signature.structured_input_signature[1]))
        plugin = registry.get(workload.plugin)
        spec = plugin.model(workload.model)
        built = load_trained(plugin, spec, actions.load_run_config(spec, run), run)

    images = np.asarray(built.splits.test.features, dtype=np.float32)
    singles = [images[i % len(images)][None] for i in range(calls)]
    batch = np.resize(images, (256, *images.shape[1:]))

    def serve(x):
        return {name: value.numpy() for name, value in signature(**{input_name: tf.constant(x)}).items()}

    def predict(x):
        return built.model.predict(x, verbose=0)

    results = {
        key: []
        for key in (
            "serving_p50",
            "serving_p99",
            "predict_p50",
            "predict_p99",
            "serving_throughput",
            "predict_throughput",
        )
    }
    for run_index in range(params["warmup"] + params["repeats"]):
        measured = {}
        for side, function in (("serving", serve), ("predict", predict)):
            latencies = [_seconds(function, x) for x in singles]
            measured[f"{side}_p50"] = float(np.percentile(latencies, 50))
            measured[f"{side}_p99"] = float(np.percentile(latencies, 99))
            measured[f"{side}_throughput"] = (
                256 * batch_calls / sum(_seconds(function, batch) for _ in range(batch_calls))
            )
        if run_index >= params["warmup"]:
            for key, value in measured.items():
                results[key].append(value)
    return results


def _seconds(function: Callable, x) -> float:
    started = time.perf_counter()
    function(x)
    return time.perf_counter() - started


def run(budget: Budget, echo=print) -> List[Comparison]:
    workload = WORKLOAD.for_budget(budget.tiny)
    calls, batch_calls = (5, 2) if budget.tiny else (100, 20)
    echo(
        f"   train 2 epochs, export, then {calls} single requests and {batch_calls} batches of 256 per run "
        f"({budget.warmup} warm-up + {budget.repeats} runs) ..."
    )
    r = run_session(
        "bench.serving:serving_session",
        {
            "workload": workload.as_params(),
            "calls": calls,
            "batch_calls": batch_calls,
            "warmup": budget.warmup,
            "repeats": budget.repeats,
        },
    )
    ms = lambda key: Stats([v * 1000 for v in r[key]], "ms")  # noqa: E731
    return [
        Comparison(
            FIGURE,
            "batch 1, p50 latency",
            ms("serving_p50"),
            ms("predict_p50"),
            "model.predict",
            "<= 0.1",
            note=f"{calls} requests a run",
        ),
        Comparison(
            FIGURE,
            "batch 1, p99 latency",
            ms("serving_p99"),
            ms("predict_p99"),
            "model.predict",
            note=f"{calls} requests a run",
        ),
        Comparison(
            FIGURE,
            "batch 256, throughput",
            Stats(r["serving_throughput"], "examples/s"),
            Stats(r["predict_throughput"], "examples/s"),
            "model.predict",
            note=f"{batch_calls} batches a run",
        ),
    ]
