"""Studies made of several trainer runs: transfer learning and residual shortcuts."""

import json

import pytest

from keraslab.plugins.vision import depth, transfer


def test_transfer_study_trains_every_stage_and_continues_where_it_stopped(cli_runner, tmp_path):
    out = tmp_path / "study"
    result = cli_runner(
        "vision",
        "transfer",
        "--synthetic",
        "--seeds",
        "0",
        "--shots",
        "3",
        "--pretrain-epochs",
        "2",
        "--head-epochs",
        "1",
        "--finetune-epochs",
        "1",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "transfer.json").read_text())
    seed = report["seeds"][0]
    assert seed["gain"] == pytest.approx(seed["finetune_accuracy"] - seed["scratch_accuracy"])
    head = json.loads((out / "seed0" / "head" / "summary.json").read_text())
    assert head["initialized_from"]["frozen"] and "logits" not in head["initialized_from"]["layers"]
    assert "conv0_0" in head["initialized_from"]["layers"] and "dense" not in head["initialized_from"]["layers"]
    assert head["examples"]["train"] == 5 * 3  # three shots of each of the five target digits
    scratch = json.loads((out / "seed0" / "scratch" / "summary.json").read_text())
    assert "initialized_from" not in scratch and scratch["epochs"] == 2
    assert (out / "transfer.png").stat().st_size > 5_000

    # The finished study again: every run is complete, so nothing retrains and the results are the same.
    mtime = (out / "seed0" / "scratch" / "summary.json").stat().st_mtime
    again = cli_runner("vision", "transfer", "--resume", str(out))
    assert again.exit_code == 0, again.output
    assert (out / "seed0" / "scratch" / "summary.json").stat().st_mtime == mtime
    assert json.loads((out / "transfer.json").read_text())["seeds"] == report["seeds"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--source-classes", "0,1,5", "--target-classes", "5,6"], "must not overlap"),
        (["--shots", "0"], "--shots must be at least 1"),
        (["--seeds", "a"], "--seeds takes comma-separated integers"),
        (["--model", "nope"], "nope"),
        (["--model", "segmentation"], "needs one of vision's digit classifiers"),
        (["--set", "model.nope=1"], "Unknown config key 'model.nope'"),
        (["--target-classes", "5,6,12"], "data.classes must list at least 2 distinct class ids in 0..9"),
    ],
)
def test_transfer_study_refuses_bad_settings_before_writing(cli_runner, tmp_path, args, message):
    out = tmp_path / "study"
    result = cli_runner("vision", "transfer", "--synthetic", "--out", str(out), *args)
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_transfer_study_never_overwrites_another(cli_runner, tmp_path):
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "notes.txt").write_text("mine")
    result = cli_runner("vision", "transfer", "--synthetic", "--out", str(tmp_path / "study"))
    assert result.exit_code == 2 and "already exists" in result.output
    resumed = cli_runner("vision", "transfer", "--resume", str(tmp_path / "missing"))
    assert resumed.exit_code == 2 and "no transfer study" in resumed.output


def test_shortcut_study_trains_both_networks_at_the_same_depth(cli_runner, tmp_path):
    out = tmp_path / "shortcuts"
    result = cli_runner(
        "vision",
        "compare-shortcuts",
        "--synthetic",
        "--filters",
        "8,16",
        "--blocks-per-stage",
        "5",
        "--epochs",
        "2",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / depth.STUDY_FILE).read_text())
    assert report["layers"] == depth.depth(2, 5) == 22
    assert set(report["results"]) == {"residual", "plain"}
    assert (out / "shortcuts.png").stat().st_size > 5_000
    plain = json.loads((out / "plain" / "run.json").read_text())
    assert plain["status"] == "complete"
    assert "shortcuts: false" in (out / "plain" / "config.yaml").read_text()


@pytest.mark.slow
def test_residual_network_trains_where_the_plain_one_degrades(registry, tmp_path):
    report = depth.run_study(registry, (16, 32, 64), 3, 30, seed=0, out=tmp_path)
    residual, plain = report["results"]["residual"], report["results"]["plain"]
    assert report["layers"] == 20
    assert residual["late_train_loss"] < 0.75 * plain["late_train_loss"]
    assert residual["test_accuracy"] > plain["test_accuracy"]


@pytest.mark.slow
def test_transfer_beats_scratch_by_five_points(registry, tmp_path):
    report = transfer.run_study(registry, transfer.TransferStudy(), tmp_path, echo=lambda _: None)
    assert report["mean"]["gain"] >= 0.05
    assert all(seed["gain"] > 0 for seed in report["seeds"])
