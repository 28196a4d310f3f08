"""Gated PixelCNN (van den Oord et al., 2016, "Conditional image generation
with PixelCNN decoders", §2.2): two stacks of convolutions that together
see every earlier pixel.

A single stack of masked 3 × 3 convolutions (`pixelcnn`) has a blind spot:
each layer's receptive field grows up and to the left, and the pixels above
and to the right of the current one are never reached, however deep the
network. The gated PixelCNN splits the work:

* the vertical stack convolves with k//2 + 1 rows × k columns kernels that
  end at the current row, so its output at row r sees the rows ≤ r, every
  column within reach;
* the horizontal stack convolves along the current row only, 1 × (k//2 + 1)
  kernels ending at the current column (the first layer stops one pixel
  short: mask A), and adds the vertical stack's output shifted down one
  row, so that it sees rows < r in full and row r to the left.

Each layer of both stacks is gated, y = tanh(W_f ⋆ x) ⊙ σ(W_g ⋆ x); the
horizontal stack has a residual connection through a 1 × 1 convolution.
The logits come from the horizontal stack through two 1 × 1 layers.

Each layer reaches k//2 rows further up and columns further out (the first
layer, 5 × 5 where the others are 3 × 3, two): with the default 1 + 5
layers every pixel of an 8 × 8 image sees every pixel before it.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.core.api import DataInfo
from keraslab.plugins.generative.config import AutoregressiveConfig
from keraslab.plugins.generative.models.autoregressive import AutoregressiveImageModel
from keraslab.plugins.generative.models.density import binary_image_shape

layers = tf.keras.layers


def shift_down(x: tf.Tensor) -> tf.Tensor:
    """Row r gets row r − 1 (row 0 zeros): features of the rows strictly above."""
    return tf.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]])[:, :-1]


def shift_right(x: tf.Tensor) -> tf.Tensor:
    """Column c gets column c − 1 (column 0 zeros): features strictly to the left."""
    return tf.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1]


def gate(x: tf.Tensor) -> tf.Tensor:
    features, gates = tf.split(x, 2, axis=-1)
    return tf.tanh(features) * tf.sigmoid(gates)


class GatedStackLayer(layers.Layer):
    """One layer of both stacks: (vertical, horizontal) → (vertical, horizontal)."""

    def __init__(self, filters: int, kernel_size: int, first: bool, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.half, self.first = kernel_size // 2, first
        self.vertical = layers.Conv2D(2 * filters, (self.half + 1, kernel_size), name="vertical")
        self.horizontal = layers.Conv2D(2 * filters, (1, self.half + 1), name="horizontal")
        self.vertical_to_horizontal = layers.Conv2D(2 * filters, 1, name="vertical_to_horizontal")
        self.residual = layers.Conv2D(filters, 1, name="residual")
        self.dropout = layers.Dropout(dropout)

    def call(self, vertical, horizontal, training=None):
        k = self.half
        # Pad k rows above and k columns on each side: output row r ends at input row r.
        v = self.vertical(tf.pad(vertical, [[0, 0], [k, 0], [k, k], [0, 0]]))
        # Pad k columns on the left: output column c ends at input column c.
        h = self.horizontal(tf.pad(horizontal, [[0, 0], [0, 0], [k, 0], [0, 0]]))
        if self.first:
            h = shift_right(h)  # mask A: the first layer must not see the pixel it predicts
        h = gate(h + self.vertical_to_horizontal(shift_down(v)))
        h = self.dropout(self.residual(h), training=training)
        return gate(v), h if self.first else horizontal + h


class GatedPixelCNN(AutoregressiveImageModel):
    """`conv_layers` + 1 gated layers of both stacks, then 1 × 1 layers to logits."""

    def __init__(self, image_shape, config: AutoregressiveConfig, **kwargs):
        super().__init__(image_shape, **kwargs)
        self.stack = [
            GatedStackLayer(
                config.filters,
                2 * config.kernel_size - 1 if i == 0 else config.kernel_size,
                first=i == 0,
                dropout=config.dropout,
                name=f"gated_stacks_{i}",
            )
            for i in range(config.conv_layers + 1)
        ]
        self.head = layers.Conv2D(config.filters, 1, activation="relu")
        self.to_logits = layers.Conv2D(image_shape[-1], 1)

    def pixel_logits(self, images, training=None):
        vertical = horizontal = images
        for layer in self.stack:
            vertical, horizontal = layer(vertical, horizontal, training=training)
        return self.to_logits(self.head(tf.nn.relu(horizontal)))


def build_gated_pixelcnn(config: AutoregressiveConfig, info: DataInfo) -> GatedPixelCNN:
    model = GatedPixelCNN(binary_image_shape(info, "gated-pixelcnn"), config, name="gated_pixelcnn")
    model(tf.zeros([1, *model.image_shape]))
    return model
