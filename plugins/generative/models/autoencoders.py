"""Autoencoders: dense or convolutional, plain or denoising, and linear.

An autoencoder encodes x to a code c = e(x) of fewer dimensions and decodes
x̂ = d(c), trained to minimise the mean squared error ‖x − x̂‖² / D. With
`noise_stddev` > 0 it is a denoising autoencoder (Vincent et al., 2008):
the encoder sees x + ε, ε ~ N(0, σ²I), and must still produce x.

The linear autoencoder (no hidden layers, no nonlinearity) is PCA in
disguise (Baldi and Hornik, 1989): at its optimum the decoder's columns span
the same subspace as the top k principal components of the data, though
they are not the components themselves (any invertible mix of them does as
well), so two seeds reach two different bases of one subspace. `pca_angles`
measures that by the principal angles between the subspaces.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo, KeraslabError, OwnLossModel
from keraslab.plugins.generative.config import AutoencoderConfig
from keraslab.plugins.generative.models.density import features_of


class Autoencoder(OwnLossModel):
    """x → code → x̂, trained on the mean squared error; see the module docstring."""

    def __init__(self, config: AutoencoderConfig, image_shape, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.image_shape = tuple(image_shape)
        self.pixels = int(np.prod(image_shape))
        self.noise = tf.keras.layers.GaussianNoise(config.noise_stddev) if config.noise_stddev else None
        self.encoder = tf.keras.Sequential(self._encoder_layers(), name="encoder")
        self.decoder = tf.keras.Sequential(self._decoder_layers(), name="decoder")

    def _encoder_layers(self):
        config = self.config
        if config.linear:
            return [tf.keras.layers.Flatten(), tf.keras.layers.Dense(config.code_dim, name="code")]
        if config.architecture == "conv":
            layers = [
                tf.keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")
                for filters in config.hidden_units
            ]
            return [*layers, tf.keras.layers.Flatten(), tf.keras.layers.Dense(config.code_dim, name="code")]
        return [
            tf.keras.layers.Flatten(),
            *[tf.keras.layers.Dense(units, activation="relu") for units in config.hidden_units],
            tf.keras.layers.Dense(config.code_dim, name="code"),
        ]

    def _decoder_layers(self):
        config = self.config
        if config.linear:
            return [
                tf.keras.layers.Dense(self.pixels, name="reconstruction"),
                tf.keras.layers.Reshape(self.image_shape),
            ]
        if config.architecture == "conv":
            shrink = 2 ** len(config.hidden_units)
            height, width = -(-self.image_shape[0] // shrink), -(-self.image_shape[1] // shrink)
            layers = [
                tf.keras.layers.Dense(height * width * config.hidden_units[-1], activation="relu"),
                tf.keras.layers.Reshape((height, width, config.hidden_units[-1])),
            ]
            layers += [
                tf.keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")
                for filters in reversed(config.hidden_units)
            ]
            return [
                *layers,
                tf.keras.layers.Conv2D(self.image_shape[-1], 3, padding="same", activation="sigmoid"),
                tf.keras.layers.Cropping2D(
                    ((0, height * shrink - self.image_shape[0]), (0, width * shrink - self.image_shape[1]))
                ),
            ]
        return [
            *[tf.keras.layers.Dense(units, activation="relu") for units in reversed(config.hidden_units)],
            tf.keras.layers.Dense(self.pixels, activation="sigmoid"),
            tf.keras.layers.Reshape(self.image_shape),
        ]

    def encode(self, x):
        return self.encoder(x)

    def call(self, inputs, training=None):
        if self.noise is not None:
            inputs = self.noise(inputs, training=training)
        return self.decoder(self.encoder(inputs))

    def own_loss(self, data, training: bool):
        x = features_of(data)
        return tf.reduce_mean(tf.square(self(x, training=training) - x))

    def decoder_basis(self) -> np.ndarray:
        """The linear decoder's k directions in pixel space, (k, D)."""
        return self.decoder.get_layer("reconstruction").kernel.numpy()

    def extra_measures(self, splits) -> dict:
        test = splits.test.features
        reconstructed = self(tf.constant(test)).numpy()
        result = {
            "test_mse": float(np.mean((reconstructed - test) ** 2)),
            "code_dim": self.config.code_dim,
            "noise_stddev": self.config.noise_stddev,
        }
        if self.config.linear:
            angles = pca_angles(self.decoder_basis(), splits.train.features)
            result["principal_angles_to_pca_degrees"] = [float(a) for a in angles]
            result["largest_principal_angle_degrees"] = float(max(angles))
            pca_mse = pca_reconstruction_error(splits.train.features, test, self.config.code_dim)
            result["pca_test_mse"] = pca_mse
        return result

    def write_pictures(self, splits, run_path) -> None:
        """reconstructions.png (test digits above x̂; a denoising model also
        shows noisy inputs) and, for the linear model, pca_subspace.png and
        its decoder's directions, decoder_basis.npy (k × D)."""
        from keraslab.plugins.generative.pictures import save_grid

        x = splits.test.features[:16]
        rows = [x[:8], self(tf.constant(x[:8])).numpy(), x[8:], self(tf.constant(x[8:])).numpy()]
        title = f"{self.name}: test digits, and below them x̂"
        if self.config.noise_stddev:
            noisy = np.clip(x + np.random.default_rng(0).normal(0, self.config.noise_stddev, x.shape), 0, 1)
            rows = [x[:8], noisy[:8].astype(np.float32), self(tf.constant(noisy[:8], tf.float32)).numpy()]
            title = f"{self.name}: test digits, with noise σ {self.config.noise_stddev:g}, denoised"
        save_grid(np.concatenate(rows), run_path / "reconstructions.png", title, columns=8)
        if self.config.linear:
            plot_pca_subspace(self.decoder_basis(), splits.train.features, run_path / "pca_subspace.png")
            np.save(run_path / "decoder_basis.npy", self.decoder_basis())


def pca_components(train: np.ndarray, count: int) -> np.ndarray:
    """The top `count` principal directions of the (centred) training data, (count, D)."""
    flat = train.reshape(len(train), -1)
    _, _, right = np.linalg.svd(flat - flat.mean(axis=0), full_matrices=False)
    return right[:count]


def pca_angles(basis: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Principal angles (degrees, ascending) between span(basis rows) and PCA's top-k subspace."""
    from scipy.linalg import subspace_angles

    components = pca_components(train, len(basis))
    return np.sort(np.degrees(subspace_angles(basis.T, components.T)))


def pca_reconstruction_error(train: np.ndarray, test: np.ndarray, count: int) -> float:
    """Test MSE of projecting onto the top `count` components of the training data."""
    flat_train, flat_test = train.reshape(len(train), -1), test.reshape(len(test), -1)
    mean = flat_train.mean(axis=0)
    components = pca_components(train, count)
    projected = (flat_test - mean) @ components.T @ components + mean
    return float(np.mean((projected - flat_test) ** 2))


def plot_pca_subspace(basis: np.ndarray, train: np.ndarray, path) -> None:
    """PCA's components, the decoder's directions, and the decoder's
    directions projected onto PCA's subspace (nearly themselves)."""
    from keraslab.plugins.generative.pictures import save_grid

    components = pca_components(train, len(basis))
    projected = basis @ components.T @ components
    images = np.concatenate([_as_pixels(components), _as_pixels(basis), _as_pixels(projected)])
    images = images.reshape(-1, 8, 8, 1)
    angle = max(pca_angles(basis, train))
    save_grid(
        images,
        path,
        f"rows: PCA's top {len(basis)} components; the decoder's directions; those projected "
        f"onto PCA's span (largest principal angle {angle:.2f}°)",
        columns=len(basis),
    )


def _as_pixels(rows: np.ndarray) -> np.ndarray:
    """Directions scaled into [0, 1] for display, 0.5 at zero."""
    return 0.5 + 0.5 * rows / np.abs(rows).max(axis=1, keepdims=True)


def build_autoencoder(config: AutoencoderConfig, info: DataInfo) -> Autoencoder:
    if len(info.input_shape) != 3:
        raise KeraslabError(
            f"Autoencoders here take images (height, width, channels); this dataset's examples "
            f"have shape {info.input_shape}."
        )
    name = "linear_autoencoder" if config.linear else f"{config.architecture}_autoencoder"
    model = Autoencoder(config, info.input_shape, name=name)
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_autoencoder(model: Autoencoder, context) -> dict:
    """`serving_default`: images → `code`, `reconstruction`."""
    from keraslab.plugins.generative.models.exports import image_spec

    def outputs(images):
        return {"code": model.encode(images), "reconstruction": model(images)}

    return {"serving_default": tf.function(outputs, input_signature=[image_spec(context)])}
