"""What generative runs write into their run directory after training.

* 2-D densities (flows): `density.json` (test NLL in nats against the
  fitted Gaussian's) and `density.png` (learned density, samples, and the
  test points pushed to the base distribution).
* Image models: `samples.png` (a grid of 64 samples; one row per digit
  for conditional models) and `generative.json`: for density models the
  test NLL (or bound) in nats per image beside the independent-Bernoulli
  baseline's and, on binary images, how well −log p(x) tells noise,
  inverted digits and blank images from digits (`likelihood_ood`); for
  every image generator the evaluation classifier's view of
  its samples (share of each class, Fréchet distance to the test digits),
  plus what the model adds itself (`extra_measures`: the VAE's
  importance-weighted bound, the RBM's pseudo-log-likelihood, ...).

A streamed folder's splits are measured on at most `REPORT_EXAMPLES`
images each, read into memory at evenly spaced positions
(`report_splits`); generative.json records how many ("report_examples").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from keraslab.core.api import splits_held_in_memory
from keraslab.plugins.generative import evaluation
from keraslab.plugins.generative.likelihood_ood import likelihood_ood
from keraslab.plugins.generative.pictures import save_density_panels, save_grid

SAMPLE_SEED = 0
GRID = 64
EVALUATED_SAMPLES = 1000
REPORT_EXAMPLES = 20_000


def report_splits(splits):
    """The splits in memory: themselves, or at most `REPORT_EXAMPLES` of each streamed one."""
    return splits_held_in_memory(splits, REPORT_EXAMPLES)


def mean_log_prob(model, features, labels=None, batch: int = 256) -> float:
    """Mean log p(x) (nats per example) over `features`, in batches."""
    total = 0.0
    for start in range(0, len(features), batch):
        chunk_labels = None if labels is None else tf.constant(labels[start : start + batch])
        total += float(tf.reduce_sum(model.log_prob(tf.constant(features[start : start + batch]), chunk_labels)))
    return total / len(features)


def bernoulli_nll(train: np.ndarray, test: np.ndarray, pseudo_count: float = 1.0) -> float:
    """Test NLL (nats per image) of independent Bernoulli pixels whose
    probabilities are the training frequencies, smoothed by `pseudo_count`:
    p_j = (Σᵢ x_ij + c) / (n + 2c)."""
    train = train.reshape(len(train), -1)
    test = test.reshape(len(test), -1)
    p = (train.sum(axis=0) + pseudo_count) / (len(train) + 2 * pseudo_count)
    return float(-np.mean(test @ np.log(p) + (1 - test) @ np.log(1 - p)))


def write_points_report(model, splits, run_path) -> None:
    from keraslab.plugins.generative.models.flows import gaussian_nll

    splits = report_splits(splits)
    test = splits.test.features
    result = {
        "test_nll": -mean_log_prob(model, test),
        "gaussian_nll": gaussian_nll(splits.train.features, test),
        "train_nll": -mean_log_prob(model, splits.train.features),
        "unit": "nats per point",
    }
    Path(run_path, "density.json").write_text(json.dumps(result, indent=2) + "\n")
    samples = model.sample(1000, SAMPLE_SEED).numpy()
    base = model.to_base(test).numpy() if hasattr(model, "to_base") else None
    save_density_panels(
        lambda grid: model.log_prob(tf.constant(grid)),
        test,
        samples,
        base,
        Path(run_path) / "density.png",
        f"{model.name}: test NLL {result['test_nll']:.3f} nats (Gaussian {result['gaussian_nll']:.3f})",
    )


def write_image_report(model, splits, run_path) -> None:
    """samples.png and generative.json of an image model."""
    run_path = Path(run_path)
    splits = report_splits(splits)
    result = {"report_examples": {"train": len(splits.train), "test": len(splits.test)}}
    labels = splits.test.targets if getattr(model, "conditional", False) else None
    if hasattr(model, "log_prob"):
        result["unit"] = "nats per image"
        result["likelihood"] = getattr(model, "likelihood", "exact")
        result["test_nll"] = -mean_log_prob(model, splits.test.features, labels)
        if _binary(splits.train.features):
            result["bernoulli_nll"] = bernoulli_nll(splits.train.features, splits.test.features)
            result["improvement_over_bernoulli"] = 1.0 - result["test_nll"] / result["bernoulli_nll"]
            if labels is None:
                result["out_of_distribution"] = likelihood_ood(model, splits.test.features)
    if hasattr(model, "extra_measures"):
        result.update(model.extra_measures(splits))
    if hasattr(model, "sample"):
        # 1,000 samples; fewer for a tiny test split (synthetic data), never under 100.
        count = int(min(EVALUATED_SAMPLES, max(100, 5 * len(splits.test))))
        result["samples"] = evaluation.judge_samples(model, splits, count, seed=SAMPLE_SEED)
        write_sample_grid(model, run_path / "samples.png", GRID, SAMPLE_SEED)
    if hasattr(model, "write_pictures"):
        model.write_pictures(splits, run_path)
    (run_path / "generative.json").write_text(json.dumps(result, indent=2) + "\n")


def write_sample_grid(model, path: Path, count: int, seed: int) -> Path:
    """`count` samples as a grid; a conditional model draws a row per digit."""
    if getattr(model, "conditional", False):
        columns = max(1, count // 10)
        labels = np.repeat(np.arange(10), columns)
        images = model.sample(len(labels), seed, tf.constant(labels)).numpy()
        return save_grid(images, path, f"{model.name}: samples, one row per digit (seed {seed})", columns=columns)
    images = model.sample(count, seed).numpy()
    return save_grid(images, path, f"{model.name}: {count} samples (seed {seed})")


def _binary(features: np.ndarray) -> bool:
    return bool(np.all((features == 0) | (features == 1)))
