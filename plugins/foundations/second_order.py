"""Second-order methods on small problems (parameters in one vector w).

* Newton:          w ← w − H⁻¹ g                 (exact on a quadratic: one step)
* damped Newton:   w ← w − (H + λI)⁻¹ g          (Levenberg, 1944: λ → 0 is
  Newton, λ → ∞ is gradient descent with step 1/λ)
* Gauss–Newton:    w ← w − (JᵀJ)⁻¹ Jᵀr, for f = ½‖r(w)‖²: the Hessian without
  its second-derivative term Σ r_i ∇²r_i (Nocedal & Wright, 2006, §10.3)
* L-BFGS:          `tfp.optimizer.lbfgs_minimize`, a quasi-Newton method that
  builds H⁻¹ from the last m gradient differences (Liu & Nocedal, 1989)

Gradients, Hessians and Jacobians come from TensorFlow's autodiff; each
method returns the iterates so their paths can be drawn.
"""

from __future__ import annotations

from typing import Callable, List, Optional

import numpy as np
import tensorflow as tf

Loss = Callable[[tf.Tensor], tf.Tensor]


def gradient_and_hessian(loss: Loss, w: np.ndarray):
    x = tf.constant(w, tf.float64)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = loss(x)
        gradient = inner.gradient(value, x)
    # A loop, not pfor: pfor retraces for every new point of a small problem.
    return gradient.numpy(), outer.jacobian(gradient, x, experimental_use_pfor=False).numpy()


def newton_step(loss: Loss, w: np.ndarray, damping: float = 0.0) -> np.ndarray:
    """One (damped) Newton step: w − (H + λI)⁻¹ g."""
    gradient, hessian = gradient_and_hessian(loss, w)
    return w - _solve(hessian + damping * np.eye(len(w)), gradient)


def _solve(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix⁻¹ vector, or the least-norm solution where the matrix is singular
    (a flat direction, e.g. a saturated logistic loss)."""
    try:
        return np.linalg.solve(matrix, vector)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(matrix, vector, rcond=None)[0]


def gauss_newton_step(residuals: Callable[[tf.Tensor], tf.Tensor], w: np.ndarray, damping: float = 0.0) -> np.ndarray:
    """One Gauss–Newton step for f = ½‖r(w)‖²: w − (JᵀJ + λI)⁻¹ Jᵀr."""
    x = tf.constant(w, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        r = residuals(x)
    jacobian = tape.jacobian(r, x, experimental_use_pfor=False).numpy()
    r = r.numpy()
    return w - _solve(jacobian.T @ jacobian + damping * np.eye(len(w)), jacobian.T @ r)


def iterate(
    step: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    steps: int,
    stop: Optional[Callable[[np.ndarray], bool]] = None,
) -> List[np.ndarray]:
    """[w₀, w₁, ...] from repeated steps, until `stop(w)` or `steps` steps."""
    path = [np.asarray(start, np.float64)]
    for _ in range(steps):
        if stop is not None and stop(path[-1]):
            break
        path.append(step(path[-1]))
    return path


def lbfgs_path(
    loss: Loss, start: np.ndarray, steps: int, stop: Optional[Callable[[np.ndarray], bool]] = None
) -> List[np.ndarray]:
    """L-BFGS iterates, one `lbfgs_minimize` iteration at a time."""
    import tensorflow_probability as tfp

    def value_and_gradient(x):
        return tfp.math.value_and_gradient(loss, x)

    path = [np.asarray(start, np.float64)]
    results = None
    for i in range(steps):
        if stop is not None and stop(path[-1]):
            break
        results = tfp.optimizer.lbfgs_minimize(
            value_and_gradient,
            initial_position=tf.constant(path[0], tf.float64) if results is None else None,
            previous_optimizer_results=results,
            max_iterations=i + 1,
            tolerance=0.0,
        )
        position = results.position.numpy()
        if np.allclose(position, path[-1], rtol=0, atol=0) and (results.converged or results.failed):
            break
        path.append(position)
    return path
