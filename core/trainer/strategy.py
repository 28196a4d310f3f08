"""Choosing the `tf.distribute` strategy, in one place.

`auto` picks, in order: a TPU when one is attached to this host, a
`MirroredStrategy` over every GPU when there are several, a
`OneDeviceStrategy` on a single GPU, and the default strategy on CPU.
With no GPU and several logical CPU devices (`devices.logical_cpus`),
`mirrored` mirrors over the CPUs, which is how the GPU path is exercised on
a CPU-only machine.
"""

from __future__ import annotations

import json
import os

import tensorflow as tf

from keraslab.core.errors import KeraslabError

STRATEGIES = ("auto", "default", "one-device", "mirrored", "multi-worker", "tpu")


def configure_logical_cpus(count: int) -> None:
    """Splits the host CPU into `count` logical devices (before TF starts)."""
    if count <= 1:
        return
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        existing = len(tf.config.list_logical_devices("CPU"))
        if existing != count:
            raise KeraslabError(
                f"devices.logical_cpus={count} cannot be applied: TensorFlow already started with "
                f"{existing} logical CPU device(s) in this process."
            ) from None


def _tpu_attached() -> bool:
    # Asking a TPU resolver with no address looks for a Cloud metadata server
    # over the network; only ask when this host says it has a TPU.
    return bool(os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR") or tf.config.list_logical_devices("TPU"))


def make_strategy(name: str) -> tf.distribute.Strategy:
    """Creates the strategy called `name` (see module docstring for `auto`).

    Raises:
        KeraslabError: the strategy cannot be created on this machine.
    """
    if name not in STRATEGIES:
        raise KeraslabError(f"Unknown strategy '{name}'. Available: {', '.join(STRATEGIES)}.")
    if name == "multi-worker":
        check_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        if _tpu_attached():
            return _tpu_strategy()
        if len(gpus) > 1:
            return tf.distribute.MirroredStrategy()
        if len(gpus) == 1:
            return tf.distribute.OneDeviceStrategy(gpus[0].name)
        return tf.distribute.get_strategy()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one-device":
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if name == "mirrored":
        if gpus:
            return tf.distribute.MirroredStrategy()
        return tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
    return _tpu_strategy()


def _tpu_strategy() -> tf.distribute.Strategy:
    if not _tpu_attached():
        raise KeraslabError(
            "Strategy 'tpu' cannot be created: no TPU is attached to this host "
            "(no TPU device, TPU_NAME unset). Use --strategy auto."
        )
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", "local"))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise KeraslabError(
            f"Strategy 'tpu' cannot be created: no TPU found on this host ({str(error).splitlines()[0]}). "
            "Use --strategy auto."
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def check_tf_config() -> dict:
    """Returns the parsed TF_CONFIG of a multi-worker run, or raises KeraslabError."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise KeraslabError(
            "Strategy 'multi-worker' needs TF_CONFIG, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}.'
        )
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
        index = int(task["index"])
        if task["type"] not in ("worker", "chief") or not workers or not 0 <= index < len(workers) + 1:
            raise ValueError("task does not name one of the cluster's workers")
    except (ValueError, KeyError, TypeError) as error:
        raise KeraslabError(
            f"TF_CONFIG is malformed ({error}); expected "
            '{"cluster": {"worker": [...]}, "task": {"type": "worker", "index": N}}.'
        ) from None
    return config


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True on the worker that writes checkpoints, logs and exports."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in resolver.cluster_spec().as_dict()
    )


def chief_by_tf_config() -> bool:
    """`is_chief` from TF_CONFIG alone, before any strategy exists: true
    without TF_CONFIG, for the `chief` task, and for worker 0 of a cluster
    that has no chief."""
    import json
    import os

    try:
        config = json.loads(os.environ.get("TF_CONFIG", "") or "{}")
    except ValueError:
        return True  # make_strategy reports a malformed TF_CONFIG
    task = config.get("task") or {}
    kind, index = task.get("type"), task.get("index", 0)
    if not kind:
        return True
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in (config.get("cluster") or {}))


_PUBLIC_NAMES = {
    "_DefaultDistributionStrategy": "DefaultStrategy",
    "CollectiveAllReduceStrategy": "MultiWorkerMirroredStrategy",
}


def describe(strategy: tf.distribute.Strategy) -> str:
    """The strategy's public class name and replica count, e.g. "MirroredStrategy x2"."""
    name = type(strategy).__name__
    return f"{_PUBLIC_NAMES.get(name, name)} x{strategy.num_replicas_in_sync}"
