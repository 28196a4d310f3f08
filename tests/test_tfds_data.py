"""`--dataset tfds:NAME`, offline: TFDS' `mock_data` stands in for a
prepared dataset (random examples of the real features), so no test reads
the network or needs a download."""

import json

import numpy as np
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


class KeraslabTinyShapes(tfds.core.GeneratorBasedBuilder):
    """A TFDS dataset prepared on disk without the network: 8×8 grey images
    whose label is the row of their one bright band; two splits."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(8, 8, 1)),
                    "label": tfds.features.ClassLabel(names=["top", "bottom"]),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples(40, 0), "test": self._generate_examples(20, 1)}

    def _generate_examples(self, count, seed):
        rng = np.random.default_rng(seed)
        for i in range(count):
            label = i % 2
            image = rng.integers(0, 60, (8, 8, 1), dtype=np.uint8)
            image[1 + 5 * label] = 250
            yield f"{seed}-{i}", {"image": image, "label": label}


@pytest.fixture(scope="module")
def prepared_tfds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tfds")
    KeraslabTinyShapes(data_dir=str(folder)).download_and_prepare()
    return str(folder)


def test_a_streamed_tfds_dataset_holds_the_examples_in_memory_reads(prepared_tfds):
    in_memory = load_tfds("tfds:keraslab_tiny_shapes", prepared_tfds)
    streamed = load_tfds("tfds:keraslab_tiny_shapes", prepared_tfds, stream=True)
    assert len(streamed) == len(in_memory) == 60 and streamed.input_shape == (8, 8, 1)
    assert streamed.input_dtype == "uint8" and streamed.class_names == ("top", "bottom")
    loaded = streamed.load()
    # The same examples (the pooled splits, in another order): compare each image with its label.
    key = lambda x, y: sorted(bytes(image) + bytes([label]) for image, label in zip(x, y))  # noqa: E731
    assert key(loaded.features, loaded.targets) == key(in_memory.features, in_memory.targets)
    assert np.array_equal(loaded.targets, streamed.targets)  # the labels read at opening are the records'


def test_a_model_trains_on_a_streamed_tfds_dataset(cli_runner, tmp_path, prepared_tfds):
    runs = tmp_path / "runs"
    arguments = ["vision", "train", "mlp", "--dataset", "tfds:keraslab_tiny_shapes", "--set", "data.stream=true"]
    result = cli_runner(
        *arguments, "--set", f"data.tfds_dir={prepared_tfds}", "--epochs", "1", "--runs-root", str(runs)
    )
    assert result.exit_code == 0, result.output
    (run,) = (runs / "vision" / "mlp").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert sum(summary["examples"].values()) == 60
    unprepared = cli_runner(
        *arguments, "--set", f"data.tfds_dir={tmp_path / 'empty'}", "--runs-root", str(tmp_path / "r")
    )
    assert unprepared.exit_code == 2 and "is not prepared in" in unprepared.output
