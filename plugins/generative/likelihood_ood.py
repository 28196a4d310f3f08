"""Out-of-distribution detection by likelihood: an input the model gives a
low log p(x) is flagged, scored by the ROC AUC of −log p(x) separating the
test digits from inputs no digit looks like.

The sets are the bayesian topic's, made binary like the digits: uniform
noise (each pixel on with probability ½) and the test digits inverted
(1 − x); and two simple inputs, a blank image and a bar (a vertical
stroke two pixels wide and six high in the middle of the image, simpler
than any digit, close to a schematic "1"). A density model need not rank a
simpler input lower: Nalisnick et al. (2019, "Do deep generative models
know what they don't know?") found models of complex images giving higher
likelihood to simpler ones. An AUC below ½ means the model finds the set
*more* likely than the test digits.
"""

from __future__ import annotations

from typing import Dict

import numpy as np


def binary_ood_sets(features: np.ndarray, seed: int = 0) -> Dict[str, np.ndarray]:
    """Noise, inverted digits, blank images and bars, as many as `features`
    (binary images, shaped (n, height, width, channels))."""
    rng = np.random.default_rng(seed)
    height, width = features.shape[1:3]
    bar = np.zeros_like(features, dtype=np.float32)
    bar[:, height // 8 : height - height // 8, width // 2 - 1 : width // 2 + 1] = 1.0
    return {
        "noise": (rng.random(features.shape) < 0.5).astype(np.float32),
        "inverted": (1.0 - features).astype(np.float32),
        "blank": np.zeros_like(features, dtype=np.float32),
        "bar": bar,
    }


def per_example_log_prob(model, features: np.ndarray, batch: int = 256) -> np.ndarray:
    import tensorflow as tf

    return np.concatenate(
        [model.log_prob(tf.constant(features[i : i + batch])).numpy() for i in range(0, len(features), batch)]
    )


def auc_higher_out(in_scores: np.ndarray, out_scores: np.ndarray) -> float:
    """ROC AUC of a score meant to be higher out of distribution."""
    from sklearn.metrics import roc_auc_score

    labels = np.concatenate([np.zeros(len(in_scores)), np.ones(len(out_scores))])
    return float(roc_auc_score(labels, np.concatenate([in_scores, out_scores])))


def likelihood_ood(model, test_features: np.ndarray) -> Dict[str, Dict[str, float]]:
    """{set: AUC of −log p(x), its mean −log p(x)} beside the test digits' own."""
    test_nll = -per_example_log_prob(model, test_features)
    result = {"test_mean_nll": float(test_nll.mean())}
    for name, images in binary_ood_sets(test_features).items():
        nll = -per_example_log_prob(model, images)
        result[name] = {"auc_nll": auc_higher_out(test_nll, nll), "mean_nll": float(nll.mean())}
    return result
