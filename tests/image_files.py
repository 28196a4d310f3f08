"""Small generated image folders for the tests of streamed images."""

import numpy as np


def write_png(path, value, size=(6, 5)):
    import tensorflow as tf

    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((*size, 3), value, np.uint8)
    path.write_bytes(tf.io.encode_png(image).numpy())


def class_folder(root, per_class=20, classes=("a", "b"), size=(6, 5)):
    """Images whose every pixel is the class id × 40 plus the image's number."""
    for c, name in enumerate(classes):
        for i in range(per_class):
            write_png(root / name / f"{i:03d}.png", 40 * c + i, size)
    return root
