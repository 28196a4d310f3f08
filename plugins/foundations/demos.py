"""Small claims of the notes, measured (in NumPy, and one with Keras).

* XOR through a feature map: no linear classifier of (x1, x2) separates XOR
  (at best 3 of its 4 corners), while the same linear model on
  ψ(x) = [x1, x2, x1·x2] does: x1 + x2 − 2·x1·x2 is XOR on the corners.
  Both are logistic regressions fitted by gradient descent on noisy points
  around the corners and scored on held-out points.
* Gradient noise against batch size: a mini-batch gradient
  g_B = (1/m) Σ_{i∈B} ∇ℓ_i is an unbiased estimate of the full gradient g,
  and for m examples drawn without replacement from N its error is
  E‖g_B − g‖² = (tr Σ / m)·(N − m)/(N − 1), Σ the covariance of the
  per-example gradients: the error's RMS falls as σ/√m. Measured on a
  softmax regression of the digits, whose per-example gradient is exact:
  ∇_W ℓ_i = (p_i − y_i) x_iᵀ.
* Universal approximation: the width of one tanh layer that fits a 1-D
  curve to a tolerance everywhere (`universal_approximation_study`).
* Whitening: gradient descent on least squares needs steps in proportion
  to the Hessian's condition number κ; decorrelating the inputs (PCA
  whitening) makes κ = 1 and the optimum is one step away.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Sequence

import numpy as np

from keraslab.core.api import pyplot, save_figure

CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float64)
XOR = np.array([0, 1, 1, 0])


def xor_points(n: int, noise: float, seed: int):
    """`n` points scattered (Gaussian, std `noise`) around XOR's four corners, with their labels."""
    rng = np.random.default_rng(seed)
    corner = rng.integers(4, size=n)
    return CORNERS[corner] + rng.normal(0, noise, size=(n, 2)), XOR[corner]


def feature_map(points: np.ndarray) -> np.ndarray:
    """ψ(x) = [x1, x2, x1·x2]."""
    return np.column_stack([points, points[:, 0] * points[:, 1]])


def fit_logistic(features: np.ndarray, labels: np.ndarray, steps: int = 5000, learning_rate: float = 1.0):
    """Weights and bias of a logistic regression by full-batch gradient descent on the mean cross-entropy."""
    weights, bias = np.zeros(features.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(features @ weights + bias)))
        weights -= learning_rate * features.T @ (p - labels) / len(labels)
        bias -= learning_rate * float(np.mean(p - labels))
    return weights, bias


def accuracy(features, labels, weights, bias) -> float:
    return float(np.mean(((features @ weights + bias) > 0) == labels))


@dataclasses.dataclass(frozen=True)
class XorResult:
    seed: int
    linear_accuracy: float  # held-out, on (x1, x2)
    mapped_accuracy: float  # held-out, on ψ(x)
    mapped_weights: List[float]  # [w1, w2, w12, b]


def xor_study(seeds: Sequence[int], n: int = 400, noise: float = 0.15) -> List[XorResult]:
    results = []
    for seed in seeds:
        train_x, train_y = xor_points(n, noise, seed)
        test_x, test_y = xor_points(n, noise, 10_000 + seed)
        linear = fit_logistic(train_x, train_y)
        mapped = fit_logistic(feature_map(train_x), train_y)
        results.append(
            XorResult(
                seed,
                accuracy(test_x, test_y, *linear),
                accuracy(feature_map(test_x), test_y, *mapped),
                [*map(float, mapped[0]), float(mapped[1])],
            )
        )
    return results


def plot_xor(seed: int, path: Path, n: int = 400, noise: float = 0.15) -> Path:
    """Both decision boundaries over the training points of one seed."""
    plt = pyplot()
    x, y = xor_points(n, noise, seed)
    grid = np.stack(np.meshgrid(np.linspace(-0.6, 1.6, 200), np.linspace(-0.6, 1.6, 200)), -1).reshape(-1, 2)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    for ax, (title, transform) in zip(axes, (("linear in (x1, x2)", lambda v: v), ("linear in ψ(x)", feature_map))):
        weights, bias = fit_logistic(transform(x), y)
        side = (transform(grid) @ weights + bias > 0).reshape(200, 200)
        ax.contourf(grid[:, 0].reshape(200, 200), grid[:, 1].reshape(200, 200), side, alpha=0.2, cmap="coolwarm")
        ax.scatter(x[:, 0], x[:, 1], c=y, s=6, cmap="coolwarm")
        ax.set_title(f"{title}: {accuracy(transform(x), y, weights, bias):.0%} of training points")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    return save_figure(fig, path)


@dataclasses.dataclass(frozen=True)
class GradientNoise:
    batch_size: int
    measured_rms: float  # sqrt(mean over draws of ‖g_B − g‖²)
    predicted_rms: float  # sqrt(tr Σ / m · (N − m)/(N − 1))


def per_example_gradients(features: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """∇_W ℓ_i of the softmax cross-entropy, flattened: (p_i − onehot(y_i)) ⊗ x_i, shape (N, D·K)."""
    logits = features @ weights
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return (features[:, :, None] * p[:, None, :]).reshape(len(labels), -1)


def gradient_noise_study(
    features: np.ndarray, labels: np.ndarray, batch_sizes: Sequence[int], draws: int = 2000, seed: int = 0
) -> List[GradientNoise]:
    """Mini-batch gradient error at fixed random weights W ~ N(0, 0.01²), against the formula."""
    rng = np.random.default_rng(seed)
    classes = int(labels.max()) + 1
    weights = rng.normal(0, 0.01, size=(features.shape[1], classes))
    gradients = per_example_gradients(features, labels, weights)
    full, n = gradients.mean(axis=0), len(labels)
    trace = float(np.sum(gradients.var(axis=0, ddof=1)))
    rows = []
    for m in batch_sizes:
        errors = [
            float(np.sum((gradients[rng.choice(n, size=m, replace=False)].mean(axis=0) - full) ** 2))
            for _ in range(draws)
        ]
        rows.append(GradientNoise(m, float(np.sqrt(np.mean(errors))), float(np.sqrt(trace / m * (n - m) / (n - 1)))))
    return rows


def plot_gradient_noise(rows: Sequence[GradientNoise], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    sizes = [r.batch_size for r in rows]
    ax.loglog(sizes, [r.measured_rms for r in rows], "o", label="measured ‖g_B − g‖ (RMS over draws)")
    ax.loglog(sizes, [r.predicted_rms for r in rows], "-", label="σ/√m · √((N − m)/(N − 1))")
    ax.set_xlabel("batch size m")
    ax.set_ylabel("gradient error")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


@dataclasses.dataclass(frozen=True)
class WhiteningResult:
    inputs: str  # "raw", "standardised" or "whitened"
    condition_number: float  # of the Hessian XᵀX/N of the squared loss
    steps: int  # gradient-descent steps at η = 1/λ_max until within `tolerance` of the least-squares loss


def whitening_study(
    n: int = 2000, correlation: float = 0.95, scales=(1.0, 10.0), tolerance: float = 1e-6, seed: int = 0
) -> List[WhiteningResult]:
    """Linear least squares on two correlated inputs of different scales, by
    full-batch gradient descent at the largest safe step 1/λ_max, from raw,
    standardised (zero mean, unit variance each) and whitened inputs
    (PCA whitening, W = Λ^(−1/2) Uᵀ of the covariance U Λ Uᵀ: identity
    covariance). Gradient descent needs about κ·log(1/tolerance) steps for a
    condition number κ of the Hessian; whitening makes κ = 1."""
    rng = np.random.default_rng(seed)
    covariance = np.array([[1.0, correlation], [correlation, 1.0]]) * np.outer(scales, scales)
    x = rng.multivariate_normal([3.0, -2.0], covariance, size=n)
    y = x @ np.array([1.5, -0.3]) + 0.5 + rng.normal(0, 0.1, size=n)
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred.T))
    variants = {
        "raw": x,
        "standardised": centred / x.std(axis=0),
        "whitened": centred @ vectors / np.sqrt(values),
    }
    results = []
    for name, inputs in variants.items():
        design = np.column_stack([inputs, np.ones(n)])
        hessian = design.T @ design / n
        eigenvalues = np.linalg.eigvalsh(hessian)
        best = np.linalg.lstsq(design, y, rcond=None)[0]
        target = float(np.mean((design @ best - y) ** 2))
        weights, steps = np.zeros(3), 0
        while np.mean((design @ weights - y) ** 2) - target > tolerance and steps < 1_000_000:
            weights -= design.T @ (design @ weights - y) / n / eigenvalues[-1]
            steps += 1
        results.append(WhiteningResult(name, float(eigenvalues[-1] / eigenvalues[0]), steps))
    return results


def plot_whitening(results: Sequence[WhiteningResult], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.loglog([r.condition_number for r in results], [r.steps for r in results], "o")
    for r in results:
        ax.annotate(r.inputs, (r.condition_number, r.steps), textcoords="offset points", xytext=(6, -4), fontsize=8)
    ax.set_xlabel("condition number κ of the Hessian")
    ax.set_ylabel("gradient-descent steps to the optimum")
    return save_figure(fig, path)


@dataclasses.dataclass(frozen=True)
class ApproximationResult:
    width: int
    max_error: float  # sup over a fine grid of |f(x) − network(x)|
    rms_error: float


def _fit_tanh_network(width: int, x: np.ndarray, y: np.ndarray, steps: int, seed: int):
    """A 1 → width (tanh) → 1 network fitted by full-batch Adam 1e-2 on the squared error."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential(
        [tf.keras.layers.Dense(width, activation="tanh", input_shape=(1,)), tf.keras.layers.Dense(1)]
    )
    optimizer = tf.keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    inputs, targets = tf.constant(x), tf.constant(y)

    @tf.function
    def fit():
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(inputs) - targets) ** 2)
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))

    fit()
    return model


def universal_approximation_study(
    widths: Sequence[int] = (1, 2, 4, 8, 16, 32), steps: int = 4000, seed: int = 0
) -> List[ApproximationResult]:
    """One hidden layer of tanh units fitted to f(x) = sin(3x) + 0.3·x² on
    [−2, 2] (256 evenly spaced points, full-batch Adam 1e-2 on the squared
    error, `steps` steps, the best of 3 initialisations), scored by the
    largest error on a grid 8 times finer. Universal approximation (Cybenko,
    1989) says some width reaches any tolerance; the study measures which,
    within this training budget."""

    def target(x):
        return np.sin(3 * x) + 0.3 * x**2

    x_train = np.linspace(-2, 2, 256)[:, None].astype(np.float32)
    x_test = np.linspace(-2, 2, 2048)[:, None].astype(np.float32)
    results = []
    for width in widths:
        tries = []
        for attempt in range(3):
            model = _fit_tanh_network(width, x_train, target(x_train), steps, seed * 100 + attempt)
            error = np.abs(model(x_test).numpy() - target(x_test))
            tries.append(ApproximationResult(width, float(error.max()), float(np.sqrt(np.mean(error**2)))))
        results.append(min(tries, key=lambda r: r.max_error))
    return results


def width_needed(results: Sequence[ApproximationResult], tolerance: float):
    """The smallest width whose largest error is within `tolerance` (None if none)."""
    return next((r.width for r in results if r.max_error <= tolerance), None)


def plot_approximation(results: Sequence[ApproximationResult], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.semilogy([r.width for r in results], [r.max_error for r in results], "o-", label="largest error")
    ax.semilogy([r.width for r in results], [r.rms_error for r in results], "s--", label="RMS error")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("tanh units in the hidden layer")
    ax.set_ylabel("|f − network| on a fine grid")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
