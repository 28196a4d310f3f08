"""Input pipelines: `tf.data` from examples in memory or streamed from files.

Training order is a pure function of (seed, epoch): epoch e visits the
examples in the permutation `stateless_shuffle(range(n), seed=[seed, e])`.
A resumed run therefore sees exactly the batches the uninterrupted run would
have seen from its checkpoint on. This holds for both kinds of data: in
memory a batch gathers its rows from one tensor; streamed (`ExampleFiles`),
the files of each batch are read and decoded, batches in parallel
(`deterministic=True` keeps the order), and `prefetch` overlaps reading
with the training step.
Only the file names are held in memory, so memory does not grow with the
dataset. No `tf.data` iterator state needs saving: the order is recomputed.

Record files (`ExampleRecords`: TFRecord shards, CSV files) cannot be read
at an index, so their epochs are ordered by their own rule, also a pure
function of (seed, epoch): shards shuffled, interleaved, a seeded shuffle
buffer (`keraslab.core.records`).

Linked examples (`keraslab.core.linked.LinkedExamples`: the nodes of a
graph, a set of graphs) make their own batches, in an order that is a pure
function of (seed, epoch) as well; a batch is a dictionary of inputs that
one replica takes whole.

Under a strategy with several replicas, streamed data is read by shares
(`Share`, `for_strategy`): each input pipeline (one per worker) cuts every
global batch into one piece per replica and reads and decodes only its own
pieces, so workers divide the decoding between them and together see each
training example once per epoch, in the batches one device would see.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import tensorflow as tf

from keraslab.core.data import Examples
from keraslab.core.linked import LinkedExamples
from keraslab.core.records import ExampleRecords, in_order, shuffled_epochs
from keraslab.core.streams import ExampleFiles, Share


def for_strategy(
    strategy: tf.distribute.Strategy, examples, make: Callable[[Optional[Share]], tf.data.Dataset]
) -> tf.data.Dataset:
    """The dataset `make` builds, as `strategy` should be fed it.

    One replica, or examples in memory: `make(None)`, the whole global
    batches, which Keras splits between replicas. Streamed examples under
    several replicas: `make(share)` in each input pipeline
    (`distribute_datasets_from_function`), so each worker reads and decodes
    only the files (or records) of its own replicas' pieces, where
    `tf.data`'s automatic sharding of a dataset not built from files would
    have every worker decode every batch and keep its part.
    """
    if strategy.num_replicas_in_sync == 1 or isinstance(examples, (Examples, LinkedExamples)):
        return make(None)
    return strategy.distribute_datasets_from_function(lambda context: make(Share.of(context)))


def steps_per_epoch(examples, global_batch: int, training: bool = True) -> int:
    """Batches in one training epoch (or, not `training`, one evaluation pass)."""
    if isinstance(examples, LinkedExamples):
        return examples.steps(global_batch, training)
    return max(1, math.ceil(len(examples) / global_batch))


def training_dataset(
    examples, global_batch: int, seed: int, first_epoch: int, last_epoch: int, share: Optional[Share] = None
) -> tf.data.Dataset:
    """Batches for epochs first_epoch..last_epoch-1, each freshly shuffled.

    In memory the whole split is one tensor (`cache` in effect) and each
    batch gathers its rows; streamed, each batch reads its examples' files
    (`_read_batches`). `prefetch(AUTOTUNE)` overlaps input with compute.
    With a `share`, only that share's pieces of each batch are read.
    """
    if isinstance(examples, LinkedExamples):
        return examples.training_batches(global_batch, seed, first_epoch, last_epoch).prefetch(tf.data.AUTOTUNE)
    if isinstance(examples, ExampleRecords):
        epochs = shuffled_epochs(examples, global_batch, seed, first_epoch, last_epoch, share=share)
        return epochs.prefetch(tf.data.AUTOTUNE)
    n = len(examples)
    streamed = isinstance(examples, ExampleFiles)

    def epoch_batches(epoch):  # batches of indices, never across an epoch's end
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(global_batch)

    batches = Share.apply(share, tf.data.Dataset.range(first_epoch, last_epoch).flat_map(epoch_batches))
    if streamed:
        return _read_batches(batches, examples).prefetch(tf.data.AUTOTUNE)
    features = tf.constant(examples.features)
    targets = None if examples.targets is None else tf.constant(examples.targets)
    return batches.map(_gather(features, targets), num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def evaluation_dataset(
    examples, global_batch: int, share: Optional[Share] = None, cache_file: Optional[str] = None
) -> tf.data.Dataset:
    """Batches in order for validation and test (cached when in memory);
    with a `share`, that share's pieces of each batch (streamed examples).
    Streamed, with `cache_file`, the decoded batches are written to that
    file (one per share) by the first pass and read from it afterwards."""
    if isinstance(examples, LinkedExamples):
        return examples.evaluation_batches(global_batch).prefetch(tf.data.AUTOTUNE)
    if isinstance(examples, (ExampleRecords, ExampleFiles)):
        if isinstance(examples, ExampleRecords):
            data = in_order(examples, global_batch, share=share)
        else:
            batches = Share.apply(share, tf.data.Dataset.range(len(examples)).batch(global_batch))
            data = _read_batches(batches, examples)
        if cache_file:
            data = data.cache(cache_file if share is None else f"{cache_file}-{share.first}")
        return data.prefetch(tf.data.AUTOTUNE)
    if examples.targets is None:
        data = tf.data.Dataset.from_tensor_slices(examples.features)
    else:
        data = tf.data.Dataset.from_tensor_slices((examples.features, examples.targets))
    return data.batch(global_batch).cache().prefetch(tf.data.AUTOTUNE)


def feature_batches(examples, batch_size: int = 256) -> tf.data.Dataset:
    """The features alone, in order, in batches: what `predict` takes."""
    if isinstance(examples, ExampleRecords):
        return in_order(examples, batch_size, with_targets=False).prefetch(tf.data.AUTOTUNE)
    return evaluation_dataset(examples, batch_size).map(lambda *element: element[0])


def predict_split(model: tf.keras.Model, examples, batch_size: int = 256):
    """The model's outputs for every example of a split, in order, in memory
    or streamed (a report's predictions over a test folder of any size).

    The model is called batch by batch in this process, not through
    `Model.predict`, which under a multi-worker strategy would wait on
    collective ops from workers that only the chief's report never reaches.
    """
    outputs = [model(batch, training=False) for batch in feature_batches(examples, batch_size)]
    if not outputs:
        return tf.zeros((0,)).numpy()
    if isinstance(outputs[0], dict):
        return {key: tf.concat([o[key] for o in outputs], axis=0).numpy() for key in outputs[0]}
    return tf.concat(outputs, axis=0).numpy()


def _read_batches(index_batches: tf.data.Dataset, files: ExampleFiles) -> tf.data.Dataset:
    """Each batch of indices → its examples, read from their files and decoded.

    One map per batch (the files of a batch decoded in turn by `map_fn`),
    batches in parallel and in order: measured about twice the images per
    second of a map per file inside the epochs' `flat_map`, whose parallel
    map restarted its tuning every epoch (docs/data.md).
    """
    paths = tf.constant(files.files())
    targets = None if files.targets is None else tf.constant(files.targets)
    spec = tf.TensorSpec(files.input_shape, files.input_dtype)

    def read_one(index):
        return tf.cast(files.decode(tf.io.read_file(paths[index])), files.input_dtype)

    def read(indices):
        features = tf.map_fn(read_one, indices, fn_output_signature=spec)
        return features if targets is None else (features, tf.gather(targets, indices))

    return index_batches.map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def _gather(features, targets):
    if targets is None:
        return lambda index: tf.gather(features, index)
    return lambda index: (tf.gather(features, index), tf.gather(targets, index))
