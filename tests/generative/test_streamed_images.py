"""The generative image models take a folder of images, streamed: each
image made grey, resized to 8×8 and scaled to [0, 1] in the pipeline (and
binarised for the Bernoulli models), and their reports measure a bounded
sample of each streamed split."""

import json

import numpy as np

from keraslab.core.api import DataConfig, ExampleFiles
from keraslab.plugins.generative import data
from tests.image_files import class_folder


def test_a_folder_streams_as_grey_unit_images(tmp_path):
    folder = class_folder(tmp_path / "images", per_class=4, classes=("dark", "light"), size=(16, 16))
    images = data.load_digits(DataConfig(path=str(folder)))
    assert isinstance(images, ExampleFiles) and images.input_shape == (8, 8, 1)
    loaded = images.load()
    # Every pixel of image i of class c is 40·c + i (grey), so after scaling: (40·c + i) / 255.
    expected = np.array([40 * c + i for c in range(2) for i in range(4)], np.float32) / 255
    np.testing.assert_allclose(loaded.features.reshape(8, -1), np.repeat(expected[:, None], 64, axis=1), atol=1e-2)
    binary = data.load_binary_digits(DataConfig(path=str(folder))).load().features
    assert set(np.unique(binary)) <= {0.0, 1.0} and binary.shape == (8, 8, 8, 1)


def test_a_vae_trains_on_a_streamed_folder_and_reports_and_exports(cli_runner, tmp_path):
    folder = class_folder(tmp_path / "images", per_class=30, classes=("a", "b", "c"), size=(8, 8))
    runs = tmp_path / "runs"
    result = cli_runner("generative", "train", "vae", "--data", str(folder), "--epochs", "2", "--runs-root", str(runs))
    assert result.exit_code == 0, result.output
    (run,) = (runs / "generative" / "vae").iterdir()
    report = json.loads((run / "generative.json").read_text())
    assert report["report_examples"]["test"] == json.loads((run / "summary.json").read_text())["examples"]["test"]
    assert np.isfinite(report["test_nll"]) and (run / "samples.png").is_file()
    exported = cli_runner("generative", "export", str(run), "--out", str(tmp_path / "exports"))
    assert exported.exit_code == 0, exported.output
