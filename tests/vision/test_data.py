"""Vision data: digits as images, generated shapes, image folders."""

import numpy as np
import pytest

from keraslab.core.config import DataConfig
from keraslab.core.errors import KeraslabError
from keraslab.plugins.vision import data


def test_digits_are_8x8_images():
    digits = data.load_digits(DataConfig())
    assert digits.features.shape == (1797, 8, 8, 1) and digits.num_classes == 10
    assert digits.features.max() == 16


def test_shapes_are_a_function_of_the_seed():
    first = data.make_shapes(30, seed=3)
    again = data.make_shapes(30, seed=3)
    other = data.make_shapes(30, seed=4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_shape_masks_and_boxes_agree():
    images, kinds, masks, boxes = data.make_shapes(60, seed=0)
    assert images.shape == (60, 32, 32, 1) and set(kinds) == {0, 1, 2}
    for image, mask, box in zip(images, masks, boxes):
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        np.testing.assert_allclose(box, np.array([rows[0], cols[0], rows[-1] + 1, cols[-1] + 1]) / 32)
        # The shape is brighter than its background.
        assert image[mask == 1].mean() > image[mask == 0].mean() + 0.2
    # Circles fill π/4 of their box, squares all of it, triangles about half.
    fill = np.array([m.sum() / ((b[2] - b[0]) * (b[3] - b[1]) * 32 * 32) for m, b in zip(masks, boxes)])
    assert fill[kinds == 1].min() > 0.95
    assert 0.7 < fill[kinds == 0].mean() < 0.85
    assert 0.4 < fill[kinds == 2].mean() < 0.6


def _write_png(path, value, size=(6, 5)):
    import tensorflow as tf

    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((*size, 3), value, np.uint8)
    path.write_bytes(tf.io.encode_png(image).numpy())


def test_image_folder_with_one_sub_folder_per_class(tmp_path):
    for i in range(3):
        _write_png(tmp_path / "cats" / f"{i}.png", 10)
        _write_png(tmp_path / "dogs" / f"{i}.png", 200)
    examples = data.read_image_folder(str(tmp_path)).load()
    assert examples.features.shape == (6, 6, 5, 3)
    assert examples.class_names == ("cats", "dogs")
    assert list(examples.targets) == [0, 0, 0, 1, 1, 1]
    assert examples.features[examples.targets == 1].mean() == 200


@pytest.mark.parametrize(
    "layout, message",
    [
        ({"only": 2}, r"has 1 class sub-folder\(s\); at least 2 are needed"),
        ({}, r"has 0 class sub-folder\(s\)"),
    ],
)
def test_image_folder_needs_two_classes(tmp_path, layout, message):
    for name, count in layout.items():
        for i in range(count):
            _write_png(tmp_path / name / f"{i}.png", 1)
    with pytest.raises(KeraslabError, match=message):
        data.read_image_folder(str(tmp_path))


def test_unreadable_image_is_named(tmp_path):
    _write_png(tmp_path / "a" / "0.png", 1)
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "1.png").write_text("not an image")
    with pytest.raises(KeraslabError, match="1.png' is not a readable image"):
        data.read_image_folder(str(tmp_path))
