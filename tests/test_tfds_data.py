"""`--dataset tfds:NAME`, offline: TFDS' `mock_data` stands in for a
prepared dataset (random examples of the real features), so no test reads
the network or needs a download."""

import json

import pytest
import tensorflow_datasets as tfds

from keraslab.core.errors import KeraslabError
from keraslab.core.tfds_data import builder_name, load_tfds


@pytest.mark.parametrize("name, expected", [("tfds:mnist", "mnist"), ("tfds:cifar10:3.0.2", "cifar10/3.0.2")])
def test_tfds_names(name, expected):
    assert builder_name(name) == expected


@pytest.mark.parametrize("name", ["tfds:", "tfds:a:b:c", "tfds:mnist:"])
def test_malformed_tfds_names_are_refused(name):
    with pytest.raises(KeraslabError, match="accepted: tfds:NAME or tfds:NAME:CONFIG"):
        builder_name(name)


def test_a_mocked_dataset_loads_with_its_classes(tmp_path):
    with tfds.testing.mock_data(num_examples=30):
        examples = load_tfds("tfds:mnist", str(tmp_path))
    assert examples.features.shape == (30, 28, 28, 1) and examples.features.dtype == "uint8"
    assert examples.num_classes == 10 and examples.class_names[:3] == ("0", "1", "2")
    assert examples.targets.min() >= 0 and examples.targets.max() <= 9


def test_a_model_trains_on_a_tfds_dataset(cli_runner, tmp_path):
    runs = tmp_path / "runs"
    with tfds.testing.mock_data(num_examples=60):
        result = cli_runner(
            "vision",
            "train",
            "mlp",
            "--dataset",
            "tfds:mnist",
            "--set",
            f"data.tfds_dir={tmp_path / 'tfds'}",
            "--epochs",
            "1",
            "--runs-root",
            str(runs),
        )
    assert result.exit_code == 0, result.output
    (run,) = (runs / "vision" / "mlp").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["dataset"] == "tfds:mnist"
    assert sum(summary["examples"].values()) == 60


@pytest.mark.parametrize(
    "dataset, message",
    [
        ("tfds:mnist", r"'mnist' is not prepared in .*tfds build mnist --data_dir DIR"),
        ("tfds:no_such_set", r"TFDS has no dataset 'no_such_set'"),
    ],
)
def test_unprepared_or_unknown_tfds_datasets_are_one_line(cli_runner, tmp_path, dataset, message):
    runs = tmp_path / "runs"
    result = cli_runner(
        "vision",
        "train",
        "mlp",
        "--dataset",
        dataset,
        "--set",
        f"data.tfds_dir={tmp_path / 'empty'}",
        "--runs-root",
        str(runs),
    )
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert __import__("re").search(message, result.output), result.output
    assert not runs.exists()
