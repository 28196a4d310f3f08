"""Input pipelines: `tf.data` from examples in memory.

Training order is a pure function of (seed, epoch): epoch e visits the
examples in the permutation `stateless_shuffle(range(n), seed=[seed, e])`.
A resumed run therefore sees exactly the batches the uninterrupted run would
have seen from its checkpoint on.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keraslab.core.data import Examples


def steps_per_epoch(examples: Examples, global_batch: int) -> int:
    return max(1, math.ceil(len(examples) / global_batch))


def training_dataset(
    examples: Examples, global_batch: int, seed: int, first_epoch: int, last_epoch: int
) -> tf.data.Dataset:
    """Batches for epochs first_epoch..last_epoch-1, each freshly shuffled.

    The whole split lives in memory as one tensor (`cache` in effect); each
    batch gathers its rows, then `prefetch(AUTOTUNE)` overlaps input with
    compute.
    """
    features = tf.constant(examples.features)
    targets = None if examples.targets is None else tf.constant(examples.targets)
    n = len(examples)

    def epoch_batches(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(global_batch)

    batches = tf.data.Dataset.range(first_epoch, last_epoch).flat_map(epoch_batches)
    return batches.map(_gather(features, targets), num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def evaluation_dataset(examples: Examples, global_batch: int) -> tf.data.Dataset:
    """Batches in order, cached, for validation and test."""
    if examples.targets is None:
        data = tf.data.Dataset.from_tensor_slices(examples.features)
    else:
        data = tf.data.Dataset.from_tensor_slices((examples.features, examples.targets))
    return data.batch(global_batch).cache().prefetch(tf.data.AUTOTUNE)


def _gather(features, targets):
    if targets is None:
        return lambda index: tf.gather(features, index)
    return lambda index: (tf.gather(features, index), tf.gather(targets, index))
