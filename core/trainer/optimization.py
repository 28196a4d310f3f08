"""Optimizers, learning-rate schedules and weight decay from the config."""

from __future__ import annotations

import dataclasses
import math

import tensorflow as tf

from keraslab.core.config import OptimizerConfig, ScheduleConfig, TrainConfig
from keraslab.core.errors import ConfigError
from keraslab.core.trusted_imports import check_trusted


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
        raise ConfigError(f"optimizer.learning_rate must be > 0, received {optimizer.learning_rate}.")
    if schedule.decay_steps == 0 and run_steps > 0:
        schedule = dataclasses.replace(schedule, decay_steps=run_steps)
    if schedule.decay_steps <= 0:
        raise ConfigError(
            f"schedule.decay_steps must be > 0 (or 0 for the run's whole length, where the "
            f"run's length is known), received {schedule.decay_steps}."
        )
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


def optimizer_class(name: str) -> type:
    """The optimizer class that `optimizer.name` "package.module:Class" names.

    Nothing is called: the module is imported only if a config may import it
    (`keraslab.core.trusted_imports`), and the attribute must be a class
    derived from a tf.keras optimizer (current or legacy).

    Raises:
        ConfigError: the module is not trusted, cannot be imported, or the
            attribute is missing or not an optimizer class.
    """
    import importlib

    accepted = "a tf.keras.optimizers.Optimizer subclass"
    module_name, _, attribute = name.partition(":")
    if not module_name or not attribute or ":" in attribute:
        raise ConfigError(
            f"Config key 'optimizer.name' received '{name}'; accepted: a Keras optimizer name "
            f"or 'package.module:Class' naming {accepted}."
        )
    check_trusted(module_name, "optimizer.name")
    try:
        target = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except Exception as error:  # an import can fail in any way
        raise ConfigError(
            f"Config key 'optimizer.name': cannot load '{name}' "
            f"({type(error).__name__}: {error}); it must name {accepted}."
        ) from None
    bases = (tf.keras.optimizers.Optimizer, tf.keras.optimizers.legacy.Optimizer)
    if not (isinstance(target, type) and issubclass(target, bases)):
        kind = f"the class {target.__name__}" if isinstance(target, type) else f"a {type(target).__name__}"
        raise ConfigError(f"Config key 'optimizer.name': '{name}' is {kind}, not {accepted}.")
    return target


def make_optimizer(
    optimizer: OptimizerConfig, schedule: ScheduleConfig, run_steps: int = 0
) -> tf.keras.optimizers.Optimizer:
    """The optimizer the config names, with its schedule and gradient clipping
    (`run_steps`: the run's length in steps, for `schedule.decay_steps: 0`)
    and, for `optimizer.average`, Keras' moving average of the weights."""
    clipping = {}
    if optimizer.clipnorm:
        clipping["clipnorm"] = optimizer.clipnorm
    if optimizer.clipvalue:
        clipping["clipvalue"] = optimizer.clipvalue
    if optimizer.average:
        clipping.update(use_ema=True, ema_momentum=optimizer.average)
    rate = learning_rate(optimizer, schedule, run_steps)
    if ":" in optimizer.name:
        return optimizer_class(optimizer.name)(learning_rate=rate, **clipping)
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
