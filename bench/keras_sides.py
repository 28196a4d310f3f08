"""The Keras sides of the training benchmarks, each run in its own process
(`bench.session`): keraslab's trainer, and the two loops it is measured
against.

* `keraslab`: `keraslab.core.actions.start_training`, the path of
  `keraslab <plugin> train <model>`: run directory, checkpoints (at most
  one a second), TensorBoard, metrics log, NaN guard, signal handling; its throughput is
  the `examples_per_second` it writes in summary.json (training examples ×
  epochs / seconds in `fit`, validation included).
* `same-pipeline`: a minimal hand-written `model.fit` of the same model on
  the same `tf.data` pipeline, batch, epochs, validation split and
  `steps_per_execution`, with no callbacks: what the trainer's own work
  costs is the difference.
* `plain-fit`: what a tutorial writes, `model.fit(x, y, batch_size,
  epochs, validation_data=(x_val, y_val))` on NumPy arrays, with Keras'
  defaults (one step per call).

Every side trains the same model (the plugin's builder), with the same
optimizer, loss and metrics, and is timed around `fit` alone.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from bench.workloads import Workload

SIDES = ("keraslab", "same-pipeline", "plain-fit")


def train_session(params: Dict) -> Dict:
    """Runs one side `warmup + repeats` times; returns examples/s of each run.

    Params: side, workload (Workload.as_params()), warmup, repeats, and
    optionally export_dir, where the model's description and data are
    written for the PyTorch side.
    """
    import tensorflow as tf

    side = params["side"]
    workload = Workload.from_params(params["workload"])
    measure = _SIDE_RUNS[side]
    values = []
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as runs_root:
        for _ in range(params["warmup"] + params["repeats"]):
            values.append(measure(workload, runs_root))
            tf.keras.backend.clear_session()
    kept = values[params["warmup"] :]
    result = {
        "side": side,
        "workload": workload.name,
        "examples_per_second": [whole for whole, _ in kept],
        "steady_examples_per_second": [steady for _, steady in kept if steady is not None],
        "threads": thread_settings(),
    }
    result.update(_model_facts(workload, params.get("export_dir")))
    return result


def thread_settings() -> Dict:
    import tensorflow as tf

    threading = tf.config.threading
    return {
        "intra_op": threading.get_intra_op_parallelism_threads() or "default",
        "inter_op": threading.get_inter_op_parallelism_threads() or "default",
    }


def _keraslab(workload: Workload, runs_root: str) -> Tuple[float, Optional[float]]:
    from keraslab.core import actions
    from keraslab.core.registry import Registry

    _, summary = actions.start_training(
        Registry(), workload.plugin, workload.model, overrides=workload.overrides, runs_root=runs_root
    )
    if summary.get("status", "complete") != "complete":
        raise RuntimeError(f"keraslab run did not finish: {summary}")
    return float(summary["examples_per_second"]), summary.get("steady_examples_per_second")


def _same_pipeline(workload: Workload, runs_root: str) -> Tuple[float, Optional[float]]:
    from keraslab.core.trainer import callbacks, pipeline

    model, config, splits = _compiled_model(workload, steps_per_execution=True)
    train = config.train
    data = pipeline.training_dataset(splits.train, train.batch_size, train.seed, 0, train.epochs)
    validation = pipeline.evaluation_dataset(splits.validation, train.batch_size)
    steps = pipeline.steps_per_epoch(splits.train, train.batch_size)
    clock = callbacks.EpochClock()
    started = time.perf_counter()
    model.fit(
        data, epochs=train.epochs, steps_per_epoch=steps, validation_data=validation, callbacks=[clock], verbose=0
    )
    steady = clock.steady_seconds()
    return len(splits.train) * train.epochs / (time.perf_counter() - started), steady and len(splits.train) / steady


def _plain_fit(workload: Workload, runs_root: str) -> Tuple[float, Optional[float]]:
    model, config, splits = _compiled_model(workload, steps_per_execution=False)
    train = config.train
    started = time.perf_counter()
    model.fit(
        splits.train.features,
        splits.train.targets,
        batch_size=train.batch_size,
        epochs=train.epochs,
        validation_data=(splits.validation.features, splits.validation.targets),
        verbose=0,
    )
    return len(splits.train) * train.epochs / (time.perf_counter() - started), None


def _compiled_model(workload: Workload, steps_per_execution: bool):
    import tensorflow as tf

    from keraslab.core import building
    from keraslab.core.trainer.tasks import loss_and_metrics

    _, _, spec, config, splits = workload.resolve()
    if config.optimizer.name != "adam" or config.schedule.name != "constant":
        raise ValueError("the hand-written baselines use Adam at a constant rate, as the workloads' configs do")
    tf.keras.utils.set_random_seed(config.train.seed)
    model = building.build_model(spec, config, building.data_info(splits))
    loss, metrics = loss_and_metrics(spec.task, model)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.optimizer.learning_rate),
        loss=loss,
        metrics=metrics,
        steps_per_execution=config.devices.steps_per_execution if steps_per_execution else 1,
    )
    return model, config, splits


_SIDE_RUNS: Dict[str, Callable[[Workload, str], Tuple[float, Optional[float]]]] = {
    "keraslab": _keraslab,
    "same-pipeline": _same_pipeline,
    "plain-fit": _plain_fit,
}


def _model_facts(workload: Workload, export_dir=None) -> Dict:
    """The model's size and FLOPs; with `export_dir`, its description and
    data for the PyTorch side."""
    from bench import architecture
    from keraslab.core import building
    from keraslab.core.trainer import flops

    _, _, spec, config, splits = workload.resolve()
    model = building.build_model(spec, config, building.data_info(splits))
    facts = {
        "trainable_parameters": architecture.trainable_parameters(model),
        "training_flops_per_example": flops.training_flops(model),
        "train_examples": len(splits.train),
        "epochs": config.train.epochs,
        "batch_size": config.train.batch_size,
    }
    if export_dir:
        out = Path(export_dir)
        out.mkdir(parents=True, exist_ok=True)
        np.savez(
            out / "data.npz",
            x_train=splits.train.features,
            y_train=splits.train.targets,
            x_validation=splits.validation.features,
            y_validation=splits.validation.targets,
        )
        (out / "model.json").write_text(
            json.dumps(
                {
                    "layers": architecture.describe(model),
                    "num_classes": int(splits.train.num_classes),
                    "learning_rate": config.optimizer.learning_rate,
                    "batch_size": config.train.batch_size,
                    "epochs": config.train.epochs,
                    "seed": config.train.seed,
                    "trainable_parameters": facts["trainable_parameters"],
                }
            )
        )
    return facts
