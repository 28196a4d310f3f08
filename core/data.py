"""Examples in memory and their fixed train/validation/test splits.

Loaders return `Examples` (NumPy arrays). The split is a pure function of the
seed and the fractions, stratified by class for classification data, so the
same seed gives the same held-out examples on every machine.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from keraslab.core.errors import KeraslabError


@dataclasses.dataclass(frozen=True)
class Examples:
    """A dataset in memory.

    Attributes:
        features: array of shape (n, *input_shape).
        targets: array of shape (n, ...) or None for unsupervised data.
        num_classes: number of classes when `targets` are class ids.
        class_names: optional names of the classes (a language model's
            vocabulary: the token of each id).
        split_at: for examples in an order that matters (windows of a text,
            of a time series), the positions (a, b) that split them: train
            [0, a), validation [a, b), test [b, n). The split then ignores the
            fractions and the seed. None: a seeded random split.
    """

    features: np.ndarray
    targets: Optional[np.ndarray] = None
    num_classes: Optional[int] = None
    class_names: Tuple[str, ...] = ()
    split_at: Optional[Tuple[int, int]] = None

    def __post_init__(self):
        if self.targets is not None and len(self.targets) != len(self.features):
            raise KeraslabError(
                f"Dataset has {len(self.features)} feature rows but {len(self.targets)} targets; "
                "they must have the same length."
            )
        if self.split_at is not None and not 0 < self.split_at[0] <= self.split_at[1] <= len(self.features):
            raise KeraslabError(
                f"Dataset of {len(self.features)} examples cannot be split at positions "
                f"{tuple(self.split_at)}; they must satisfy 0 < a <= b <= n."
            )

    def __len__(self) -> int:
        return len(self.features)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return tuple(self.features.shape[1:])

    def take(self, indices: np.ndarray) -> "Examples":
        targets = None if self.targets is None else self.targets[indices]
        return dataclasses.replace(self, features=self.features[indices], targets=targets, split_at=None)

    def load(self, indices: Optional[np.ndarray] = None) -> "Examples":
        """The examples at `indices` (all by default), as a streamed split's
        `load` reads them: code that reads a few examples of any split calls this."""
        return self if indices is None else self.take(np.asarray(indices, np.int64))


@dataclasses.dataclass(frozen=True)
class Splits:
    """Train, validation and test parts of one dataset: `Examples`, or
    `keraslab.core.streams.ExampleFiles` for data streamed from files."""

    train: Any
    validation: Any
    test: Any


def split_examples(examples: Examples, validation_fraction: float, test_fraction: float, seed: int) -> Splits:
    """Splits `examples` into train/validation/test, fixed for a fixed seed.

    Classification data (integer targets with `num_classes`) is split per
    class, so each part keeps the class proportions. Examples whose order
    matters (`Examples.split_at`) are split by position at those points.

    Args:
        examples: the whole dataset.
        validation_fraction: share of examples held out for validation.
        test_fraction: share of examples held out for the final test.
        seed: seed of the permutation.

    Returns:
        The three splits.
    """
    if not (0 <= validation_fraction < 1 and 0 <= test_fraction < 1 and validation_fraction + test_fraction < 1):
        raise KeraslabError(
            f"data.validation_fraction={validation_fraction} and data.test_fraction={test_fraction} "
            "must each be in [0, 1) and sum to less than 1."
        )
    if examples.split_at is not None:
        a, b, n = *examples.split_at, len(examples)
        return Splits(*(examples.take(np.arange(start, stop)) for start, stop in ((0, a), (a, b), (b, n))))
    rng = np.random.default_rng(seed)
    n = len(examples)
    if examples.num_classes and examples.targets is not None and examples.targets.ndim == 1:
        groups = [np.flatnonzero(examples.targets == c) for c in np.unique(examples.targets)]
    else:
        groups = [np.arange(n)]
    cut = cut_groups([rng.permutation(group) for group in groups], validation_fraction, test_fraction)
    chosen = {k: rng.permutation(v) for k, v in cut.items()}
    if len(chosen["train"]) == 0:
        raise KeraslabError(f"Dataset of {n} examples leaves no training examples after the split.")
    return Splits(**{k: examples.take(v) for k, v in chosen.items()})


def cut_groups(
    ordered_groups: List[np.ndarray], validation_fraction: float, test_fraction: float
) -> Dict[str, np.ndarray]:
    """{"train", "validation", "test"}: the indices of each part. Each group
    (a class) is cut in its given order: its first round(n × test_fraction)
    go to test, the next round(n × validation_fraction) to validation, the
    rest to training, so every part keeps the groups' proportions."""
    parts: Dict[str, List[np.ndarray]] = {"train": [], "validation": [], "test": []}
    for group in ordered_groups:
        n_test = int(round(len(group) * test_fraction))
        n_val = int(round(len(group) * validation_fraction))
        parts["test"].append(group[:n_test])
        parts["validation"].append(group[n_test : n_test + n_val])
        parts["train"].append(group[n_test + n_val :])
    return {k: np.concatenate(v).astype(np.int64) for k, v in parts.items()}


def fold_splits(splits: Splits, folds: int, fold: int, seed: int) -> Splits:
    """Fold `fold` of a K-fold cross-validation of the training split.

    The training split is cut into `folds` parts of (nearly) equal size, per
    class where the targets are class ids so each part keeps the class
    proportions, from a permutation seeded by `seed` (the split's seed, so
    every fold of every trial sees the same parts): part `fold` validates,
    the other K − 1 train. The test split is unchanged. Any kind of split
    that can `take` indices (in memory or streamed) folds alike.

    Cross-validation estimates the error of a configuration from K fits,
    each scored on examples it did not train on, with K times the
    validation examples of one split (Stone, 1974, "Cross-validatory choice
    and assessment of statistical predictions").
    """
    if folds < 2 or not 0 <= fold < folds:
        raise KeraslabError(f"data.folds must be at least 2 and data.fold in 0..K−1, received {folds} and {fold}.")
    train = splits.train
    targets = getattr(train, "targets", None)
    classes = getattr(train, "num_classes", None)
    n = len(train)
    if classes and targets is not None and targets.ndim == 1:
        groups = [np.flatnonzero(targets == c) for c in np.unique(targets)]
    else:
        groups = [np.arange(n)]
    rng = np.random.default_rng([seed, folds])
    part = np.empty(n, np.int64)
    start = 0
    for group in groups:  # the parts of each class start where the last class's stopped: sizes stay even
        part[rng.permutation(group)] = (start + np.arange(len(group))) % folds
        start += len(group)
    held_out = np.flatnonzero(part == fold)
    if len(held_out) == 0 or len(held_out) == n:
        raise KeraslabError(f"A training split of {n} examples cannot be cut into data.folds={folds} parts.")
    return dataclasses.replace(splits, train=train.take(np.flatnonzero(part != fold)), validation=train.take(held_out))


def _class_targets(examples, setting: str) -> Tuple[np.ndarray, int]:
    """(the class id of each example, the number of classes)."""
    if not examples.num_classes or examples.targets is None or examples.targets.ndim != 1:
        raise KeraslabError(
            f"{setting} applies to classification data (one class id per example); this dataset has none."
        )
    return examples.targets, examples.num_classes


def select_classes(examples, classes: Tuple[int, ...]):
    """The examples of `classes` only, their targets renumbered 0..k−1 in the
    order given (so classes (5, 6) become 0 and 1, named as before); in
    memory or streamed (`ExampleFiles`) alike."""
    targets, num_classes = _class_targets(examples, "data.classes")
    unknown = [c for c in classes if not 0 <= c < num_classes]
    if unknown or len(set(classes)) != len(classes) or len(classes) < 2:
        raise KeraslabError(
            f"data.classes must list at least 2 distinct class ids in 0..{num_classes - 1}, received {list(classes)}."
        )
    keep = np.flatnonzero(np.isin(targets, classes))
    renumber = np.full(num_classes, -1, np.int64)
    renumber[list(classes)] = np.arange(len(classes))
    names = examples.class_names or tuple(str(c) for c in range(num_classes))
    return dataclasses.replace(
        examples.take(keep),
        targets=renumber[targets[keep]],
        num_classes=len(classes),
        class_names=tuple(names[c] for c in classes),
    )


def limit_per_class(examples, count: int):
    """At most `count` examples of each class: the first ones in the current
    (seeded) order, so the choice is fixed by the split seed."""
    targets, num_classes = _class_targets(examples, "data.train_per_class")
    keep = np.concatenate([np.flatnonzero(targets == c)[:count] for c in range(num_classes)])
    return examples.take(np.sort(keep))


def bootstrap_resample(examples, resample: int, seed: int):
    """Resample `resample` of `examples`: N positions drawn uniformly with
    replacement from their N (Efron, 1979), in ascending order, by a
    generator seeded with (seed, resample): the same resample on every run."""
    n = len(examples)
    positions = np.random.default_rng([seed, resample]).integers(0, n, n)
    return examples.take(np.sort(positions))


def held_in_memory(split, limit: int):
    """A split as `Examples`: itself when in memory; streamed, all of it when
    it holds at most `limit` examples, else `limit` of them at evenly spaced
    positions (a folder lists its files class by class, so its first ones
    would be one class), read and decoded: a report's sample."""
    if isinstance(split, Examples):
        return split
    n = len(split)
    return split.load(np.arange(n) if n <= limit else np.linspace(0, n - 1, limit).round().astype(np.int64))


def splits_held_in_memory(splits: "Splits", limit: int) -> "Splits":
    """Every part of `splits` through `held_in_memory`: in-memory splits
    unchanged, streamed ones as at most `limit` examples of each part."""
    parts = {name: held_in_memory(getattr(splits, name), limit) for name in ("train", "validation", "test")}
    return dataclasses.replace(splits, **parts)
