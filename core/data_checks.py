"""Checks a dataset passes before anything trains on it.

A single NaN in a table trains a model to chance without a word; a file of
one class reports "accuracy 1.0000". So, before a run is created:

* non-finite values (NaN, ±inf) in float features or targets are refused,
  naming how many and the first row; `data.nan=drop` drops those rows
  instead, as an explicit choice, and says how many went;
* a classifier's targets must be whole class ids in 0..num_classes−1, and
  at least two classes must be present.

Streamed datasets are checked on their targets only here: an image
folder's features are decoded images, finite by construction, and reading
them all here would defeat streaming; a CSV file streamed as records
(`keraslab.core.csv_records`) has its non-finite rows found, refused or
dropped when it is opened.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from keraslab.core.data import Examples
from keraslab.core.errors import KeraslabError


def check_examples(examples, source: str, nan: str = "refuse", classifier: bool = False):
    """Returns `examples` if they can be trained on (less the non-finite rows
    under `nan="drop"`); raises `KeraslabError` otherwise.

    Args:
        examples: the loaded dataset.
        source: what they were read from, for the messages (a path or a name).
        nan: "refuse" or "drop", the `data.nan` setting.
        classifier: whether a classifier trains on them.
    """
    if not isinstance(examples, Examples):
        if classifier and examples.targets is not None and examples.num_classes is not None:
            _check_class_ids(examples, source)
        return examples
    bad = _non_finite_rows(examples.features)
    if examples.targets is not None:
        bad |= _non_finite_rows(examples.targets)
    if bad.any():
        count, first = int(bad.sum()), int(np.flatnonzero(bad)[0])
        if nan != "drop":
            raise KeraslabError(
                f"Dataset {source} has non-finite values (NaN or ±inf) in {count} of {len(bad)} rows, the "
                f"first at row index {first}; fix them, or drop those rows with --set data.nan=drop."
            )
        if count == len(bad):
            raise KeraslabError(f"Dataset {source}: every row has a non-finite value; nothing is left to train on.")
        print(f"data.nan=drop: dropped {count} of {len(bad)} rows of {source} with non-finite values.", file=sys.stderr)
        examples = examples.take(np.flatnonzero(~bad))
    if classifier and examples.targets is not None and examples.num_classes is not None:
        _check_class_ids(examples, source)
        if np.asarray(examples.targets).dtype.kind == "f":  # whole numbers once the NaN rows are gone
            examples = dataclasses.replace(examples, targets=np.asarray(examples.targets).astype(np.int64))
    return examples


def _non_finite_rows(values) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "fc":
        return np.zeros(len(array), bool)
    return ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)


def _check_class_ids(examples, source: str) -> None:
    targets, k = np.asarray(examples.targets), int(examples.num_classes or 0)
    if targets.ndim != 1:
        return  # one-hot or multi-label targets: the plugin's own format
    if targets.dtype.kind == "f" and not np.all(targets == np.round(targets)):
        raise KeraslabError(
            f"Dataset {source}: a classifier's targets must be whole class ids; "
            f"found {targets[targets != np.round(targets)][0]!r}."
        )
    outside = (targets < 0) | (targets >= k)
    if outside.any():
        raise KeraslabError(
            f"Dataset {source}: class ids must be in 0..{k - 1}; found {targets[outside][0]!r} "
            f"at row index {int(np.flatnonzero(outside)[0])}."
        )
    present = np.unique(targets)
    if len(present) < 2:
        raise KeraslabError(
            f"Dataset {source} holds one class only ({present[0]!r}); a classifier needs "
            "examples of at least two classes."
        )
