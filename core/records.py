"""Examples streamed from record files: many examples in each file.

`ExampleFiles` streams a folder of images, one example per file. Record
files hold many examples each: TFRecord shards of `tf.train.Example`
(`keraslab data convert` writes them, `core/tfrecords.py` reads them) and
CSV files of any size (`core/csv_records.py`). Both are `ExampleRecords`:
the shards, the number of records in each, how to read a shard's raw
records and how to parse a batch of them into features.

Every record has a global number: record j of shard s is number
offset(s) + j, shards taken in name order. A dataset (and each split of it)
is the sorted set of the numbers it holds, with the target of each; its
features stay in the files. Those numbers and targets are all that is kept
in memory: 8 bytes per record for the number and one per target, whatever
the size of the features.

Splitting needs no feature: shards named `train-*`, `validation-*` and
`test-*` keep that split; otherwise, within each class, records are ranked
by a hash of (`data.seed`, shard name, position in the shard), the same on
every machine, and cut like the in-memory split (`cut_groups`).

The training order of epoch e is a pure function of (seed, e): the shards
in the order `stateless_shuffle(seed=[seed, e])`, read a few at a time by a
deterministic interleave, and blocks of records permuted by seeds of (seed, e, block)
(`keraslab.core.trainer.pipeline`). Evaluation reads every shard in order,
so outputs line up with the split's targets.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

from keraslab.core.data import Examples, Splits, cut_groups
from keraslab.core.errors import KeraslabError
from keraslab.core.streams import PART_NAMES, Share

# Records permuted together in a training epoch (the shards' order is shuffled too).
SHUFFLE_BUFFER = 8192
# Shards read at once by the training interleave.
CYCLE = 4


@dataclasses.dataclass(frozen=True)
class ExampleRecords:
    """A dataset streamed from record files.

    Attributes:
        source: what the records were read from (a file or folder), for messages.
        shards: the files, in the order that numbers their records.
        counts: the number of records in each shard.
        read: a shard's index (a scalar int64 tensor) → a `tf.data.Dataset`
            of its raw records (`tf.string`), in file order.
        parse: a batch of raw records (a 1-D `tf.string` tensor) → their
            features, a tensor of shape (batch, *input_shape).
        input_shape: shape of one example's features.
        input_dtype: their dtype.
        numbers: the global numbers of the records in this dataset, sorted.
        targets: the target of each record in `numbers`, or None.
        parse_targets: for targets kept in the records themselves, too many
            to hold in memory (the next tokens of each window of a text):
            a batch of raw records → their targets; `targets` is then None.
        num_classes: number of classes, for classification data.
        class_names: the name of each class.
        parts: the split of each record in `numbers` (0 train, 1
            validation, 2 test) when the shards' names give it; else None.
    """

    source: str
    shards: Tuple[str, ...]
    counts: Tuple[int, ...]
    read: Callable[[Any], Any] = dataclasses.field(repr=False, compare=False)
    parse: Callable[[Any], Any] = dataclasses.field(repr=False, compare=False)
    input_shape: Tuple[int, ...]
    input_dtype: str = "float32"
    numbers: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64), repr=False, compare=False)
    targets: Optional[np.ndarray] = dataclasses.field(default=None, repr=False, compare=False)
    num_classes: Optional[int] = None
    class_names: Tuple[str, ...] = ()
    parts: Optional[np.ndarray] = dataclasses.field(default=None, repr=False, compare=False)
    parse_targets: Optional[Callable[[Any], Any]] = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.parse_targets is not None and self.targets is not None:
            raise KeraslabError("Records take their targets from `targets` or from `parse_targets`, not both.")
        if len(self.shards) != len(self.counts):
            raise KeraslabError(f"{len(self.shards)} shards but {len(self.counts)} record counts; they must match.")
        if self.targets is not None and len(self.targets) != len(self.numbers):
            raise KeraslabError(f"{len(self.numbers)} records but {len(self.targets)} targets; they must match.")

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def offsets(self) -> np.ndarray:
        """The global number of each shard's first record."""
        return np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)

    @property
    def features(self):
        raise KeraslabError(
            f"The examples of '{self.source}' are streamed from its record files and are not held in memory; "
            "read the ones you need with .load(indices), or predict over them with predict_split."
        )

    def take(self, indices) -> "ExampleRecords":
        """The records at positions `indices` of this dataset (kept in number order)."""
        indices = np.sort(np.asarray(indices, np.int64))
        return dataclasses.replace(
            self,
            numbers=self.numbers[indices],
            targets=None if self.targets is None else self.targets[indices],
            parts=None if self.parts is None else self.parts[indices],
        )

    def load(self, indices: Optional[Sequence[int]] = None) -> Examples:
        """The examples at positions `indices` (all by default), read and
        parsed into memory, in the order asked."""
        positions = np.arange(len(self)) if indices is None else np.asarray(indices, np.int64)
        wanted = np.unique(positions)
        chosen = self.take(wanted)
        order = np.searchsorted(wanted, positions)
        if self.parse_targets is not None:
            batches = [(x.numpy(), y.numpy()) for x, y in in_order(chosen, 256)] if len(chosen) else []
            if not batches:
                empty = np.zeros((0, *self.input_shape), self.input_dtype)
                return Examples(empty, empty.astype(np.int64), self.num_classes, self.class_names)
            features, targets = (np.concatenate(part)[order] for part in zip(*batches))
            return Examples(features, targets, self.num_classes, self.class_names)
        parts = [batch.numpy() for batch in in_order(chosen, 256, with_targets=False)] if len(chosen) else []
        features = np.concatenate(parts) if parts else np.zeros((0, *self.input_shape), self.input_dtype)
        targets = None if self.targets is None else self.targets[positions]
        return Examples(features[order], targets, self.num_classes, self.class_names)


def record_key(seed: int, shard_name: str, positions: np.ndarray) -> np.ndarray:
    """The rank key of records at `positions` of a shard: a 64-bit mix
    (splitmix64) of BLAKE2b(seed, shard name) plus the position, the same
    on every machine and NumPy version."""
    base = np.frombuffer(hashlib.blake2b(f"{seed}/{shard_name}".encode(), digest_size=8).digest(), np.uint64)[0]
    with np.errstate(over="ignore"):
        z = positions.astype(np.uint64) + base + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def split_records(records: ExampleRecords, validation_fraction: float, test_fraction: float, seed: int) -> Splits:
    """Train, validation and test parts of `records`, from the shards' names
    or a seeded hash of each record's place (the module docstring gives the rule)."""
    if records.parts is not None:
        chosen = {name: np.flatnonzero(records.parts == k) for k, name in enumerate(PART_NAMES)}
    else:
        keys = np.empty(len(records), np.uint64)
        shard_of = np.searchsorted(records.offsets, records.numbers, side="right") - 1
        for s in np.unique(shard_of):
            here = shard_of == s
            name = records.shards[s].rsplit("/", 1)[-1]
            keys[here] = record_key(seed, name, records.numbers[here] - records.offsets[s])
        groups = (
            [np.flatnonzero(records.targets == c) for c in np.unique(records.targets)]
            if records.num_classes and records.targets is not None and records.targets.ndim == 1
            else [np.arange(len(records))]
        )
        ranked = [group[np.argsort(keys[group], kind="stable")] for group in groups]
        chosen = cut_groups(ranked, validation_fraction, test_fraction)
    if len(chosen["train"]) == 0:
        raise KeraslabError(f"'{records.source}' leaves no training records after the split.")
    return Splits(**{name: records.take(indices) for name, indices in chosen.items()})


# Raw records numbered and tested for membership together: per-record
# functions in `tf.data` cost tens of microseconds each, more than parsing.
READ_BATCH = 1024


def members(records: ExampleRecords, shard):
    """The raw records of shard `shard` (a tensor) that belong to `records`,
    with their global numbers, in batches of up to `READ_BATCH` (numbers,
    raw) in file order. Numbering and the membership test (a search of the
    sorted numbers) run on a batch at a time, and later steps `rebatch`
    these batches, so no function is called per record."""
    import tensorflow as tf

    offsets, numbers = tf.constant(records.offsets), tf.constant(records.numbers)
    size = tf.size(numbers, out_type=tf.int64)
    start = tf.gather(offsets, shard)

    def keep(k, raw):
        batch_numbers = start + k * READ_BATCH + tf.range(tf.size(raw, out_type=tf.int64))
        at = tf.searchsorted(numbers, batch_numbers, out_type=tf.int64)
        found = tf.logical_and(at < size, tf.gather(numbers, tf.minimum(at, size - 1)) == batch_numbers)
        return tf.boolean_mask(batch_numbers, found), tf.boolean_mask(raw, found)

    return records.read(shard).batch(READ_BATCH).enumerate().map(keep)


def parsed_batches(
    records: ExampleRecords,
    member_batches,
    batch_size: int,
    with_targets: bool = True,
    share: Optional[Share] = None,
):
    """Batches of (numbers, raw), rebatched to `batch_size` → (features,
    targets), or the features alone (when asked, or when the records have no
    targets). With a `share`, each raw batch is cut first and only that
    share's pieces are parsed."""
    import tensorflow as tf

    numbers = tf.constant(records.numbers)
    targets = None if records.targets is None or not with_targets else tf.constant(records.targets)

    def parse(batch_numbers, raw):
        features = tf.cast(records.parse(raw), records.input_dtype)
        if records.parse_targets is not None and with_targets:
            return features, records.parse_targets(raw)
        if targets is None:
            return features
        return features, tf.gather(targets, tf.searchsorted(numbers, batch_numbers, out_type=tf.int64))

    batches = Share.apply(share, member_batches.rebatch(batch_size))
    return batches.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def _pieces(share: Optional[Share]) -> int:
    return 1 if share is None else share.count


def in_order(records: ExampleRecords, batch_size: int, with_targets: bool = True, share: Optional[Share] = None):
    """The records of `records` in number order, parsed, in batches: every
    shard read in turn (shards holding none of them are not opened)."""
    import tensorflow as tf

    shard_of = np.searchsorted(records.offsets, records.numbers, side="right") - 1
    used = np.unique(shard_of).astype(np.int64)
    shards = tf.data.Dataset.from_tensor_slices(used)
    chosen = shards.flat_map(lambda s: members(records, s))
    batches = parsed_batches(records, chosen, batch_size, with_targets, share)
    # Membership hides the count from tf.data; Keras needs it to run validation in steps.
    return batches.apply(tf.data.experimental.assert_cardinality(-(-len(records) // batch_size) * _pieces(share)))


def shuffled_epochs(
    records: ExampleRecords,
    batch_size: int,
    seed: int,
    first_epoch: int,
    last_epoch: int,
    share: Optional[Share] = None,
):
    """Training batches of epochs first_epoch..last_epoch−1, each in an order
    fixed by (seed, epoch): shards shuffled, interleaved, then each block of
    `SHUFFLE_BUFFER` records permuted by a stateless shuffle seeded with
    (seed, epoch, block). (`Dataset.shuffle` takes no seed computed inside
    the pipeline, and a seed of its own per epoch is what makes the order
    independent of how many epochs this process ran before.)"""
    import tensorflow as tf

    count = len(records.shards)
    base = tf.constant(seed, tf.int64)

    def permute_block(block, numbers, raw):
        epoch_and_block = tf.stack([base, block])
        order = tf.random.experimental.stateless_shuffle(tf.range(tf.size(numbers, out_type=tf.int64)), epoch_and_block)
        return tf.gather(numbers, order), tf.gather(raw, order)

    def epoch(e):
        order = tf.random.experimental.stateless_shuffle(tf.range(count, dtype=tf.int64), seed=tf.stack([base, e]))
        chosen = tf.data.Dataset.from_tensor_slices(order).interleave(
            lambda s: members(records, s),
            cycle_length=min(CYCLE, count),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        blocks = chosen.rebatch(SHUFFLE_BUFFER).enumerate()
        # Block k of epoch e: seed (seed, e · 2³² + k), a different permutation for every block of every epoch.
        shuffled = blocks.map(lambda k, block: permute_block(e * 2**32 + k, *block))
        return parsed_batches(records, shuffled, batch_size, share=share)

    steps = -(-len(records) // batch_size) * max(last_epoch - first_epoch, 0) * _pieces(share)
    epochs = tf.data.Dataset.range(first_epoch, last_epoch).flat_map(epoch)
    return epochs.apply(tf.data.experimental.assert_cardinality(steps))
