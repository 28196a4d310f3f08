"""`make run`'s main job: vision's default CNN on digits, trained, evaluated,
exported and asked one question."""
from keraslab.core.registry import Registry


def test_quickstart_is_the_main_job(cli_runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli_runner("quickstart")
    assert result.exit_code == 0, result.output
    lines = {line.split(":")[0]: line for line in result.output.splitlines() if ":" in line}
    assert "vision/cnn" in lines["Model"]
    accuracy = float(lines["Test metrics"].split("accuracy ")[1].split()[0])
    # The main job learns. The CNN's 98.5% target is the slow suite's, on
    # seeds 0, 1 and 2 (tests/vision); this one run (seed 0) measured 98.9%,
    # and no seed of 0-4 fell below it. 98% allows two more of the 269 test
    # digits wrong, for a run that is not bit-for-bit the same on every machine.
    assert accuracy >= 0.98
    assert (tmp_path / "exports" / "vision-cnn" / "1" / "saved_model.pb").is_file()
    assert "true class" in lines["Predict"]


def test_quickstart_falls_back_to_foundations_without_vision(cli_runner, tmp_path, monkeypatch, fake_entry_point):
    from keraslab.plugins.foundations import plugin

    monkeypatch.chdir(tmp_path)
    registry = Registry([fake_entry_point("foundations", lambda: plugin)])
    result = cli_runner("quickstart", "--runs-root", str(tmp_path / "runs"), registry=registry)
    assert result.exit_code == 0, result.output
    assert "foundations/mlp" in result.output
