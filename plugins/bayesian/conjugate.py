"""Bayesian linear regression in closed form: the baseline the variational
models are compared against on the same data (Bishop, 2006, §3.3 and §3.5).

With basis functions φ(x), prior w ~ N(0, α⁻¹ I) and noise precision β:

    posterior   S_N⁻¹ = α I + β ΦᵀΦ,   m_N = β S_N Φᵀ t
    predictive  y | x ~ N(m_Nᵀ φ(x), 1/β + φ(x)ᵀ S_N φ(x))

1/β is the aleatoric variance (one value: the model is homoscedastic) and
φᵀ S_N φ the epistemic one. α and β maximise the evidence p(t | α, β) by
the fixed-point updates γ = Σ λ_i / (α + λ_i), α = γ / m_Nᵀ m_N,
1/β = ‖t − Φ m_N‖² / (N − γ), λ_i the eigenvalues of β ΦᵀΦ.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class BayesianLinearRegression:
    """The posterior of a linear model in a fixed basis.

    Attributes:
        basis: "linear" (standardised inputs and a bias) or "rbf" (Gaussian
            bumps on a grid over the training range, and a bias).
        centres: number of RBF centres per input dimension (rbf only, 1-D inputs).
    """

    basis: str = "linear"
    centres: int = 20
    alpha: float = 1.0
    beta: float = 1.0

    def features(self, x: np.ndarray) -> np.ndarray:
        x = (np.asarray(x, np.float64).reshape(len(x), -1) - self._mean) / self._std
        if self.basis == "rbf":
            bumps = np.exp(-0.5 * ((x[:, :1] - self._grid[None, :]) / self._width) ** 2)
            return np.hstack([np.ones((len(x), 1)), bumps])
        return np.hstack([np.ones((len(x), 1)), x])

    def fit(self, x: np.ndarray, t: np.ndarray, iterations: int = 100) -> "BayesianLinearRegression":
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if self.basis == "rbf" and x.shape[1] != 1:
            raise ValueError("The RBF basis takes 1-D inputs.")
        self._mean, self._std = x.mean(axis=0), np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        standardized = (x - self._mean) / self._std
        self._grid = np.linspace(standardized.min(), standardized.max(), self.centres)
        self._width = (self._grid[1] - self._grid[0]) if self.centres > 1 else 1.0
        phi, t = self.features(x), np.asarray(t, np.float64).reshape(-1)
        eigenvalues = np.linalg.eigvalsh(phi.T @ phi)
        for _ in range(iterations):
            self._posterior(phi, t)
            lam = self.beta * eigenvalues
            gamma = float(np.sum(lam / (self.alpha + lam)))
            self.alpha = gamma / max(float(self.mean_weights @ self.mean_weights), 1e-12)
            residual = float(np.sum((t - phi @ self.mean_weights) ** 2))
            self.beta = (len(t) - gamma) / max(residual, 1e-12)
        self._posterior(phi, t)
        return self

    def _posterior(self, phi: np.ndarray, t: np.ndarray) -> None:
        precision = self.alpha * np.eye(phi.shape[1]) + self.beta * phi.T @ phi
        self.covariance = np.linalg.inv(precision)
        self.mean_weights = self.beta * self.covariance @ phi.T @ t

    def predict(self, x: np.ndarray):
        """(mean, aleatoric σ, epistemic σ) per input, each of shape (n, 1)."""
        phi = self.features(x)
        mean = phi @ self.mean_weights
        epistemic = np.sqrt(np.einsum("ij,jk,ik->i", phi, self.covariance, phi))
        aleatoric = np.full_like(mean, 1.0 / np.sqrt(self.beta))
        return mean[:, None], aleatoric[:, None], epistemic[:, None]

    def __call__(self, x, training=False):
        """The regressors' interface: {"mean", "stddev", "epistemic_stddev"} as tensors."""
        import tensorflow as tf

        mean, aleatoric, epistemic = self.predict(np.asarray(x))
        return {"mean": tf.constant(mean), "stddev": tf.constant(aleatoric), "epistemic_stddev": tf.constant(epistemic)}
