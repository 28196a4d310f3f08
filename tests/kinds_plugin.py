"""A test plugin with one model of each non-agent training kind beyond `fit`:

* `autoencoder` (custom_step): overrides `train_step`; its export hook adds
  a `reconstruct` signature and serves the code as `serving_default`.
* `flipout` (variational): a Bayes-by-backprop classifier whose KL term is
  divided by the number of training examples; exported with Monte-Carlo
  mean and standard deviation.
"""

import dataclasses

import numpy as np

from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin
from keraslab.core.data import Examples


@dataclasses.dataclass(frozen=True)
class AutoencoderConfig:
    code_size: int = 2


@dataclasses.dataclass(frozen=True)
class FlipoutConfig:
    hidden_units: int = 16


def make_blobs(config) -> Examples:
    rng = np.random.default_rng(config.seed)
    targets = np.arange(600) % 3
    centres = np.array([[0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 3.0, 0.0], [0.0, 3.0, 0.0, 3.0]])
    features = centres[targets] + rng.normal(scale=0.4, size=(600, 4))
    return Examples(features.astype(np.float32), targets.astype(np.int64), 3)


def build_autoencoder(config, info):
    import tensorflow as tf

    class Autoencoder(tf.keras.Model):
        """x -> code -> x̂, trained on ‖x − x̂‖² by its own train_step."""

        def __init__(self):
            super().__init__()
            self.encoder = tf.keras.layers.Dense(config.code_size, name="encoder")
            self.decoder = tf.keras.layers.Dense(info.input_shape[-1], name="decoder")
            self.reconstruction = tf.keras.metrics.Mean(name="reconstruction")

        def call(self, x, training=False):
            return self.decoder(self.encoder(x))

        @property
        def metrics(self):
            return [self.reconstruction]

        def _error(self, data, training):
            x = data[0] if isinstance(data, tuple) else data
            return tf.reduce_mean(tf.square(x - self(x, training=training)))

        def train_step(self, data):
            with tf.GradientTape() as tape:
                loss = self._error(data, training=True)
            self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables))
            self.reconstruction.update_state(loss)
            return {"loss": self.reconstruction.result()}

        def test_step(self, data):
            self.reconstruction.update_state(self._error(data, training=False))
            return {"loss": self.reconstruction.result()}

    model = Autoencoder()
    model(np.zeros((1, *info.input_shape), np.float32))
    return model


def export_autoencoder(model, context):
    import tensorflow as tf

    spec = tf.TensorSpec([None, *context.input_shape], tf.float32, name=context.input_name)

    @tf.function(input_signature=[spec])
    def encode(features):
        return {"code": model.encoder(features)}

    @tf.function(input_signature=[spec])
    def reconstruct(features):
        return {"reconstruction": model(features)}

    @tf.function(input_signature=[tf.TensorSpec([], tf.int64, name="seed"), tf.TensorSpec([], tf.int32, name="count")])
    def sample(seed, count):
        """count codes z ~ N(0, I) from a stateless seed, decoded."""
        codes = tf.random.stateless_normal(tf.stack([count, model.encoder.units]), seed=tf.stack([seed, 0]))
        return {"samples": model.decoder(codes)}

    return {"serving_default": encode, "reconstruct": reconstruct, "sample": sample}


def build_flipout(config, info):
    import tensorflow as tf
    import tensorflow_probability as tfp

    # KL(q‖p) is summed over weights once per batch; dividing by N makes
    # the per-example loss the negative ELBO / N (Blundell et al., 2015).
    scaled_kl = lambda q, p, _: tfp.distributions.kl_divergence(q, p) / info.num_train_examples  # noqa: E731
    inputs = tf.keras.Input(shape=info.input_shape, name="features")
    hidden = tfp.layers.DenseFlipout(config.hidden_units, activation="relu", kernel_divergence_fn=scaled_kl)(inputs)
    logits = tfp.layers.DenseFlipout(info.num_classes, kernel_divergence_fn=scaled_kl)(hidden)
    return tf.keras.Model(inputs, logits)


plugin = Plugin(
    name="kinds",
    topic="tests",
    version="1.0",
    description="One model per training kind.",
    models=(
        ModelSpec(
            "autoencoder",
            "Linear autoencoder with its own train_step.",
            build_autoencoder,
            AutoencoderConfig(),
            training="custom_step",
            task="generative",
            default_dataset="blobs",
            export=export_autoencoder,
        ),
        ModelSpec(
            "flipout",
            "Bayes-by-backprop classifier (DenseFlipout).",
            build_flipout,
            FlipoutConfig(),
            training="variational",
            task="classification",
            default_dataset="blobs",
        ),
    ),
    datasets=(DatasetSpec("blobs", "Three blobs in 4-D.", make_blobs, make_blobs),),
)
