"""Forecasters beside their classical baselines."""

import json

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.data import split_examples
from keraslab.core.export.predict import predict
from keraslab.plugins.sequence.config import SequenceDataConfig
from keraslab.plugins.sequence.data import series


def test_sunspots_split_by_the_year_predicted():
    examples = series.load_sunspots(SequenceDataConfig(window=9))
    splits = split_examples(examples, 0.15, 0.15, seed=0)
    assert len(splits.test) == 2008 - 1947 + 1 and len(splits.validation) == 1946 - 1927 + 1
    # The last training window ends in 1925 and predicts 1926 (value 63.9 in statsmodels' table).
    assert splits.train.targets[-1, 0] == pytest.approx(63.9)


def test_autoregression_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    values = np.zeros(5000)
    for t in range(2, 5000):  # y_t = 1 + 0.6 y_{t−1} − 0.2 y_{t−2} + ε
        values[t] = 1.0 + 0.6 * values[t - 1] - 0.2 * values[t - 2] + rng.normal(0, 0.1)
    assert series.fit_autoregression(values, 2) == pytest.approx([1.0, 0.6, -0.2], abs=0.02)


def test_forecaster_learns_a_cycle_and_exports_raw_windows(registry, tmp_path):
    run, summary = actions.start_training(
        registry,
        "sequence",
        "forecaster",
        runs_root=str(tmp_path),
        overrides=["data.synthetic=true", "train.epochs=60"],
    )
    report = json.loads((run.path / "forecast.json").read_text())
    # A sine of amplitude 40 with noise 3: persistence errs by about 22, the sine's shape by about 4.
    assert report["test_rmse"] < 0.5 * report["persistence"]
    assert (run.path / "forecast.png").stat().st_size > 20_000
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    window = (50 + 40 * np.sin(2 * np.pi * np.arange(9) / 11)).tolist()  # the default window: 9 steps
    answer = predict(str(version), {"instances": [window]})["predictions"][0]
    assert abs(answer[0] - (50 + 40 * np.sin(2 * np.pi * 9 / 11))) < 15


def test_a_window_longer_than_the_series_is_refused(cli_runner, tmp_path):
    result = cli_runner("sequence", "train", "forecaster", "--set", "data.window=400", "--runs-root", str(tmp_path))
    assert (
        result.exit_code == 2
        and "data.window=400 does not fit" in result.output
        and "accepted: 1..225" in result.output
    )
    assert not list(tmp_path.iterdir())


def test_co2_is_monthly_without_gaps_and_split_by_position():
    examples = series.load_co2(SequenceDataConfig(validation_fraction=0.15, test_fraction=0.15))
    assert examples.input_shape == (series.CO2_WINDOW,) and not np.isnan(examples.features).any()
    a, b = examples.split_at
    # 526 months from March 1958: the last 79 targets (15%) are the test part, the 79 before them validation.
    assert len(examples) - b == 79 and b - a == 79
    assert 310 < examples.targets[0, 0] < 320 and examples.targets[-1, 0] > 360  # ppm, rising
