"""`keraslab <plugin> tune`: spaces checked before any trial, every trial a
normal run of the shared trainer, the table of trials, and a search killed
mid-trial that resumes without running a finished trial again."""

import json

import pytest

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
