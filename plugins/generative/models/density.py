"""What every generative model of this topic shares.

A `GenerativeModel` draws samples: `sample(count, seed)` is a pure function
of the seed (stateless random ops), so the same seed gives the same samples
in training reports, in the CLI and in the export. A `DensityModel` also
scores data: `log_prob(x)` is log p(x) in nats per example (or, for latent
variable models, a lower bound of it), and training minimises the mean
negative log-likelihood −(1/B) Σ log p(xᵢ).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo, KeraslabError, OwnLossModel


def features_of(data):
    """The features of a batch that may carry labels: x of (x, y), or x."""
    return data[0] if isinstance(data, (tuple, list)) else data


def labels_of(data):
    """The labels of a labelled batch (x, y); an error for unlabelled data."""
    if not isinstance(data, (tuple, list)):
        raise ValueError("This model is conditioned on labels; train it on a labelled dataset.")
    return data[1]


def stateless_seed(seed, stream: int = 0) -> tf.Tensor:
    """The [seed, stream] pair stateless random ops take, from an int seed."""
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)])


class LabelConditioning:
    """For models that may be conditioned on a digit's label (`cvae`,
    `cgan`): `model.config.conditional` turns it on, and the label enters
    as a one-hot vector concatenated to a layer's input."""

    num_classes: int = 0

    @property
    def conditional(self) -> bool:
        return self.config.conditional

    def with_label(self, tensor, labels):
        """`tensor` with the one-hot labels appended (unchanged when unconditional)."""
        if not self.conditional:
            return tensor
        return tf.concat([tensor, tf.one_hot(tf.cast(labels, tf.int32), self.num_classes)], axis=-1)

    def under_every_label(self, score, x):
        """score(x, y) for every image and every label y, shaped (n, classes)."""
        count = tf.shape(x)[0]
        labels = tf.tile(tf.range(self.num_classes, dtype=tf.int64), [count])
        return tf.reshape(score(tf.repeat(x, self.num_classes, axis=0), labels), [count, self.num_classes])


class GenerativeModel(OwnLossModel):
    """A model that draws samples of its data, each of `sample_shape`
    (an image's (height, width, channels), or a point's (dimensions,))."""

    def __init__(self, sample_shape=(), **kwargs):
        super().__init__(**kwargs)
        self.sample_shape = tuple(sample_shape)

    @property
    def image_shape(self) -> tuple:
        return self.sample_shape

    @property
    def pixels(self) -> int:
        """Values in one sample (64 for an 8×8×1 image)."""
        return int(np.prod(self.sample_shape))

    def sample(self, count, seed, labels=None) -> tf.Tensor:
        """`count` samples, a pure function of the int `seed`; conditional
        models take the label of each sample."""
        raise NotImplementedError

    @property
    def conditional(self) -> bool:
        return False


class DensityModel(GenerativeModel):
    """A generative model with a (bound on its) log-density, trained by
    maximum likelihood."""

    #: "exact" for log p(x); "bound" for a lower bound (ELBO).
    likelihood: str = "exact"

    def log_prob(self, x, labels=None) -> tf.Tensor:
        """log p(x) per example, in nats (or its lower bound)."""
        raise NotImplementedError

    def own_loss(self, data, training: bool) -> tf.Tensor:
        labels = labels_of(data) if self.conditional else None
        return -tf.reduce_mean(self.log_prob(features_of(data), labels))

    def call(self, inputs, training=None):
        return self.log_prob(inputs)


def binary_image_shape(info: DataInfo, model: str) -> tuple:
    """The input shape of a model of binary images, refused in one line where
    the dataset's examples are not images or their pixels not all 0 or 1."""
    if len(info.input_shape) != 3:
        raise KeraslabError(
            f"'{model}' models images (height, width, channels); this dataset's examples have "
            f"shape {info.input_shape}. Use digits-binary or a file of 8×8 images."
        )
    features = info.train_features
    if features is not None and not np.all((features == 0) | (features == 1)):
        raise KeraslabError(
            f"'{model}' models binary pixels; this dataset's pixels are not all 0 or 1. "
            "Use digits-binary (the digits binarised at half intensity)."
        )
    return info.input_shape
