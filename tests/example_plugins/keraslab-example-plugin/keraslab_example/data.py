import numpy as np

from keraslab.core.data import Examples


def make_blobs(config, n: int = 300) -> Examples:
    rng = np.random.default_rng(config.seed)
    targets = np.arange(n) % 3
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    features = centres[targets] + rng.normal(scale=0.5, size=(n, 2))
    return Examples(features.astype(np.float32), targets.astype(np.int64), 3)
