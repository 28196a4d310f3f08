"""`make run`'s main job: vision's default CNN on digits, trained, evaluated,
exported and asked one question."""

import pytest

from keraslab.core.errors import KeraslabError
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
    builtin = fake_entry_point(
        "foundations", lambda: plugin, value="keraslab.plugins.foundations:plugin", dist="keraslab"
    )
    registry = Registry([builtin])
    result = cli_runner("quickstart", "--runs-root", str(tmp_path / "runs"), registry=registry)
    assert result.exit_code == 0, result.output
    assert "foundations/mlp" in result.output


def test_the_main_job_is_chosen_by_rank_among_builtins_only(fake_entry_point):
    """Core names no topic: the main job is the built-in plugin of highest
    `main_job`; a third-party plugin cannot take `make run` over."""
    import dataclasses

    from keraslab.core.quickstart import main_plugin
    from keraslab.plugins.foundations import plugin as foundations
    from keraslab.plugins.vision import plugin as vision

    pushy = dataclasses.replace(foundations, name="pushy", main_job=100)
    entry_points = [
        fake_entry_point("pushy", lambda: pushy),
        fake_entry_point(
            "foundations", lambda: foundations, value="keraslab.plugins.foundations:plugin", dist="keraslab"
        ),
        fake_entry_point("vision", lambda: vision, value="keraslab.plugins.vision:plugin", dist="keraslab"),
    ]
    assert main_plugin(Registry(entry_points)).name == "vision"
    assert main_plugin(Registry(entry_points[:2])).name == "foundations"
    with pytest.raises(KeraslabError, match="No installed built-in plugin offers a main job"):
        main_plugin(Registry(entry_points[:1]))
