"""Measures of predictive uncertainty, and how well they are calibrated.

For S Monte-Carlo passes with class probabilities p_s(x):

* predictive p̄ = (1/S) Σ_s p_s; its entropy H[p̄] = −Σ_k p̄_k log p̄_k is the
  total uncertainty;
* mutual information I = H[p̄] − (1/S) Σ_s H[p_s] is the part due to the
  weights (epistemic): the passes disagree (Houlsby et al., 2011, BALD);
* vacuity u = K / S of a model whose logits are the log of Dirichlet
  parameters α (evidential classification, S = Σ_k α_k): 1 without evidence;
* expected calibration error ECE = Σ_b (n_b / n) |acc_b − conf_b| over bins
  of confidence max_k p̄_k (Guo et al., 2017).
"""

from __future__ import annotations

from typing import Dict

import numpy as np


def one_pass(model, features: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The model's logits for `features` from one forward pass, in batches: shape (n, K)."""
    import tensorflow as tf

    return np.concatenate(
        [
            model(tf.constant(features[i : i + batch_size]), training=False).numpy()
            for i in range(0, len(features), batch_size)
        ]
    )


def predictive_samples(model, features: np.ndarray, samples: int, batch_size: int = 512) -> np.ndarray:
    """Class probabilities of `samples` forward passes: shape (S, n, K)."""
    import tensorflow as tf

    return np.stack([tf.nn.softmax(one_pass(model, features, batch_size), axis=-1).numpy() for _ in range(samples)])


def dirichlet_vacuity(model, features: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """K / Σ_k α_k per example, for a model returning log α as its logits."""
    logits = one_pass(model, features, batch_size).astype(np.float64)
    return logits.shape[-1] / np.exp(logits).sum(axis=-1)


def entropy(p: np.ndarray) -> np.ndarray:
    return -np.sum(p * np.log(np.clip(p, 1e-12, 1.0)), axis=-1)


def mutual_information(passes: np.ndarray) -> np.ndarray:
    """H[p̄] − mean_s H[p_s], per example; 0 for a single pass."""
    return entropy(passes.mean(axis=0)) - entropy(passes).mean(axis=0)


def negative_log_likelihood(mean_probabilities: np.ndarray, targets: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(mean_probabilities[np.arange(len(targets)), targets], 1e-12, 1.0))))


def calibration_bins(mean_probabilities: np.ndarray, targets: np.ndarray, bins: int = 15) -> Dict[str, np.ndarray]:
    """Per equal-width confidence bin: count, mean confidence, accuracy."""
    confidence = mean_probabilities.max(axis=-1)
    correct = (mean_probabilities.argmax(axis=-1) == targets).astype(np.float64)
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    count = np.bincount(index, minlength=bins)
    safe = np.maximum(count, 1)
    return {
        "count": count,
        "confidence": np.bincount(index, confidence, bins) / safe,
        "accuracy": np.bincount(index, correct, bins) / safe,
        "edges": np.linspace(0, 1, bins + 1),
    }


def expected_calibration_error(mean_probabilities: np.ndarray, targets: np.ndarray, bins: int = 15) -> float:
    table = calibration_bins(mean_probabilities, targets, bins)
    return float(np.sum(table["count"] / len(targets) * np.abs(table["accuracy"] - table["confidence"])))


def separation_auc(in_distribution: np.ndarray, out_of_distribution: np.ndarray) -> float:
    """ROC AUC of a score that should be higher out of distribution."""
    from sklearn.metrics import roc_auc_score

    labels = np.concatenate([np.zeros(len(in_distribution)), np.ones(len(out_of_distribution))])
    return float(roc_auc_score(labels, np.concatenate([in_distribution, out_of_distribution])))


def out_of_distribution_sets(features: np.ndarray, seed: int = 0) -> Dict[str, np.ndarray]:
    """Inputs no digit looks like, in the digits' own range [0, peak]:
    uniform noise images, and the test digits inverted (peak − x)."""
    rng = np.random.default_rng(seed)
    peak = float(features.max())
    return {
        "noise": rng.uniform(0, peak, size=features.shape).astype(np.float32),
        "inverted": (peak - features).astype(np.float32),
    }
