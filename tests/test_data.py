"""Fixed splits: seeded random ones, positional ones for ordered examples, and cross-validation folds."""

import numpy as np
import pytest

from keraslab.core.data import Examples, fold_splits, split_examples
from keraslab.core.errors import KeraslabError


def test_ordered_examples_split_by_position_whatever_the_seed():
    examples = Examples(np.arange(10)[:, None], np.arange(10), split_at=(6, 8))
    for seed in (0, 1):
        splits = split_examples(examples, 0.3, 0.3, seed)
        assert splits.train.features[:, 0].tolist() == [0, 1, 2, 3, 4, 5]
        assert splits.validation.targets.tolist() == [6, 7]
        assert splits.test.targets.tolist() == [8, 9]
        assert splits.train.split_at is None


def test_random_split_is_seeded_and_disjoint():
    examples = Examples(np.arange(20)[:, None].astype(np.float32), np.arange(20).astype(np.float32))
    first, again = split_examples(examples, 0.2, 0.2, 3), split_examples(examples, 0.2, 0.2, 3)
    assert first.test.targets.tolist() == again.test.targets.tolist()
    parts = [set(s.targets.tolist()) for s in (first.train, first.validation, first.test)]
    assert sum(map(len, parts)) == 20 and len(set.union(*parts)) == 20


@pytest.mark.parametrize("split_at", [(0, 5), (6, 5), (3, 11)])
def test_impossible_split_positions_are_refused(split_at):
    with pytest.raises(KeraslabError, match="cannot be split at positions"):
        Examples(np.zeros((10, 1)), split_at=split_at)


def _classes(n=60, num_classes=3):
    return Examples(np.arange(n)[:, None].astype(np.float32), np.arange(n) % num_classes, num_classes)


def test_the_folds_partition_the_training_split_per_class_and_leave_the_test_split_alone():
    splits = split_examples(_classes(), 0.0, 0.2, seed=1)
    folds = [fold_splits(splits, 4, k, seed=1) for k in range(4)]
    held_out = [set(f.validation.features[:, 0].tolist()) for f in folds]
    train = set(splits.train.features[:, 0].tolist())
    assert set.union(*held_out) == train and sum(map(len, held_out)) == len(train)  # each example validates once
    for fold, validation in zip(folds, held_out):
        assert set(fold.train.features[:, 0].tolist()) == train - validation
        assert fold.test is splits.test
        assert np.bincount(fold.validation.targets, minlength=3).tolist() == [4, 4, 4]  # 48 = 4 folds × 3 classes × 4
    again = fold_splits(splits, 4, 2, seed=1).validation.features[:, 0].tolist()
    assert again == folds[2].validation.features[:, 0].tolist()
    assert fold_splits(splits, 4, 2, seed=2).validation.features[:, 0].tolist() != again


def test_more_folds_than_training_examples_are_refused():
    splits = split_examples(_classes(n=6), 0.0, 0.0, seed=0)
    with pytest.raises(KeraslabError, match="cannot be cut into data.folds=7"):
        fold_splits(splits, 7, 6, seed=0)
