"""Linear regression two ways, and polynomial feature maps.

Model: ŷ = Xw with a leading column of ones in X (the bias); loss
L(w) = ‖Xw − y‖² / (2n).

* Closed form: the normal equations XᵀX w = Xᵀy (solved with a
  least-squares routine, which also handles a rank-deficient X).
* Gradient descent: ∇L = Xᵀ(Xw − y) / n, with w ← w − η ∇L over the whole
  set (full batch), one example at a time (SGD) or over mini-batches. For
  SGD and mini-batches the step decays as η_t = η / (1 + t / τ), satisfying
  Robbins & Monro's (1951) conditions Σ η_t = ∞, Σ η_t² < ∞, so the iterates
  settle instead of hovering at the noise level of a constant step.
* Polynomial features φ(x) = (1, x, x², ..., x^d); the degree is chosen by
  validation error (Bishop, 2006, §1.1).
"""

from __future__ import annotations

import dataclasses
from typing import List, Literal, Sequence

import numpy as np
import tensorflow as tf

from keraslab.core.api import KeraslabError


def with_bias(features: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((len(features), 1)), np.asarray(features, np.float64)])


def closed_form(features: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """w solving XᵀX w = Xᵀy, X with a bias column."""
    return np.linalg.lstsq(with_bias(features), np.asarray(targets, np.float64), rcond=None)[0]


@dataclasses.dataclass
class DescentResult:
    weights: np.ndarray
    losses: List[float]  # L(w) after each epoch


def gradient_descent(
    features: np.ndarray,
    targets: np.ndarray,
    mode: Literal["full", "sgd", "minibatch"] = "full",
    learning_rate: float = 0.1,
    epochs: int = 1000,
    batch_size: int = 32,
    decay_steps: float = 1000.0,
    seed: int = 0,
) -> DescentResult:
    """Minimises ‖Xw − y‖²/(2n) by gradient descent, in float64.

    Args:
        mode: "full" (the whole set per step), "sgd" (one example per step)
            or "minibatch" (`batch_size` examples per step).
        learning_rate: η; decays as η / (1 + t / decay_steps) except in full mode.
        epochs: passes over the data.
    """
    if mode not in ("full", "sgd", "minibatch"):
        raise KeraslabError(f"Unknown gradient-descent mode '{mode}'. Available: full, sgd, minibatch.")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise KeraslabError(f"learning_rate must be a finite number > 0, received {learning_rate}.")
    x = tf.constant(with_bias(features))
    y = tf.constant(np.asarray(targets, np.float64))
    n = len(features)
    size = {"full": n, "sgd": 1, "minibatch": batch_size}[mode]
    w = tf.Variable(tf.zeros([x.shape[1]], tf.float64))
    step = tf.Variable(0.0, dtype=tf.float64)
    decays = mode != "full"

    @tf.function
    def epoch(order):
        for start in tf.range(0, n, size):
            index = order[start : start + size]
            xb, yb = tf.gather(x, index), tf.gather(y, index)
            gradient = tf.linalg.matvec(xb, tf.linalg.matvec(xb, w) - yb, transpose_a=True) / tf.cast(
                tf.shape(index)[0], tf.float64
            )
            rate = learning_rate / (1.0 + step / decay_steps) if decays else tf.constant(learning_rate, tf.float64)
            w.assign_sub(rate * gradient)
            step.assign_add(1.0)
        residual = tf.linalg.matvec(x, w) - y
        return tf.reduce_sum(residual * residual) / (2.0 * n)

    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order = np.arange(n) if mode == "full" else rng.permutation(n)
        losses.append(float(epoch(tf.constant(order))))
    return DescentResult(w.numpy(), losses)


def relative_error(estimate: np.ndarray, reference: np.ndarray) -> float:
    """‖w − w*‖ / ‖w*‖."""
    return float(np.linalg.norm(estimate - reference) / np.linalg.norm(reference))


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """φ(x) = (x, x², ..., x^d) for 1-D x (the bias is added by `with_bias`)."""
    if degree < 0:
        raise KeraslabError(f"Polynomial degree must be at least 0, received {degree}.")
    x = np.asarray(x, np.float64).reshape(-1)
    return np.stack([x**k for k in range(1, degree + 1)], axis=1) if degree else np.zeros((len(x), 0))


@dataclasses.dataclass
class DegreeSelection:
    degrees: List[int]
    train_mse: List[float]
    validation_mse: List[float]

    @property
    def best(self) -> int:
        return self.degrees[int(np.argmin(self.validation_mse))]


def select_degree(x_train, y_train, x_validation, y_validation, degrees: Sequence[int]) -> DegreeSelection:
    """Fits each degree in closed form; validation error picks the degree."""
    train, validation = [], []
    for degree in degrees:
        w = closed_form(polynomial_features(x_train, degree), y_train)
        for xs, ys, errors in ((x_train, y_train, train), (x_validation, y_validation, validation)):
            prediction = with_bias(polynomial_features(xs, degree)) @ w
            errors.append(float(np.mean((prediction - ys) ** 2)))
    return DegreeSelection(list(degrees), train, validation)


def plot_degree_selection(selection: DegreeSelection, path, true_degree: int = None):
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(selection.degrees, selection.train_mse, marker="o", label="training MSE")
    ax.semilogy(selection.degrees, selection.validation_mse, marker="o", label="validation MSE")
    ax.axvline(selection.best, color="black", linestyle="--", label=f"chosen degree {selection.best}")
    if true_degree is not None:
        ax.axvline(true_degree, color="green", linestyle=":", label=f"true degree {true_degree}")
    ax.set_xlabel("polynomial degree")
    ax.set_ylabel("mean squared error")
    ax.set_title("Choosing the degree on a validation split")
    ax.legend()
    return save_figure(fig, path, dpi=110)


def best_linear_accuracy(features: np.ndarray, targets: np.ndarray, directions: int = 720) -> float:
    """The highest accuracy any line (any linear classifier) reaches on 2-D data.

    Searches directions u(θ) = (cos θ, sin θ), θ in [0, π), and every
    threshold between consecutive projections uᵀx, in both orientations: an
    exhaustive search up to the angular grid.
    """
    x = np.asarray(features, np.float64)
    y = np.asarray(targets).astype(bool)
    best = max(y.mean(), 1 - y.mean())
    for theta in np.linspace(0, np.pi, directions, endpoint=False):
        projection = x @ np.array([np.cos(theta), np.sin(theta)])
        order = np.argsort(projection)
        positives_below = np.concatenate([[0], np.cumsum(y[order])])  # class-1 points at or below each cut
        below = np.arange(len(y) + 1)
        # Predict 1 above the cut: correct = (0s below) + (1s above).
        correct = (below - positives_below) + (y.sum() - positives_below)
        best = max(best, correct.max() / len(y), (len(y) - correct).max() / len(y))
    return float(best)
