"""The gated PixelCNN sees every earlier pixel and no later one; the
single-stack PixelCNN, however deep, does not."""

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core.api import DataInfo
from keraslab.plugins.generative.config import AutoregressiveConfig
from keraslab.plugins.generative.models.autoregressive import build_pixelcnn
from keraslab.plugins.generative.models.gated_pixelcnn import build_gated_pixelcnn

INFO = DataInfo(input_shape=(8, 8, 1), num_classes=10, num_train_examples=32)


def receptive_fields(model) -> np.ndarray:
    """(64, 64) booleans: [d, j] when the logit of pixel d depends on pixel j
    (a non-zero gradient at a random input; random weights make an existing
    path's gradient non-zero)."""
    images = tf.Variable(tf.random.stateless_uniform([1, 8, 8, 1], seed=[0, 1]))
    with tf.GradientTape() as tape:
        logits = tf.reshape(model.pixel_logits(images), [64])
    jacobian = tape.jacobian(logits, images)
    return np.abs(tf.reshape(jacobian, [64, 64]).numpy()) > 0


def test_gated_pixelcnn_sees_every_earlier_pixel_and_nothing_after():
    tf.keras.utils.set_random_seed(0)
    seen = receptive_fields(build_gated_pixelcnn(AutoregressiveConfig(filters=8, conv_layers=5), INFO))
    earlier = np.tril(np.ones((64, 64), bool), k=-1)  # [d, j] for j < d
    assert np.array_equal(seen, earlier)  # the last pixel's logit depends on all 63 before it


@pytest.mark.parametrize("conv_layers", [5, 8])
def test_single_stack_pixelcnn_has_a_blind_spot_at_any_depth(conv_layers):
    tf.keras.utils.set_random_seed(0)
    seen = receptive_fields(build_pixelcnn(AutoregressiveConfig(filters=8, conv_layers=conv_layers), INFO))
    assert not np.any(np.triu(seen))  # causal: nothing at or after the pixel itself
    # Pixel 20 (row 2, column 4) never sees pixel 15 (row 1, column 7), up and to the right, at any
    # depth: the blind spot of stacked masked convolutions (van den Oord et al., 2016, figure 1).
    assert not seen[20, 15]
    assert seen[20, 14] and seen[20, 19]
