"""Forward against reverse KL on one Gaussian fitted to two modes (`keraslab generative divergences`)."""

import json

import numpy as np
import pytest

from keraslab.plugins.generative import divergences as study

TARGET = study.Bimodal(separation=4.0, scale=0.5)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return study.run_study(TARGET, (0, 1, 2), tmp_path_factory.mktemp("divergences"))


def test_the_forward_fit_matches_the_moments_on_every_seed(report):
    for result in report["seeds"]:
        forward = result["forward"]
        assert forward["mean"] == pytest.approx(0.0, abs=1e-3)
        assert forward["std"] == pytest.approx(np.sqrt(0.5**2 + 2.0**2), rel=1e-3)  # 2.0616: covers both modes


def test_the_reverse_fit_settles_on_one_mode_on_every_seed(report):
    for result in report["seeds"]:
        reverse = result["reverse"]
        assert abs(reverse["mean"]) == pytest.approx(2.0, abs=0.01) and reverse["std"] == pytest.approx(0.5, rel=0.01)
        assert reverse["kl"] == pytest.approx(np.log(2.0), abs=0.005)  # q is one half of p
        # Each fit pays in the other direction: the mode-seeking q leaves the other mode without mass.
        assert reverse["other_kl"] > 10 > result["forward"]["other_kl"]


def test_a_start_between_the_modes_can_stop_in_a_wide_local_minimum():
    stuck = study.fit(TARGET, "reverse", start_mean=0.1)
    assert stuck["std"] > 1.0 and stuck["kl"] > 1.5  # measured: σ 1.64, KL 1.88 against log 2 at a mode


def test_the_command_writes_its_table_and_picture_and_refuses_bad_input(cli_runner, tmp_path):
    out = tmp_path / "study"
    result = cli_runner("generative", "divergences", "--seeds", "0", "--restarts", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "0     reverse" in result.output
    assert json.loads((out / study.STUDY_FILE).read_text())["seeds"][0]["seed"] == 0
    assert (out / study.PICTURE).stat().st_size > 10_000
    for args, message in (
        (["--scale", "0"], "--separation and --scale must be above 0"),
        (["--seeds", "a,b"], "--seeds takes comma-separated integers"),
        (["--restarts", "0"], "--steps and --restarts must be at least 1"),
    ):
        bad = cli_runner("generative", "divergences", *args, "--out", str(tmp_path / "bad"))
        assert bad.exit_code == 2 and message in bad.output and len(bad.output.strip().splitlines()) == 1, bad.output
        assert not (tmp_path / "bad").exists()
    again = cli_runner("generative", "divergences", "--out", str(out))
    assert again.exit_code == 2 and "already exists and is not empty" in again.output
