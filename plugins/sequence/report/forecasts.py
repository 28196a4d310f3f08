"""What a forecaster run writes besides the shared files: forecast.json
(test RMSE beside persistence and AR(p) on the same targets) and
forecast.png (the series, one-step forecasts of the test part, and
multi-step forecasts that feed each forecast back as the next input)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict

import numpy as np

from keraslab.core.api import pyplot, save_figure
from keraslab.plugins.sequence.data import series as s

MULTI_STEP_HORIZON = 11  # a solar cycle
MULTI_STEP_ORIGINS = 3


def series_of_splits(splits) -> s.Series:
    """The whole series back from its windows: the first window, then every target in order."""
    targets = np.concatenate([part.targets[:, 0] for part in (splits.train, splits.validation, splits.test)])
    values = np.concatenate([splits.train.features[0], targets]).astype(np.float64)
    window = splits.train.features.shape[1]
    validation_start = window + len(splits.train)
    return s.Series(
        values,
        np.arange(len(values), dtype=np.float64),
        validation_start,
        validation_start + len(splits.validation),
        "run",
    )


def recursive_forecast(predict: Callable[[np.ndarray], np.ndarray], history: np.ndarray, horizon: int) -> np.ndarray:
    """ŷ_{t+1}, …, ŷ_{t+h}, each forecast appended to the window that makes the next."""
    window, forecasts = list(history), []
    for _ in range(horizon):
        forecasts.append(float(predict(np.array(window[-len(history) :], np.float32)[None])[0]))
        window.append(forecasts[-1])
    return np.array(forecasts)


def write_forecast_report(model, splits, run_path) -> None:
    series = series_of_splits(splits)
    order = int(getattr(model, "ar_order", 9))
    predictions = model.predict(splits.test.features, verbose=0)[:, 0]
    measures, coefficients = s.baselines(series, order)
    result = {
        "test_rmse": s.rmse(predictions, splits.test.targets[:, 0]),
        **measures,
        "test_targets": int(len(splits.test)),
    }
    Path(run_path, "forecast.json").write_text(json.dumps(result, indent=2) + "\n")
    plot_forecasts(model, series, predictions, coefficients, result, Path(run_path) / "forecast.png")


def plot_forecasts(
    model, series: s.Series, predictions: np.ndarray, coefficients: np.ndarray, result: Dict, path: Path
) -> Path:
    """The series with the test part's one-step forecasts (the model's and
    AR's, `coefficients` [c, φ_1..φ_p]), and multi-step forecasts below."""
    plt = pyplot()
    window = model.input_shape[1]
    order = len(coefficients) - 1
    steps = np.arange(series.test_start, len(series.values))
    fig, (ax, zoom) = plt.subplots(2, 1, figsize=(10, 6.5))
    ax.plot(series.values, color="gray", label="data")
    ax.axvspan(series.test_start, len(series.values), color="orange", alpha=0.1, label="test part")
    ax.plot(steps, predictions, color="tab:blue", label=f"one-step forecast (RMSE {result['test_rmse']:.2f})")
    ax.plot(
        steps,
        s.autoregression_predictions(series.values, coefficients, steps),
        color="tab:green",
        linestyle=":",
        label=f"AR({order}) (RMSE {result[f'ar{order}']:.2f})",
    )
    ax.set_title("one-step forecasts of the test part")
    ax.legend(fontsize=8)
    zoom.plot(
        np.arange(series.test_start - 2 * window, len(series.values)),
        series.values[series.test_start - 2 * window :],
        color="gray",
        label="data",
    )
    for i, origin in enumerate(
        np.linspace(series.test_start, len(series.values) - 1, MULTI_STEP_ORIGINS, endpoint=False).astype(int)
    ):
        horizon = min(MULTI_STEP_HORIZON, len(series.values) - origin)
        forecast = recursive_forecast(
            lambda w: model.predict(w, verbose=0)[:, 0], series.values[origin - window : origin], horizon
        )
        zoom.plot(
            np.arange(origin, origin + horizon),
            forecast,
            color="tab:blue",
            marker=".",
            label="multi-step forecast" if i == 0 else None,
        )
    zoom.set_title(f"forecasts {MULTI_STEP_HORIZON} steps ahead, each fed back as input")
    zoom.set_xlabel("time step")
    zoom.legend(fontsize=8)
    return save_figure(fig, path)
