"""Answer a TF Serving REST request body locally, the way the server would.

Requests (TF Serving's REST API, "predict"):

* row format: `{"instances": [x0, x1, ...]}`, each instance a value for the
  single input or a dict `{input name: value}`;
* column format: `{"inputs": value}` or `{"inputs": {input name: value}}`;
* bytes as `{"b64": "<base64>"}`.

Responses: `{"predictions": [...]}` for row format (one entry per instance: a
dict of the outputs, or the bare value when there is one output) and
`{"outputs": ...}` for column format (a dict of the outputs, or the bare
value when there is one output).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

import numpy as np

from keraslab.core.errors import KeraslabError


def find_version_dir(path: str) -> Path:
    """Accepts a version directory or a model directory (then the highest version)."""
    root = Path(path)
    if (root / "saved_model.pb").is_file():
        return root
    if root.is_dir():
        versions = sorted(
            (p for p in root.iterdir() if p.name.isdigit() and (p / "saved_model.pb").is_file()),
            key=lambda p: int(p.name),
        )
        if versions:
            return versions[-1]
    raise KeraslabError(
        f"'{path}' is not an export: expected a directory with saved_model.pb, or one whose integer "
        "version sub-directories have one (as `keraslab <plugin> export` writes)."
    )


def read_request(path: str) -> Mapping[str, Any]:
    """The request body in the JSON file at `path`. NaN and Infinity, which
    JSON does not have, are refused, as is nesting deeper than any tensor."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise KeraslabError(
            f"Request file '{path}' is not UTF-8 JSON text (byte 0x{error.object[error.start]:02x} "
            f"at offset {error.start})."
        ) from None
    except OSError as error:
        raise KeraslabError(f"Cannot read request file '{path}': {error.strerror or error}.") from None

    def refuse_constant(name):
        raise ValueError(f"{name} is not JSON; give finite numbers")

    try:
        request = json.loads(text, parse_constant=refuse_constant)
    except RecursionError:
        raise KeraslabError(f"Request file '{path}' nests lists deeper than any tensor keraslab exports.") from None
    except ValueError as error:
        raise KeraslabError(f"Request file '{path}' is not JSON: {error}.") from None
    return request


def describe_signature(inputs: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}: {spec.dtype.name}{list(spec.shape)}" for name, spec in sorted(inputs.items()))


def predict(export_path: str, request: Mapping[str, Any], signature: str = "serving_default") -> Dict[str, Any]:
    """Runs one TF Serving REST request against an export.

    Args:
        export_path: a version directory, or a model directory.
        request: the parsed request body.
        signature: the signature to call, unless the body names one in
            "signature_name" (as TF Serving reads it).

    Returns:
        The response body TF Serving would send.

    Raises:
        KeraslabError: the request does not fit the signature; the message
            names the signature's inputs with dtypes and shapes.
    """
    import tensorflow as tf

    loaded = tf.saved_model.load(str(find_version_dir(export_path)))
    if isinstance(request, dict) and "signature_name" in request:
        request = dict(request)
        signature = request.pop("signature_name")
        if not isinstance(signature, str):
            raise KeraslabError(
                f'"signature_name" must be a string, received {json.dumps(signature)[:80]}. '
                f"Available: {', '.join(sorted(loaded.signatures))}."
            )
    if signature not in loaded.signatures:
        raise KeraslabError(f"Unknown signature '{signature}'. Available: {', '.join(sorted(loaded.signatures))}.")
    function = loaded.signatures[signature]
    inputs = function.structured_input_signature[1]
    expected = f"signature '{signature}' expects {describe_signature(inputs)}"
    row_format, columns = _columns(request, inputs, expected)
    tensors = {name: _to_tensor(value, inputs[name], name, expected) for name, value in columns.items()}
    outputs = {name: value.numpy() for name, value in function(**tensors).items()}
    if not row_format:
        # As TF Serving: a single output is given bare, without its name.
        return {"outputs": _finite_or_null(_plain(next(iter(outputs.values())) if len(outputs) == 1 else outputs))}
    count = len(next(iter(outputs.values())))
    rows = [{name: value[i] for name, value in outputs.items()} for i in range(count)]
    if len(outputs) == 1:
        rows = [next(iter(row.values())) for row in rows]
    return {"predictions": _finite_or_null(_plain(rows))}


def _finite_or_null(response: Any) -> Any:
    """`response` with NaN and ±inf (which JSON cannot carry) as null, and a
    warning on stderr saying how many."""
    import math
    import sys

    replaced = 0

    def clean(value):
        nonlocal replaced
        if isinstance(value, float) and not math.isfinite(value):
            replaced += 1
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    cleaned = clean(response)
    if replaced:
        print(
            f"warning: the model output {replaced} non-finite value(s) (NaN or ±inf); they are null in the response.",
            file=sys.stderr,
        )
    return cleaned


def _columns(request: Mapping[str, Any], inputs: Mapping[str, Any], expected: str) -> Tuple[bool, Dict[str, Any]]:
    if not isinstance(request, dict) or ("instances" in request) == ("inputs" in request):
        raise KeraslabError(
            'Request must be a JSON object with either "instances" (row format) or "inputs" (column format); '
            f"{expected}."
        )
    names = sorted(inputs)
    if "instances" in request:
        instances = request["instances"]
        if not isinstance(instances, list) or not instances:
            raise KeraslabError(f'"instances" must be a non-empty list; {expected}.')
        if all(isinstance(i, dict) and "b64" not in i for i in instances):
            keys = {frozenset(i) for i in instances}
            if len(keys) != 1 or set(next(iter(keys))) != set(names):
                raise KeraslabError(f"Instances name inputs {sorted(set().union(*keys))}; {expected}.")
            return True, {n: [i[n] for i in instances] for n in names}
        if len(names) != 1:
            raise KeraslabError(f"Instances must be objects naming each input; {expected}.")
        return True, {names[0]: instances}
    columns = request["inputs"]
    if isinstance(columns, dict) and "b64" not in columns:
        if set(columns) != set(names):
            raise KeraslabError(f"Inputs name {sorted(columns)}; {expected}.")
        return False, dict(columns)
    if len(names) != 1:
        raise KeraslabError(f'"inputs" must be an object naming each input; {expected}.')
    return False, {names[0]: columns}


def _decode_b64(value: Any, name: str) -> Any:
    if isinstance(value, dict) and set(value) == {"b64"}:
        import binascii

        try:
            return base64.b64decode(value["b64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise KeraslabError(f"Input '{name}': {json.dumps(value['b64'])[:40]} is not valid base64.") from None
    if isinstance(value, list):
        return [_decode_b64(v, name) for v in value]
    return value


def check_values(value: Any, spec, name: str, expected: str) -> None:
    """Raises `KeraslabError` unless every value in the (nested) `value` is
    one the input's dtype holds exactly: a finite number in range for a
    float, a whole number in range for an integer, text or bytes for a
    string, true/false for a bool; and the nesting is no deeper than the
    input's rank."""
    import tensorflow as tf

    dtype = spec.dtype
    rank = spec.shape.rank
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list):
            if rank is not None and depth >= rank:
                raise KeraslabError(f"Input '{name}' nests deeper than its {rank} dimensions; {expected}.")
            stack.extend((v, depth + 1) for v in item)
            continue
        problem = _value_problem(item, dtype, tf)
        if problem:
            raise KeraslabError(f"Input '{name}' holds {json.dumps(item, default=repr)[:40]}: {problem}; {expected}.")


def _value_problem(item: Any, dtype, tf) -> str:
    if dtype == tf.string:
        return "" if isinstance(item, (str, bytes)) else 'a string input takes text, or {"b64": ...} for bytes'
    if dtype == tf.bool:
        return "" if isinstance(item, bool) else "a bool input takes true or false"
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        return f"a {dtype.name} input takes numbers"
    if dtype.is_integer:
        if not isinstance(item, int):
            return f"a {dtype.name} input takes whole numbers"
        if not dtype.min <= item <= dtype.max:
            return f"{dtype.name} holds {dtype.min} to {dtype.max}"
        return ""
    import math

    try:
        magnitude = abs(float(item))
    except OverflowError:  # an integer beyond any float
        magnitude = math.inf
    if not magnitude <= dtype.max:
        return f"a {dtype.name} input takes finite numbers up to ±{dtype.max:.3g}"
    return ""


def _to_tensor(value: Any, spec, name: str, expected: str):
    import tensorflow as tf

    value = _decode_b64(value, name)
    check_values(value, spec, name, expected)
    try:
        if spec.dtype == tf.string:
            array = np.array(value, dtype=object)
        else:
            array = np.array(value, dtype=spec.dtype.as_numpy_dtype)
    except (ValueError, TypeError, OverflowError) as error:
        raise KeraslabError(f"Input '{name}' cannot be read as {spec.dtype.name} ({error}); {expected}.") from None
    if array.dtype == object and spec.dtype != tf.string:
        raise KeraslabError(f"Input '{name}' is ragged or not numeric; {expected}.")
    if not spec.shape.is_compatible_with(array.shape):
        raise KeraslabError(f"Input '{name}' has shape {list(array.shape)}; {expected}.")
    return tf.constant(array, dtype=spec.dtype)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, np.generic):
        return value.item()
    return value
