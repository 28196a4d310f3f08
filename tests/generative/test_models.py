"""Generative models: the maths each relies on, learning on short budgets,
exports, the commands and their errors. Full targets: test_targets.py (slow)."""

import json

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.config import DataConfig
from keraslab.core.contract import DataInfo
from keraslab.plugins.generative.config import (
    AutoregressiveConfig,
    FlowConfig,
    VAEConfig,
)
from keraslab.plugins.generative.data import load_binary_digits
from keraslab.plugins.generative.evaluation import frechet_distance
from keraslab.plugins.generative.models import autoregressive, flows, vae
from keraslab.plugins.generative.report import bernoulli_nll

POINTS = DataInfo(input_shape=(2,), num_classes=None, num_train_examples=100)
rng = np.random.default_rng(0)
BINARY = (rng.random((40, 8, 8, 1)) < 0.3).astype(np.float32)
IMAGES = DataInfo(input_shape=(8, 8, 1), num_classes=10, num_train_examples=40, train_features=BINARY)


def _randomise(model):
    """Random weights everywhere (zero-initialised layers would hide a broken
    Jacobian), re-applying MADE's mask constraints."""
    for variable in model.trainable_variables:
        variable.assign(tf.random.normal(variable.shape, stddev=0.3, seed=1))
        if getattr(variable, "constraint", None) is not None:
            variable.assign(variable.constraint(variable))


@pytest.mark.parametrize("builder", [flows.build_realnvp, flows.build_maf])
def test_flow_density_integrates_to_one_and_every_conditioner_trains(builder):
    flow = builder(FlowConfig(layers=4, hidden_units=(16,)), POINTS)
    assert len(flow.trainable_variables) == 4 * 4  # each conditioner: hidden kernel and bias, output kernel and bias
    _randomise(flow)
    edges = np.linspace(-8, 8, 401, dtype=np.float32)
    xs, ys = np.meshgrid(edges, edges)
    grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
    mass = np.exp(flow.log_prob(tf.constant(grid)).numpy()).sum() * (edges[1] - edges[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.02)
    # Samples come back through the inverse: f⁻¹(f(z)) = z.
    samples = flow.sample(16, seed=3)
    assert np.allclose(flow.bijector.forward(flow.to_base(samples)).numpy(), samples.numpy(), atol=1e-4)
    before = [v.numpy().copy() for v in flow.trainable_variables]
    flow.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
    flow.fit(tf.constant(rng.normal(size=(64, 2)).astype(np.float32)), epochs=1, batch_size=64, verbose=0)
    assert all(not np.allclose(a, b.numpy()) for a, b in zip(before, flow.trainable_variables))


@pytest.mark.parametrize(
    "builder", [autoregressive.build_nade, autoregressive.build_made, autoregressive.build_pixelcnn]
)
def test_each_pixel_logit_depends_only_on_earlier_pixels(builder):
    model = builder(AutoregressiveConfig(hidden_units=(32,), filters=8, conv_layers=2), IMAGES)
    _randomise(model)
    x = tf.constant(BINARY[:1])
    jacobian = np.zeros((64, 64))
    for d in range(64):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logit = tf.reshape(model.pixel_logits(x), [-1])[d]
        jacobian[d] = tf.reshape(tape.gradient(logit, x), [-1]).numpy()
    assert np.all(np.abs(np.triu(jacobian)) < 1e-7)  # ∂ℓ_d/∂x_j = 0 for j ≥ d
    assert np.abs(np.tril(jacobian, -1)).sum() > 0  # and earlier pixels do matter


def test_nade_draws_the_samples_the_generic_pixel_by_pixel_sampler_draws():
    model = autoregressive.build_nade(AutoregressiveConfig(hidden_units=(32,)), IMAGES)
    _randomise(model)
    fast = model.sample(500, seed=4)
    generic = autoregressive.AutoregressiveImageModel._draw(model, tf.constant(500), tf.constant(4, tf.int64))
    assert np.array_equal(fast.numpy(), generic.numpy())  # the same uniforms give the same pixels
    assert 0.05 < float(tf.reduce_mean(fast)) < 0.95


def test_iwae_bound_is_at_least_the_elbo_and_the_closed_form_kl_is_the_monte_carlo_one():
    tf.keras.utils.set_random_seed(0)
    model = vae.build_vae(VAEConfig(latent_dim=3, hidden_units=(16,)), IMAGES)
    x = tf.constant(BINARY[:8])
    z, log_q, kl = model.posterior_sample(tf.repeat(x, 20000, axis=0))
    monte_carlo = tf.reshape(log_q - vae.normal_log_prob(z, 0.0, 0.0), [8, 20000])
    # E_q[log q(z|x) − log p(z)] is the closed-form KL; 20,000 draws put it within about 1%.
    assert np.allclose(tf.reduce_mean(monte_carlo, axis=1).numpy(), kl.numpy()[::20000], rtol=0.03, atol=0.03)
    elbo = np.mean([model.log_prob(x).numpy() for _ in range(200)], axis=0)
    bound = model.importance_weighted_bound(x, samples=200).numpy()
    assert np.all(bound >= elbo - 0.05)


def test_bernoulli_baseline_and_frechet_distance_by_hand():
    train = np.array([[1, 1], [1, 0], [0, 0]], np.float32)  # p = ((2+1)/5, (1+1)/5) = (0.6, 0.4)
    test = np.array([[1, 0]], np.float32)
    assert bernoulli_nll(train, test) == pytest.approx(-np.log(0.6) - np.log(0.6))
    a = rng.normal(size=(4000, 2))
    assert frechet_distance(a, a + [3.0, 0.0]) == pytest.approx(9.0, rel=0.02)
    assert frechet_distance(a, 2 * a) == pytest.approx(2 * (1 + 4 - 2 * 2), abs=0.1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Short real-data runs: RealNVP on moons, NADE and a VAE on binarised digits."""
    from keraslab.core.registry import Registry

    registry, root = Registry(), str(tmp_path_factory.mktemp("runs"))
    trained = {}
    for model, overrides in (
        ("realnvp", ["train.epochs=40"]),
        ("nade", ["train.epochs=15", "optimizer.learning_rate=0.005"]),
        ("vae", ["train.epochs=15"]),
    ):
        run, summary = actions.start_training(registry, "generative", model, runs_root=root, overrides=overrides)
        assert summary.get("status", "complete") == "complete", summary
        trained[model] = run
    return registry, trained


def test_realnvp_learns_moons_far_below_a_gaussian(runs):
    _, trained = runs
    result = json.loads((trained["realnvp"].path / "density.json").read_text())
    assert result["test_nll"] < result["gaussian_nll"] - 0.8  # 40 epochs; the full budget reaches ≤ 1.35
    assert (trained["realnvp"].path / "density.png").is_file()


def test_nade_and_vae_beat_independent_pixels_on_held_out_digits(runs):
    _, trained = runs
    nade = json.loads((trained["nade"].path / "generative.json").read_text())
    assert nade["improvement_over_bernoulli"] > 0.2  # 15 epochs; the full budget's target is 0.25
    result = json.loads((trained["vae"].path / "generative.json").read_text())
    assert -result["test_iwae_bound"] < result["bernoulli_nll"] * 0.85
    assert result["test_iwae_bound"] >= result["test_elbo"] - 0.05
    assert len(result["samples"]["class_shares"]) == 10
    for picture in ("samples.png", "reconstructions.png"):
        assert (trained["vae"].path / picture).is_file()


def test_likelihood_tells_noise_and_inverted_digits_from_digits(runs):
    _, trained = runs
    ood = json.loads((trained["nade"].path / "generative.json").read_text())["out_of_distribution"]
    assert set(ood) == {"test_mean_nll", "noise", "inverted", "blank", "bar"}
    for inputs in ("noise", "inverted"):  # half the pixels wrong: far less likely than any digit
        assert ood[inputs]["auc_nll"] > 0.95 and ood[inputs]["mean_nll"] > 2 * ood["test_mean_nll"]
    assert 0.0 <= ood["bar"]["auc_nll"] <= 1.0


def test_ood_sets_are_binary_images_of_the_test_split_shape():
    from keraslab.plugins.generative.likelihood_ood import auc_higher_out, binary_ood_sets

    digits = (np.random.default_rng(0).random((5, 8, 8, 1)) < 0.3).astype(np.float32)
    sets = binary_ood_sets(digits)
    assert all(images.shape == digits.shape and set(np.unique(images)) <= {0.0, 1.0} for images in sets.values())
    assert np.array_equal(sets["inverted"], 1 - digits) and sets["blank"].sum() == 0
    assert sets["bar"][0, :, :, 0].sum() == 12 and sets["bar"][0, 1:7, 3:5, 0].all()  # rows 1-6, columns 3-4
    assert auc_higher_out(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 1.0
    assert auc_higher_out(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 0.0


def test_exports_serve_log_prob_and_seeded_samples(runs, tmp_path):
    from keraslab.plugins.generative.data import load_moons

    registry, trained = runs
    flow_export = tf.saved_model.load(export_run(registry, str(trained["realnvp"].path), out=str(tmp_path)))
    points = load_moons(DataConfig()).features[:5]
    served = flow_export.signatures["log_prob"](points=tf.constant(points))["log_prob"].numpy()
    assert served.shape == (5,) and np.all(np.isfinite(served))
    draw = flow_export.signatures["sample"]
    first = draw(seed=tf.constant(7, tf.int64), count=tf.constant(4))["samples"].numpy()
    again = draw(seed=tf.constant(7, tf.int64), count=tf.constant(4))["samples"].numpy()
    assert first.shape == (4, 2) and np.array_equal(first, again)
    nade_export = tf.saved_model.load(export_run(registry, str(trained["nade"].path), out=str(tmp_path)))
    images = load_binary_digits(DataConfig()).features[:3]
    log_prob = nade_export.signatures["serving_default"](image=tf.constant(images))["log_prob"].numpy()
    assert np.all(log_prob < 0)
    samples = nade_export.signatures["sample"](seed=tf.constant(1, tf.int64), count=tf.constant(2))["samples"]
    assert set(np.unique(samples.numpy())) <= {0.0, 1.0} and samples.shape == (2, 8, 8, 1)
    vae_export = tf.saved_model.load(export_run(registry, str(trained["vae"].path), out=str(tmp_path)))
    outputs = vae_export.signatures["serving_default"](image=tf.constant(images))
    assert outputs["latent_mean"].shape == (3, 8) and outputs["reconstruction"].shape == (3, 8, 8, 1)


def test_sample_interpolate_and_score_commands(runs, cli_runner, tmp_path):
    registry, trained = runs
    vae_run, flow_run = str(trained["vae"].path), str(trained["realnvp"].path)
    result = cli_runner(
        "generative", "sample", vae_run, "--n", "16", "--out", str(tmp_path / "grid.png"), registry=registry
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "grid.png").is_file()
    result = cli_runner("generative", "interpolate", vae_run, "--out", str(tmp_path / "walk.png"), registry=registry)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "walk_traversals.png").is_file()
    np.savetxt(tmp_path / "points.csv", [[0.0, 0.5], [3.0, 3.0]], delimiter=",")
    result = cli_runner(
        "generative", "score", flow_run, "--input", str(tmp_path / "points.csv"), "--json", registry=registry
    )
    assert result.exit_code == 0, result.output
    on_moon, far_away = json.loads(result.output)["log_prob"]
    assert far_away < on_moon


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample", "{vae}", "--n", "0"], "--n must be at least 1"),
        (["score", "{vae}", "--input", "{wrong}"], "shape (7, 7)"),
        (["sample", "{vae}", "--label", "3"], "--label applies to conditional models"),
    ],
)
def test_bad_input_to_the_commands_is_one_line_and_exit_2(runs, cli_runner, tmp_path, args, message):
    registry, trained = runs
    np.save(tmp_path / "wrong.npy", np.zeros((2, 7, 7), np.float32))
    filled = [a.format(vae=str(trained["vae"].path), wrong=str(tmp_path / "wrong.npy")) for a in args]
    result = cli_runner("generative", *filled, registry=registry)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "model, setting, message",
    [
        ("beta-vae", "model.beta=-1", "must be at least 0"),
        ("rbm", "model.hidden_units=0", "model.hidden_units' must be at least 1"),
    ],
)
def test_bad_configs_are_refused_before_training(cli_runner, tmp_path, model, setting, message):
    result = cli_runner("generative", "train", model, "--set", setting, "--runs-root", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.rglob("summary.json"))


def test_linear_autoencoders_of_two_seeds_span_pcas_subspace_in_different_bases(registry, tmp_path):
    bases = []
    for seed in (0, 1):
        run, _ = actions.start_training(
            registry, "generative", "linear-autoencoder", runs_root=str(tmp_path), overrides=[f"train.seed={seed}"]
        )
        result = json.loads((run.path / "generative.json").read_text())
        assert result["largest_principal_angle_degrees"] < 5.0
        assert result["test_mse"] < result["pca_test_mse"] * 1.01
        bases.append(np.load(run.path / "decoder_basis.npy"))
    # The same subspace, not the same vectors: the two decoders' directions differ.
    cosines = (
        np.abs(np.sum(bases[0] * bases[1], axis=1))
        / np.linalg.norm(bases[0], axis=1)
        / np.linalg.norm(bases[1], axis=1)
    )
    assert cosines.min() < 0.9


@pytest.mark.parametrize(
    "model, extra",
    [
        ("gan", []),
        ("wgan-gp", []),
        ("cgan", []),
        ("rbm", []),
        ("cvae", []),
        ("vae-flow", ["model.flow_layers=1"]),
        ("pixelcnn", []),
        ("gated-pixelcnn", ["model.filters=8"]),
        ("made", []),
        ("autoencoder", ["model.noise_stddev=0.2"]),
        ("maf", ["model.layers=2"]),
    ],
)
def test_every_model_trains_reports_and_exports_on_synthetic_data(registry, tiny, tmp_path, model, extra):
    run, summary = actions.start_training(
        registry, "generative", model, runs_root=str(tmp_path / "runs"), overrides=tiny(2) + extra
    )
    assert summary.get("status", "complete") == "complete", summary
    result_file = "density.json" if model == "maf" else "generative.json"
    assert json.loads((run.path / result_file).read_text())
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    loaded = tf.saved_model.load(str(version))
    if model != "autoencoder":
        inputs = (
            {"seed": tf.constant(0, tf.int64), "labels": tf.constant([3, 5], tf.int64)}
            if model in ("cgan", "cvae")
            else {"seed": tf.constant(0, tf.int64), "count": tf.constant(2)}
        )
        assert loaded.signatures["sample"](**inputs)["samples"].shape[0] == 2


def test_gan_samples_from_a_moving_average_of_its_generator():
    from keraslab.plugins.generative.config import GANConfig
    from keraslab.plugins.generative.models.gans import build_gan

    info = DataInfo(input_shape=(8, 8, 1), num_classes=10, num_train_examples=32)
    gan = build_gan(GANConfig(hidden_units=(16,), generator_average=0.9), info)
    gan.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
    averaged = [v.numpy() for v in gan.averaged_variables]
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(averaged, gan.generator_variables))
    gan.train_step(tf.random.stateless_uniform([32, 8, 8, 1], seed=(0, 1)))
    # θ̄ ← 0.9 θ̄ + 0.1 θ after the step: a tenth of the way to the live weights, and nothing trains it.
    for before, after, live in zip(averaged, gan.averaged_variables, gan.generator_variables):
        np.testing.assert_allclose(after.numpy(), 0.9 * before + 0.1 * live.numpy(), rtol=1e-5, atol=1e-7)
    trained = {id(v) for v in gan.trainable_variables}
    assert not any(id(v) in trained for v in gan.averaged_variables)
    z = tf.random.stateless_normal([4, gan.config.latent_dim], seed=(2, 3))
    assert not np.allclose(gan.generate(z).numpy(), gan.live_generate(z).numpy())
    # β = 0: no second generator; samples come from the live one.
    plain = build_gan(GANConfig(hidden_units=(16,), generator_average=0.0), info)
    assert plain.averaged_variables == [] and np.array_equal(plain.generate(z).numpy(), plain.live_generate(z).numpy())
