"""The Keras sides of figure 10 (`bench.realistic`), each run in its own
process (`bench.session`).

* `keraslab`: `keraslab.core.actions.start_training`, the path of
  `keraslab <plugin> train <model>`, with the workload's own data file or
  folder and `devices.mixed_precision` at its default (`auto`).
* `keraslab-float32`: the same with `devices.mixed_precision=false`.
* `same-fit`: the trainer's own model, optimizer and compiled step
  (`keraslab.core.trainer.loop.build`: same precision, same
  `steps_per_execution`) and its `tf.data` pipelines, trained by a bare
  `model.fit` with one callback, the epoch clock; what the trainer's
  callbacks and run directory cost per epoch is the difference.

Every side reports the rate of its epochs after the first (the first traces
the step: `steady_examples_per_second`, training examples over the mean
epoch after the first, validation included), the first epoch's seconds, and
its fixed seconds: the whole call's wall time less `epochs` steady epochs.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from pathlib import Path
from typing import Dict

import numpy as np

from bench.workloads import Workload

SIDES = ("keraslab", "keraslab-float32", "same-fit")


def train_session(params: Dict) -> Dict:
    """Params: side, workload (Workload.as_params(), its data path among
    the overrides), and optionally export_dir, where the network's
    hyperparameters and the data in memory are written for PyTorch."""
    side = params["side"]
    workload = Workload.from_params(params["workload"])
    measure = {"keraslab": _trainer, "keraslab-float32": _trainer, "same-fit": _same_fit}[side]
    if side == "keraslab-float32":
        workload = dataclasses.replace(workload, overrides=workload.overrides + ("devices.mixed_precision=false",))
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as runs_root:
        started = time.perf_counter()
        result = measure(workload, runs_root)
        result["wall_seconds"] = time.perf_counter() - started
    result["fixed_seconds"] = result["wall_seconds"] - result["epochs"] * result["steady_epoch_seconds"]
    result["side"] = side
    if params.get("export_dir"):
        result.update(export_for_torch(workload, Path(params["export_dir"]), params["torch_kind"]))
    return result


def _trainer(workload: Workload, runs_root: str) -> Dict:
    from keraslab.core import actions
    from keraslab.core.registry import Registry

    _, summary = actions.start_training(
        Registry(), workload.plugin, workload.model, overrides=workload.overrides, runs_root=runs_root
    )
    if summary.get("status", "complete") != "complete":
        raise RuntimeError(f"keraslab run did not finish: {summary}")
    steady = summary["steady_examples_per_second"]
    return {
        "steady_examples_per_second": steady,
        "steady_epoch_seconds": summary["examples"]["train"] / steady,
        "first_epoch_seconds": summary["first_epoch_seconds"],
        "epochs": summary["epochs"],
        "precision": summary["precision"],
        "precision_reason": summary["precision_reason"],
        "validation": summary["metrics"]["validation"],
        "test": summary["metrics"]["test"],
    }


def _same_fit(workload: Workload, runs_root: str) -> Dict:
    from keraslab.core.trainer import callbacks, pipeline
    from keraslab.core.trainer.loop import build

    _, plugin, spec, config, splits = workload.resolve()
    built = build(plugin, spec, config, splits)
    batch, train = config.train.batch_size, config.train
    data = pipeline.training_dataset(splits.train, batch, train.seed, 0, train.epochs)
    validation = pipeline.evaluation_dataset(splits.validation, batch)
    clock = callbacks.EpochClock()
    built.model.fit(
        data,
        epochs=train.epochs,
        steps_per_epoch=pipeline.steps_per_epoch(splits.train, batch),
        validation_data=validation,
        validation_steps=pipeline.steps_per_epoch(splits.validation, batch),
        callbacks=[clock],
        verbose=0,
    )
    steady = clock.steady_seconds()
    return {
        "steady_examples_per_second": len(splits.train) / steady,
        "steady_epoch_seconds": steady,
        "first_epoch_seconds": clock.seconds[0],
        "epochs": train.epochs,
        "precision": built.precision.policy,
    }


def export_for_torch(workload: Workload, out: Path, kind: str) -> Dict:
    """Writes model.json (the network's kind and hyperparameters) and
    data.npz (every split's examples, decoded into memory) to `out`; returns
    the Keras model's trainable parameters and training FLOPs per example."""
    import tensorflow as tf

    from bench import architecture
    from keraslab.core import building
    from keraslab.core.data import Examples
    from keraslab.core.trainer import flops

    _, _, spec, config, splits = workload.resolve()
    info = building.data_info(splits)
    tf.keras.mixed_precision.set_global_policy("float32")
    model = building.build_model(spec, config, info)
    steps = info.input_shape[0] if info.input_shape else None
    arrays = {}
    for name in ("train", "validation"):
        part = getattr(splits, name)
        examples = part if isinstance(part, Examples) else part.load(np.arange(len(part)))
        arrays[f"x_{name}"], arrays[f"y_{name}"] = examples.features, examples.targets
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "data.npz", **arrays)
    description = {
        "kind": kind,
        "num_classes": int(splits.train.num_classes),
        "learning_rate": config.optimizer.learning_rate,
        "batch_size": config.train.batch_size,
        "epochs": config.train.epochs,
        "seed": config.train.seed,
        "trainable_parameters": architecture.trainable_parameters(model),
    }
    if kind == "chain":
        description["layers"] = architecture.describe(model)
    elif kind == "resnet":
        description.update(
            filters=list(config.model.filters),
            blocks_per_stage=config.model.blocks_per_stage,
            scale=float(model.get_layer("to_unit_range").scale),
            batch_norm_momentum=0.9,
        )
    elif kind == "lstm-lm":
        description.update(embedding_dim=config.model.embedding_dim, units=list(config.model.units))
    (out / "model.json").write_text(json.dumps(description))
    return {
        "trainable_parameters": description["trainable_parameters"],
        "training_flops_per_example": flops.training_flops(model, steps),
        "train_examples": len(splits.train),
        "batch_size": config.train.batch_size,
    }
