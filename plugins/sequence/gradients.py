"""Gradients through time, from a trained many-to-one recurrent classifier.

The loss L of a sequence depends on the hidden state h_k of every step k
only through the later ones, so (Bengio, Simard & Frasconi, 1994; Pascanu,
Mikolov & Bengio, 2013)

    ∂L/∂h_k = ∂L/∂h_T · Π_{t=k+1}^{T} ∂h_t/∂h_{t−1},   ∂h_t/∂h_{t−1} = diag(f'(a_t)) U

for h_t = f(a_t), a_t = W x_t + U h_{t−1} + b. When the factors' norms stay
below one the product vanishes (a tanh RNN forgets early steps); above
one it explodes. The IRNN starts with U = I and f = ReLU, whose factors
are 1 wherever a unit is active; the LSTM's cell state passes gradients
through its forget gates. Clipping the gradient's global norm to c
multiplies every ∂L/∂θ by min(1, c / ‖∂L/∂θ‖): it bounds an exploding
step, and leaves a vanishing one as small as it was.
"""

from __future__ import annotations

from typing import Dict

import numpy as np
import tensorflow as tf

from keraslab.core.api import KeraslabError


def recurrent_layer_of(model: tf.keras.Model) -> tf.keras.layers.RNN:
    """The model's one recurrent layer; refuses stacked or bidirectional models."""
    recurrent = [
        layer for layer in model.layers if isinstance(layer, (tf.keras.layers.RNN, tf.keras.layers.Bidirectional))
    ]
    if len(recurrent) != 1 or not isinstance(recurrent[0], tf.keras.layers.RNN):
        raise KeraslabError(
            f"Gradients through time need a run with one unidirectional recurrent layer; "
            f"'{model.name}' has {len(recurrent)} recurrent layer(s)"
            f"{' (bidirectional)' if any(isinstance(r, tf.keras.layers.Bidirectional) for r in recurrent) else ''}."
        )
    return recurrent[0]


def hidden_state_gradients(model: tf.keras.Model, features: np.ndarray, targets: np.ndarray) -> Dict[str, np.ndarray]:
    """Mean over examples of ‖∂L/∂h_k‖ for every step k, with L the mean
    cross-entropy of the batch, and the global norm of ∂L/∂θ.

    The recurrent layer is unrolled step by step with its own cell, so each
    h_k is a tensor the gradient can be taken with respect to.
    """
    recurrent = recurrent_layer_of(model)
    position = model.layers.index(recurrent)
    x = tf.constant(features, tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        for layer in model.layers[1:position]:
            x = layer(x, training=False)
        states = recurrent.get_initial_state(x)
        hidden = []
        for step in range(x.shape[1]):
            output, states = recurrent.cell(x[:, step], states, training=False)
            states = tf.nest.flatten(states)
            hidden.append(output)
        y = hidden[-1]
        for layer in model.layers[position + 1 :]:
            y = layer(y, training=False)
        loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(targets, y, from_logits=True))
    per_step = tape.gradient(loss, hidden)
    parameters = tape.gradient(loss, model.trainable_variables)
    del tape
    return {
        "step_norms": np.array([float(tf.reduce_mean(tf.norm(g, axis=-1))) for g in per_step]),
        "parameter_norm": float(tf.linalg.global_norm([g for g in parameters if g is not None])),
        "loss": float(loss),
    }


def clipped(result: Dict[str, np.ndarray], clip_norm: float) -> np.ndarray:
    """The per-step norms after the whole gradient is clipped to global norm `clip_norm`."""
    return result["step_norms"] * min(1.0, clip_norm / max(result["parameter_norm"], 1e-12))


def plot_gradients(results: Dict[str, Dict], clip_norm: float, path, title: str):
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    fig, (raw, after) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for name, result in results.items():
        steps = np.arange(1, len(result["step_norms"]) + 1)
        raw.plot(steps, result["step_norms"], label=f"{name} (‖∂L/∂θ‖ = {result['parameter_norm']:.3g})")
        after.plot(steps, clipped(result, clip_norm), label=name)
    raw.set_title("‖∂L/∂h_k‖ across steps k")
    after.set_title(f"after clipping ∂L/∂θ to global norm {clip_norm:g}")
    for ax in (raw, after):
        ax.set_yscale("log")
        ax.set_xlabel("step k (the loss is read at the last step)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    raw.set_ylabel("mean norm over test sequences")
    fig.suptitle(title)
    return save_figure(fig, path)
