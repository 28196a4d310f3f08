"""Saliency: which pixels the predicted class score is most sensitive to.

For logits z = f(x), the map is |∂z_c/∂x| at the predicted class c: the
first-order Taylor weight of each pixel (Simonyan, Vedaldi & Zisserman,
2014), the network's implicit attention read off its Jacobian.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def saliency_map(model: tf.keras.Model, image: np.ndarray):
    """Returns (|∂z_c/∂x| with the channel axis maxed out, softmax probabilities)."""
    x = tf.constant(image[None], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x, training=False)
        score = tf.reduce_max(logits, axis=-1)
    gradient = tape.gradient(score, x)[0].numpy()
    return np.abs(gradient).max(axis=-1), tf.nn.softmax(logits)[0].numpy()


def plot_saliency(image: np.ndarray, gradient: np.ndarray, title: str, path):
    """The image beside its saliency map; returns `path`."""
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(6, 3.2))
    axes[0].imshow(image[..., 0] if image.shape[-1] == 1 else image / max(image.max(), 1), cmap="gray_r")
    axes[0].set_title("image")
    shown = axes[1].imshow(gradient, cmap="hot")
    axes[1].set_title("|∂ score / ∂ pixel|")
    fig.colorbar(shown, ax=axes[1], fraction=0.046)
    for ax in axes:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return save_figure(fig, path, dpi=110)
