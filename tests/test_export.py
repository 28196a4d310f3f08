"""Export for TF Serving and local predict: layout, signatures, round trip, errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keraslab.core import actions, building
from keraslab.core.actions import export_run
from keraslab.core.errors import KeraslabError, RunError
from keraslab.core.export.predict import predict


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    from keraslab.core.registry import Registry

    root = tmp_path_factory.mktemp("export")
    registry = Registry()
    run, _ = actions.start_training(
        registry,
        "foundations",
        "logistic-regression",
        overrides=["train.epochs=2", "data.synthetic=true"],
        runs_root=str(root / "runs"),
    )
    return registry, run, root


def test_layout_versions_and_models_config(finished_run):
    registry, run, root = finished_run
    out = root / "serving"
    first = export_run(registry, str(run.path), out=str(out))
    second = export_run(registry, str(run.path), out=str(out))
    assert (first.name, second.name) == ("1", "2")
    for version in (first, second):
        assert (version / "saved_model.pb").is_file()
        assert (version / "variables").is_dir()
        assert (version / "assets.extra" / "tf_serving_warmup_requests").stat().st_size > 0
    config = (out / "models.config").read_text()
    assert 'name: "foundations-logistic-regression"' in config
    assert 'base_path: "/models/foundations-logistic-regression"' in config
    with pytest.raises(KeraslabError, match="already exists; exports are never overwritten"):
        export_run(registry, str(run.path), out=str(out), version=1)
    assert not [p for p in (out / "foundations-logistic-regression").iterdir() if p.name.startswith(".")]


def test_warmup_requests_are_prediction_logs(finished_run):
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    registry, run, root = finished_run
    version = export_run(registry, str(run.path), out=str(root / "warm"))
    records = list(tf.data.TFRecordDataset(str(version / "assets.extra" / "tf_serving_warmup_requests")))
    assert len(records) == 8
    log = prediction_log_pb2.PredictionLog.FromString(records[0].numpy())
    assert log.predict_log.request.model_spec.signature_name == "serving_default"
    assert list(log.predict_log.request.inputs) == ["features"]


def test_round_trip_matches_the_in_memory_model(finished_run):
    import tensorflow as tf

    from keraslab.core.trainer.loop import load_trained

    registry, run, root = finished_run
    version = export_run(registry, str(run.path), out=str(root / "rt"))
    plugin = registry.get("foundations")
    spec = plugin.model("logistic-regression")
    built = load_trained(plugin, spec, actions.load_run_config(spec, run), run)
    batch = built.splits.test.features[:5]
    expected = tf.sigmoid(built.model(batch)).numpy()[:, 0]
    response = predict(str(version), {"instances": batch.tolist()})
    got = np.array([row["probabilities"][1] for row in response["predictions"]])
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert [row["class_id"] for row in response["predictions"]] == list((expected > 0.5).astype(int))
    columns = predict(str(version.parent), {"inputs": {"features": batch.tolist()}})
    np.testing.assert_allclose(np.array(columns["outputs"]["probabilities"])[:, 1], expected, rtol=1e-5)


@pytest.mark.parametrize(
    "request_body, message",
    [
        (
            {"instances": [[1.0, 2.0]]},
            "Input 'features' has shape [1, 2]; signature 'serving_default' expects features: float32[None, 30]",
        ),
        ({"instances": [["a"] * 30]}, "a float32 input takes numbers"),
        ({"rows": []}, 'either "instances" (row format) or "inputs" (column format)'),
        ({"instances": [{"image": [0.0] * 30}]}, "Instances name inputs ['image']"),
        ({"inputs": {"pixels": [[0.0] * 30]}}, "Inputs name ['pixels']"),
    ],
)
def test_bad_requests_name_the_signature(finished_run, request_body, message):
    registry, run, root = finished_run
    version = export_run(registry, str(run.path), out=str(root / "bad"))
    with pytest.raises(KeraslabError) as error:
        predict(str(version), request_body)
    assert message in str(error.value)


def test_not_an_export(tmp_path):
    with pytest.raises(KeraslabError, match="is not an export"):
        predict(str(tmp_path), {"instances": [[0.0]]})


def test_unfinished_run_is_not_exported(finished_run, tmp_path):
    registry, _, root = finished_run
    run, _ = actions.start_training(
        registry, "foundations", "mlp", runs_root=str(tmp_path), overrides=["train.epochs=1", "data.synthetic=true"]
    )
    run.mark("interrupted")
    with pytest.raises(RunError, match="is interrupted, not complete; cannot export"):
        export_run(registry, str(run.path), out=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_export_loads_without_keraslab(finished_run):
    """A process with TensorFlow but no keraslab on its path loads and runs the export."""
    registry, run, root = finished_run
    version = export_run(registry, str(run.path), out=str(root / "plain"))
    code = (
        "import sys, importlib.util, tensorflow as tf\n"
        "assert importlib.util.find_spec('keraslab') is None, 'keraslab importable'\n"
        f"m = tf.saved_model.load({str(version)!r})\n"
        "out = m.signatures['serving_default'](features=tf.zeros([3, 30]))\n"
        "print(sorted(out), out['probabilities'].shape)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # -S skips site-packages' .pth files (the editable install); add TF's own directory back.
    import tensorflow as tf

    site = os.path.dirname(os.path.dirname(tf.__file__))
    env["PYTHONPATH"] = site
    isolated = os.path.join(str(root), "isolated")
    os.makedirs(isolated, exist_ok=True)
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, env=env, cwd=isolated)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "['class_id', 'probabilities'] (3, 2)" in out.stdout


def test_saved_model_cli_show_and_run(finished_run):
    registry, run, root = finished_run
    version = export_run(registry, str(run.path), out=str(root / "cli"))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    show = subprocess.run(
        [cli, "show", "--dir", str(version), "--tag_set", "serve", "--signature_def", "serving_default"],
        capture_output=True,
        text=True,
    )
    assert show.returncode == 0, show.stderr[-2000:]
    assert "inputs['features']" in show.stdout and "outputs['probabilities']" in show.stdout
    assert "tensorflow/serving/predict" in show.stdout
    inputs = root / "zeros.npy"
    np.save(inputs, np.zeros((2, 30), dtype=np.float32))
    run_out = subprocess.run(
        [
            cli,
            "run",
            "--dir",
            str(version),
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--inputs",
            f"features={inputs}",
        ],
        capture_output=True,
        text=True,
    )
    assert run_out.returncode == 0, run_out.stderr[-2000:]
    assert "class_id" in run_out.stdout


def test_predict_cli_prints_the_serving_response(finished_run, cli_runner, tmp_path):
    registry, run, root = finished_run
    version = export_run(registry, str(run.path), out=str(root / "clip"))
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"instances": [[0.0] * 30]}))
    result = cli_runner("predict", str(version), "--input", str(request), registry=registry)
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)["predictions"][0]) == {"probabilities", "class_id"}
    request.write_text("{not json")
    result = cli_runner("predict", str(version), "--input", str(request), registry=registry)
    assert result.exit_code == 2 and "is not JSON" in result.output


def test_split_is_fixed_by_seed(registry):
    plugin = registry.get("foundations")
    spec = plugin.model("mlp")
    config = building.default_config(spec)
    a = building.load_splits(plugin, spec, config.data).test.features
    b = building.load_splits(plugin, spec, config.data).test.features
    np.testing.assert_array_equal(a, b)


def test_b64_bytes_are_decoded(tmp_path):
    import tensorflow as tf

    class Echo(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serve(self, text):
            return {"length": tf.strings.length(text)}

    module = Echo()
    path = tmp_path / "echo" / "1"
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    import base64

    encoded = base64.b64encode(b"\x00\x01hello").decode()
    response = predict(str(path), {"instances": [{"b64": encoded}, "abc"]})
    assert response == {"predictions": [7, 3]}
