"""Compression through the posterior: prune Bayes-by-backprop weights by
their signal-to-noise ratio (Blundell et al., 2015, §5.1).

Each kernel weight of a trained variational network has a posterior
N(μ, σ²). Its signal-to-noise ratio |μ| / σ says how sure the network is
that the weight is not zero: weights of low SNR can be set to zero at little
cost. For each fraction f, the fraction f of the kernel weights (over all
Bayesian layers together) with the lowest SNR are removed (μ = 0) and the
network is scored by its posterior mean (every σ set to ≈ 0, so a pass is
deterministic); pruning by |μ| alone is the baseline that ignores σ.
Biases are kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import tensorflow as tf

from keraslab.core.api import KeraslabError, pyplot, save_figure

FRACTIONS = (0.0, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99)
RESULT_FILE = "pruning.json"
PICTURE = "pruning.png"
DETERMINISTIC = -30.0  # an untransformed scale whose softplus (≈ 1e-13) makes a pass the mean network's


def posterior_kernels(model: tf.keras.Model):
    """(layer name, loc variable, untransformed-scale variable, σ) of every Bayesian kernel."""
    kernels = []
    for layer in model.layers:
        posterior = getattr(layer, "kernel_posterior", None)
        if posterior is None:
            continue
        variables = {w.name.split("/")[-1].split(":")[0]: w for w in layer.weights}
        loc, scale = variables.get("kernel_posterior_loc"), variables.get("kernel_posterior_untransformed_scale")
        if loc is None or scale is None:
            continue
        kernels.append((layer.name, loc, scale, posterior.stddev().numpy()))
    if not kernels:
        raise KeraslabError(
            f"Model '{model.name}' has no Bayesian kernels with a mean-field posterior; prune takes a run of "
            "bnn-flipout, bnn-flipout-conv or bnn-reparam."
        )
    return kernels


def _accuracy(model, test, batch_size: int = 512) -> float:
    """Accuracy of one deterministic pass over `test` (in memory)."""
    logits = np.concatenate(
        [model(test.features[i : i + batch_size], training=False).numpy() for i in range(0, len(test), batch_size)]
    )
    return float(np.mean(logits.argmax(axis=-1) == test.targets))


def prune_study(model: tf.keras.Model, test_examples, fractions: Sequence[float] = FRACTIONS) -> Dict:
    """Test accuracy of the posterior-mean network with each fraction of its
    kernel weights removed, by SNR and by |μ|; `test_examples` in memory (a
    streamed split as `report.report_splits` holds it). The model is left as it was."""
    kernels = posterior_kernels(model)
    means = [loc.numpy() for _, loc, _, _ in kernels]
    scales = [scale.numpy() for _, _, scale, _ in kernels]
    snr = np.concatenate([np.abs(m).ravel() / s.ravel() for m, (_, _, _, s) in zip(means, kernels)])
    magnitude = np.concatenate([np.abs(m).ravel() for m in means])
    rows: List[Dict] = []
    try:
        for _, _, scale, _ in kernels:
            scale.assign(tf.fill(scale.shape, tf.constant(DETERMINISTIC, scale.dtype)))
        for fraction in fractions:
            row = {"fraction_removed": float(fraction)}
            for criterion, score in (("snr", snr), ("magnitude", magnitude)):
                removed = int(round(fraction * score.size))
                threshold = np.sort(score)[removed - 1] if removed else -np.inf
                offset = 0
                for (_, loc, _, _), mean in zip(kernels, means):
                    keep = score[offset : offset + mean.size].reshape(mean.shape) > threshold
                    loc.assign(np.where(keep, mean, 0.0).astype(mean.dtype))
                    offset += mean.size
                row[f"{criterion}_accuracy"] = _accuracy(model, test_examples)
            rows.append(row)
    finally:
        for (_, loc, scale, _), mean, untransformed in zip(kernels, means, scales):
            loc.assign(mean)
            scale.assign(untransformed)
    return {
        "weights": int(snr.size),
        "layers": [name for name, *_ in kernels],
        "snr_quantiles": {str(q): float(np.quantile(snr, q)) for q in (0.1, 0.5, 0.9)},
        "rows": rows,
    }


def check_fractions(fractions: Sequence[float]) -> None:
    if not fractions or any(not 0 <= f < 1 for f in fractions):
        raise KeraslabError(f"--fractions must be comma-separated numbers in [0, 1), received {list(fractions)}.")


def write_study(report: Dict, folder: Path) -> Path:
    (folder / RESULT_FILE).write_text(json.dumps(report, indent=2) + "\n")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    removed = [100 * r["fraction_removed"] for r in report["rows"]]
    ax.plot(removed, [100 * r["snr_accuracy"] for r in report["rows"]], "o-", label="by signal-to-noise |μ|/σ")
    ax.plot(removed, [100 * r["magnitude_accuracy"] for r in report["rows"]], "s--", label="by magnitude |μ|")
    ax.set_xlabel(f"% of the {report['weights']:,} kernel weights removed")
    ax.set_ylabel("test accuracy (%), posterior mean")
    ax.legend(fontsize=8)
    return save_figure(fig, folder / PICTURE)
