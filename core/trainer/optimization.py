"""Optimizers, learning-rate schedules and weight decay from the config."""
from __future__ import annotations

import dataclasses
import math

import tensorflow as tf

from keraslab.core.config import OptimizerConfig, ScheduleConfig, TrainConfig
from keraslab.core.errors import KeraslabError
from keraslab.core.refs import resolve


class WarmupSchedule(tf.keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to the schedule's value over `warmup_steps`:
    η(t) = schedule(t) · min(1, (t + 1) / warmup_steps)."""

    def __init__(self, schedule, warmup_steps: int):
        self.schedule, self.warmup_steps = schedule, warmup_steps

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        base = self.schedule(step) if callable(self.schedule) else self.schedule
        return base * tf.minimum(1.0, (step + 1.0) / float(self.warmup_steps))

    def get_config(self):
        return {"warmup_steps": self.warmup_steps}


class CosineSchedule(tf.keras.optimizers.schedules.LearningRateSchedule):
    """η(t) = η₀ · (1 + cos(π · min(t, T) / T)) / 2 (Loshchilov & Hutter, 2017)."""

    def __init__(self, initial: float, decay_steps: int):
        self.initial, self.decay_steps = initial, decay_steps

    def __call__(self, step):
        progress = tf.minimum(tf.cast(step, tf.float32), float(self.decay_steps)) / float(self.decay_steps)
        return self.initial * 0.5 * (1.0 + tf.cos(math.pi * progress))

    def get_config(self):
        return {"initial": self.initial, "decay_steps": self.decay_steps}


def learning_rate(optimizer: OptimizerConfig, schedule: ScheduleConfig, run_steps: int = 0):
    """The learning rate as a float or a `LearningRateSchedule` (formulas in
    ScheduleConfig); `run_steps`, the run's length in steps, stands for
    `decay_steps: 0`."""
    if optimizer.learning_rate <= 0:
        raise KeraslabError(f"optimizer.learning_rate must be > 0, received {optimizer.learning_rate}.")
    if schedule.decay_steps == 0 and run_steps > 0:
        schedule = dataclasses.replace(schedule, decay_steps=run_steps)
    if schedule.decay_steps <= 0:
        raise KeraslabError(f"schedule.decay_steps must be > 0 (or 0 for the run's whole length, where the "
                            f"run's length is known), received {schedule.decay_steps}.")
    base = optimizer.learning_rate
    schedules = tf.keras.optimizers.schedules
    if schedule.name == "constant":
        rate = base
    elif schedule.name == "step":
        rate = schedules.ExponentialDecay(base, schedule.decay_steps, schedule.decay_rate, staircase=True)
    elif schedule.name == "exponential":
        rate = schedules.ExponentialDecay(base, schedule.decay_steps, schedule.decay_rate)
    elif schedule.name == "inverse_time":
        rate = schedules.InverseTimeDecay(base, schedule.decay_steps, schedule.decay_rate)
    else:
        rate = CosineSchedule(base, schedule.decay_steps)
    if schedule.warmup_steps > 0:
        rate = WarmupSchedule(rate, schedule.warmup_steps)
    return rate


def make_optimizer(optimizer: OptimizerConfig, schedule: ScheduleConfig,
                   run_steps: int = 0) -> tf.keras.optimizers.Optimizer:
    """The optimizer the config names, with its schedule and gradient clipping
    (`run_steps`: the run's length in steps, for `schedule.decay_steps: 0`)."""
    clipping = {}
    if optimizer.clipnorm:
        clipping["clipnorm"] = optimizer.clipnorm
    if optimizer.clipvalue:
        clipping["clipvalue"] = optimizer.clipvalue
    rate = learning_rate(optimizer, schedule, run_steps)
    if ":" in optimizer.name:
        try:
            factory = resolve(optimizer.name, "optimizer.name")
            made = factory(learning_rate=rate, **clipping)
        except (ImportError, AttributeError, ValueError, TypeError) as error:
            raise KeraslabError(f"optimizer.name '{optimizer.name}' cannot be used: {error}.") from None
        if not isinstance(made, tf.keras.optimizers.Optimizer):
            raise KeraslabError(f"optimizer.name '{optimizer.name}' made a {type(made).__name__}, "
                                "not a tf.keras optimizer.")
        return made
    if optimizer.name == "sgd":
        return tf.keras.optimizers.SGD(rate, momentum=optimizer.momentum, nesterov=optimizer.nesterov, **clipping)
    if optimizer.name == "rmsprop":
        return tf.keras.optimizers.RMSprop(rate, momentum=optimizer.momentum, **clipping)
    if optimizer.name == "adagrad":
        return tf.keras.optimizers.Adagrad(rate, **clipping)
    return tf.keras.optimizers.Adam(rate, **clipping)


def add_weight_decay(model: tf.keras.Model, train: TrainConfig) -> None:
    """Adds λ₁‖W‖₁ + λ₂‖W‖₂² over every kernel to the model's loss."""
    if not (train.l1 or train.l2):
        return
    regularizer = tf.keras.regularizers.L1L2(l1=train.l1, l2=train.l2)
    for layer in model.submodules:
        kernel = getattr(layer, "kernel", None)
        if isinstance(kernel, tf.Variable):
            model.add_loss(_penalty(regularizer, kernel))


def _penalty(regularizer, kernel):
    # A closure, not a lambda with a default argument: SavedModel cannot
    # encode a Variable as a default argument.
    return lambda: regularizer(kernel)
