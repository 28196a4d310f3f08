"""Callbacks of the shared trainer: checkpoints, metrics log, TensorBoard, NaN guard, signals, epoch clock."""

from __future__ import annotations

import math
import os
import socket
import statistics
import time
from pathlib import Path
from typing import Dict, Optional

import tensorflow as tf

from keraslab.core.trainer.lifecycle import MetricsWriter, SignalGuard


class EpochCheckpoint(tf.keras.callbacks.Callback):
    """Saves model, optimizer, epoch counter and RNG state every `every`
    epochs: the first such epoch of a run (or of a resumed run) always,
    later ones only when `min_seconds` have passed since the last save.

    A save costs the same whatever the model (TensorFlow walks its object
    graph in Python), so on a model of short epochs saving every epoch is
    most of the run (docs/performance.md has the measurement). With the
    floor, a run killed at any moment loses at most the epoch in progress
    and `min_seconds` of training. The first save is the costliest (about
    50 ms for the foundations MLP against 7 ms later: TensorFlow builds
    what it saves then), so it falls on the first epoch, whose tracing
    already makes it a fixed cost of the run, not on a later epoch. Also
    saves when a stop is requested by SIGINT/SIGTERM (see `StopOnSignal`),
    so a run stopped politely loses nothing.
    """

    def __init__(self, manager: tf.train.CheckpointManager, epoch: tf.Variable, every: int, min_seconds: float = 0.0):
        super().__init__()
        self.manager, self.epoch, self.every = manager, epoch, max(1, every)
        self.min_seconds = max(0.0, min_seconds)
        self.poisoned = False  # set by the NaN guard: never save non-finite weights
        self._last_save: Optional[float] = None  # None: nothing saved yet by this fit
        self._saved_epoch: Optional[int] = None

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.assign(epoch + 1)
        if (epoch + 1) % self.every or self.poisoned:
            return
        if self._last_save is not None and time.monotonic() - self._last_save < self.min_seconds:
            return
        self.manager.save(checkpoint_number=epoch + 1)
        self._last_save = time.monotonic()
        self._saved_epoch = epoch + 1

    def save_now(self) -> Optional[str]:
        """Saves the current epoch unless it is saved already (or poisoned)."""
        epoch = int(self.epoch.numpy())
        if self.poisoned or epoch == self._saved_epoch:
            return None
        self._saved_epoch = epoch
        return self.manager.save(checkpoint_number=epoch)


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
    """Stops training after an epoch whose loss is NaN or infinite.

    The loss Keras reports at an epoch's end is the mean over its steps, so
    it is non-finite exactly when one of its steps' losses was (a NaN or an
    infinity stays in a running sum). The check is once an epoch, not after
    every step: any callback with a batch hook makes Keras call back into
    Python after every step, which cost the foundations MLP (27 ms epochs)
    about 5% (docs/performance.md). The checkpoint callback, after this one,
    is told not to save, so the last good checkpoint stays the latest one.
    """

    def __init__(self, checkpoint: EpochCheckpoint):
        super().__init__()
        self.checkpoint = checkpoint
        self.message: Optional[str] = None

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.message = (
                f"loss became {float(loss)} in epoch {epoch + 1}; "
                "lower optimizer.learning_rate or set optimizer.clipnorm"
            )
            self.checkpoint.poisoned = True
            self.model.stop_training = True


class StopOnSignal(tf.keras.callbacks.Callback):
    """Turns SIGINT/SIGTERM into a clean stop: finish the step, checkpoint,
    exit (the trainers' one `SignalGuard`, held while `fit` runs). The
    handler sets `model.stop_training`, which `fit` reads after every step,
    so no batch hook is needed."""

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

    def on_epoch_end(self, epoch, logs=None):
        # Saved here, before `fit` ends: at its end Keras replaces the weights
        # by their moving average (`optimizer.average`), which a resumed run
        # must not continue from.
        if self.received is not None:
            self.checkpoint.save_now()

    def on_train_end(self, logs=None):
        self._guard.__exit__(None, None, None)
        if self.received is not None:
            self.checkpoint.save_now()  # a signal after the last epoch's end


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
    any callback takes batch hooks, two eager scalar calls per batch that go
    nowhere at `update_freq="epoch"`. This writes once an epoch, and writes
    the event records itself (`EventFile`): `tf.summary.scalar` runs an
    eager op per value, about 0.17 ms each, 1 ms an epoch for six values,
    which is 3-4% of a 28 ms epoch (docs/performance.md).
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = Path(log_dir)
        self._files: Dict[str, EventFile] = {}
        self._graph_written = False

    def _file(self, name: str) -> "EventFile":
        if name not in self._files:
            self._files[name] = EventFile(self.log_dir / name)
        return self._files[name]

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if not self._graph_written:
            self._write_train_graph()
        rate = current_learning_rate(self.model.optimizer)
        if rate is not None:
            logs.setdefault("learning_rate", rate)
        for split, prefix in (("train", ""), ("validation", "val_")):
            values = {
                f"epoch_{k[len(prefix) :]}": float(v)
                for k, v in logs.items()
                if (k.startswith("val_") if prefix else not k.startswith("val_"))
            }
            if values:
                self._file(split).scalars(values, step=epoch)

    def _write_train_graph(self):
        self._graph_written = True
        function = getattr(self.model, "train_tf_function", None)
        # Where Keras' own TensorBoard callback finds the traced training step (keras 2.15).
        graph = getattr(getattr(function, "_concrete_variable_creation_fn", None), "graph", None)
        if graph is not None:
            self._file("train").graph(graph.as_graph_def())

    def on_train_end(self, logs=None):
        for events in self._files.values():
            events.close()


class EventFile:
    """A TensorBoard event file: a TFRecord file of `Event` protocol
    buffers, the first naming the format version, each later one a step's
    scalars (`simple_value`, which TensorBoard reads as scalars) or a graph.
    Flushed after every write, so TensorBoard follows a run as it trains
    and a killed run keeps its curves."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{time.time():.0f}.{socket.gethostname()}.{os.getpid()}.v2"
        self._writer = tf.io.TFRecordWriter(str(folder / name))
        self._write(tf.compat.v1.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def scalars(self, values: Dict[str, float], step: int) -> None:
        summary = tf.compat.v1.Summary(
            value=[tf.compat.v1.Summary.Value(tag=tag, simple_value=value) for tag, value in values.items()]
        )
        self._write(tf.compat.v1.Event(wall_time=time.time(), step=step, summary=summary))

    def graph(self, graph_def) -> None:
        self._write(tf.compat.v1.Event(wall_time=time.time(), graph_def=graph_def.SerializeToString()))

    def _write(self, event) -> None:
        self._writer.write(event.SerializeToString())
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
