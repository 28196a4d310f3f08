"""Bayesian models learn on short budgets and report their uncertainty; the
full targets run in `make test-slow`."""

import json

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.export.predict import predict


def train(registry, tmp_path, model, *overrides):
    return actions.start_training(registry, "bayesian", model, runs_root=str(tmp_path), overrides=list(overrides))


def test_bnn_flipout_learns_digits_and_knows_noise_from_digits(registry, tmp_path):
    run, _ = train(registry, tmp_path, "bnn-flipout", "train.epochs=30", "model.samples=10")
    report = json.loads((run.path / "uncertainty.json").read_text())
    assert report["samples"] == 10
    assert report["accuracy"] > 0.85  # 10 classes: chance is 0.1
    assert 0 <= report["ece"] < 0.2
    # Noise images get a flatter predictive than test digits.
    assert report["out_of_distribution"]["noise"]["auc_entropy"] > 0.8
    assert report["out_of_distribution"]["noise"]["mean_entropy"] > report["mean_entropy_test"]
    assert (run.path / "reliability.png").stat().st_size > 5_000
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"), samples=20)
    from sklearn.datasets import load_digits

    row = predict(str(version), {"instances": load_digits().data[:3].tolist()})["predictions"][0]
    assert set(row) == {"mean", "stddev", "probabilities", "class_id", "entropy"}
    assert sum(row["probabilities"]) == pytest.approx(1.0, abs=1e-5) and max(row["stddev"]) > 0


@pytest.mark.parametrize("kl_weight", [1.0, 0.1])
def test_kl_is_divided_by_the_training_set_size(registry, tmp_path, kl_weight):
    from keraslab.core import building

    plugin = registry.get("bayesian")
    spec = plugin.model("bnn-flipout")
    config = actions.resolve_run_config(plugin, spec, overrides=["data.synthetic=true", f"model.kl_weight={kl_weight}"])
    splits = building.load_splits(plugin, spec, config.data)
    model = building.build_model(spec, config, building.data_info(splits))
    model(splits.train.features[:2])
    import tensorflow_probability as tfp

    layer = model.get_layer("logits")
    total = float(tfp.distributions.kl_divergence(layer.kernel_posterior, layer.kernel_prior).numpy())
    assert float(sum(loss.numpy() for loss in layer.losses)) == pytest.approx(
        kl_weight * total / len(splits.train), rel=1e-5
    )


def test_bayesian_convolutions_learn_digits(registry, tmp_path):
    run, _ = train(registry, tmp_path, "bnn-flipout-conv", "train.epochs=15", "model.samples=10")
    report = json.loads((run.path / "uncertainty.json").read_text())
    assert report["accuracy"] > 0.85 and 0 <= report["ece"] < 0.2
    import tensorflow_probability as tfp

    from keraslab.core import building

    plugin = registry.get("bayesian")
    spec = plugin.model("bnn-flipout-conv")
    config = actions.resolve_run_config(plugin, spec, overrides=["data.synthetic=true"])
    model = building.build_model(spec, config, building.data_info(building.load_splits(plugin, spec, config.data)))
    convolutions = [c for c in model.layers if isinstance(c, tfp.layers.Convolution2DFlipout)]
    assert [c.filters for c in convolutions] == [16, 32]
    assert len(model.losses) == 4  # one KL term per Bayesian layer: two convolutions, two dense


def test_convolutions_refuse_inputs_that_are_not_images():
    from keraslab.core.contract import DataInfo
    from keraslab.core.errors import ConfigError
    from keraslab.plugins.bayesian.models import as_image

    info = DataInfo(
        input_shape=(10,),
        input_dtype="float32",
        num_classes=2,
        num_train_examples=4,
        train_features=np.zeros((4, 10)),
        train_targets=np.zeros(4),
    )
    with pytest.raises(ConfigError, match="needs images or a square number of features"):
        as_image(None, info)


def test_monte_carlo_dropout_varies_between_passes_and_the_baseline_does_not(registry, tmp_path):
    from keraslab.core import building

    plugin = registry.get("bayesian")
    features = None
    outputs = {}
    for name in ("mc-dropout", "deterministic"):
        spec = plugin.model(name)
        config = actions.resolve_run_config(plugin, spec, overrides=["data.synthetic=true"])
        splits = building.load_splits(plugin, spec, config.data)
        model = building.build_model(spec, config, building.data_info(splits))
        features = splits.test.features[:4]
        outputs[name] = [model(features, training=False).numpy() for _ in range(2)]
    assert not np.allclose(*outputs["mc-dropout"])
    np.testing.assert_array_equal(*outputs["deterministic"])


def test_heteroscedastic_regressor_learns_the_noise_and_plots_both_bands(registry, tmp_path):
    run, summary = train(registry, tmp_path, "heteroscedastic", "train.epochs=60")
    report = json.loads((run.path / "regression.json").read_text())
    # y = x sin x spans about [−3.5, 1.8] on the training range: a MAE of 0.6 is learning.
    assert summary["metrics"]["test"]["mae"] < 0.6
    assert report["noise_relative_rmse"] < 0.45  # the best constant σ scores 0.53
    assert (run.path / "regression.png").stat().st_size > 10_000
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    rows = predict(str(version), {"instances": [[-3.0], [3.0]]})["predictions"]
    assert all(set(r) == {"mean", "stddev"} and r["stddev"][0] > 0 for r in rows)


@pytest.mark.parametrize(
    "setting, message",
    [
        ("model.prior_scale=0", "'model.prior_scale' must be > 0"),
        ("model.samples=0", "'model.samples' must be at least 1"),
        ("model.kl_weight=0", "'model.kl_weight' must be > 0"),
    ],
)
def test_impossible_settings_are_refused_before_any_write(cli_runner, tmp_path, setting, message):
    result = cli_runner(
        "bayesian", "train", "bnn-flipout", "--synthetic", "--set", setting, "--runs-root", str(tmp_path)
    )
    assert result.exit_code == 2 and message in result.output
    assert not any(tmp_path.iterdir())


def test_heteroscedastic_regressor_takes_flat_targets(registry, tmp_path):
    run, summary = train(registry, tmp_path, "heteroscedastic", "data.name=diabetes", "train.epochs=40")
    report = json.loads((run.path / "regression.json").read_text())
    # Disease progression spans 25..346 (std 77): predicting the mean scores a MAE of 66.
    assert summary["metrics"]["test"]["mae"] < 60
    assert report["mae"] == pytest.approx(summary["metrics"]["test"]["mae"], rel=1e-3)
    assert "noise_relative_rmse" not in report and (run.path / "regression.png").is_file()


def test_uncertainty_command_splits_aleatoric_from_epistemic(cli_runner, registry, tmp_path):
    run, _ = train(registry, tmp_path, "mc-dropout", "train.epochs=3", "data.synthetic=true", "model.samples=8")
    request = tmp_path / "request.json"
    rng = np.random.default_rng(0)
    request.write_text(json.dumps({"instances": rng.uniform(0, 16, size=(3, 64)).tolist()}))
    result = cli_runner("bayesian", "uncertainty", str(run.path), "--input", str(request), "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["samples"] == 8 and len(answer["predictions"]) == 3
    for row in answer["predictions"]:
        # H[p̄] = E_s H[p_s] + I: the two parts add up, and neither is negative.
        assert row["total"] == pytest.approx(row["aleatoric"] + row["epistemic"], abs=1e-6)
        assert row["aleatoric"] >= 0 and row["epistemic"] >= -1e-6 and 0 <= row["class_id"] < 10
    table = cli_runner("bayesian", "uncertainty", str(run.path), "--input", str(request), "--samples", "2")
    assert table.exit_code == 0 and "2 Monte-Carlo pass(es)" in table.output

    request.write_text(json.dumps({"instances": [[1.0, 2.0]]}))
    wrong = cli_runner("bayesian", "uncertainty", str(run.path), "--input", str(request))
    assert wrong.exit_code == 2 and "examples of shape [2]; expected" in wrong.output


def test_evidential_regressor_learns_and_serves_both_uncertainties(registry, tmp_path):
    run, summary = train(registry, tmp_path, "evidential", "train.epochs=60")
    assert summary["metrics"]["test"]["mae"] < 0.6  # as for the heteroscedastic model above
    report = json.loads((run.path / "regression.json").read_text())
    assert report["epistemic_inside"] > 0 and report["epistemic_gap"] > 0
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    row = predict(str(version), {"instances": [[0.0]]})["predictions"][0]
    assert set(row) == {"mean", "stddev", "epistemic_stddev"} and row["epistemic_stddev"][0] > 0


def test_ensemble_trains_seeded_members_and_reports_their_disagreement(cli_runner, tmp_path):
    out = tmp_path / "ensemble"
    result = cli_runner(
        "bayesian",
        "ensemble",
        "--members",
        "2",
        "--set",
        "data.synthetic=true",
        "--set",
        "train.epochs=3",
        "--out",
        str(out),
        "--export",
        str(tmp_path / "exports"),
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "ensemble.json").read_text())
    assert report["members"] == 2 and len(report["member_accuracy"]) == 2
    seeds = [json.loads((out / f"member{i}" / "summary.json").read_text())["seed"] for i in range(2)]
    assert seeds == [0, 1]
    assert set(report["out_of_distribution"]["noise"]) == {"auc_entropy", "auc_mutual_information"}
    assert (out / "reliability.png").is_file()
    # One SavedModel over both members, in TF Serving's layout.
    rows = predict(
        str(tmp_path / "exports" / "bayesian-ensemble"),
        {"instances": np.random.default_rng(0).uniform(0, 16, size=(2, 64)).tolist()},
    )["predictions"]
    assert set(rows[0]) == {"probabilities", "stddev", "class_id", "entropy", "mutual_information"}
    assert sum(rows[0]["probabilities"]) == pytest.approx(1.0, abs=1e-5) and rows[0]["mutual_information"] >= -1e-6
    assert "bayesian-ensemble" in (tmp_path / "exports" / "models.config").read_text()


def test_a_bagged_ensemble_trains_each_member_on_its_own_resample(cli_runner, tmp_path):
    out = tmp_path / "bagged"
    result = cli_runner(
        "bayesian",
        "ensemble",
        "--members",
        "2",
        "--seed",
        "4",
        "--bootstrap",
        "--set",
        "data.synthetic=true",
        "--set",
        "train.epochs=2",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "2 x deterministic (bagged)" in result.output
    report = json.loads((out / "ensemble.json").read_text())
    assert report["member_seeds"] == [4, 5] and report["bootstrap"] is True
    import yaml

    configs = [yaml.safe_load((out / f"member{i}" / "config.yaml").read_text()) for i in range(2)]
    assert [(c["train"]["seed"], c["data"]["bootstrap"]) for c in configs] == [(4, 5), (5, 6)]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--members", "1"], "at least 2 members, received 1"),
        (["--seed", "-1"], "-1 is not in the range"),
        (["--model", "unheard-of"], "unheard-of"),
        (["--set", "model.samples=0"], "'model.samples' must be at least 1"),
        (["--export", "exports", "--name", "no spaces"], "Export name 'no spaces' must be"),
    ],
)
def test_impossible_ensembles_are_refused_before_any_write(cli_runner, tmp_path, args, message):
    result = cli_runner("bayesian", "ensemble", "--out", str(tmp_path / "ensemble"), *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "ensemble").exists()


def test_bayesian_regressor_learns_and_serves_both_uncertainties(registry, tmp_path):
    run, summary = train(registry, tmp_path, "bnn-flipout-regressor", "train.epochs=80", "model.samples=10")
    assert summary["metrics"]["test"]["mae"] < 0.6  # as for the heteroscedastic model above
    report = json.loads((run.path / "regression.json").read_text())
    assert report["samples"] == 10 and report["epistemic_inside"] > 0 and report["epistemic_gap"] > 0
    assert (run.path / "regression.png").stat().st_size > 10_000
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"), samples=10)
    row = predict(str(version), {"instances": [[0.0], [3.0]]})["predictions"][0]
    assert set(row) == {"mean", "stddev", "epistemic_stddev"} and row["epistemic_stddev"][0] > 0


def test_ensemble_of_regressors_reports_and_serves_the_mixture(cli_runner, tmp_path):
    out = tmp_path / "ensemble"
    result = cli_runner(
        "bayesian",
        "ensemble",
        "--model",
        "heteroscedastic",
        "--members",
        "2",
        "--set",
        "train.epochs=20",
        "--out",
        str(out),
        "--export",
        str(tmp_path / "exports"),
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "ensemble.json").read_text())
    assert report["task"] == "regression" and report["mae"] < 1.5 and report["epistemic_gap"] > 0
    assert (out / "regression.png").stat().st_size > 10_000
    rows = predict(str(tmp_path / "exports" / "bayesian-ensemble"), {"instances": [[-2.0], [0.0]]})["predictions"]
    assert all(set(r) == {"mean", "stddev", "epistemic_stddev"} for r in rows)
    # Two members that differ somewhere: their spread is the epistemic σ.
    assert max(r["epistemic_stddev"][0] for r in rows) > 0 and min(r["stddev"][0] for r in rows) > 0


def test_conjugate_baseline_is_most_uncertain_in_the_gap(cli_runner, tmp_path):
    result = cli_runner("bayesian", "conjugate", "--out", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "c" / "conjugate.json").read_text())
    assert report["epistemic_gap_ratio"] > 2 and report["mae"] < 0.4
    assert (tmp_path / "c" / "conjugate.png").stat().st_size > 10_000
    wrong = cli_runner("bayesian", "conjugate", "--dataset", "diabetes", "--out", str(tmp_path / "d"))
    assert wrong.exit_code == 2 and "--basis rbf takes 1-D inputs" in wrong.output and not (tmp_path / "d").exists()


def test_homoscedastic_weighting_learns_each_tasks_noise(registry, tmp_path):
    from keraslab.plugins.bayesian.data import TASK_NOISE

    run, summary = train(registry, tmp_path, "homoscedastic", "train.epochs=150")
    test = summary["metrics"]["test"]
    # True noise: 0.1 and 0.5; a shared weighting would have no per-task σ at all.
    assert test["sigma_0"] == pytest.approx(TASK_NOISE[0], rel=0.3)
    assert test["sigma_1"] == pytest.approx(TASK_NOISE[1], rel=0.2)
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    row = predict(str(version), {"instances": [[0.5]]})["predictions"][0]
    assert len(row["mean"]) == 2 and row["stddev"] == pytest.approx([test["sigma_0"], test["sigma_1"]], rel=0.05)
