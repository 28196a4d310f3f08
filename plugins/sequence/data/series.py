"""Time series for one-step forecasting, and the classical baselines.

* sunspots: statsmodels' yearly sunspot numbers, 1700–2008. Split by the
  year of the value predicted: training to 1926, validation 1927–1946,
  test 1947–2008 (so everything up to 1946 is fitted, as in the classical
  set-up, and the test years are never seen).
* co2: statsmodels' weekly Mauna Loa CO2 (ppm), 1958–2001, averaged by
  month, gaps filled linearly; split by position (the last fractions).

An example is the `window` values before a time step; its target is the
value at that step. Baselines, on the same targets: persistence
(ŷ_t = y_{t−1}) and an AR(p) model, ŷ_t = c + Σ_{k=1}^{p} φ_k y_{t−k},
fitted by least squares (conditional maximum likelihood; Box & Jenkins).
"""

from __future__ import annotations

import dataclasses
from typing import Tuple

import numpy as np

from keraslab.core.api import Examples, KeraslabError
from keraslab.plugins.sequence.config import SequenceDataConfig

SUNSPOT_WINDOW = 9  # the AR(9) baseline's lags: both see the same years
CO2_WINDOW = 24
VALIDATION_FROM, TEST_FROM = 1927, 1947


@dataclasses.dataclass(frozen=True)
class Series:
    """Values in time order, a label for each (its year or month), and the
    indices where validation and test targets begin."""

    values: np.ndarray
    times: np.ndarray
    validation_start: int
    test_start: int
    name: str


def sunspots() -> Series:
    import statsmodels.api as sm

    data = sm.datasets.sunspots.load_pandas().data
    years = data["YEAR"].to_numpy().astype(int)
    return Series(
        data["SUNACTIVITY"].to_numpy(np.float64),
        years.astype(np.float64),
        int(np.searchsorted(years, VALIDATION_FROM)),
        int(np.searchsorted(years, TEST_FROM)),
        "yearly sunspot number",
    )


def co2(validation_fraction: float, test_fraction: float) -> Series:
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    values = monthly.to_numpy(np.float64)
    times = monthly.index.year + (monthly.index.month - 1) / 12.0
    n = len(values)
    test_start = n - int(round(n * test_fraction))
    return Series(
        values,
        np.asarray(times, np.float64),
        test_start - int(round(n * validation_fraction)),
        test_start,
        "monthly CO2 at Mauna Loa (ppm)",
    )


def window_examples(series: Series, window: int) -> Examples:
    """Every time step with `window` values before it; split where the targets' parts begin."""
    if window < 1 or window >= series.validation_start:
        raise KeraslabError(
            f"data.window={window} does not fit the {series.name} series: {len(series.values)} "
            f"values, {series.validation_start} before the validation part; accepted: "
            f"1..{series.validation_start - 2}."
        )
    steps = np.arange(window, len(series.values))
    features = np.stack([series.values[t - window : t] for t in steps]).astype(np.float32)
    targets = series.values[steps, None].astype(np.float32)
    return Examples(features, targets, split_at=(series.validation_start - window, series.test_start - window))


def load_sunspots(config: SequenceDataConfig) -> Examples:
    return window_examples(sunspots(), config.window or SUNSPOT_WINDOW)


def load_co2(config: SequenceDataConfig) -> Examples:
    return window_examples(co2(config.validation_fraction, config.test_fraction), config.window or CO2_WINDOW)


def synthetic_series(config: SequenceDataConfig) -> Examples:
    """A noisy sine of period 11 (a small sunspot cycle), 200 steps."""
    rng = np.random.default_rng(config.seed)
    t = np.arange(200, dtype=np.float64)
    values = 50 + 40 * np.sin(2 * np.pi * t / 11) + rng.normal(0, 3, t.shape)
    return window_examples(Series(values, t, 140, 170, "synthetic"), config.window or SUNSPOT_WINDOW)


def fit_autoregression(values: np.ndarray, order: int) -> np.ndarray:
    """[c, φ_1, …, φ_p] minimising Σ_t (y_t − c − Σ_k φ_k y_{t−k})² over the given values."""
    design = np.column_stack(
        [np.ones(len(values) - order)] + [values[order - k : len(values) - k] for k in range(1, order + 1)]
    )
    coefficients, *_ = np.linalg.lstsq(design, values[order:], rcond=None)
    return coefficients


def autoregression_predictions(values: np.ndarray, coefficients: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """One-step predictions at `steps`, each from the true values before it."""
    order = len(coefficients) - 1
    return np.array([coefficients[0] + coefficients[1:] @ values[t - order : t][::-1] for t in steps])


def rmse(predictions: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(predictions) - np.asarray(truth)) ** 2)))


def baselines(series: Series, order: int = 9) -> Tuple[dict, np.ndarray]:
    """Test RMSE of persistence and of AR(order) fitted to every value before the test part."""
    steps = np.arange(series.test_start, len(series.values))
    truth = series.values[steps]
    coefficients = fit_autoregression(series.values[: series.test_start], order)
    autoregressive = autoregression_predictions(series.values, coefficients, steps)
    return (
        {"persistence": rmse(series.values[steps - 1], truth), f"ar{order}": rmse(autoregressive, truth)},
        coefficients,
    )
