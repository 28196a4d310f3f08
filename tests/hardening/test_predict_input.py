"""`keraslab predict` takes only values the signature's dtype holds, and always answers valid JSON."""

import json

import pytest


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    import tensorflow as tf

    class Probe(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
        def halve(self, x):
            return {"half": x / 2.0, "ratio": x[:, :1] / x[:, 1:]}  # 0/0 is NaN, 1/0 is inf

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.uint8, name="pixels")])
        def brightest(self, pixels):
            return {"brightest": tf.reduce_max(pixels, axis=1)}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def length(self, text):
            return {"length": tf.strings.length(text)}

    probe = Probe()
    path = tmp_path_factory.mktemp("export") / "probe" / "1"
    tf.saved_model.save(
        probe, str(path), signatures={"serving_default": probe.halve, "pixels": probe.brightest, "text": probe.length}
    )
    return path


def predict(cli_runner, export_dir, tmp_path, body, raw=None):
    request = tmp_path / "request.json"
    if raw is not None:
        request.write_bytes(raw)
    else:
        request.write_text(body if isinstance(body, str) else json.dumps(body))
    return cli_runner("predict", str(export_dir), "--input", str(request))


def strict_json(text):
    def refuse(name):
        raise AssertionError(f"{name} in the response")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"instances": [[1.0, null]]}', "holds null: a float32 input takes numbers"),
        ('{"instances": [[1.0, true]]}', "holds true: a float32 input takes numbers"),
        ('{"instances": [[1.0, "2"]]}', "a float32 input takes numbers"),
        ('{"instances": [[1.0, NaN]]}', "NaN is not JSON"),
        ('{"instances": [[1.0, Infinity]]}', "Infinity is not JSON"),
        ('{"instances": [[1.0, 1e300]]}', "a float32 input takes finite numbers up to"),
        ('{"instances": [[1.0, %s]]}' % ("9" * 400), "a float32 input takes finite numbers up to"),
        ('{"signature_name": "pixels", "instances": [[300, 1]]}', "holds 300: uint8 holds 0 to 255"),
        ('{"signature_name": "pixels", "instances": [[-1, 1]]}', "holds -1: uint8 holds 0 to 255"),
        ('{"signature_name": "pixels", "instances": [[1.7, 1]]}', "holds 1.7: a uint8 input takes whole numbers"),
        ('{"signature_name": "pixels", "instances": [[%d, 1]]}' % 2**70, "uint8 holds 0 to 255"),
        ('{"signature_name": "text", "instances": [{"b64": "not base64!"}]}', "is not valid base64"),
        ('{"signature_name": ["pixels"], "instances": [[1, 1]]}', '"signature_name" must be a string'),
        ('{"instances": [[[[1.0, 2.0]]]]}', "nests deeper than its 2 dimensions"),
    ],
)
def test_a_value_the_input_cannot_hold_is_one_line(cli_runner, export_dir, tmp_path, body, message):
    result = predict(cli_runner, export_dir, tmp_path, body)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_nesting_deeper_than_python_can_parse_is_one_line(cli_runner, export_dir, tmp_path):
    result = predict(cli_runner, export_dir, tmp_path, '{"instances": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert result.exit_code == 2 and "nests lists deeper than any tensor" in result.output


def test_a_binary_file_is_one_line(cli_runner, export_dir, tmp_path):
    result = predict(cli_runner, export_dir, tmp_path, None, raw=bytes(range(256)))
    assert result.exit_code == 2 and "is not UTF-8 JSON text" in result.output


def test_non_finite_outputs_are_null_with_a_warning_and_the_response_is_valid_json(cli_runner, export_dir, tmp_path):
    result = predict(cli_runner, export_dir, tmp_path, {"instances": [[1.0, 0.0], [0.0, 0.0], [3.0, 2.0]]})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    warnings = [line for line in lines if line.startswith("warning:")]
    body = "\n".join(line for line in lines if not line.startswith("warning:"))
    assert len(warnings) == 1 and "2 non-finite value(s)" in warnings[0], result.output
    rows = strict_json(body)["predictions"]
    assert [row["ratio"] for row in rows] == [[None], [None], [1.5]]
    assert rows[2]["half"] == [1.5, 1.0]


def test_values_the_inputs_hold_are_answered(cli_runner, export_dir, tmp_path):
    pixels = predict(cli_runner, export_dir, tmp_path, {"signature_name": "pixels", "instances": [[0, 255], [7, 3]]})
    assert pixels.exit_code == 0, pixels.output
    assert strict_json(pixels.output) == {"predictions": [255, 7]}
    text = predict(cli_runner, export_dir, tmp_path, {"signature_name": "text", "instances": [{"b64": "aGk="}, "abc"]})
    assert strict_json(text.output) == {"predictions": [2, 3]}
