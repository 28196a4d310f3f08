"""The optimizer lab: optimizers side by side on 2-D problems.

Problems (each with a known minimum, so "loss − minimum" measures progress):

* quadratic: f(w) = ½ (w − w*)ᵀ A (w − w*), A = R diag(1, 50) Rᵀ rotated by
  30°: a ravine with condition number 50, where plain gradient descent
  zig-zags across the valley and momentum or adaptive steps help.
* rosenbrock: f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1)
  (Rosenbrock, 1960): a curved, flat-bottomed valley.
* logistic: the mean logistic loss of a 2-weight linear classifier on 200
  generated points; the minimum is found by Newton's method first.

Each method runs from the same start for at most `steps` steps; the table
gives the steps and wall time to reach loss − minimum ≤ tolerance, and the
final loss. The plot draws every path on the loss contours.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from keraslab.core.api import KeraslabError
from keraslab.plugins.foundations import second_order
from keraslab.plugins.foundations.optimizers import OPTIMIZERS

SECOND_ORDER = ("newton", "damped-newton", "gauss-newton", "lbfgs")
METHODS = tuple(sorted(OPTIMIZERS)) + SECOND_ORDER


@dataclasses.dataclass(frozen=True)
class Problem:
    """A 2-D minimisation problem.

    Attributes:
        loss: f(w) for a float64 vector w of length 2.
        start: the common starting point.
        minimum: f at the minimiser.
        minimiser: the minimiser w*.
        learning_rates: a sensible step size for each first-order method.
        residuals: r(w) with f = ½‖r‖², where Gauss–Newton applies.
        extent: (xmin, xmax, ymin, ymax) of the contour plot.
    """

    name: str
    loss: Callable[[tf.Tensor], tf.Tensor]
    start: np.ndarray
    minimum: float
    minimiser: np.ndarray
    learning_rates: Dict[str, float]
    residuals: Optional[Callable[[tf.Tensor], tf.Tensor]] = None
    extent: tuple = (-2.0, 2.0, -2.0, 2.0)


def _rotation(degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def quadratic() -> Problem:
    rotation = _rotation(30)
    curvature = rotation @ np.diag([1.0, 50.0]) @ rotation.T
    root = rotation @ np.diag([1.0, math.sqrt(50.0)]) @ rotation.T  # A = rootᵀ root
    target = np.array([1.0, 0.5])
    a, r, t = (tf.constant(v, tf.float64) for v in (curvature, root, target))
    return Problem(
        "quadratic",
        loss=lambda w: 0.5 * tf.tensordot(w - t, tf.linalg.matvec(a, w - t), 1),
        start=np.array([-1.5, 1.5]),
        minimum=0.0,
        minimiser=target,
        learning_rates={"sgd": 0.035, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1},
        residuals=lambda w: tf.linalg.matvec(r, w - t),
        extent=(-2.0, 2.5, -2.0, 2.0),
    )


def rosenbrock() -> Problem:
    return Problem(
        "rosenbrock",
        loss=lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2,
        start=np.array([-1.2, 1.0]),
        minimum=0.0,
        minimiser=np.array([1.0, 1.0]),
        learning_rates={"sgd": 1e-3, "momentum": 2e-4, "nesterov": 2e-4, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
        # f = r₁² + r₂² = ½‖√2 r‖².
        residuals=lambda w: math.sqrt(2.0) * tf.stack([1 - w[0], 10 * (w[1] - w[0] ** 2)]),
        extent=(-2.0, 2.0, -1.0, 3.0),
    )


def logistic() -> Problem:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=200)
    # Overlapping classes: the loss has a finite minimiser (separable data would not).
    points = rng.normal(size=(200, 2)) * 1.5 + np.where(labels[:, None] == 1, [0.5, 1.0], [-0.5, -0.25])
    x, y = tf.constant(points, tf.float64), tf.constant(labels, tf.float64)

    def loss(w):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, tf.linalg.matvec(x, w)))

    minimiser = second_order.iterate(lambda w: second_order.newton_step(loss, w), np.zeros(2), 50)[-1]
    return Problem(
        "logistic",
        loss=loss,
        start=np.array([-2.0, 2.0]),
        minimum=float(loss(tf.constant(minimiser))),
        minimiser=minimiser,
        learning_rates={"sgd": 2.0, "momentum": 0.5, "nesterov": 0.5, "adagrad": 1.0, "rmsprop": 0.02, "adam": 0.05},
        extent=(-3.0, 3.0, -1.5, 3.0),
    )


PROBLEMS = {"quadratic": quadratic, "rosenbrock": rosenbrock, "logistic": logistic}


@dataclasses.dataclass
class Result:
    method: str
    path: List[np.ndarray]
    steps_to_tolerance: Optional[int]
    seconds_to_tolerance: Optional[float]
    final_loss: float


def _first_order_path(
    problem: Problem, name: str, learning_rate: float, steps: int, reached: Callable[[np.ndarray], bool]
) -> List[np.ndarray]:
    w = tf.Variable(problem.start, dtype=tf.float64)
    optimizer = OPTIMIZERS[name](learning_rate=learning_rate)
    path = [problem.start.copy()]
    for _ in range(steps):
        if reached(path[-1]):
            break
        with tf.GradientTape() as tape:
            value = problem.loss(w)
        optimizer.apply_gradients([(tape.gradient(value, w), w)])
        path.append(w.numpy().copy())
        if not np.all(np.isfinite(path[-1])):
            break
    return path


def run_method(
    problem: Problem,
    method: str,
    steps: int,
    tolerance: float,
    learning_rate: Optional[float] = None,
    damping: float = 1.0,
) -> Result:
    """Runs one method on `problem`; stops once loss − minimum ≤ tolerance."""

    def gap(w):
        return float(problem.loss(tf.constant(w, tf.float64))) - problem.minimum

    def reached(w):
        return gap(w) <= tolerance

    started = time.perf_counter()
    if method in OPTIMIZERS:
        path = _first_order_path(problem, method, learning_rate or problem.learning_rates[method], steps, reached)
    elif method == "newton":
        path = second_order.iterate(lambda w: second_order.newton_step(problem.loss, w), problem.start, steps, reached)
    elif method == "damped-newton":
        path = second_order.iterate(
            lambda w: second_order.newton_step(problem.loss, w, damping), problem.start, steps, reached
        )
    elif method == "gauss-newton":
        if problem.residuals is None:
            raise KeraslabError(
                f"Gauss-Newton needs a least-squares problem; '{problem.name}' is not one. "
                "Least-squares problems: quadratic, rosenbrock."
            )
        path = second_order.iterate(
            lambda w: second_order.gauss_newton_step(problem.residuals, w), problem.start, steps, reached
        )
    else:
        path = second_order.lbfgs_path(problem.loss, problem.start, steps, reached)
    seconds = time.perf_counter() - started
    gaps = [gap(w) for w in path]
    hit = next((i for i, g in enumerate(gaps) if g <= tolerance), None)
    return Result(
        method,
        path,
        hit,
        seconds * hit / max(len(path) - 1, 1) if hit is not None else None,
        gaps[-1] + problem.minimum,
    )


def compare(
    problem_name: str, methods: Sequence[str], steps: int, tolerance: float, damping: float = 1.0
) -> List[Result]:
    """Runs `methods` on the named problem; validates names and numbers first."""
    if problem_name not in PROBLEMS:
        raise KeraslabError(f"Unknown problem '{problem_name}'. Available: {', '.join(PROBLEMS)}.")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise KeraslabError(f"Unknown optimizer '{unknown[0]}'. Available: {', '.join(METHODS)}.")
    if steps < 1:
        raise KeraslabError(f"--steps must be at least 1, received {steps}.")
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise KeraslabError(f"--tolerance must be a finite number > 0, received {tolerance}.")
    if not (math.isfinite(damping) and damping >= 0):
        raise KeraslabError(f"--damping must be a finite number >= 0, received {damping}.")
    problem = PROBLEMS[problem_name]()
    if "gauss-newton" in methods and problem.residuals is None:
        raise KeraslabError(
            f"Gauss-Newton needs a least-squares problem; '{problem_name}' is not one. "
            "Least-squares problems: quadratic, rosenbrock."
        )
    return [run_method(problem, m, steps, tolerance, damping=damping) for m in methods]


def table(results: Sequence[Result], tolerance: float) -> str:
    """A plain-text table: method, steps and seconds to tolerance, final loss."""
    rows = [("method", f"steps to {tolerance:g}", "seconds to tol.", "final loss")]
    for r in results:
        rows.append(
            (
                r.method,
                "-" if r.steps_to_tolerance is None else str(r.steps_to_tolerance),
                "-" if r.seconds_to_tolerance is None else f"{r.seconds_to_tolerance:.4f}",
                f"{r.final_loss:.3e}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def plot(problem_name: str, results: Sequence[Result], path: Path) -> Path:
    """Paths of every method on the loss contours of the problem."""
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    problem = PROBLEMS[problem_name]()
    x0, x1, y0, y1 = problem.extent
    xs, ys = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    grid = tf.constant(np.stack([xs.ravel(), ys.ravel()], axis=1), tf.float64)
    values = tf.vectorized_map(problem.loss, grid).numpy().reshape(xs.shape) - problem.minimum
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.contour(xs, ys, np.log10(values + 1e-12), levels=25, cmap="Greys", linewidths=0.6)
    for result in results:
        points = np.array([p for p in result.path if np.all(np.isfinite(p))])
        ax.plot(points[:, 0], points[:, 1], marker=".", markersize=3, linewidth=1, label=result.method)
    ax.plot(*problem.minimiser, marker="*", color="black", markersize=12, linestyle="none", label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(f"{problem_name}: optimizer paths on log-loss contours")
    ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=110)
