"""Datasets of the foundations topic: scikit-learn's embedded tables and
generated problems. Every loader also reads a user's own file when
`data.path` is set (see `keraslab.core.tables.read_table`). The digits and
diabetes tables are core's (`keraslab.core.api.digit_table`,
`diabetes_table`), shared with the bayesian plugin."""

from __future__ import annotations

import numpy as np

from keraslab.core import api
from keraslab.core.api import DataConfig, Examples, read_table


def load_breast_cancer(config: DataConfig) -> Examples:
    """Wisconsin breast cancer: 569 tumours, 30 features, malignant (0) or benign (1)."""
    if config.path:
        return read_table(config.path, task="classification", stream=config.stream, nan=config.nan)
    from sklearn.datasets import load_breast_cancer as sklearn_breast_cancer

    bunch = sklearn_breast_cancer()
    return Examples(bunch.data.astype(np.float32), bunch.target.astype(np.int64), 2, tuple(bunch.target_names))


def synthetic_breast_cancer(config: DataConfig) -> Examples:
    """200 points of 30 features from two shifted Gaussians."""
    rng = np.random.default_rng(config.seed)
    targets = rng.integers(0, 2, size=200)
    features = rng.normal(size=(200, 30)) + 1.5 * targets[:, None]
    return Examples(features.astype(np.float32), targets.astype(np.int64), 2, ("malignant", "benign"))


def make_xor(config: DataConfig) -> Examples:
    """XOR with noise: points around the four corners of the unit square,
    class 1 where exactly one coordinate is near 1. No line separates them."""
    if config.path:
        return read_table(config.path, task="classification", stream=config.stream, nan=config.nan)
    rng = np.random.default_rng(config.seed)
    n = 400
    corners = rng.integers(0, 2, size=(n, 2))
    features = corners + rng.normal(scale=0.1, size=(n, 2))
    targets = np.logical_xor(corners[:, 0], corners[:, 1]).astype(np.int64)
    return Examples(features.astype(np.float32), targets, 2, ("same", "different"))


def synthetic_xor(config: DataConfig) -> Examples:
    return make_xor(DataConfig(seed=config.seed))


#: Coefficients (c₀, c₁, c₂, c₃) of the generated curve's cubic.
CURVE_COEFFICIENTS = (1.0, -2.0, 0.5, 3.0)
CURVE_DEGREE = 3


def make_polynomial_curve(config: DataConfig) -> Examples:
    """300 points y = 1 − 2x + 0.5x² + 3x³ + ε, x ~ U[−1, 1], ε ~ N(0, 0.2²):
    a curve of known degree 3, for choosing the degree on validation data."""
    if config.path:
        return read_table(config.path, task="regression", stream=config.stream, nan=config.nan)
    rng = np.random.default_rng(config.seed)
    x = rng.uniform(-1, 1, size=300)
    y = sum(c * x**k for k, c in enumerate(CURVE_COEFFICIENTS)) + rng.normal(scale=0.2, size=300)
    return Examples(x[:, None].astype(np.float32), y.astype(np.float32))


def load_digits_small(config: DataConfig) -> Examples:
    """400 of the digits (40 per class, chosen by seed): few enough that a
    wide MLP memorises its training part, for the regularisation studies."""
    digits = api.digit_table(config)
    rng = np.random.default_rng(config.seed)
    chosen = np.concatenate([rng.choice(np.flatnonzero(digits.targets == c), 40, replace=False) for c in range(10)])
    return digits.take(np.sort(chosen))
