"""TensorFlow Datasets by name: `--dataset tfds:NAME[:CONFIG]`.

Any plugin's model trains on a TFDS dataset that has (input, label) pairs
(`supervised_keys`, e.g. `mnist`, `cifar10`, `fashion_mnist`):

    keraslab vision train cnn --dataset tfds:mnist --set data.tfds_dir=~/tensorflow_datasets

Reading never downloads: `tfds.load(..., data_dir=data.tfds_dir,
download=False)`. A dataset is prepared once, online, with TFDS' own
command (`tfds build NAME --data_dir DIR`), and is then read offline from
that directory; an unprepared one is refused with that command. Every split
TFDS has is read and pooled, then split by `data.seed` like any dataset
(stratified), so the test split is keraslab's, the same on every machine.
The examples are held in memory in their own dtype (uint8 images stay
uint8: MNIST is 47 MB, CIFAR-10 184 MB).

With `data.stream=true` they are not: the dataset's prepared TFRecord
files become `ExampleRecords` (`tfds_records`), every split's shards
pooled. Opening reads each record's label once (a few bytes each, parsed
alone); the inputs are decoded by TFDS' own feature decoders inside the
`tf.data` pipeline, a batch at a time, as the model trains. The split is
then the record files' rule (a seeded hash of each record's place,
stratified; docs/data.md), not the in-memory permutation, so a streamed and
an in-memory run of one dataset test on different examples.
"""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np

from keraslab.core.data import Examples
from keraslab.core.errors import KeraslabError
from keraslab.core.records import ExampleRecords

PREFIX = "tfds:"


def is_tfds_name(name: str) -> bool:
    return name.startswith(PREFIX)


def builder_name(name: str) -> str:
    """'tfds:NAME[:CONFIG]' → TFDS' 'NAME[/CONFIG]'."""
    parts = name[len(PREFIX) :].split(":")
    if not parts[0] or len(parts) > 2 or not all(parts):
        raise KeraslabError(f"Dataset '{name}' is not a TFDS name; accepted: tfds:NAME or tfds:NAME:CONFIG.")
    return "/".join(parts)


def supervised_builder(tfds, name: str, data_dir: str) -> Tuple[Any, Tuple[str, str]]:
    """TFDS' builder of `name` and its (input, label) keys; an unknown name
    or a dataset without such pairs is refused."""
    wanted = builder_name(name)
    try:
        builder = tfds.builder(wanted, data_dir=data_dir or None)
    except tfds.core.registered.DatasetNotFoundError:
        raise KeraslabError(
            f"TFDS has no dataset '{wanted}' ({name}); the names are those of `tfds.list_builders()`, "
            "e.g. tfds:mnist, tfds:cifar10, tfds:fashion_mnist."
        ) from None
    keys = builder.info.supervised_keys
    if not keys or len(keys) != 2:
        raise KeraslabError(
            f"TFDS dataset '{wanted}' has no (input, label) pairs (supervised_keys); accepted: datasets that do."
        )
    return builder, (keys[0], keys[1])


def not_prepared(wanted: str, data_dir: str) -> KeraslabError:
    where = data_dir or "TFDS' default folder (~/tensorflow_datasets)"
    return KeraslabError(
        f"TFDS dataset '{wanted}' is not prepared in {where}, and keraslab does not download: prepare it "
        f"once online with `tfds build {wanted} --data_dir DIR`, then pass --set data.tfds_dir=DIR."
    )


def label_classes(builder, label_key: str) -> Tuple[Any, Tuple[str, ...]]:
    label = builder.info.features[label_key]
    num_classes = getattr(label, "num_classes", None)
    return num_classes, tuple(getattr(label, "names", None) or ()) if num_classes else ()


def load_tfds(name: str, data_dir: str = "", stream: bool = False):
    """Every example of the TFDS dataset `name` ('tfds:NAME[:CONFIG]'), read
    offline from `data_dir` (TFDS' default folder when empty): in memory, or
    streamed from its record files with `stream`."""
    if stream:
        return tfds_records(name, data_dir)
    tfds = _import_tfds()
    builder, keys = supervised_builder(tfds, name, data_dir)
    wanted = builder_name(name)
    split = "+".join(builder.info.splits) or "train"
    try:
        dataset = tfds.load(wanted, split=split, data_dir=data_dir or None, download=False, as_supervised=True)
    except AssertionError:
        raise not_prepared(wanted, data_dir) from None
    features, labels = _arrays(tfds.as_numpy(dataset), name)
    num_classes, names = label_classes(builder, keys[1])
    return Examples(features, labels, num_classes, names)


def tfds_records(name: str, data_dir: str = "") -> ExampleRecords:
    """The TFDS dataset `name` as `ExampleRecords` over its prepared TFRecord
    files (the module docstring says what is read when)."""
    import tensorflow as tf

    tfds = _import_tfds()
    builder, (input_key, label_key) = supervised_builder(tfds, name, data_dir)
    wanted = builder_name(name)
    if not builder.is_prepared():
        raise not_prepared(wanted, data_dir)
    file_format = str(getattr(builder.info.file_format, "value", builder.info.file_format))
    if file_format != "tfrecord":
        raise KeraslabError(
            f"TFDS dataset '{wanted}' is prepared as {file_format} files; data.stream=true reads TFRecord ones: "
            "prepare it with `tfds build --file_format tfrecord`, or leave data.stream unset to read it into memory."
        )
    shards: List[str] = []
    counts: List[int] = []
    for split in builder.info.splits.values():
        shards += [str(path) for path in split.filepaths]
        counts += [int(n) for n in split.shard_lengths]
    features = builder.info.features
    serialized = features.get_serialized_info()
    feature = features[input_key]
    shape, dtype = tuple(feature.shape), tf.as_dtype(feature.dtype)
    if any(d is None for d in shape):
        raise KeraslabError(
            f"TFDS dataset '{wanted}' has inputs of varying shape {shape}; data.stream=true needs one shape "
            "for every example: leave data.stream unset."
        )

    def spec(key):
        info = serialized[key]
        return tf.io.FixedLenFeature(info.shape, info.dtype)

    def labels_of(raw):
        return tf.io.parse_example(raw, {label_key: spec(label_key)})[label_key]

    targets = np.concatenate(
        [
            np.concatenate([b.numpy() for b in tf.data.TFRecordDataset(path).batch(4096).map(labels_of)])
            for path in shards
        ]
    )
    if len(targets) != sum(counts):
        raise KeraslabError(f"TFDS dataset '{wanted}': its files hold {len(targets)} records, its info {sum(counts)}.")

    def parse(raw):
        encoded = tf.io.parse_example(raw, {input_key: spec(input_key)})[input_key]
        return tf.map_fn(feature.decode_example, encoded, fn_output_signature=tf.TensorSpec(shape, dtype))

    paths = tf.constant(shards)
    num_classes, names = label_classes(builder, label_key)
    return ExampleRecords(
        source=name,
        shards=tuple(shards),
        counts=tuple(counts),
        read=lambda shard: tf.data.TFRecordDataset(tf.gather(paths, shard)),
        parse=parse,
        input_shape=shape,
        input_dtype=dtype.name,
        numbers=np.arange(len(targets), dtype=np.int64),
        targets=targets if num_classes else targets.astype(np.float32),
        num_classes=num_classes,
        class_names=names,
    )


def _arrays(pairs, name: str) -> Tuple[np.ndarray, np.ndarray]:
    features, labels = [], []
    for x, y in pairs:
        features.append(x)
        labels.append(y)
    if not features:
        raise KeraslabError(f"TFDS dataset '{name}' holds no examples.")
    return np.stack(features), np.asarray(labels)


def _import_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise KeraslabError(
            "--dataset tfds:NAME needs TensorFlow Datasets: pip install -c constraints.txt tensorflow-datasets."
        ) from None
    return tfds
