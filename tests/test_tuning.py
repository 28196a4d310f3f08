"""`keraslab <plugin> tune`: spaces checked before any trial, every trial a
normal run of the shared trainer, the table of trials, and a search killed
mid-trial that resumes without running a finished trial again."""

import dataclasses
import json

import numpy as np
import pytest
import yaml

from keraslab.core import actions, tuning
from keraslab.core.errors import KeraslabError
from keraslab.core.registry import Registry

SPACE = """
optimizer.learning_rate: {log_uniform: [1.0e-3, 1.0e-1]}
model.hidden_units: {choice: [[16], [32, 16]]}
"""


@pytest.fixture
def space(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(SPACE)
    return path


def settings(trials=3, searcher="random"):
    return tuning.SearchSettings(
        "foundations", "mlp", searcher, trials, "validation.loss", 0, None, ("data.synthetic=true", "train.epochs=2")
    )


@pytest.mark.parametrize(
    "content, message",
    [
        ("optimizer.learning_rte: {uniform: [0, 1]}", "Space: optimizer.learning_rte=0 is refused"),
        ("optimizer.learning_rate: {uniform: [1, 0]}", "low < high"),
        ("optimizer.learning_rate: {normal: [0, 1]}", "must be one of {log_uniform, uniform, int, choice"),
        ("train.epochs: {int: [0, 3]}", "Space: train.epochs=0 is refused"),
    ],
)
def test_a_bad_space_is_one_line_and_no_search(cli_runner, tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    runs = tmp_path / "runs"
    result = cli_runner("foundations", "tune", "mlp", "--space", str(path), "--synthetic", "--runs-root", str(runs))
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not runs.exists()


def test_every_trial_is_a_run_and_the_table_ranks_them(cli_runner, space, tmp_path):
    folder = tmp_path / "search"
    result = cli_runner(
        "foundations", "tune", "mlp", "--space", str(space), "--searcher", "random", "--trials", "3",
        "--synthetic", "--epochs", "2", "--run-dir", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = json.loads((folder / tuning.TABLE_FILE).read_text())
    assert len(table) == 3 and all(row["status"] == "COMPLETED" for row in table)
    scores = [row["objective"] for row in table]
    assert scores == sorted(scores)  # validation.loss: lower first
    for row in table:
        summary = json.loads((tmp_path / row["run"] / "summary.json").read_text())
        assert summary["metrics"]["validation"]["loss"] == pytest.approx(row["objective"])
        config = (tmp_path / row["run"] / "config.yaml").read_text()
        assert f"learning_rate: {row['values']['optimizer.learning_rate']}" in config
        assert row["values"]["model.hidden_units"] in ([16], [32, 16])


def test_a_search_killed_mid_trial_resumes_without_rerunning_finished_trials(space, tmp_path, monkeypatch):
    registry, calls = Registry(), []
    real = actions.start_training

    def killed_on_the_second(*args, **kwargs):
        calls.append(kwargs["run_dir"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the search is stopped as trial 1 starts
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "start_training", killed_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        tuning.start_search(registry, settings(), str(space), search_dir=str(tmp_path / "search"))
    first = json.loads((tmp_path / "search" / "trial-0" / "summary.json").read_text())
    _, table = tuning.resume_search(registry, str(tmp_path / "search"))
    assert len(table) == 3 and all(row["status"] == "COMPLETED" for row in table)
    assert calls[0].endswith("trial-0") and not any(c.endswith("trial-0") for c in calls[1:])
    assert json.loads((tmp_path / "search" / "trial-0" / "summary.json").read_text()) == first


def test_resume_needs_a_search_folder(tmp_path):
    with pytest.raises(KeraslabError, match="is not a search folder"):
        tuning.resume_search(Registry(), str(tmp_path))


@pytest.mark.parametrize("searcher", ["bayesian", "grid", "hyperband"])
def test_each_searcher_runs_its_trials_through_the_trainer(space, tmp_path, searcher):
    folder, table = tuning.start_search(Registry(), settings(2, searcher), str(space), search_dir=str(tmp_path / "s"))
    done = [row for row in table if row["status"] == "COMPLETED"]
    assert done and all((folder / f"trial-{row['trial']}" / "summary.json").is_file() for row in done)
    if searcher == "grid":  # the grid walks the last dimension first: both choices at the lowest rate
        first = sorted(done, key=lambda row: row["trial"])
        assert [r["values"]["optimizer.learning_rate"] for r in first] == [pytest.approx(1e-3)] * 2
        assert [r["values"]["model.hidden_units"] for r in first] == [[16], [32, 16]]
    if searcher == "hyperband":  # each trial trains the epochs hyperband gives it, at most train.epochs
        assert all(
            json.loads((folder / f"trial-{r['trial']}" / "summary.json").read_text())["epochs"] <= 2 for r in done
        )


def test_a_cross_validated_trial_is_scored_by_the_mean_of_its_folds(cli_runner, space, tmp_path):
    folder = tmp_path / "search"
    result = cli_runner(
        "foundations", "tune", "mlp", "--space", str(space), "--searcher", "random", "--trials", "2", "--folds", "3",
        "--synthetic", "--epochs", "2", "--run-dir", str(folder),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = json.loads((folder / tuning.TABLE_FILE).read_text())
    assert len(table) == 2 and all(row["status"] == "COMPLETED" for row in table)
    for row in table:
        runs = [folder / f"trial-{row['trial']}" / f"fold-{k}" for k in range(3)]
        losses = [json.loads((run / "summary.json").read_text())["metrics"]["validation"]["loss"] for run in runs]
        assert row["folds"] == pytest.approx(losses)
        assert row["objective"] == pytest.approx(sum(losses) / 3)
        assert row["spread"] == pytest.approx(float(np.std(losses, ddof=1)))
        for k, run in enumerate(runs):
            config = yaml.safe_load((run / "config.yaml").read_text())
            assert (config["data"]["folds"], config["data"]["fold"]) == (3, k)
    assert " ± " in result.output


def test_data_split_by_position_cannot_be_cross_validated(cli_runner, tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("optimizer.learning_rate: {log_uniform: [1.0e-3, 1.0e-1]}\n")
    runs = tmp_path / "runs"
    result = cli_runner(
        "sequence", "tune", "forecaster", "--space", str(path), "--folds", "3", "--synthetic", "--runs-root", str(runs)
    )
    assert result.exit_code == 2, result.output
    assert "data.folds needs examples whose order does not matter" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not runs.exists()


def test_a_diverged_trial_is_recorded_as_failed_and_the_search_goes_on(space, tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("optimizer.learning_rate: {choice: [1.0e+30, 1.0e-2]}\n")
    base = settings(2, "grid")
    diverging = dataclasses.replace(base, overrides=base.overrides + ("optimizer.name=sgd",))
    folder, table = tuning.start_search(Registry(), diverging, str(path), search_dir=str(tmp_path / "s"))
    by_rate = {row["values"]["optimizer.learning_rate"]: row for row in table}
    assert by_rate[1e30]["status"] == "FAILED" and by_rate[1e30]["objective"] is None
    assert "loss" in by_rate[1e30]["reason"].lower()
    assert by_rate[1e-2]["status"] == "COMPLETED" and table[0] is by_rate[1e-2]


def test_a_metric_the_model_does_not_report_stops_the_search_in_one_line(cli_runner, space, tmp_path):
    result = cli_runner(
        "foundations", "tune", "mlp", "--space", str(space), "--searcher", "random", "--trials", "3",
        "--objective", "validation.accurcy", "--synthetic", "--epochs", "1", "--run-dir", str(tmp_path / "s"),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()[-1:]
    assert line.startswith("Error: Trial 0 reports no validation.accurcy; --objective takes one of: ")
    assert "validation.accuracy" in line and "test." not in line
    assert not (tmp_path / "s" / "trial-1").exists()


def test_the_test_split_cannot_choose_the_trials(cli_runner, space, tmp_path):
    result = cli_runner(
        "foundations", "tune", "mlp", "--space", str(space), "--objective", "test.accuracy",
        "--synthetic", "--runs-root", str(tmp_path / "runs"),
    )  # fmt: skip
    assert result.exit_code == 2 and "the test split is kept for the final score" in result.output
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        (["--oracle", "localhost", "--tuner-id", "chief"], "a shared search takes --oracle HOST:PORT"),
        (["--oracle", "127.0.0.1:8000", "--tuner-id", "chief"], "A shared search needs --run-dir"),
    ],
)
def test_a_shared_search_needs_an_address_and_a_folder(cli_runner, space, tmp_path, monkeypatch, options, message):
    for variable in ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID"):
        monkeypatch.setenv(variable, "")  # recorded, so what share_search sets is undone after the test
        monkeypatch.delenv(variable)
    result = cli_runner(
        "foundations", "tune", "mlp", "--space", str(space), "--synthetic", "--runs-root", str(tmp_path / "r"), *options
    )
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "r").exists()


def test_a_conditional_key_is_searched_only_where_its_parent_allows(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(
        "model.batch_norm: {choice: [false, true]}\n"
        "model.dropout: {choice: [0.2, 0.4], when: {model.batch_norm: [false]}}\n"
    )  # the grid: (false, 0.2), (false, 0.4), then true with no dropout to search
    folder, table = tuning.start_search(Registry(), settings(4, "grid"), str(path), search_dir=str(tmp_path / "s"))
    assert sorted((r["values"]["model.batch_norm"], r["values"].get("model.dropout")) for r in table) == [
        (False, 0.2),
        (False, 0.4),
        (True, None),
    ]
    for row in table:
        config = yaml.safe_load((folder / f"trial-{row['trial']}" / "config.yaml").read_text())["model"]
        if row["values"]["model.batch_norm"]:
            assert "model.dropout" not in row["values"] and config["dropout"] == 0.1  # the model's default
        else:
            assert config["dropout"] == pytest.approx(row["values"]["model.dropout"])


@pytest.mark.parametrize(
    "content, message",
    [
        ("model.dropout: {uniform: [0, 0.5], when: {model.batch_norm: [false]}}", "KEY a choice above it"),
        ("model.batch_norm: {choice: [false]}\nmodel.dropout: {uniform: [0, 0.5], when: {model.batch_norm: [2]}}",
         "not among its choices"),
    ],
)  # fmt: skip
def test_a_condition_on_an_unknown_choice_is_refused(tmp_path, content, message):
    path = tmp_path / "space.yaml"
    path.write_text(content)
    with pytest.raises(KeraslabError, match=message):
        tuning.read_space(str(path))


def test_resume_takes_the_search_s_own_settings_and_refuses_others(cli_runner, tmp_path):
    result = cli_runner("foundations", "tune", "--resume", str(tmp_path), "--set", "train.epochs=3")
    assert result.exit_code == 2 and "--resume continues a search with its own settings" in result.output
