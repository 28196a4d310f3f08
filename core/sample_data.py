"""The embedded datasets several plugins share: scikit-learn's digits and
diabetes tables, and their synthetic stand-ins for tests. One source each,
so every plugin sees the same examples.

The 1,797 digits are 8×8 grey images with intensities 0..16 (UCI's optdigits
test set, as scikit-learn embeds it). Plugins see them in different layouts
and scales:

    layout  "flat"    (n, 64)          pixel features (foundations, bayesian)
            "image"   (n, 8, 8, 1)     images (vision, generative)
            "rows"    (n, 8, 8)        8 steps of a row of 8 pixels (sequence)
            "pixels"  (n, 64, 1)       64 steps of one pixel (sequence)
    scale   "counts"  0..16            as embedded
            "unit"    [0, 1]           counts / 16
            "binary"  {0, 1}           unit > 0.5

Plugins that take the digits or diabetes as a table declare the loaders at
the end of this module (`"keraslab.core.api:digit_table"`): the embedded
data, or the user's own CSV or NPZ file when `data.path` is set.

`synthetic_digits` is their tiny stand-in for tests: the same layouts and
scales, with a class anyone can see (a bright line), so a test of a
model's plumbing needs no download and trains in seconds.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from keraslab.core.config import DataConfig
from keraslab.core.data import Examples
from keraslab.core.errors import KeraslabError
from keraslab.core.tables import read_table

DIGIT_NAMES = tuple(str(d) for d in range(10))
Layout = Literal["flat", "image", "rows", "pixels"]
Scale = Literal["counts", "unit", "binary"]
_SHAPES = {"flat": (64,), "image": (8, 8, 1), "rows": (8, 8), "pixels": (64, 1)}
_SCALES = ("counts", "unit", "binary")


def digits(layout: Layout = "flat", scale: Scale = "counts") -> Examples:
    """scikit-learn's 1,797 digits in `layout` and `scale` (module docstring), labelled 0..9."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return _arranged(bunch.data.astype(np.float32), bunch.target.astype(np.int64), layout, scale)


def synthetic_digits(seed: int, layout: Layout = "flat", scale: Scale = "counts", count: int = 200) -> Examples:
    """`count` random 8×8 images, a pure function of `seed`, whose class is a
    bright line: row c for classes 0..7, column c − 8 for 8 and 9; the rest
    is noise in 0..4 (counts)."""
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 10, size=count)
    images = rng.uniform(0, 4, size=(count, 8, 8)).astype(np.float32)
    for i, target in enumerate(targets):
        if target < 8:
            images[i, target, :] += 12
        else:
            images[i, :, target - 8] += 12
    return _arranged(images.reshape(count, 64), targets.astype(np.int64), layout, scale)


def _arranged(counts: np.ndarray, targets: np.ndarray, layout: str, scale: str) -> Examples:
    if layout not in _SHAPES:
        raise KeraslabError(f"Digits come in layouts {', '.join(_SHAPES)}; received '{layout}'.")
    if scale not in _SCALES:
        raise KeraslabError(f"Digits come in scales {', '.join(_SCALES)}; received '{scale}'.")
    features = counts if scale == "counts" else counts / np.float32(16.0)
    if scale == "binary":
        features = (features > 0.5).astype(np.float32)
    return Examples(features.reshape(len(counts), *_SHAPES[layout]).astype(np.float32), targets, 10, DIGIT_NAMES)


def diabetes() -> Examples:
    """scikit-learn's diabetes: 442 patients, 10 features, disease progression after one year."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    return Examples(bunch.data.astype(np.float32), bunch.target.astype(np.float32))


def synthetic_regression(seed: int, count: int = 200, features: int = 10) -> Examples:
    """`count` points of `features` normal features with a linear target plus
    noise of σ 0.1 (random weights), a pure function of `seed`."""
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(count, features))
    targets = inputs @ rng.normal(size=features) + 0.1 * rng.normal(size=count)
    return Examples(inputs.astype(np.float32), targets.astype(np.float32))


def digit_table(config: DataConfig) -> Examples:
    """The digits as 64 pixel features (0..16), or the user's table at `data.path` (class id last)."""
    if config.path:
        return read_table(config.path, task="classification", stream=config.stream, nan=config.nan)
    return digits("flat", "counts")


def synthetic_digit_table(config: DataConfig) -> Examples:
    """`synthetic_digits` as 64 pixel features (0..16)."""
    return synthetic_digits(config.seed, "flat", "counts")


def diabetes_table(config: DataConfig) -> Examples:
    """scikit-learn's diabetes, or the user's table at `data.path` (target last)."""
    if config.path:
        return read_table(config.path, task="regression", stream=config.stream, nan=config.nan)
    return diabetes()


def synthetic_regression_table(config: DataConfig) -> Examples:
    """`synthetic_regression` of the run's data seed."""
    return synthetic_regression(config.seed)
