"""The bayesian classifiers take a folder of images (streamed as 64 pixel
features in 0..16) and a table streamed with data.stream=true; their
reports read a bounded sample of each streamed split."""

import json

import numpy as np

from keraslab.core.api import DataConfig, ExampleFiles, ExampleRecords
from keraslab.plugins.bayesian import data
from tests.image_files import class_folder


def test_a_folder_streams_as_pixel_counts(tmp_path):
    folder = class_folder(tmp_path / "images", per_class=3, classes=("dark", "light"), size=(8, 8))
    features = data.load_digits(DataConfig(path=str(folder)))
    assert isinstance(features, ExampleFiles) and features.input_shape == (64,)
    loaded = features.load().features
    expected = np.array([40 * c + i for c in range(2) for i in range(3)], np.float32) * 16 / 255
    np.testing.assert_allclose(loaded, np.repeat(expected[:, None], 64, axis=1), atol=0.1)


def test_a_table_still_reads_as_a_table(tmp_path):
    table = tmp_path / "rows.csv"
    rows = np.c_[np.random.default_rng(0).integers(0, 17, (40, 64)), np.arange(40) % 2]
    np.savetxt(table, rows, delimiter=",", fmt="%d")
    assert isinstance(data.load_digits(DataConfig(path=str(table), stream=True)), ExampleRecords)
    assert data.load_digits(DataConfig(path=str(table))).features.shape == (40, 64)


def test_a_classifier_trains_on_a_folder_and_reports_its_uncertainty(cli_runner, tmp_path):
    folder = class_folder(tmp_path / "images", per_class=30, classes=("a", "b", "c"), size=(8, 8))
    runs = tmp_path / "runs"
    arguments = ["bayesian", "train", "mc-dropout", "--data", str(folder), "--epochs", "2"]
    result = cli_runner(*arguments, "--runs-root", str(runs))
    assert result.exit_code == 0, result.output
    (run,) = (runs / "bayesian" / "mc-dropout").iterdir()
    report = json.loads((run / "uncertainty.json").read_text())
    assert 0 <= report["accuracy"] <= 1 and "out_of_distribution" in report
