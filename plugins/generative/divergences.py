"""Forward against reverse KL: one Gaussian fitted to a density with two modes.

The target p is an equal mixture of N(−d/2, s²) and N(d/2, s²); the model is
q = N(μ, σ²). The two directions of the Kullback–Leibler divergence ask
different things of q (Bishop, 2006, §10.1.2; Murphy, 2012, §21.2.2):

* forward, KL(p ‖ q) = E_p[log p(x) − log q(x)], what maximum likelihood
  minimises: q must put mass wherever p has some, so it covers both modes.
  Its minimum is moment matching, μ = E_p[x] = 0 and σ² = Var_p[x] = s² + d²/4,
  which puts q's peak where p has almost no mass.
* reverse, KL(q ‖ p) = E_q[log q(x) − log p(x)], what variational inference
  minimises: q is penalised wherever it puts mass that p lacks, so it
  settles on one mode (μ ≈ ±d/2, σ ≈ s) and ignores the other. For
  well-separated modes its minimum is close to log 2: q is one of p's halves.

Both are minimised by gradient descent (Adam) on (μ, log σ), the
expectations computed by quadrature rather than sampled, so a fit is
deterministic: E_p by the trapezoidal rule on a fine grid, E_q by
Gauss–Hermite quadrature through the reparameterisation x = μ + σ·z. Every
fit starts at σ₀ = 1; the reverse one is not convex and is fitted from
several starts (`fit_seed`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from keraslab.core.api import KeraslabError

STUDY_FILE = "divergences.json"
PICTURE = "divergences.png"


@dataclasses.dataclass(frozen=True)
class Bimodal:
    """p = ½ N(−separation/2, scale²) + ½ N(separation/2, scale²)."""

    separation: float = 4.0
    scale: float = 0.5

    def check(self) -> None:
        if not self.separation > 0 or not self.scale > 0:
            raise KeraslabError(
                f"--separation and --scale must be above 0, received {self.separation} and {self.scale}."
            )

    @property
    def moments(self) -> Dict[str, float]:
        """p's mean and standard deviation: the forward fit's exact answer."""
        return {"mean": 0.0, "std": float(np.sqrt(self.scale**2 + self.separation**2 / 4))}

    def log_prob(self, x):
        import tensorflow as tf

        x = tf.convert_to_tensor(x, tf.float64)
        centres = tf.constant([-self.separation / 2, self.separation / 2], tf.float64)
        z = (x[..., None] - centres) / self.scale
        log_components = -0.5 * z**2 - np.log(self.scale * np.sqrt(2 * np.pi))
        return tf.reduce_logsumexp(log_components, axis=-1) - np.log(2.0)


def _normal_log_prob(x, mean, log_std):
    import tensorflow as tf

    return -0.5 * ((x - mean) / tf.exp(log_std)) ** 2 - log_std - 0.5 * np.log(2 * np.pi)


def forward_kl(p: Bimodal, mean, log_std):
    """KL(p ‖ q) by the trapezoidal rule over p's support (±8 of its scale past each mode)."""
    import tensorflow as tf

    reach = p.separation / 2 + 8 * p.scale
    grid = tf.constant(np.linspace(-reach, reach, 4001), tf.float64)
    log_p = p.log_prob(grid)
    integrand = tf.exp(log_p) * (log_p - _normal_log_prob(grid, mean, log_std))
    spacing = grid[1] - grid[0]
    return spacing * (tf.reduce_sum(integrand) - 0.5 * (integrand[0] + integrand[-1]))


def reverse_kl(p: Bimodal, mean, log_std):
    """KL(q ‖ p) = E_z[log q(μ + σz) − log p(μ + σz)], z ~ N(0, 1), by 64-point Gauss–Hermite."""
    import tensorflow as tf

    nodes, weights = np.polynomial.hermite_e.hermegauss(64)  # ∫ f(z) e^{−z²/2} dz ≈ Σ w f(z)
    z = tf.constant(nodes, tf.float64)
    weights = tf.constant(weights / np.sqrt(2 * np.pi), tf.float64)
    x = mean + tf.exp(log_std) * z
    return tf.reduce_sum(weights * (_normal_log_prob(x, mean, log_std) - p.log_prob(x)))


DIVERGENCES = {"forward": forward_kl, "reverse": reverse_kl}


def fit(p: Bimodal, direction: str, start_mean: float, steps: int = 1500, learning_rate: float = 0.05):
    """(μ, σ) of the Gaussian minimising the divergence in `direction` from μ₀ = `start_mean`, σ₀ = 1."""
    import tensorflow as tf

    mean = tf.Variable(start_mean, dtype=tf.float64)
    log_std = tf.Variable(0.0, dtype=tf.float64)
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    optimizer.build([mean, log_std])
    divergence = DIVERGENCES[direction]

    @tf.function
    def descend():
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = divergence(p, mean, log_std)
            optimizer.apply_gradients(zip(tape.gradient(loss, [mean, log_std]), [mean, log_std]))

    descend()
    return {
        "start_mean": float(start_mean),
        "mean": float(mean.numpy()),
        "std": float(np.exp(log_std.numpy())),
        "kl": float(divergence(p, mean, log_std).numpy()),
        # The other direction at the same q: what each fit gives up.
        "other_kl": float(DIVERGENCES["reverse" if direction == "forward" else "forward"](p, mean, log_std).numpy()),
    }


def fit_seed(p: Bimodal, seed: int, restarts: int, steps: int) -> Dict:
    """One seed: the forward fit from μ₀ ~ N(0, 1), and the reverse fit from
    `restarts` starts μ₀ ~ N(0, (d/2)²), keeping the lowest divergence (the
    reverse divergence is not convex in (μ, σ): a start near the middle can
    stop in a wide local minimum between the modes)."""
    rng = np.random.default_rng(seed)
    forward = fit(p, "forward", float(rng.normal()), steps)
    starts = rng.normal(0.0, p.separation / 2, size=restarts)
    tries = [fit(p, "reverse", float(start), steps) for start in starts]
    return {"seed": seed, "forward": forward, "reverse": min(tries, key=lambda r: r["kl"]), "reverse_tries": tries}


def run_study(p: Bimodal, seeds: Sequence[int], out: Path, restarts: int = 4, steps: int = 1500) -> Dict:
    """Both fits for every seed; writes divergences.json and divergences.png into `out`."""
    p.check()
    if not seeds:
        raise KeraslabError("--seeds must name at least one seed.")
    if steps < 1 or restarts < 1:
        raise KeraslabError(f"--steps and --restarts must be at least 1, received {steps} and {restarts}.")
    out.mkdir(parents=True, exist_ok=True)
    results = [fit_seed(p, seed, restarts, steps) for seed in seeds]
    report = {
        "target": dataclasses.asdict(p),
        "moments": p.moments,
        "steps": steps,
        "restarts": restarts,
        "seeds": results,
    }
    (out / STUDY_FILE).write_text(json.dumps(report, indent=2) + "\n")
    plot_fits(p, results, out / PICTURE)
    return report


def plot_fits(p: Bimodal, results: List[Dict], path: Path) -> Path:
    """p with every seed's forward fit (they agree) and reverse fit; the reverse
    tries that stopped elsewhere dotted."""
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    reach = max(p.separation / 2 + 4 * p.scale, 3 * p.moments["std"])
    x = np.linspace(-reach, reach, 800)

    def density(fitted):
        return np.exp(-0.5 * ((x - fitted["mean"]) / fitted["std"]) ** 2) / (fitted["std"] * np.sqrt(2 * np.pi))

    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.fill_between(x, np.exp(p.log_prob(x).numpy()), color="0.85", label="p: two modes")
    for index, result in enumerate(results):
        first = index == 0
        ax.plot(x, density(result["forward"]), color="tab:blue", label="KL(p‖q): covers both" if first else None)
        ax.plot(x, density(result["reverse"]), color="tab:red", label="KL(q‖p): picks one" if first else None)
        for tried in result["reverse_tries"]:
            if abs(tried["kl"] - result["reverse"]["kl"]) > 1e-3:
                ax.plot(x, density(tried), color="tab:red", linestyle=":", alpha=0.6)
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title(f"one Gaussian fitted to two modes, seeds {', '.join(str(r['seed']) for r in results)}")
    ax.legend(loc="upper right", fontsize=8)
    return save_figure(fig, path)
