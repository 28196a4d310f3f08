"""Callbacks of the shared trainer: checkpoints, metrics log, TensorBoard, NaN guard, signals, epoch clock."""

from __future__ import annotations

import math
import statistics
import time
from typing import Optional

import tensorflow as tf

from keraslab.core.trainer.lifecycle import MetricsWriter, SignalGuard


class EpochCheckpoint(tf.keras.callbacks.Callback):
    """Saves model, optimizer, epoch counter and RNG state every `every`
    epochs, skipping an epoch whose end comes less than `min_seconds` after
    the last save (or the start of training).

    A save costs the same whatever the model (TensorFlow walks its object
    graph in Python), so on a model of short epochs saving every epoch is
    most of the run (docs/performance.md has the measurement). With the
    floor, a run killed at any moment loses at most the epoch in progress
    and `min_seconds` of training. Also saves when a stop is requested by
    SIGINT/SIGTERM (see `StopOnSignal`), so a run stopped politely loses
    nothing.
    """

    def __init__(self, manager: tf.train.CheckpointManager, epoch: tf.Variable, every: int, min_seconds: float = 0.0):
        super().__init__()
        self.manager, self.epoch, self.every = manager, epoch, max(1, every)
        self.min_seconds = max(0.0, min_seconds)
        self.poisoned = False  # set by the NaN guard: never save non-finite weights
        self._last_save = 0.0  # set when training begins

    def on_train_begin(self, logs=None):
        self._last_save = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.assign(epoch + 1)
        due = (epoch + 1) % self.every == 0 and time.monotonic() - self._last_save >= self.min_seconds
        if due and not self.poisoned:
            self.manager.save(checkpoint_number=epoch + 1)
            self._last_save = time.monotonic()

    def save_now(self) -> Optional[str]:
        if self.poisoned:
            return None
        return self.manager.save(checkpoint_number=int(self.epoch.numpy()))


class MetricsLog(tf.keras.callbacks.Callback):
    """Appends one JSON line per epoch to metrics.jsonl: epoch, seconds,
    metrics, and the learning rate applied at the epoch's last step."""

    def __init__(self, path, write: bool = True):
        super().__init__()
        self.writer = MetricsWriter(path, write)
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        record = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - self._start, 4)}
        record.update({k: float(v) for k, v in (logs or {}).items()})
        rate = current_learning_rate(self.model.optimizer)
        if rate is not None:
            record["learning_rate"] = rate
        self.writer.append(record)


def current_learning_rate(optimizer) -> Optional[float]:
    """The learning rate the optimizer applies at its current step (None if it has none)."""
    rate = getattr(optimizer, "learning_rate", None)
    if rate is None:
        return None
    try:
        return float(tf.keras.backend.get_value(rate(optimizer.iterations) if callable(rate) else rate))
    except (TypeError, ValueError):
        return None


class NonFiniteLossGuard(tf.keras.callbacks.Callback):
    """Stops training when the loss becomes NaN or infinite.

    The checkpoint callback is told not to save again, so the last good
    checkpoint stays the latest one.
    """

    def __init__(self, checkpoint: EpochCheckpoint):
        super().__init__()
        self.checkpoint = checkpoint
        self.message: Optional[str] = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.message = (
                f"loss became {float(loss)} at epoch {self._epoch + 1}, step {batch + 1}; "
                "lower optimizer.learning_rate or set optimizer.clipnorm"
            )
            self.checkpoint.poisoned = True
            self.model.stop_training = True


class StopOnSignal(tf.keras.callbacks.Callback):
    """Turns SIGINT/SIGTERM into a clean stop: finish the step, checkpoint,
    exit (the trainers' one `SignalGuard`, held while `fit` runs)."""

    def __init__(self, checkpoint: EpochCheckpoint):
        super().__init__()
        self.checkpoint = checkpoint
        self._guard = SignalGuard(on_signal=self._stop)

    @property
    def received(self) -> Optional[int]:
        return self._guard.received

    def on_train_begin(self, logs=None):
        self._guard.__enter__()

    def _stop(self, signum: int) -> None:
        self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self._guard.__exit__(None, None, None)
        if self.received is not None:
            self.checkpoint.save_now()


class EpochClock(tf.keras.callbacks.Callback):
    """Wall seconds of every whole epoch: from the end of the previous one
    (the first: from the start of training) to the end of this one. Placed
    after the trainer's other callbacks, so each epoch's time includes their
    end-of-epoch work (metrics log, checkpoint, TensorBoard), which
    `metrics.jsonl`'s `seconds` (written before them) does not."""

    def __init__(self):
        super().__init__()
        self.seconds: list = []
        self._last = time.perf_counter()

    def on_train_begin(self, logs=None):
        self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.seconds.append(now - self._last)
        self._last = now

    def steady_seconds(self) -> Optional[float]:
        """The mean epoch after the first (which traces the step), None with
        fewer than two: a mean, so that work done every few epochs (a
        checkpoint at most once a second) is counted at its share."""
        later = self.seconds[1:]
        return statistics.fmean(later) if later else None


class EpochSummaries(tf.keras.callbacks.Callback):
    """TensorBoard logs: every epoch's metrics, and the training graph once.

    Scalars are named as Keras' `TensorBoard` callback names them,
    `epoch_<metric>`, training ones under `logs/train` and validation ones
    (`val_` dropped) under `logs/validation`, with the learning rate. Keras'
    callback also writes two scalars after each validation pass and, once
    any callback takes batch hooks (the NaN guard does), two eager scalar
    calls per batch that go nowhere at `update_freq="epoch"`, a cost a
    small model's epoch notices (docs/performance.md). This writes once an
    epoch.
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = str(log_dir)
        self._writers = {}
        self._graph_written = False

    def _writer(self, name: str):
        if name not in self._writers:
            self._writers[name] = tf.summary.create_file_writer(f"{self.log_dir}/{name}")
        return self._writers[name]

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if not self._graph_written:
            self._write_train_graph()
        rate = current_learning_rate(self.model.optimizer)
        if rate is not None:
            logs.setdefault("learning_rate", rate)
        for split, prefix in (("train", ""), ("validation", "val_")):
            values = {
                k[len(prefix) :]: v
                for k, v in logs.items()
                if (k.startswith("val_") if prefix else not k.startswith("val_"))
            }
            if values:
                with self._writer(split).as_default():
                    for name, value in values.items():
                        tf.summary.scalar(f"epoch_{name}", float(value), step=epoch)

    def _write_train_graph(self):
        self._graph_written = True
        function = getattr(self.model, "train_tf_function", None)
        # Where Keras' own TensorBoard callback finds the traced training step (keras 2.15).
        graph = getattr(getattr(function, "_concrete_variable_creation_fn", None), "graph", None)
        if graph is not None:
            with self._writer("train").as_default():
                tf.summary.graph(graph)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
