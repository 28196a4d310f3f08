"""Record files streamed: CSV files of any size and TFRecord shards written
by `keraslab data convert`. Small generated files stand in for large ones:
what is checked is that every record is read once an epoch in an order
fixed by (seed, epoch), that splits need no features, that conversion is
atomic and faithful, and that bad input is one line."""

import json

import numpy as np
import pytest

from keraslab.core.convert import convert
from keraslab.core.csv_records import csv_records
from keraslab.core.errors import KeraslabError
from keraslab.core.image_folders import image_folder
from keraslab.core.records import ExampleRecords, split_records
from keraslab.core.tables import read_table
from keraslab.core.trainer import pipeline
from tests.test_streams import class_folder, write_png


def write_csv(path, rows=60, header=True, blank_every=0):
    """Rows (i, 10·i, i mod 3): two features and a class id, row i's first feature being i."""
    lines = ["x,y,label"] if header else []
    for i in range(rows):
        lines.append(f"{i},{10 * i},{i % 3}")
        if blank_every and i % blank_every == 0:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return path


def first_features(batches):
    return [int(v) for batch in batches for v in (batch[0] if isinstance(batch, tuple) else batch).numpy()[:, 0]]


def test_a_streamed_csv_holds_numbers_and_targets_not_rows(tmp_path):
    records = csv_records(str(write_csv(tmp_path / "t.csv", blank_every=7)), "classification")
    assert isinstance(records, ExampleRecords) and len(records) == 60 and records.counts == (60,)
    assert records.input_shape == (2,) and records.num_classes == 3
    assert records.targets.tolist() == [i % 3 for i in range(60)]
    with pytest.raises(KeraslabError, match="streamed from its record files"):
        records.features  # noqa: B018
    examples = records.load([41, 3, 17])  # any order, blank lines and the header skipped
    assert examples.features.tolist() == [[41, 410], [3, 30], [17, 170]]
    assert examples.targets.tolist() == [2, 0, 2]


def test_every_epoch_reads_every_record_once_in_an_order_fixed_by_seed_and_epoch(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    for k in range(3):  # three shards of 40 rows: rows 40k..40k+39
        lines = [f"{40 * k + i},0,{i % 2}" for i in range(40)]
        (folder / f"part{k}.csv").write_text("\n".join(lines) + "\n")
    records = csv_records(str(folder), "classification")
    train = records.take(np.arange(0, 120, 2))  # every other record: the filter is exercised too
    epochs = pipeline.training_dataset(train, 7, seed=5, first_epoch=0, last_epoch=3)
    seen = first_features(epochs)
    per_epoch = len(seen) // 3
    assert per_epoch == 60
    for e in range(3):
        assert sorted(seen[e * 60 : (e + 1) * 60]) == list(range(0, 120, 2))
    assert seen[:60] != seen[60:120] != sorted(seen[:60])  # shuffled, and differently each epoch
    # A run resumed at epoch 1 sees the batches the uninterrupted run saw from there.
    assert first_features(pipeline.training_dataset(train, 7, seed=5, first_epoch=1, last_epoch=3)) == seen[60:]
    assert first_features(pipeline.training_dataset(train, 7, seed=6, first_epoch=1, last_epoch=2)) != seen[60:120]
    assert len(list(epochs)) == 3 * 9  # ceil(60 / 7) batches an epoch, as Keras is told
    # Evaluation reads in number order, so outputs line up with the split's targets.
    assert first_features(pipeline.evaluation_dataset(train, 7)) == list(range(0, 120, 2))


def test_the_split_is_stratified_and_the_same_for_the_same_names(tmp_path):
    records = csv_records(str(write_csv(tmp_path / "a.csv", rows=300)), "classification")
    splits = split_records(records, 0.2, 0.1, seed=3)
    assert [len(s) for s in (splits.train, splits.validation, splits.test)] == [210, 60, 30]
    assert np.bincount(splits.test.targets).tolist() == [10, 10, 10]
    every = np.concatenate([splits.train.numbers, splits.validation.numbers, splits.test.numbers])
    assert sorted(every.tolist()) == list(range(300))
    again = split_records(csv_records(str(write_csv(tmp_path / "a.csv", rows=300)), "classification"), 0.2, 0.1, 3)
    assert again.test.numbers.tolist() == splits.test.numbers.tolist()
    assert split_records(records, 0.2, 0.1, seed=4).test.numbers.tolist() != splits.test.numbers.tolist()


@pytest.mark.parametrize(
    "text, message",
    [
        ("x,y\n1,2\n3,4,5\n", r"line 3 has 3 columns, the first data row has 2"),
        ("x,y\n1,2\n\n3,oops\n", r"line 4 has a non-numeric value"),
        ("1,2\n3,nan\n", r"non-finite values .* in 1 of 2 rows, the first in '.*' line 2"),
        ("1,2.5\n3,1\n", r"must be class ids"),
        ("x,y\n", r"holds a header and no examples"),
        ("1\n2\n", r"at least two columns"),
    ],
)
def test_bad_csv_rows_are_named_by_line(tmp_path, text, message):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(KeraslabError, match=message):
        csv_records(str(tmp_path / "bad.csv"), "classification")


def test_non_finite_rows_can_be_dropped(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("1,0\ninf,1\n3,1\n4,0\n")
    records = csv_records(str(tmp_path / "t.csv"), "classification", nan="drop")
    assert records.numbers.tolist() == [0, 2, 3] and records.targets.tolist() == [0, 1, 0]
    assert records.load().features[:, 0].tolist() == [1, 3, 4]
    assert "dropped 1 of 4 rows" in capsys.readouterr().err


def test_converting_an_image_folder_keeps_every_image_and_its_class(tmp_path):
    source = class_folder(tmp_path / "images", per_class=10, classes=("a", "b", "c"))
    steps = []
    manifest = convert(str(source), str(tmp_path / "shards"), shards=4, progress=lambda n, total: steps.append(total))
    assert [entry["records"] for entry in manifest["shards"]] and sum(e["records"] for e in manifest["shards"]) == 30
    assert steps and set(steps) == {60}  # each record read, then written
    records = image_folder(str(tmp_path / "shards"))
    assert isinstance(records, ExampleRecords) and records.class_names == ("a", "b", "c")
    loaded = records.load()
    # Pixel value 40·class + i identifies each image: the same 30 images, each with its own class.
    pairs = sorted((int(x[0, 0, 0]), int(t)) for x, t in zip(loaded.features, loaded.targets))
    assert pairs == sorted((40 * c + i, c) for c in range(3) for i in range(10))
    assert len({int(x[0, 0, 0]) // 40 for x in records.take(np.arange(8)).load().features}) > 1  # shards mix classes


def test_a_folder_that_names_its_split_converts_to_shards_that_keep_it(tmp_path):
    class_folder(tmp_path / "images" / "train", per_class=6)
    class_folder(tmp_path / "images" / "test", per_class=2)
    manifest = convert(str(tmp_path / "images"), str(tmp_path / "shards"), shards=2)
    assert sorted(e["file"] for e in manifest["shards"]) == [
        "test-00000-of-00002.tfrecord",
        "test-00001-of-00002.tfrecord",
        "train-00000-of-00002.tfrecord",
        "train-00001-of-00002.tfrecord",
    ]
    splits = split_records(image_folder(str(tmp_path / "shards")), 0.15, 0.15, seed=0)
    assert [len(s) for s in (splits.train, splits.validation, splits.test)] == [12, 0, 4]
    assert sorted(int(x[0, 0, 0]) for x in splits.test.load().features) == [0, 1, 40, 41]


def test_a_converted_csv_reads_back_as_the_same_table(tmp_path):
    write_csv(tmp_path / "t.csv", rows=50)
    convert(str(tmp_path / "t.csv"), str(tmp_path / "shards"), shards=3)
    records = read_table(str(tmp_path / "shards"), task="classification")
    table = records.load()
    rows = sorted(zip(table.features[:, 0].astype(int).tolist(), table.targets.tolist()))
    assert rows == [(i, i % 3) for i in range(50)]
    assert table.features[:, 1].tolist() == (10 * table.features[:, 0]).tolist()


def test_conversion_never_overwrites_and_leaves_nothing_when_interrupted(tmp_path):
    source = class_folder(tmp_path / "images", per_class=5)
    (tmp_path / "taken").mkdir()
    with pytest.raises(KeraslabError, match="exists; converted data is never written over"):
        convert(str(source), str(tmp_path / "taken"), shards=2)

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        convert(str(source), str(tmp_path / "out"), shards=2, progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "taken"]


def test_an_image_that_does_not_decode_is_refused_or_skipped(tmp_path, capsys):
    source = class_folder(tmp_path / "images", per_class=4)
    # Whole (signature and end marker in place) but damaged inside: only decoding finds it.
    good = bytearray((source / "a" / "000.png").read_bytes())
    good[40:60] = b"\x00" * 20
    (source / "b" / "broken.png").write_bytes(bytes(good))
    with pytest.raises(KeraslabError, match=r"broken.png' is not a readable image .*--unreadable skip"):
        convert(str(source), str(tmp_path / "refused"), shards=2)
    assert not (tmp_path / "refused").exists()
    manifest = convert(str(source), str(tmp_path / "skipped"), shards=2, unreadable="skip")
    assert sum(e["records"] for e in manifest["shards"]) == 8
    assert "skipped 1 image(s) that do not decode" in capsys.readouterr().err
    # A file cut short is refused when the folder opens, naming the converter's option.
    (source / "b" / "broken.png").write_bytes(bytes(good[:30]))
    with pytest.raises(KeraslabError, match=r"broken.png' is cut short .*--unreadable skip"):
        convert(str(source), str(tmp_path / "short"), shards=2)


def test_a_damaged_records_folder_is_one_line(tmp_path):
    convert(str(class_folder(tmp_path / "images", per_class=3)), str(tmp_path / "shards"), shards=1)
    manifest_file = tmp_path / "shards" / "keraslab-records.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["shards"][0]["records"] = 99
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(KeraslabError, match="holds .* targets, but the shards hold 99 records"):
        image_folder(str(tmp_path / "shards"))
    manifest_file.write_text("{not json")
    with pytest.raises(KeraslabError, match="is not a readable manifest"):
        image_folder(str(tmp_path / "shards"))


def test_the_cli_converts_then_trains_on_the_shards(cli_runner, tmp_path):
    source = class_folder(tmp_path / "images", per_class=30, classes=("dark", "light", "mid"), size=(8, 8))
    result = cli_runner("data", "convert", str(source), "--out", str(tmp_path / "shards"), "--shards", "3")
    assert result.exit_code == 0, result.output
    assert "Wrote 90 records in 3 shard(s)" in result.output
    again = cli_runner("data", "convert", str(source), "--out", str(tmp_path / "shards"))
    assert again.exit_code == 2 and len(again.output.strip().splitlines()) == 1
    runs = tmp_path / "runs"
    train = ["--epochs", "30", "--set", "optimizer.learning_rate=1e-2", "--set", "train.batch_size=8"]
    result = cli_runner("vision", "train", "mlp", "--data", str(tmp_path / "shards"), *train, "--runs-root", str(runs))
    assert result.exit_code == 0, result.output
    (run,) = (runs / "vision" / "mlp").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert sum(summary["examples"].values()) == 90
    assert summary["metrics"]["test"]["accuracy"] >= 0.9  # chance: 1/3; the classes differ in brightness


def test_a_table_streams_through_training_with_data_stream(cli_runner, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    lines = ["a,b,c,d,label"] + [",".join(f"{v:.4f}" for v in row) + f",{t}" for row, t in zip(x, y)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    runs = tmp_path / "runs"
    args = ["--data", str(tmp_path / "t.csv"), "--set", "data.stream=true", "--epochs", "20", "--runs-root", str(runs)]
    result = cli_runner("foundations", "train", "mlp", *args)
    assert result.exit_code == 0, result.output
    (run,) = (runs / "foundations" / "mlp").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["examples"] == {"train": 280, "validation": 60, "test": 60}
    assert summary["metrics"]["test"]["accuracy"] >= 0.9  # a linear boundary; chance is 1/2
    bad = tmp_path / "bad.csv"
    bad.write_text("a,label\n1,0\n2\n")
    result = cli_runner("foundations", "train", "mlp", "--data", str(bad), "--set", "data.stream=true")
    assert result.exit_code == 2 and "line 3 has 1 columns" in result.output


def test_an_image_file_with_an_image_name_is_still_an_image(tmp_path):
    write_png(tmp_path / "a" / "x.png", 3)
    write_png(tmp_path / "b" / "y.png", 4)
    assert not isinstance(image_folder(str(tmp_path)), ExampleRecords)  # no manifest: a plain folder
