"""Datasets of the generative topic.

* moons, circles, ring-of-gaussians: 3,000 points of a 2-D density, drawn
  with the data seed and standardised (zero mean, unit variance per axis).
* digits: scikit-learn's 1,797 digits as 8×8×1 images in [0, 1], labelled.
* digits-binary: the same images binarised (pixel > 0.5 → 1), for the
  Bernoulli models (VAEs, RBM, NADE, MADE, PixelCNN).

`data.path` points any of them at the user's own file instead: a .npy array
or a CSV, one example per row (2 columns for points; 64 pixel values, plus
an optional last column of labels 0–9, for images). The image datasets also
take a folder of images, one sub-folder per class (or TFRecord shards
written by `keraslab data convert`): streamed, each image decoded, made
grey (ITU-R 601 luma) and resized to 8×8 in the pipeline, its pixels
scaled to [0, 1] (and binarised at 0.5 for digits-binary).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from keraslab.core import api
from keraslab.core.api import DataConfig, Examples, KeraslabError

POINTS = 3000
IMAGE_SHAPE = (8, 8, 1)
PIXELS = 64
DIGIT_NAMES = api.DIGIT_NAMES


def standardise(points: np.ndarray) -> np.ndarray:
    return ((points - points.mean(axis=0)) / points.std(axis=0)).astype(np.float32)


def load_moons(config: DataConfig) -> Examples:
    """Two interleaved half circles (`sklearn.datasets.make_moons`, noise 0.05)."""
    if config.path:
        return Examples(_read_points(config.path))
    from sklearn.datasets import make_moons

    points, _ = make_moons(POINTS, noise=0.05, random_state=config.seed)
    return Examples(standardise(points))


def load_circles(config: DataConfig) -> Examples:
    """Two concentric circles (`sklearn.datasets.make_circles`, noise 0.05, radii 1 and 0.5)."""
    if config.path:
        return Examples(_read_points(config.path))
    from sklearn.datasets import make_circles

    points, _ = make_circles(POINTS, noise=0.05, factor=0.5, random_state=config.seed)
    return Examples(standardise(points))


def load_ring_of_gaussians(config: DataConfig) -> Examples:
    """Eight Gaussians of σ 0.1 centred on a circle of radius 2: eight modes."""
    if config.path:
        return Examples(_read_points(config.path))
    rng = np.random.default_rng(config.seed)
    angles = rng.integers(0, 8, size=POINTS) * (np.pi / 4)
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return Examples(standardise(centres + 0.1 * rng.normal(size=centres.shape)))


def synthetic_points(config: DataConfig) -> Examples:
    """200 points of two Gaussian blobs: a tiny 2-D density for tests."""
    rng = np.random.default_rng(config.seed)
    centres = np.where(rng.random(200)[:, None] < 0.5, [[-1.0, 0.0]], [[1.0, 0.5]])
    return Examples(standardise(centres + 0.2 * rng.normal(size=(200, 2))))


def load_digits(config: DataConfig):
    """scikit-learn's digits scaled to [0, 1], as 8×8×1 images with their
    labels; or the user's file, or folder of images (streamed)."""
    if config.path and Path(config.path).is_dir():
        return grey_image_folder(config)
    if config.path:
        return _read_images(config.path)
    return api.digits("image", "unit")


def grey_image_folder(config: DataConfig):
    """The images of the folder `data.path`, streamed as 8×8×1 grey images in [0, 1]."""
    import tensorflow as tf

    images = api.image_folder(config.path, IMAGE_SHAPE[:2], unreadable=config.unreadable)

    def grey_unit(pixels):  # 0..255, RGB (or already grey) → [0, 1], one channel
        grey = tf.image.rgb_to_grayscale(pixels) if pixels.shape[-1] == 3 else pixels
        return tf.cast(grey, tf.float32) / 255.0

    return api.mapped_features(images, grey_unit, IMAGE_SHAPE)


def load_binary_digits(config: DataConfig):
    """The digits binarised at half intensity (pixel > 0.5 → 1)."""
    return binarise(load_digits(config))


def binarise(examples):
    if not isinstance(examples, Examples):
        import tensorflow as tf

        return api.mapped_features(examples, lambda x: tf.cast(x > 0.5, tf.float32), IMAGE_SHAPE)
    return dataclasses.replace(examples, features=(examples.features > 0.5).astype(np.float32))


def synthetic_digits(config: DataConfig) -> Examples:
    """200 random 8×8 images in [0, 1] whose class is a bright row or column: tiny image data for tests."""
    return api.synthetic_digits(config.seed, "image", "unit")


def synthetic_binary_digits(config: DataConfig) -> Examples:
    return binarise(synthetic_digits(config))


def read_array(path: str) -> np.ndarray:
    """A .npy array or a CSV of numbers (one example per row) as float32."""
    file = Path(path)
    if not file.is_file():
        raise KeraslabError(f"Data file '{path}' does not exist; give a .npy array or a CSV of numbers.")
    try:
        if file.suffix == ".npy":
            array = np.load(file, allow_pickle=False)
        else:
            array = np.loadtxt(file, delimiter=",", ndmin=2, dtype=np.float64, encoding="utf-8")
    except Exception as error:  # not an array, pickled objects, not UTF-8, ragged rows ...
        raise KeraslabError(
            f"Data file '{path}' is not a .npy array or a CSV of numbers ({type(error).__name__}: {str(error)[:160]})."
        ) from None
    if array.dtype.kind not in "biuf":
        raise KeraslabError(f"Data file '{path}' holds {array.dtype} values; give numbers.")
    if not np.all(np.isfinite(array)):
        raise KeraslabError(f"Data file '{path}' holds values that are not finite numbers.")
    return array.astype(np.float32)


def _read_points(path: str) -> np.ndarray:
    array = read_array(path)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) < 10:
        raise KeraslabError(
            f"Points file '{path}' has shape {array.shape}; a 2-D density needs at least 10 rows of 2 columns (x, y)."
        )
    return standardise(array)


def as_images(array: np.ndarray, source: str) -> np.ndarray:
    """Rows of 64 pixels (or 8×8 or 8×8×1 images) in [0, 1] as 8×8×1 images."""
    if array.shape[1:] in ((8, 8), (8, 8, 1)) or (array.ndim == 2 and array.shape[1] == PIXELS):
        images = array.reshape(-1, *IMAGE_SHAPE)
    else:
        raise KeraslabError(
            f"{source} holds images of shape {tuple(array.shape[1:])}; these models take 8×8 "
            "images: rows of 64 pixel values in [0, 1] (or an array of shape (n, 8, 8))."
        )
    if images.min() < 0 or images.max() > 1:
        raise KeraslabError(
            f"{source} holds pixel values in [{images.min():g}, {images.max():g}]; pixels must be in [0, 1]."
        )
    return images.astype(np.float32)


def _read_images(path: str) -> Examples:
    array = read_array(path)
    if array.ndim == 2 and array.shape[1] == PIXELS + 1:
        labels = array[:, -1]
        if not np.all(np.isin(labels, np.arange(10))):
            raise KeraslabError(f"The last column of '{path}' must hold labels 0–9.")
        return Examples(as_images(array[:, :-1], f"Data file '{path}'"), labels.astype(np.int64), 10, DIGIT_NAMES)
    return Examples(as_images(array, f"Data file '{path}'"))
