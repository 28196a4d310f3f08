"""Autoregressive density models of binary images.

Each factorises the image's pixels in raster order,

    log p(x) = Σ_d log p(x_d | x_<d),   p(x_d = 1 | x_<d) = σ(ℓ_d(x_<d)),

so log p(x) is exact and one network pass scores every pixel at once;
sampling takes one pass per pixel (D = 64 here).

* `nade` (Larochelle and Murray, 2011, "The neural autoregressive
  distribution estimator"): one hidden layer whose weights are shared
  across the conditionals, h_d = σ(c + W_<d x_<d), ℓ_d = b_d + V_d · h_d,
  computed for every d by an exclusive cumulative sum.
* `made` (Germain et al., 2015, "MADE: masked autoencoder for distribution
  estimation"): an MLP whose weight masks (`tfb.AutoregressiveNetwork`) cut
  every path from x_j to ℓ_d with j ≥ d.
* `pixelcnn` (van den Oord et al., 2016, "Pixel recurrent neural
  networks"; gated units from "Conditional image generation with PixelCNN
  decoders"): masked convolutions, a first one of mask A (the centre pixel
  hidden) and gated residual blocks of mask B.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from keraslab.core.api import DataInfo
from keraslab.plugins.generative.config import AutoregressiveConfig
from keraslab.plugins.generative.models.density import DensityModel, binary_image_shape, features_of, stateless_seed


def bernoulli_log_prob(logits: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
    """Σ_d log Bernoulli(x_d; σ(ℓ_d)) over all but the batch axis."""
    per_pixel = -tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    return tf.reduce_sum(tf.reshape(per_pixel, [tf.shape(x)[0], -1]), axis=-1)


class AutoregressiveImageModel(DensityModel):
    """Binary images scored by `pixel_logits` and sampled pixel by pixel."""

    def __init__(self, image_shape, **kwargs):
        super().__init__(sample_shape=image_shape, **kwargs)

    def pixel_logits(self, images, training=None) -> tf.Tensor:
        """ℓ_d(x_<d) for every pixel d, shaped like the images."""
        raise NotImplementedError

    def log_prob(self, x, labels=None, training=None):
        return bernoulli_log_prob(self.pixel_logits(x, training=training), x)

    def own_loss(self, data, training: bool):
        return -tf.reduce_mean(self.log_prob(features_of(data), training=training))

    def sample(self, count, seed, labels=None):
        """Binary images drawn pixel by pixel, x_d ~ Bernoulli(σ(ℓ_d(x_<d))):
        D passes of the network in one graph loop."""
        return self._draw(tf.cast(count, tf.int32), tf.cast(seed, tf.int64))

    @tf.function
    def _draw(self, count, seed):
        uniform = tf.random.stateless_uniform(tf.stack([count, self.pixels]), seed=stateless_seed(seed))
        image_rank_ones = [1] * len(self.image_shape)

        def draw_pixel(d, images):
            logits = tf.gather(tf.reshape(self.pixel_logits(images), [count, self.pixels]), d, axis=1)
            drawn = tf.cast(tf.gather(uniform, d, axis=1) < tf.sigmoid(logits), tf.float32)
            place = tf.reshape(tf.one_hot(d, self.pixels), [1, *self.image_shape])
            return d + 1, images + place * tf.reshape(drawn, [-1, *image_rank_ones])

        empty = tf.zeros(tf.concat([[count], self.image_shape], axis=0))
        _, images = tf.while_loop(lambda d, _: d < self.pixels, draw_pixel, (tf.constant(0), empty))
        return images


class NADE(AutoregressiveImageModel):
    """NADE: h_d = σ(c + Σ_{j<d} x_j W_j), ℓ_d = b_d + V_d · h_d."""

    def __init__(self, image_shape, hidden_units: int, **kwargs):
        super().__init__(image_shape, **kwargs)
        self.input_weights = self.add_weight(
            name="W", shape=(self.pixels, hidden_units), initializer=tf.keras.initializers.GlorotUniform()
        )
        self.hidden_bias = self.add_weight(name="c", shape=(hidden_units,), initializer="zeros")
        self.output_weights = self.add_weight(
            name="V", shape=(self.pixels, hidden_units), initializer=tf.keras.initializers.GlorotUniform()
        )
        self.output_bias = self.add_weight(name="b", shape=(self.pixels,), initializer="zeros")

    def pixel_logits(self, images, training=None):
        x = tf.reshape(images, [-1, self.pixels])
        # a_d = c + Σ_{j<d} x_j W_j for every d: an exclusive cumulative sum over pixels.
        activations = self.hidden_bias + tf.cumsum(x[:, :, None] * self.input_weights, axis=1, exclusive=True)
        logits = self.output_bias + tf.reduce_sum(tf.sigmoid(activations) * self.output_weights, axis=-1)
        return tf.reshape(logits, tf.shape(images))

    @tf.function
    def _draw(self, count, seed):
        """NADE's own sampler: a_{d+1} = a_d + x_d W_d, O(DH) per image."""
        uniform = tf.random.stateless_uniform(tf.stack([count, self.pixels]), seed=stateless_seed(seed))
        drawn = tf.TensorArray(tf.float32, size=self.pixels)
        activations = tf.tile(self.hidden_bias[None], tf.stack([count, 1]))
        for d in tf.range(self.pixels):
            logit = self.output_bias[d] + tf.linalg.matvec(tf.sigmoid(activations), self.output_weights[d])
            pixel = tf.cast(uniform[:, d] < tf.sigmoid(logit), tf.float32)
            drawn = drawn.write(d, pixel)
            activations += pixel[:, None] * self.input_weights[d]
        return tf.reshape(tf.transpose(drawn.stack()), tf.concat([[count], self.image_shape], axis=0))


class MADE(AutoregressiveImageModel):
    """MADE: a masked MLP, ℓ = MLP_masked(x), ℓ_d depending on x_<d only."""

    def __init__(self, image_shape, hidden_units, dropout: float = 0.0, **kwargs):
        super().__init__(image_shape, **kwargs)
        self.network = tfp.bijectors.AutoregressiveNetwork(
            params=1, event_shape=[self.pixels], hidden_units=list(hidden_units), activation="relu"
        )
        self.input_dropout = tf.keras.layers.Dropout(dropout)

    def pixel_logits(self, images, training=None):
        pixels = self.input_dropout(tf.reshape(images, [-1, self.pixels]), training=training)
        logits = self.network(pixels)
        return tf.reshape(logits, tf.shape(images))


class MaskedConv2D(tf.keras.layers.Conv2D):
    """A convolution that sees only pixels before the centre in raster order
    (mask "A") or those and the centre (mask "B")."""

    def __init__(self, mask_type: str, filters: int, kernel_size: int, **kwargs):
        super().__init__(filters, kernel_size, padding="same", **kwargs)
        self.mask_type = mask_type

    def build(self, input_shape):
        super().build(input_shape)
        height, width = self.kernel_size
        mask = np.ones(self.kernel.shape, dtype=np.float32)
        mask[height // 2, width // 2 + (self.mask_type == "B") :] = 0.0
        mask[height // 2 + 1 :] = 0.0
        self.mask = tf.constant(mask)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.mask)


class GatedBlock(tf.keras.layers.Layer):
    """h + W₁ₓ₁ (tanh(W_f ⋆ h) ⊙ σ(W_g ⋆ h)), both convolutions of mask B."""

    def __init__(self, filters: int, kernel_size: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.convolution = MaskedConv2D("B", 2 * filters, kernel_size)
        self.projection = tf.keras.layers.Conv2D(filters, 1)
        self.dropout = tf.keras.layers.Dropout(dropout)

    def call(self, hidden, training=None):
        features, gate = tf.split(self.convolution(hidden), 2, axis=-1)
        return hidden + self.dropout(self.projection(tf.tanh(features) * tf.sigmoid(gate)), training=training)


class PixelCNN(AutoregressiveImageModel):
    """Masked convolutions: mask A, gated mask-B blocks, then 1×1 layers to logits."""

    def __init__(self, image_shape, config: AutoregressiveConfig, **kwargs):
        super().__init__(image_shape, **kwargs)
        self.first = MaskedConv2D("A", config.filters, 2 * config.kernel_size - 1)
        self.blocks = [
            GatedBlock(config.filters, config.kernel_size, config.dropout, name=f"gated_{i}")
            for i in range(config.conv_layers)
        ]
        self.head = tf.keras.layers.Conv2D(config.filters, 1, activation="relu")
        self.to_logits = tf.keras.layers.Conv2D(image_shape[-1], 1)

    def pixel_logits(self, images, training=None):
        hidden = self.first(images)
        for block in self.blocks:
            hidden = block(hidden, training=training)
        return self.to_logits(self.head(tf.nn.relu(hidden)))


def _built(model: AutoregressiveImageModel) -> AutoregressiveImageModel:
    model(tf.zeros([1, *model.image_shape]))
    return model


def build_nade(config: AutoregressiveConfig, info: DataInfo) -> NADE:
    return _built(NADE(binary_image_shape(info, "nade"), config.hidden_units[0], name="nade"))


def build_made(config: AutoregressiveConfig, info: DataInfo) -> MADE:
    return _built(MADE(binary_image_shape(info, "made"), config.hidden_units, config.dropout, name="made"))


def build_pixelcnn(config: AutoregressiveConfig, info: DataInfo) -> PixelCNN:
    return _built(PixelCNN(binary_image_shape(info, "pixelcnn"), config, name="pixelcnn"))
