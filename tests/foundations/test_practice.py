"""Training practice, measured: each study changes what it should."""

import pytest

from keraslab.plugins.foundations import practice


def test_initialisation_scales():
    zeros = practice.layer_scales("zeros", "tanh")
    small = practice.layer_scales("small-normal", "tanh")
    glorot = practice.layer_scales("glorot", "tanh")
    he_relu = practice.layer_scales("he", "relu")
    glorot_relu = practice.layer_scales("glorot", "relu")
    # Zeros: every hidden unit computes the same zero; no gradient reaches the weights' inputs.
    assert max(zeros.activation_std) == 0 and max(zeros.gradient_std) == 0
    # N(0, 0.01²): each tanh layer scales the signal by about 0.01·√64 = 0.08.
    assert small.activation_std[-1] < 1e-8 * small.activation_std[0]
    # Glorot (tanh) and He (ReLU) keep the scale within a factor 4 over 10 layers ...
    for scales in (glorot, he_relu):
        assert scales.activation_std[-1] > scales.activation_std[0] / 4
    # ... while Glorot under ReLU halves the variance at every layer.
    assert glorot_relu.activation_std[-1] < he_relu.activation_std[-1] / 10


@pytest.fixture(scope="module")
def short_study(tmp_path_factory):
    from keraslab.core.registry import Registry

    variants = {k: practice.REGULARISATION[k] for k in ("baseline", "L2 1e-3", "early stopping")}
    return practice.run_study(Registry(), variants, 25, str(tmp_path_factory.mktemp("study")))


def test_weight_decay_narrows_the_generalisation_gap(short_study):
    baseline = practice.generalisation_gap(short_study["baseline"])
    decayed = practice.generalisation_gap(short_study["L2 1e-3"])
    assert baseline > 0.5  # the wide MLP memorises 280 digits
    assert decayed < baseline / 2


def test_early_stopping_stops_the_overfitting_run(short_study):
    assert len(short_study["early stopping"]) < len(short_study["baseline"])


def test_study_command_writes_table_and_plot(cli_runner, tmp_path):
    result = cli_runner("foundations", "study", "initialisation", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "small-normal" in result.output
    assert (tmp_path / "initialisation.png").stat().st_size > 10_000
    bad = cli_runner("foundations", "study", "regularisation", "--epochs", "0", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "--epochs must be at least 1" in bad.output
