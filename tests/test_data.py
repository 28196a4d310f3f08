"""Fixed splits: seeded random ones, and positional ones for ordered examples."""

import numpy as np
import pytest

from keraslab.core.data import Examples, split_examples
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
