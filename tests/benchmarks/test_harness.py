"""The benchmark harness's own parts: statistics, ratios, the table, FLOP
counts, the network description for PyTorch, and the CLI start-up figure."""

import json

import numpy as np
import pytest

from bench import harness, startup
from bench.harness import Budget, Comparison, Stats


def test_stats_and_ratio_and_targets():
    fast, slow = Stats([3.0, 1.0, 2.0], "s"), Stats([10.0, 30.0, 20.0], "s")
    assert (fast.median, fast.as_dict()["min"], fast.as_dict()["max"]) == (2.0, 1.0, 3.0)
    # ratio = keraslab median / baseline median = 2 / 20.
    comparison = Comparison("f", "n", fast, slow, "base", "<= 0.1")
    assert comparison.ratio == pytest.approx(0.1) and comparison.met is True
    assert Comparison("f", "n", fast, slow, "base", ">= 1").met is False
    assert Comparison("f", "n", fast, slow, "base").met is None
    with pytest.raises(harness.BenchError):
        Stats([])


def test_budget_counts_the_warm_up_run():
    assert Budget.full(repeats=5).runs == 6
    assert Budget.tiny_run().runs == 1


def test_save_writes_the_json_and_the_table(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results")
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nbefore\n{harness.TABLE_START}\nold\n{harness.TABLE_END}\nafter\n")
    monkeypatch.setattr(harness, "DOC", doc)
    results = [
        Comparison(
            "1. A figure", "fast thing", Stats([1.0, 2.0, 3.0], "ms"), Stats([40.0], "ms"), "slow thing", "<= 0.1"
        ),
        Comparison("2. Another", "memory", Stats([500.0], "MiB"), Stats([250.0], "MiB"), "bare"),
    ]
    path = harness.save(results, extra={"wall_seconds": 90.0})
    saved = json.loads(path.read_text())
    assert saved["machine"]["cores"] >= 1 and saved["wall_seconds"] == 90.0
    assert [r["ratio"] for r in saved["results"]] == [0.05, 2.0]
    text = doc.read_text()
    assert "old" not in text and text.startswith("# Benchmarks\n\nbefore\n") and text.endswith("after\n")
    assert "| fast thing | 2 [1, 3] ms | slow thing: 40 ms (1 run) | 0.05 | <= 0.1 | yes |" in text
    assert "**2. Another**" in text and "| memory | 500 MiB (1 run) | bare: 250 MiB (1 run) | 2 | - | - |" in text
    assert "took 1.5 min" in text


def test_architecture_describes_a_chain_and_refuses_other_models():
    import tensorflow as tf

    from bench import architecture

    inputs = tf.keras.Input((8, 8, 1))
    x = tf.keras.layers.Rescaling(1 / 16)(inputs)
    x = tf.keras.layers.Conv2D(4, 3, padding="same", use_bias=False)(x)
    x = tf.keras.layers.BatchNormalization(momentum=0.9)(x)
    x = tf.keras.layers.ReLU()(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dropout(0.5)(x)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(10)(x))
    layers = architecture.describe(model)
    assert [row["type"] for row in layers] == [
        "rescale",
        "conv2d",
        "batch_norm",
        "activation",
        "flatten",
        "dropout",
        "dense",
    ]
    assert layers[2] == {"type": "batch_norm", "momentum": pytest.approx(0.9), "epsilon": pytest.approx(1e-3)}
    # 3·3·1·4 conv weights + 2·4 batch-norm scale and offset + 256·10 + 10 dense.
    assert architecture.trainable_parameters(model) == 36 + 8 + 2570

    a = tf.keras.Input((4,))
    branched = tf.keras.Model(a, tf.keras.layers.Add()([tf.keras.layers.Dense(4)(a), a]))
    with pytest.raises(ValueError, match="not a chain|no PyTorch equivalent"):
        architecture.describe(branched)


def test_augmented_copies_shift_each_image_by_one_pixel():
    from bench.scaling import _shift, augmented_copies
    from keraslab.core.data import Examples

    image = np.arange(9, dtype=np.float32).reshape(3, 3, 1)
    # Down one, left one: row 0 empties, column 2 empties.
    np.testing.assert_array_equal(_shift(image, 1, -1)[..., 0], [[0, 0, 0], [1, 2, 0], [4, 5, 0]])
    examples = Examples(np.stack([image] * 5), np.arange(5), 5)
    grown = augmented_copies(examples, 4, seed=0)
    assert grown.features.shape == (20, 3, 3, 1)
    np.testing.assert_array_equal(grown.targets, np.tile(np.arange(5), 4))
    np.testing.assert_array_equal(grown.features[:5], examples.features)


def test_startup_benchmark_measures_and_compares():
    results = startup.run(Budget.tiny_run(), echo=lambda line: None)
    assert [r.name for r in results] == [f"keraslab {c[0]}" for c in startup.COMMANDS]
    # Both sides timed; the 0.1 target is `make bench`'s, since a test may not depend on the
    # machine's speed (that --help imports no TensorFlow is tests/test_registry.py's to check).
    for result in results:
        assert result.keraslab.median > 0 and result.baseline.median > 0
