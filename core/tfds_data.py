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
uint8: MNIST is 47 MB, CIFAR-10 184 MB); larger image sets stream from a
folder (docs/data.md).
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from keraslab.core.data import Examples
from keraslab.core.errors import KeraslabError

PREFIX = "tfds:"


def is_tfds_name(name: str) -> bool:
    return name.startswith(PREFIX)


def builder_name(name: str) -> str:
    """'tfds:NAME[:CONFIG]' → TFDS' 'NAME[/CONFIG]'."""
    parts = name[len(PREFIX) :].split(":")
    if not parts[0] or len(parts) > 2 or not all(parts):
        raise KeraslabError(f"Dataset '{name}' is not a TFDS name; accepted: tfds:NAME or tfds:NAME:CONFIG.")
    return "/".join(parts)


def load_tfds(name: str, data_dir: str = "") -> Examples:
    """Every example of the TFDS dataset `name` ('tfds:NAME[:CONFIG]'), read
    offline from `data_dir` (TFDS' default folder when empty)."""
    tfds = _import_tfds()
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
    split = "+".join(builder.info.splits) or "train"
    where = data_dir or "TFDS' default folder (~/tensorflow_datasets)"
    try:
        dataset = tfds.load(wanted, split=split, data_dir=data_dir or None, download=False, as_supervised=True)
    except AssertionError:
        raise KeraslabError(
            f"TFDS dataset '{wanted}' is not prepared in {where}, and keraslab does not download: prepare it "
            f"once online with `tfds build {wanted} --data_dir DIR`, then pass --set data.tfds_dir=DIR."
        ) from None
    features, labels = _arrays(tfds.as_numpy(dataset), name)
    label = builder.info.features[keys[1]]
    names = tuple(getattr(label, "names", None) or ())
    num_classes = getattr(label, "num_classes", None)
    return Examples(features, labels, num_classes, names if num_classes else ())


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
