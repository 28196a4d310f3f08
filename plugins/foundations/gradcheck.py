"""Gradient checking: a module's backward pass against central finite
differences and against TensorFlow's autodiff of a reference forward pass.

For a module y = f(x₁, ..., x_k) and a random upstream vector u, the scalar
L(x) = Σ u ⊙ f(x) has ∂L/∂x_i = (backward pass applied to u)_i. Central
differences estimate it to O(ε²):

    ∂L/∂x[j] ≈ (L(x + ε e_j) − L(x − ε e_j)) / (2ε)

and the relative error ‖a − b‖ / max(‖a‖, ‖b‖) compares two gradients
(CS231n's gradient check; in float64 a correct backward pass gives ~1e-9).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, List, Sequence

import numpy as np
import tensorflow as tf

from keraslab.plugins.foundations.zoo import MODULES

#: Forward passes built from TensorFlow ops, differentiated by autodiff.
REFERENCES = {
    "linear": lambda x, w, b: tf.matmul(x, w) + b,
    "relu": tf.nn.relu,
    "leaky_relu": lambda x: tf.nn.leaky_relu(x, alpha=0.01),
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    "softplus": tf.nn.softplus,
    "softmax": tf.nn.softmax,
    "cross_entropy": lambda p, t: -tf.reduce_sum(t * tf.math.log(p)) / tf.cast(tf.shape(p)[0], p.dtype),
    "cross_entropy_with_logits": lambda z, t: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(t, z)),
    "squared_loss": lambda y, t: tf.reduce_sum((y - t) ** 2) / (2 * tf.cast(tf.shape(y)[0], y.dtype)),
    "add": tf.add,
    "multiply": tf.multiply,
    "reduce_sum": lambda x: tf.reduce_sum(x, axis=-1),
    "reduce_max": lambda x: tf.reduce_max(x, axis=-1),
    "conv2d": lambda x, k: tf.nn.conv2d(x, k, strides=1, padding="VALID"),
    "max_pool": lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
}


@dataclasses.dataclass(frozen=True)
class GradientReport:
    """A module's gradient check: relative errors of its backward pass."""

    module: str
    versus_finite_differences: float
    versus_autodiff: float


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖), 0 when both vanish."""
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def example_inputs(name: str, rng: np.random.Generator) -> List[np.ndarray]:
    """Float64 inputs for module `name` away from kinks and ties (where the
    finite-difference estimate would straddle a non-differentiable point)."""
    shapes = MODULES[name][1]
    values = [rng.normal(size=shape) for shape in shapes]
    if name in ("relu", "leaky_relu"):
        values[0] = np.sign(values[0]) * (0.1 + np.abs(values[0]))
    if name in ("reduce_max", "max_pool"):
        values[0] = rng.permutation(np.arange(values[0].size)).reshape(shapes[0]) * 0.1
    if name == "cross_entropy":
        values[0] = np.exp(values[0]) / np.exp(values[0]).sum(axis=-1, keepdims=True)
    if name in ("cross_entropy", "cross_entropy_with_logits"):
        values[1] = np.eye(shapes[1][-1])[rng.integers(0, shapes[1][-1], size=shapes[1][0])]
    return values


def backward_pass(fn: Callable, inputs: Sequence[np.ndarray], upstream: np.ndarray) -> List[np.ndarray]:
    tensors = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        scalar = tf.reduce_sum(upstream * fn(*tensors))
    return [g.numpy() for g in tape.gradient(scalar, tensors)]


def finite_differences(
    fn: Callable, inputs: Sequence[np.ndarray], upstream: np.ndarray, epsilon: float = 1e-6
) -> List[np.ndarray]:
    def scalar(values):
        return float(tf.reduce_sum(upstream * fn(*[tf.constant(v) for v in values])))

    gradients = []
    for i, x in enumerate(inputs):
        gradient = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            plus = [v.copy() for v in inputs]
            minus = [v.copy() for v in inputs]
            plus[i][j] += epsilon
            minus[i][j] -= epsilon
            gradient[j] = (scalar(plus) - scalar(minus)) / (2 * epsilon)
        gradients.append(gradient)
    return gradients


def check_module(name: str, seed: int = 0) -> GradientReport:
    """Checks module `name`'s backward pass in float64; returns both relative errors."""
    rng = np.random.default_rng(seed)
    module = MODULES[name][0]
    inputs = example_inputs(name, rng)
    output = module(*[tf.constant(x) for x in inputs])
    upstream = rng.normal(size=output.shape)
    ours = backward_pass(module, inputs, upstream)
    numerical = finite_differences(module, inputs, upstream)
    autodiff = backward_pass(REFERENCES[name], inputs, upstream)
    flat = lambda gradients: np.concatenate([g.ravel() for g in gradients])  # noqa: E731
    return GradientReport(name, relative_error(flat(ours), flat(numerical)), relative_error(flat(ours), flat(autodiff)))
