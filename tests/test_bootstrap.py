"""`data.bootstrap`: a seeded resample of the training split (bagging), the
validation and test splits untouched."""

import numpy as np

from keraslab.core import building
from keraslab.core.config import DataConfig
from keraslab.core.data import Examples, bootstrap_resample


def numbered(n):
    return Examples(features=np.arange(n, dtype=np.float32)[:, None], targets=np.arange(n) % 3)


def test_a_resample_draws_n_with_replacement_and_is_the_same_every_time():
    examples = numbered(1000)
    first, again, other = (bootstrap_resample(examples, k, seed=0) for k in (1, 1, 2))
    assert len(first) == 1000
    assert np.array_equal(first.features, again.features)
    assert not np.array_equal(first.features, other.features)
    unique = len(np.unique(first.features))
    # The chance that an example is never drawn in N draws is (1 − 1/N)^N ≈ 1/e: about 632 of 1,000 appear.
    assert 590 <= unique <= 670
    assert np.array_equal(first.targets, first.features[:, 0].astype(int) % 3)  # each target stays with its example


def test_load_splits_resamples_the_training_split_only(registry):
    plugin = registry.get("bayesian")
    spec = plugin.model("deterministic")
    plain = building.load_splits(plugin, spec, DataConfig(name="digits", synthetic=True))
    bagged = building.load_splits(plugin, spec, DataConfig(name="digits", synthetic=True, bootstrap=3))
    assert len(bagged.train) == len(plain.train)
    assert len(np.unique(bagged.train.features, axis=0)) < len(np.unique(plain.train.features, axis=0))
    for part in ("validation", "test"):
        assert np.array_equal(getattr(bagged, part).features, getattr(plain, part).features)


def test_a_graph_is_not_resampled(cli_runner, tmp_path):
    result = cli_runner(
        "graph", "train", "gcn", "--synthetic", "--set", "data.bootstrap=1", "--runs-root", str(tmp_path)
    )
    assert result.exit_code == 2 and "data.bootstrap resamples independent examples" in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.rglob("checkpoints"))
