"""Datasets of the vision topic.

* digits: scikit-learn's 1,797 handwritten digits as 8×8×1 images (0..16).
* shapes: generated 32×32×1 scenes of one circle, square or triangle on a
  noisy background, with its per-pixel mask and bounding box; a pure
  function of the seed.
* any folder of images with one sub-folder per class (`--data PATH`),
  streamed from its files as the model trains (docs/data.md).
"""

from __future__ import annotations

import numpy as np

from keraslab.core import api
from keraslab.core.api import DataConfig, Examples

SHAPES = ("circle", "square", "triangle")
SHAPE_SIZE = 32


def load_digits(config: DataConfig) -> Examples:
    """Digits as images (n, 8, 8, 1), intensities 0..16, or the user's image folder."""
    if config.path:
        return read_image_folder(config.path, unreadable=config.unreadable)
    return api.digits("image", "counts")


def synthetic_digits(config: DataConfig) -> Examples:
    """200 random 8×8 images whose class is the row of a bright stripe (10 classes over 8 rows + 2 columns)."""
    return api.synthetic_digits(config.seed, "image", "counts")


def draw_shape(kind: int, rng: np.random.Generator, size: int = SHAPE_SIZE):
    """One scene: (image in [0, 1], mask of the shape, box (y0, x0, y1, x1) in [0, 1])."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    radius = rng.uniform(0.18, 0.32) * size
    cy, cx = rng.uniform(radius + 1, size - radius - 1, size=2)
    if kind == 0:  # circle
        mask = (ys - cy) ** 2 + (xs - cx) ** 2 <= radius**2
    elif kind == 1:  # axis-aligned square
        mask = (np.abs(ys - cy) <= radius * 0.85) & (np.abs(xs - cx) <= radius * 0.85)
    else:  # upward triangle: inside three half-planes
        top, left, right = (cy - radius, cx), (cy + radius * 0.8, cx - radius), (cy + radius * 0.8, cx + radius)

        def side(a, b):
            return (xs - a[1]) * (b[0] - a[0]) - (ys - a[0]) * (b[1] - a[1])

        signs = [side(top, left), side(left, right), side(right, top)]
        mask = (np.all([s >= 0 for s in signs], axis=0)) | (np.all([s <= 0 for s in signs], axis=0))
    background = rng.uniform(0.0, 0.35)
    image = background + rng.normal(scale=0.08, size=(size, size))
    image[mask] = rng.uniform(0.65, 1.0) + rng.normal(scale=0.05, size=mask.sum())
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    box = np.array([rows[0], cols[0], rows[-1] + 1, cols[-1] + 1], np.float32) / size
    return np.clip(image, 0, 1).astype(np.float32), mask, box


def make_shapes(count: int, seed: int, size: int = SHAPE_SIZE):
    """`count` scenes: images (n, s, s, 1), class ids, masks (n, s, s) and boxes (n, 4)."""
    rng = np.random.default_rng(seed)
    kinds = np.arange(count) % len(SHAPES)
    rng.shuffle(kinds)
    drawn = [draw_shape(int(k), rng, size) for k in kinds]
    images = np.stack([d[0] for d in drawn])[..., None]
    masks = np.stack([d[1] for d in drawn]).astype(np.int64)
    boxes = np.stack([d[2] for d in drawn])
    return images, kinds.astype(np.int64), masks, boxes


def load_shapes(config: DataConfig) -> Examples:
    """1,500 shape scenes (500 per class), classified by shape."""
    if config.path:
        return read_image_folder(config.path, unreadable=config.unreadable)
    images, kinds, _, _ = make_shapes(1500, config.seed)
    return Examples(images, kinds, len(SHAPES), SHAPES)


def synthetic_shapes(config: DataConfig) -> Examples:
    images, kinds, _, _ = make_shapes(150, config.seed, size=16)
    return Examples(images, kinds, len(SHAPES), SHAPES)


def read_image_folder(path: str, image_size=None, unreadable: str = "refuse"):
    """Images from `path/<class>/<image>` (or `path/{train,validation,test}/<class>/<image>`),
    streamed: every image is resized to the size of the first one (or
    `image_size`) and kept as 0..255 floats, read a batch at a time as the
    model trains (`keraslab.core.api.image_folder`)."""
    from keraslab.core.api import image_folder

    return image_folder(path, image_size=image_size, unreadable=unreadable)


SEGMENT_CLASSES = ("background",) + SHAPES


def load_shape_masks(config: DataConfig) -> Examples:
    """1,500 shape scenes with per-pixel labels: 0 background, 1 circle,
    2 square, 3 triangle."""
    images, kinds, masks, _ = make_shapes(1500, config.seed)
    return Examples(images, masks * (kinds[:, None, None] + 1), len(SEGMENT_CLASSES), SEGMENT_CLASSES)


def synthetic_shape_masks(config: DataConfig) -> Examples:
    images, kinds, masks, _ = make_shapes(150, config.seed, size=16)
    return Examples(images, masks * (kinds[:, None, None] + 1), len(SEGMENT_CLASSES), SEGMENT_CLASSES)


def load_shape_boxes(config: DataConfig) -> Examples:
    """1,500 shape scenes; target per scene: (class id, y0, x0, y1, x1), the
    box corners as fractions of the image size."""
    images, kinds, _, boxes = make_shapes(1500, config.seed)
    return Examples(images, np.hstack([kinds[:, None], boxes]).astype(np.float32), None, SHAPES)


def synthetic_shape_boxes(config: DataConfig) -> Examples:
    images, kinds, _, boxes = make_shapes(150, config.seed, size=16)
    return Examples(images, np.hstack([kinds[:, None], boxes]).astype(np.float32), None, SHAPES)
