"""The shared trainer: every Keras model of every plugin trains here.

The trainer coordinates; it never special-cases a topic. A model with its own
training (a GAN, a VAE) overrides `train_step`, and `fit` calls it. The loop:

1. seeds Python, NumPy and TensorFlow, and picks the `tf.distribute` strategy;
2. builds model, optimizer and metrics inside `strategy.scope()`;
3. restores the latest checkpoint when resuming;
4. runs `Model.fit` over a `tf.data` pipeline whose order depends only on
   (seed, epoch), with checkpoints, metrics log, TensorBoard, early stopping,
   a NaN guard and SIGINT/SIGTERM handling as callbacks;
5. writes the final weights, the test metrics, `summary.json` and plots, and
   only then marks the run complete.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import tensorflow as tf

from keraslab.core import building
from keraslab.core.config import RunConfig
from keraslab.core.contract import DataInfo, ModelSpec, Plugin
from keraslab.core.data import Examples, Splits
from keraslab.core.errors import KeraslabError
from keraslab.core.linked import LinkedExamples
from keraslab.core.plots import plot_learning_curves
from keraslab.core.refs import resolve_declared
from keraslab.core.rundir import COMPLETE, FAILED, INTERRUPTED, RunDir
from keraslab.core.trainer import callbacks as cb
from keraslab.core.trainer import pipeline
from keraslab.core.trainer import precision as precision_module
from keraslab.core.trainer.lifecycle import run_summary
from keraslab.core.trainer.optimization import add_weight_decay, make_optimizer
from keraslab.core.trainer.own_loss import OwnLossModel
from keraslab.core.trainer.precision import Precision
from keraslab.core.trainer.restore import restore_newest_intact
from keraslab.core.trainer.strategy import configure_logical_cpus, describe, is_chief, make_strategy
from keraslab.core.trainer.tasks import loss_and_metrics
from keraslab.core.trainer.transfer import LAYER_WEIGHTS, freeze_batch_norm, initialize_from_run, save_layer_weights

FINAL_WEIGHTS = "final/weights"


@dataclasses.dataclass
class Built:
    """A model ready to train or evaluate, with what was needed to build it."""

    model: tf.keras.Model
    splits: Splits
    strategy: tf.distribute.Strategy
    checkpoint: tf.train.Checkpoint
    epoch: tf.Variable
    initialized: Tuple[str, ...] = ()
    precision: Precision = Precision(precision_module.FLOAT32, "")


def prepare_runtime(config: RunConfig) -> tf.distribute.Strategy:
    """Sets the process-wide settings (devices, seeds, determinism, precision)
    and returns the strategy the config asks for."""
    train, devices = config.train, config.devices
    configure_logical_cpus(devices.logical_cpus)
    # First: a multi-worker strategy must configure collective ops before
    # anything else starts TensorFlow's runtime.
    strategy = make_strategy(devices.strategy)
    tf.keras.utils.set_random_seed(train.seed)
    # Layers draw from tf.random.Generator objects, whose state is a variable
    # the checkpoint saves: a resumed run continues the same random stream.
    tf.keras.backend.experimental.enable_tf_random_generator()
    if train.deterministic:
        tf.config.experimental.enable_op_determinism()
    # `auto` is settled by `choose_precision` once the data is known; float32 until then.
    tf.keras.mixed_precision.set_global_policy(
        precision_module.mixed_policy(bool(tf.config.list_logical_devices("GPU")))
        if devices.mixed_precision is True
        else precision_module.FLOAT32
    )
    return strategy


def choose_precision(spec: ModelSpec, config: RunConfig, info: DataInfo) -> Precision:
    """Settles `devices.mixed_precision` for this model and data (`keraslab.core.trainer.precision`)
    and sets Keras' global policy to it."""
    steps = info.input_shape[0] if info.input_shape else None
    probed = []

    def step_gflop() -> Optional[float]:
        probed.append(True)
        return precision_module.step_gflop_of(
            lambda: building.build_model(spec, config, info), config.train.batch_size, steps
        )

    precision = precision_module.choose(config.devices.mixed_precision, spec.training, step_gflop)
    if probed:  # the probe's build drew from the seeded generators: the run's own build starts afresh
        tf.keras.utils.set_random_seed(config.train.seed)
    tf.keras.mixed_precision.set_global_policy(precision.policy)
    return precision


def build(
    plugin: Plugin,
    spec: ModelSpec,
    config: RunConfig,
    splits: Optional[Splits] = None,
    strategy: Optional[tf.distribute.Strategy] = None,
    initialize: bool = True,
) -> Built:
    """Builds model, optimizer and checkpoint for `spec` inside the strategy's
    scope; the data and the strategy are made here unless given. With
    `init.from_run`, the model starts from that run's weights
    (`initialize=False`: a finished run being rebuilt, which loads its own)."""
    if strategy is None:
        strategy = prepare_runtime(config)
    if splits is None:
        splits = building.load_splits(plugin, spec, config.data)
    if isinstance(splits.train, LinkedExamples) and strategy.num_replicas_in_sync > 1:
        raise KeraslabError(
            f"Dataset '{config.data.name}' is linked (each batch holds a structure, a graph, that no replica "
            f"can take a piece of) and trains on one replica; devices.strategy={config.devices.strategy} has "
            f"{strategy.num_replicas_in_sync}: use --set devices.strategy=one-device."
        )
    info = building.data_info(splits)
    precision = choose_precision(spec, config, info)
    with strategy.scope():
        model = building.build_model(spec, config, info, plugin=plugin.name)
        building.check_model(spec, model, splits, plugin=plugin.name, dataset=config.data.name)
        initialized = initialize_from_run(model, config.init) if initialize else ()
        if config.init.freeze_batch_norm:
            freeze_batch_norm(model)
        if precision.mixed and getattr(model, "_is_graph_network", False) and isinstance(model.output, tf.Tensor):
            # Losses need float32 outputs; compute stays in the mixed policy.
            outputs = tf.keras.layers.Activation("linear", dtype="float32")(model.output)
            model = tf.keras.Model(model.inputs, outputs, name=model.name)
        global_batch = config.train.batch_size * strategy.num_replicas_in_sync
        run_steps = pipeline.steps_per_epoch(splits.train, global_batch) * config.train.epochs
        optimizer = make_optimizer(config.optimizer, config.schedule, run_steps)
        add_weight_decay(model, config.train)
        loss, metrics = loss_and_metrics(spec.task, model) if spec.training in ("fit", "variational") else (None, [])
        model.compile(
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            steps_per_execution=config.devices.steps_per_execution,
            jit_compile=config.devices.jit_compile,
        )
        if spec.training in ("fit", "variational") or isinstance(model, OwnLossModel):
            # The optimizer's slots (of the variables the train step updates) made now, not in the first
            # step: a tf.function that creates variables is traced twice, and the train step's second
            # trace cost about 1.4 s of every run.
            optimizer.build(model.trainable_variables)
        epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch, rng=random_generators(model))
    return Built(model, splits, strategy, checkpoint, epoch, initialized, precision)


def validation_cache(run: RunDir, config: RunConfig) -> Optional[str]:
    """The file streamed validation batches are cached in (`data.cache`),
    its folder emptied first: this process writes it anew, so a cache
    half-written by a killed process is never read."""
    if not config.data.cache:
        return None
    folder = run.path / "cache"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return str(folder / "validation")


def random_generators(model: tf.keras.Model) -> Dict[str, tf.random.Generator]:
    """The `tf.random.Generator` of every random layer (dropout, noise, ...).

    Keras leaves them out of checkpoints; the trainer saves them, so that a
    resumed run draws the same dropout masks the uninterrupted run would have.
    """
    generators = {}
    for index, layer in enumerate(model.submodules):
        generator = getattr(getattr(layer, "_random_generator", None), "_generator", None)
        if isinstance(generator, tf.random.Generator):
            generators[f"{index}_{layer.name}"] = generator
    return generators


def train(
    plugin: Plugin, spec: ModelSpec, config: RunConfig, run: RunDir, resume: bool = False, built: Optional[Built] = None
) -> Dict[str, Any]:
    """Trains `spec` under `config` into `run`; returns the summary.

    Args:
        plugin: the model's plugin.
        spec: the model.
        config: the resolved run config (already written to the run).
        run: the run directory, marked running.
        resume: continue from the run's latest checkpoint.
        built: the model, data and strategy, when the caller has built them
            already (a new run is built, and so checked, before its
            directory is created).

    Returns:
        The summary written to summary.json (or, for a run that did not
        finish, its status and reason).
    """
    if built is None:
        built = build(plugin, spec, config)
    chief = is_chief(built.strategy)
    checkpoint_dir = run.checkpoints if chief else tempfile.mkdtemp(prefix="keraslab-worker-")
    # Every worker restores from the run's own checkpoints (on storage all
    # workers share); only the chief saves there, and repairs a damaged set.
    if resume and chief:
        restore_newest_intact(built.checkpoint, run.checkpoints)
    elif resume:
        latest = tf.train.latest_checkpoint(str(run.checkpoints))
        if latest:
            built.checkpoint.restore(latest).expect_partial()
    manager = tf.train.CheckpointManager(built.checkpoint, str(checkpoint_dir), max_to_keep=config.checkpoint.keep)
    first_epoch = int(built.epoch.numpy())
    if chief:
        run.truncate_metrics("epoch", first_epoch)
    # The epochs a resumed run keeps count in its training time ("150 epochs in 0.0 s" otherwise).
    earlier_seconds = sum(r.get("seconds", 0.0) for r in run.metrics()) if chief and first_epoch else 0.0
    replicas = built.strategy.num_replicas_in_sync
    global_batch = config.train.batch_size * replicas
    splits, strategy = built.splits, built.strategy
    streamed = not isinstance(splits.validation, (Examples, LinkedExamples))
    cache_file = validation_cache(run, config) if streamed else None
    train_data = pipeline.for_strategy(
        strategy,
        splits.train,
        lambda share: pipeline.training_dataset(
            splits.train, global_batch, config.train.seed, first_epoch, config.train.epochs, share
        ),
    )
    validation_data = (
        pipeline.for_strategy(
            strategy,
            splits.validation,
            lambda share: pipeline.evaluation_dataset(splits.validation, global_batch, share, cache_file),
        )
        if len(splits.validation)
        else None
    )

    saver = cb.EpochCheckpoint(manager, built.epoch, config.checkpoint.every, config.checkpoint.seconds)
    guard = cb.NonFiniteLossGuard(saver)
    stopper = cb.StopOnSignal(saver)
    # The metrics line of an epoch is written before its checkpoint; a resume
    # drops lines past the checkpoint it restores (`RunDir.truncate_metrics`).
    callbacks = [guard, cb.MetricsLog(run.metrics_file, write=chief), saver, stopper]
    if chief:
        callbacks.append(cb.EpochSummaries(run.logs))
    if config.train.early_stopping_patience > 0 and validation_data is not None:
        callbacks.append(
            tf.keras.callbacks.EarlyStopping(
                monitor=config.train.monitor, patience=config.train.early_stopping_patience, restore_best_weights=True
            )
        )
    clock = cb.EpochClock()
    callbacks.append(clock)  # last: an epoch's time includes the other callbacks' work

    started = time.perf_counter()
    history = built.model.fit(
        train_data,
        epochs=config.train.epochs,
        initial_epoch=first_epoch,
        steps_per_epoch=pipeline.steps_per_epoch(splits.train, global_batch),
        validation_data=validation_data,
        validation_steps=pipeline.steps_per_epoch(splits.validation, global_batch, training=False)
        if validation_data
        else None,
        callbacks=callbacks,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    train_seconds = time.perf_counter() - started
    epochs_run = len(history.epoch)

    if guard.message:
        if chief:
            run.mark(FAILED, reason=guard.message)
        return {"status": FAILED, "reason": guard.message}
    if stopper.received is not None:
        reason = f"stopped by signal {stopper.received}; checkpoint saved at epoch {int(built.epoch.numpy())}"
        if chief:
            run.mark(INTERRUPTED, reason=reason)
        return {"status": INTERRUPTED, "reason": reason, "signal": stopper.received}

    # Every worker takes part in the final save and evaluation: both run
    # collective ops under a multi-worker strategy. Only the chief keeps them.
    final_dir = run.path if chief else Path(tempfile.mkdtemp(prefix="keraslab-worker-"))
    tf.train.Checkpoint(model=built.model).write(str(final_dir / FINAL_WEIGHTS))
    save_layer_weights(built.model, final_dir / LAYER_WEIGHTS)
    test_metrics = evaluate_model(built.model, built.splits, global_batch)
    if not chief:
        return {"status": COMPLETE, "worker": True}
    summary = {
        **run_summary(plugin, spec, config, config.data.name, describe(built.strategy)),
        "metrics": {
            "train": _last(run.metrics(), prefix=""),
            "validation": _last(run.metrics(), prefix="val_"),
            "test": test_metrics,
        },
        "epochs": int(built.epoch.numpy()),
        "train_seconds": round(earlier_seconds + train_seconds, 3),
        "examples_per_second": round(len(built.splits.train) * epochs_run / max(train_seconds, 1e-9), 1),
        **epoch_timing(clock, len(built.splits.train)),
        "precision_reason": built.precision.reason,
        "examples": {k: len(getattr(built.splits, k)) for k in ("train", "validation", "test")},
        "jit_compile": config.devices.jit_compile,
        "steps_per_execution": config.devices.steps_per_execution,
    }
    if first_epoch:
        summary["resumed_at_epoch"] = first_epoch  # train_seconds counts the epochs before it, from metrics.jsonl
    if config.init.from_run:
        summary["initialized_from"] = {
            "run": config.init.from_run,
            "layers": list(built.initialized),
            "frozen": config.init.freeze,
        }
    records = run.metrics()
    if records:
        plot_learning_curves(records, run.path / "learning_curves.png", f"{plugin.name} / {spec.name}")
    if spec.report is not None:
        resolve_declared(spec.report, f"plugin '{plugin.name}', model '{spec.name}'.report")(
            built.model, built.splits, run.path
        )
    run.write_json("summary.json", summary)
    run.mark(COMPLETE)
    return summary


def epoch_timing(clock: cb.EpochClock, train_examples: int) -> Dict[str, float]:
    """The first epoch's seconds (tracing the step included) and the steady
    rate: training examples over the mean epoch after the first."""
    timing = {"first_epoch_seconds": round(clock.seconds[0], 3)} if clock.seconds else {}
    steady = clock.steady_seconds()
    if steady:
        timing["steady_examples_per_second"] = round(train_examples / steady, 1)
    return timing


def evaluate_model(model: tf.keras.Model, splits: Splits, global_batch: int) -> Mapping[str, float]:
    """The model's metrics on the test split (empty if the split is)."""
    if not len(splits.test):
        return {}
    test = pipeline.for_strategy(
        model.distribute_strategy,
        splits.test,
        lambda share: pipeline.evaluation_dataset(splits.test, global_batch, share),
    )
    steps = pipeline.steps_per_epoch(splits.test, global_batch, training=False)
    results = model.evaluate(test, steps=steps, verbose=0, return_dict=True)
    return {k: float(v) for k, v in results.items()}


def load_trained(plugin: Plugin, spec: ModelSpec, config: RunConfig, run: RunDir) -> Built:
    """Rebuilds a finished run's model and loads its final weights."""
    built = build(plugin, spec, config, initialize=False)
    tf.train.Checkpoint(model=built.model).read(str(run.path / FINAL_WEIGHTS)).expect_partial()
    return built


def _last(records, prefix: str) -> Mapping[str, float]:
    if not records:
        return {}
    last = records[-1]
    skip = ("epoch", "seconds", "learning_rate")
    if prefix:
        return {k[len(prefix) :]: v for k, v in last.items() if k.startswith(prefix)}
    return {k: v for k, v in last.items() if not k.startswith("val_") and k not in skip}
