"""Streamed datasets: image folders read from their files as the model trains.

Small generated PNG folders stand in for large ones: what is checked is
that nothing is decoded before a batch is asked for, that the split needs
only the file names, and that the training order is the in-memory path's,
so a resumed run sees the batches an uninterrupted one would.
"""

import json

import numpy as np
import pytest

from keraslab.core.data import fold_splits
from keraslab.core.errors import KeraslabError
from keraslab.core.image_folders import image_folder
from keraslab.core.streams import ExampleFiles, split_files
from tests.image_files import class_folder, write_png


def test_opening_a_folder_reads_names_not_images(tmp_path, monkeypatch):
    import tensorflow as tf

    class_folder(tmp_path)
    decoded = []
    real = tf.io.decode_image
    monkeypatch.setattr(tf.io, "decode_image", lambda *a, **k: decoded.append(1) or real(*a, **k))
    files = image_folder(str(tmp_path))
    assert isinstance(files, ExampleFiles) and len(files) == 40
    assert len(decoded) == 1  # the first image, for the size
    assert files.input_shape == (6, 5, 3) and files.class_names == ("a", "b")
    with pytest.raises(KeraslabError, match="streamed from its files.*load"):
        files.features  # noqa: B018


def test_loading_decodes_the_chosen_files_only(tmp_path):
    files = image_folder(str(class_folder(tmp_path)))
    examples = files.load([0, 21])
    assert examples.features.shape == (2, 6, 5, 3)
    assert examples.features[:, 0, 0, 0].tolist() == [0.0, 41.0]
    assert examples.targets.tolist() == [0, 1]


def test_the_split_is_stratified_and_a_function_of_the_names(tmp_path):
    files = image_folder(str(class_folder(tmp_path / "one")))
    splits = split_files(files, 0.2, 0.25, seed=3)
    assert [len(s) for s in (splits.train, splits.validation, splits.test)] == [22, 8, 10]
    for part in (splits.validation, splits.test):
        assert np.bincount(part.targets).tolist() == [len(part) // 2] * 2
    # Another copy of the same names, elsewhere: the same split.
    copy = image_folder(str(class_folder(tmp_path / "two")))
    assert split_files(copy, 0.2, 0.25, seed=3).test.paths == splits.test.paths
    assert split_files(copy, 0.2, 0.25, seed=4).test.paths != splits.test.paths
    every = set(splits.train.paths) | set(splits.validation.paths) | set(splits.test.paths)
    assert len(every) == 40


def test_a_streamed_folder_folds_by_class_from_its_names(tmp_path):
    files = image_folder(str(class_folder(tmp_path)))
    splits = split_files(files, 0.0, 0.25, seed=3)
    folds = [fold_splits(splits, 3, k, seed=3) for k in range(3)]
    assert sorted(p for f in folds for p in f.validation.paths) == sorted(splits.train.paths)
    for fold in folds:
        assert np.bincount(fold.validation.targets).tolist() == [5, 5]
        assert not set(fold.validation.paths) & set(fold.train.paths)
        assert fold.test.paths == splits.test.paths


def test_a_folder_that_names_its_split_keeps_it(tmp_path):
    class_folder(tmp_path / "train", per_class=6)
    class_folder(tmp_path / "test", per_class=2)
    files = image_folder(str(tmp_path))
    splits = split_files(files, 0.15, 0.15, seed=0)
    assert [len(s) for s in (splits.train, splits.validation, splits.test)] == [12, 0, 4]
    assert all(p.startswith("test/") for p in splits.test.paths)


def test_streamed_batches_are_the_in_memory_batches(tmp_path):
    """Epoch e's order is the same permutation of (seed, e) on both paths,
    so a run resumed at any epoch reads what the uninterrupted run would."""
    from keraslab.core.trainer import pipeline

    files = image_folder(str(class_folder(tmp_path, per_class=9)))
    in_memory = files.load()

    def batches(source, first):
        return [
            (x.numpy(), y.numpy())
            for x, y in pipeline.training_dataset(source, global_batch=4, seed=7, first_epoch=first, last_epoch=3)
        ]

    streamed, memory = batches(files, 0), batches(in_memory, 0)
    assert len(streamed) == len(memory) == 3 * 5  # 18 examples: 5 batches an epoch, the last of 2
    for (xs, ys), (xm, ym) in zip(streamed, memory):
        np.testing.assert_array_equal(xs, xm)
        np.testing.assert_array_equal(ys, ym)
    resumed = batches(files, 1)
    for (xr, _), (xs, _) in zip(resumed, streamed[5:]):
        np.testing.assert_array_equal(xr, xs)
    evaluation = np.concatenate([x.numpy() for x, _ in pipeline.evaluation_dataset(files, 4)])
    np.testing.assert_array_equal(evaluation, in_memory.features)


@pytest.mark.parametrize(
    "layout, message",
    [
        ({}, r"has 0 class sub-folder\(s\); at least 2"),
        ({"only/0.png": 1}, r"has 1 class sub-folder\(s\)"),
        ({"a/notes.txt": None, "b/x.csv": None}, "holds no image files"),
        ({"a/0.png": 1, "b/1.png": "not an image"}, r"1.png' is not a readable image .*data.unreadable=skip"),
    ],
)
def test_bad_folders_are_one_line_and_no_run(cli_runner, tmp_path, layout, message):
    folder = tmp_path / "images"
    folder.mkdir()
    for name, value in layout.items():
        path = folder / name
        if isinstance(value, int):
            write_png(path, value)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(value or "")
    runs = tmp_path / "runs"
    result = cli_runner("vision", "train", "cnn", "--data", str(folder), "--runs-root", str(runs))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert __import__("re").search(message, result.output)
    assert not runs.exists()


def test_unreadable_files_can_be_skipped_and_are_counted(tmp_path, capsys):
    class_folder(tmp_path, per_class=3)
    (tmp_path / "a" / "broken.png").write_text("not an image")
    files = image_folder(str(tmp_path), unreadable="skip")
    assert len(files) == 6 and "a/broken.png" not in files.paths
    assert "Skipped 1 unreadable or incomplete image file(s)" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["png", "jpg", "gif", "bmp"])
def test_an_image_cut_short_is_found_when_the_folder_opens(tmp_path, capsys, kind):
    """An interrupted copy keeps the signature but loses the end marker: refused
    (or skipped) at open, not when its batch is decoded mid-epoch."""
    from PIL import Image

    class_folder(tmp_path, per_class=2)
    whole = tmp_path / "b" / f"photo.{kind}"
    Image.fromarray(np.full((20, 20, 3), 90, np.uint8)).save(whole)
    assert len(image_folder(str(tmp_path))) == 5  # the whole file is accepted
    contents = whole.read_bytes()
    whole.write_bytes(contents[: len(contents) * 2 // 3])
    with pytest.raises(KeraslabError, match=f"photo.{kind}' is cut short .*data.unreadable=skip"):
        image_folder(str(tmp_path))
    assert len(image_folder(str(tmp_path), unreadable="skip")) == 4
    assert "Skipped 1 unreadable or incomplete" in capsys.readouterr().err


def test_a_classifier_trains_on_a_streamed_folder_and_reports_it(cli_runner, tmp_path):
    folder = class_folder(tmp_path / "images", per_class=30, classes=("dark", "light", "mid"), size=(8, 8))
    runs = tmp_path / "runs"
    result = cli_runner(
        "vision",
        "train",
        "mlp",
        "--data",
        str(folder),
        "--epochs",
        "30",
        "--set",
        "optimizer.learning_rate=1e-2",
        "--set",
        "train.batch_size=8",
        "--runs-root",
        str(runs),
    )
    assert result.exit_code == 0, result.output
    (run,) = (runs / "vision" / "mlp").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["examples"] == {"train": 66, "validation": 12, "test": 12}  # 4.5 per class rounds to 4
    assert summary["metrics"]["test"]["accuracy"] >= 0.9  # chance: 1/3; the classes differ in brightness
    assert (run / "confusion_matrix.png").stat().st_size > 1_000
    assert (run / "misclassified.png").is_file()
    # The export's warm-up requests are the first validation images, read from their files.
    exported = cli_runner("vision", "export", str(run), "--out", str(tmp_path / "exports"))
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "exports" / "vision-mlp" / "1" / "assets.extra" / "tf_serving_warmup_requests").is_file()


def test_a_report_sample_of_a_streamed_split_spans_its_classes(tmp_path):
    from keraslab.core.data import held_in_memory

    files = image_folder(str(class_folder(tmp_path, per_class=10, classes=("a", "b", "c"))))
    sample = held_in_memory(files, 6)
    # Evenly spaced over the 30 files (listed class by class): two of each class, not six of the first.
    assert sample.targets.tolist() == [0, 0, 1, 1, 2, 2]
    assert len(held_in_memory(files, 100)) == 30


def test_a_cached_validation_split_is_read_from_its_file_and_changes_nothing(cli_runner, tmp_path):
    folder = class_folder(tmp_path / "images", per_class=20, classes=("dark", "light"), size=(8, 8))
    summaries = {}
    for cache in ("false", "true"):
        runs = tmp_path / f"runs-{cache}"
        arguments = ["vision", "train", "mlp", "--data", str(folder), "--epochs", "3", "--set", f"data.cache={cache}"]
        result = cli_runner(*arguments, "--set", "train.deterministic=true", "--runs-root", str(runs))
        assert result.exit_code == 0, result.output
        (run,) = (runs / "vision" / "mlp").iterdir()
        summaries[cache] = json.loads((run / "summary.json").read_text())["metrics"]
        cached = sorted(p.name for p in (run / "cache").glob("validation*")) if (run / "cache").exists() else []
        assert bool(cached) == (cache == "true")  # tf.data's cache file and its index
    assert summaries["true"] == summaries["false"]
