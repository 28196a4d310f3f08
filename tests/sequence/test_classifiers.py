"""Many-to-one recurrent classifiers on digits read as sequences."""

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.export.predict import predict


def test_lstm_reads_digits_row_by_row_and_exports_raw_pixels(registry, tmp_path):
    run, summary = actions.start_training(
        registry,
        "sequence",
        "rnn-classifier",
        runs_root=str(tmp_path),
        overrides=["train.epochs=12", "model.units=[64]", "model.cell=lstm", "model.bidirectional=false"],
    )
    assert summary["metrics"]["test"]["accuracy"] > 0.75  # 10 classes: chance is 0.1; measured 0.86
    from sklearn.datasets import load_digits

    digits = load_digits()
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    rows = predict(str(version), {"instances": digits.data[:20].reshape(20, 8, 8).tolist()})["predictions"]
    assert np.mean([row["class_id"] == label for row, label in zip(rows, digits.target[:20])]) >= 0.7


@pytest.mark.parametrize("cell", ["gru", "irnn"])  # simple and lstm: test_compare_cells_... and the default
def test_cells_in_a_bidirectional_stack_train(registry, tmp_path, cell):
    _, summary = actions.start_training(
        registry,
        "sequence",
        "rnn-classifier",
        runs_root=str(tmp_path),
        overrides=[
            "data.synthetic=true",
            "data.name=digits-rows",
            "train.epochs=12",
            f"model.cell={cell}",
            "model.units=[16,16]",
            "model.bidirectional=true",
        ],
    )
    assert summary["metrics"]["test"]["accuracy"] >= 0.8  # rising against falling ramps: chance is 0.5


def test_compare_cells_trains_each_cell_and_plots_them_together(cli_runner, tmp_path):
    out = tmp_path / "cells"
    result = cli_runner(
        "sequence",
        "compare-cells",
        "--cells",
        "irnn,simple",
        "--synthetic",
        "--epochs",
        "3",
        "--units",
        "8",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    import json

    comparison = json.loads((out / "comparison.json").read_text())
    assert set(comparison) == {"irnn", "simple"} and len(comparison["irnn"]["val_accuracy"]) == 3
    assert (out / "cells.png").stat().st_size > 10_000 and (out / "irnn" / "summary.json").is_file()
    plot = tmp_path / "gradients.png"
    result = cli_runner("sequence", "gradients", str(out / "irnn"), str(out / "simple"), "--out", str(plot))
    assert result.exit_code == 0, result.output
    norms = json.loads(plot.with_suffix(".json").read_text())
    assert [len(r["step_norms"]) for r in norms.values()] == [64, 64] and plot.stat().st_size > 10_000
    refused = cli_runner("sequence", "compare-cells", "--cells", "irnn,tanh", "--out", str(tmp_path / "other"))
    assert refused.exit_code == 2 and "--cells must name cells among simple, lstm, gru, irnn" in refused.output
