"""Every bad input is one line, exit status 2, and leaves no run directory behind.

Data that would train silently to nonsense (a NaN cell, a single class,
labels out of range) is refused before training; files that cannot be read
(not UTF-8, not a zip, object arrays) and values out of range (seeds,
dropout, sizes) are named with what is accepted; so are places that cannot
be written.
"""

import errno
import os

import numpy as np
import pytest

ROWS = 120


def table(features=None, targets=None):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, 3)) if features is None else features
    y = (x[:, 0] > 0).astype(int) if targets is None else targets
    return x, y


def write_csv(path, x, y):
    path.write_text("\n".join(",".join(str(v) for v in row) + f",{t}" for row, t in zip(x, y)) + "\n")
    return path


def train(cli_runner, tmp_path, *args, model="logistic-regression"):
    result = cli_runner("foundations", "train", model, "--epochs", "1", *args, "--run-dir", str(tmp_path / "run"))
    return result


def refused(result, tmp_path, message):
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # one line, no traceback
    assert not (tmp_path / "run").exists()


def test_one_nan_cell_is_refused_naming_its_row(cli_runner, tmp_path):
    x, y = table()
    x[17, 1] = np.nan
    result = train(cli_runner, tmp_path, "--data", str(write_csv(tmp_path / "d.csv", x, y)))
    refused(result, tmp_path, "non-finite values (NaN or ±inf) in 1 of 120 rows, the first at row index 17")
    assert "--set data.nan=drop" in result.output


def test_an_inf_in_an_npz_is_refused(cli_runner, tmp_path):
    x, y = table()
    x[4, 0] = np.inf
    np.savez(tmp_path / "d.npz", features=x, targets=y)
    refused(train(cli_runner, tmp_path, "--data", str(tmp_path / "d.npz")), tmp_path, "first at row index 4")


def test_data_nan_drop_drops_the_rows_and_trains(cli_runner, tmp_path):
    x, y = table()
    x[[3, 9], 2] = np.nan
    y = y.astype(float)
    y[50] = np.nan
    result = train(cli_runner, tmp_path, "--data", str(write_csv(tmp_path / "d.csv", x, y)), "--set", "data.nan=drop")
    assert result.exit_code == 0, result.output
    assert "dropped 3 of 120 rows" in result.output
    import json

    examples = json.loads((tmp_path / "run" / "summary.json").read_text())["examples"]
    assert sum(examples.values()) == ROWS - 3


def test_single_class_data_is_refused_for_a_classifier(cli_runner, tmp_path):
    x, _ = table()
    result = train(cli_runner, tmp_path, "--data", str(write_csv(tmp_path / "d.csv", x, np.ones(ROWS, int))))
    refused(result, tmp_path, "holds one class only (1); a classifier needs examples of at least two classes")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("latin1.csv", b"1.0,2.0,\xe9\n", "is not UTF-8 text (byte 0xe9 at offset 8)"),
        ("ragged.csv", b"1,2,0\n1,0\n", "data row 2 has 2 columns, the first has 3"),
        ("notzip.npz", b"hello, I am not a zip", "is not a .npz archive"),
    ],
)
def test_unreadable_data_files_are_one_line(cli_runner, tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    refused(train(cli_runner, tmp_path, "--data", str(tmp_path / name)), tmp_path, message)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"features": np.array([[1, "a"]], dtype=object), "targets": np.array([0])}, "Object arrays cannot be loaded"),
        ({"features": np.array([["a", "b"]] * 5), "targets": np.zeros(5)}, "'features' has dtype <U1"),
        ({"features": np.float32(3.0)}, "'features' has dtype float32 and shape ()"),
        ({"features": np.ones((10, 3)), "targets": np.ones((10, 2))}, "'targets' has dtype float64 and shape (10, 2)"),
    ],
)
def test_npz_arrays_keraslab_cannot_train_on_are_one_line(cli_runner, tmp_path, arrays, message):
    np.savez(tmp_path / "d.npz", **arrays)
    refused(train(cli_runner, tmp_path, "--data", str(tmp_path / "d.npz")), tmp_path, message)


def test_a_class_id_past_the_classes_of_the_model_is_refused(cli_runner, tmp_path):
    x, y = table()
    y[5] = -1
    refused(
        train(cli_runner, tmp_path, "--data", str(write_csv(tmp_path / "d.csv", x, y))),
        tmp_path,
        "must be class ids 0, 1, 2",
    )


def test_a_strings_npy_is_refused_for_a_generative_model(cli_runner, tmp_path):
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    result = cli_runner(
        "generative", "train", "vae", "--data", str(tmp_path / "s.npy"), "--run-dir", str(tmp_path / "run")
    )
    refused(result, tmp_path, "holds <U1 values; give numbers")


def test_a_config_file_that_is_not_utf8_is_one_line(cli_runner, tmp_path):
    (tmp_path / "c.yaml").write_bytes(b"train: {epochs: 2}\n# \xff\n")
    refused(train(cli_runner, tmp_path, "--config", str(tmp_path / "c.yaml")), tmp_path, "is not UTF-8 text (byte 0xff")


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.seed=-1", "'train.seed' must be from 0 to 4294967295, received -1"),
        ("train.seed=4294967296", "'train.seed' must be from 0 to 4294967295"),
        ("data.seed=-3", "'data.seed' must be from 0 to 4294967295"),
        ("devices.logical_cpus=100000", "'devices.logical_cpus' must be from 0 to 256"),
        ("model.dropout=1.5", "'model.dropout' is a dropout rate and must be in [0, 1), received 1.5"),
        ("model.hidden_units=[-1]", "'model.hidden_units' is a size and every entry must be at least 1, received [-1]"),
        ("model.hidden_units=[64,0]", "received [64, 0]"),
    ],
)
def test_values_out_of_range_are_refused_before_building(cli_runner, tmp_path, override, message):
    refused(train(cli_runner, tmp_path, "--synthetic", "--set", override, model="mlp"), tmp_path, message)


def test_a_run_dir_under_a_file_is_one_line(cli_runner, tmp_path):
    (tmp_path / "file").write_text("")
    result = cli_runner("foundations", "train", "mlp", "--synthetic", "--run-dir", str(tmp_path / "file" / "run"))
    assert result.exit_code == 2 and "cannot be made:" in result.output and "is a file, not a folder" in result.output


def test_a_dangling_symlink_run_dir_is_one_line(cli_runner, tmp_path):
    os.symlink(tmp_path / "gone", tmp_path / "link")
    result = cli_runner("foundations", "train", "mlp", "--synthetic", "--run-dir", str(tmp_path / "link"))
    assert result.exit_code == 2 and "is a symlink to" in result.output and "which does not exist" in result.output


def test_a_runs_root_that_is_a_file_is_one_line(cli_runner, tmp_path):
    (tmp_path / "runs").write_text("")
    result = cli_runner("foundations", "train", "mlp", "--synthetic", "--runs-root", str(tmp_path / "runs"))
    assert result.exit_code == 2 and "--runs-root" in result.output and "is a file; give a folder" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_one_line(cli_runner, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = cli_runner("foundations", "train", "mlp", "--synthetic", "--run-dir", str(locked / "run"))
    assert result.exit_code == 2 and "is not writable by this user" in result.output


def test_an_out_that_is_a_file_is_refused_before_exporting(cli_runner, tmp_path):
    assert (
        cli_runner(
            "foundations", "train", "mlp", "--synthetic", "--epochs", "1", "--run-dir", str(tmp_path / "run")
        ).exit_code
        == 0
    )
    (tmp_path / "exports").write_text("")
    result = cli_runner("foundations", "export", str(tmp_path / "run"), "--out", str(tmp_path / "exports"))
    assert result.exit_code == 2 and "--out" in result.output and "is a file; give a folder" in result.output


def test_a_full_disk_during_training_is_one_line_and_the_run_is_left_resumable(cli_runner, tmp_path, monkeypatch):
    from keraslab.core.rundir import RunDir

    def disk_full(self, name, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path / name))

    monkeypatch.setattr(RunDir, "write_json", disk_full)
    result = cli_runner(
        "foundations", "train", "mlp", "--synthetic", "--epochs", "2", "--run-dir", str(tmp_path / "run")
    )
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "No space left on device while writing" in line and "summary.json" in line
    assert "Traceback" not in result.output
    import json

    state = json.loads((tmp_path / "run" / "run.json").read_text())
    assert state["status"] == "failed"  # never passed off as complete
    monkeypatch.undo()
    resumed = cli_runner("foundations", "train", "mlp", "--resume", str(tmp_path / "run"))
    assert resumed.exit_code == 0, resumed.output
