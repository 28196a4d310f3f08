"""Datasets of the bayesian topic.

* digits: scikit-learn's 1,797 digits as 64 pixel features, 0..16 (core's
  shared `digit_table`, as foundations sees them).
* gap-1d: y = x sin(x) + ε, ε ~ N(0, σ(x)²) with the known noise scale
  σ(x) = 0.1 + 0.4 (1 + sin(x / 2)) / 2 and no training input in the gap
  (−1, 1): aleatoric noise varies with x, and epistemic uncertainty has a
  region without data to show in.
* two-tasks: two targets of one input, y₁ = sin x + N(0, 0.1²) and
  y₂ = 2 cos x + N(0, 0.5²): tasks of different noise for multi-task weighting.
* diabetes: scikit-learn's 442 patients, 10 features (core's `diabetes_table`).

digits and diabetes also read a user's own table when `data.path` is set
(streamed with `data.stream=true`, for tables larger than memory), and
digits a folder of images, one sub-folder per class (or TFRecord shards
written by `keraslab data convert`): streamed, each image made grey,
resized to 8×8 and scaled to 0..16 in the pipeline, as the 64 pixel
features the classifiers take.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keraslab.core import api
from keraslab.core.api import DataConfig, Examples

PIXELS = 64
RANGE = (-4.0, 4.0)
GAP = (-1.0, 1.0)


def true_mean(x: np.ndarray) -> np.ndarray:
    return x * np.sin(x)


def true_noise_scale(x: np.ndarray) -> np.ndarray:
    """σ(x) of the gap-1d problem: between 0.1 and 0.5, varying with x."""
    return 0.1 + 0.4 * (1.0 + np.sin(x / 2.0)) / 2.0


def make_gap_problem(count: int, seed: int) -> Examples:
    """`count` points with x uniform on [−4, −1] ∪ [1, 4]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(RANGE[0], RANGE[1], size=count * 2)
    x = x[(x <= GAP[0]) | (x >= GAP[1])][:count]
    y = true_mean(x) + rng.normal(size=x.shape) * true_noise_scale(x)
    return Examples(x[:, None].astype(np.float32), y[:, None].astype(np.float32))


def load_gap(config: DataConfig) -> Examples:
    return make_gap_problem(1000, config.seed)


def synthetic_gap(config: DataConfig) -> Examples:
    return make_gap_problem(200, config.seed)


#: The noise standard deviation of each target of two-tasks.
TASK_NOISE = (0.1, 0.5)


def make_two_tasks(count: int, seed: int) -> Examples:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=count)
    clean = np.stack([np.sin(x), 2.0 * np.cos(x)], axis=1)
    y = clean + rng.normal(size=clean.shape) * np.array(TASK_NOISE)
    return Examples(x[:, None].astype(np.float32), y.astype(np.float32))


def load_two_tasks(config: DataConfig) -> Examples:
    return make_two_tasks(1000, config.seed)


def synthetic_two_tasks(config: DataConfig) -> Examples:
    return make_two_tasks(200, config.seed)


def load_digits(config: DataConfig):
    """The digits as 64 pixel features (0..16), the user's table, or the user's image folder (streamed)."""
    if not (config.path and Path(config.path).is_dir() and not _is_table_folder(config.path)):
        return api.digit_table(config)
    import tensorflow as tf

    images = api.image_folder(config.path, (8, 8), unreadable=config.unreadable)

    def pixel_counts(pixels):  # (…, 8, 8, 3) in 0..255 → (…, 64) in 0..16, as the embedded digits
        grey = tf.image.rgb_to_grayscale(pixels) if pixels.shape[-1] == 3 else pixels
        flat = tf.reshape(grey, tf.concat([tf.shape(grey)[:-3], [PIXELS]], axis=0))
        return tf.cast(flat, tf.float32) * (16.0 / 255.0)

    return api.mapped_features(images, pixel_counts, (PIXELS,))


def _is_table_folder(path: str) -> bool:
    """A folder of CSV files (a table streamed in shards), not of images."""
    return any(f.suffix.lower() == ".csv" for f in Path(path).iterdir())
