"""Callbacks of the shared trainer: checkpoints, metrics log, NaN guard, signals."""
from __future__ import annotations

import json
import math
import signal
import time
from typing import Optional

import tensorflow as tf


class EpochCheckpoint(tf.keras.callbacks.Callback):
    """Saves model, optimizer, epoch counter and RNG state every `every`
    epochs, skipping an epoch whose end comes less than `min_seconds` after
    the last save (or the start of training).

    A save costs tens of milliseconds whatever the model (TensorFlow walks
    its object graph in Python); saving after every 70 ms epoch of a small
    MLP made a quarter of its training time. With the floor, a run killed at
    any moment loses at most the epoch in progress and `min_seconds` of
    training. Also saves when a stop is requested by SIGINT/SIGTERM (see
    `StopOnSignal`), so a run stopped politely loses nothing.
    """

    def __init__(self, manager: tf.train.CheckpointManager, epoch: tf.Variable, every: int,
                 min_seconds: float = 0.0):
        super().__init__()
        self.manager, self.epoch, self.every = manager, epoch, max(1, every)
        self.min_seconds = max(0.0, min_seconds)
        self.poisoned = False  # set by the NaN guard: never save non-finite weights
        self._last_save = time.monotonic()

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
        self.path, self.write = path, write
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if not self.write:
            return
        record = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - self._start, 4)}
        record.update({k: float(v) for k, v in (logs or {}).items()})
        lr = getattr(self.model.optimizer, "learning_rate", None)
        if lr is not None:
            try:
                record["learning_rate"] = float(tf.keras.backend.get_value(
                    lr(self.model.optimizer.iterations) if callable(lr) else lr))
            except (TypeError, ValueError):
                pass
        with open(self.path, "a") as stream:
            stream.write(json.dumps(record) + "\n")


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
            self.message = (f"loss became {float(loss)} at epoch {self._epoch + 1}, step {batch + 1}; "
                            "lower optimizer.learning_rate or set optimizer.clipnorm")
            self.checkpoint.poisoned = True
            self.model.stop_training = True


class StopOnSignal(tf.keras.callbacks.Callback):
    """Turns SIGINT/SIGTERM into a clean stop: finish the step, checkpoint, exit."""

    def __init__(self, checkpoint: EpochCheckpoint):
        super().__init__()
        self.checkpoint = checkpoint
        self.received: Optional[int] = None
        self._previous = {}

    def on_train_begin(self, logs=None):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                pass

    def _handle(self, signum, frame):
        self.received = signum
        self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        if self.received is not None:
            self.checkpoint.save_now()
