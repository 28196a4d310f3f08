"""Write a SavedModel, from a built model and its signatures, in the layout
TensorFlow Serving loads. What a run's export holds is decided by the run
actions (`keraslab.core.actions.export_run`); this module knows nothing of
runs, registries or trainers.

    DIR/
      models.config                      TF Serving's model config for all of DIR
      NAME/
        1/                               an integer version, never overwritten
          saved_model.pb
          variables/
          assets.extra/
            tf_serving_warmup_requests   PredictionLog records of real inputs
            keraslab.json                what was exported from which run

A version is written to a temporary directory next to its final place and
renamed into it when complete, so a half-written export is never visible;
`keraslab.core.export.staging` says how crashed exports are cleaned up and
what file modes a version gets. Versions run from 1 to 2**63 - 1 (TF
Serving's int64).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import tensorflow as tf

from keraslab.core.errors import KeraslabError
from keraslab.core.export.staging import make_readable, staging_folder
from keraslab.core.paths import write_atomically

WARMUP_FILE = "tf_serving_warmup_requests"
MAX_VERSION = 2**63 - 1  # TF Serving reads versions as int64
WARMUP_EXAMPLES = 8


def check_export_name(name: str) -> None:
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
        raise KeraslabError(f"Export name '{name}' must be letters, digits, '_', '.' and '-'.")


def write_export(
    exportable: "Exportable", out: str, name: str, version: Optional[int], input_name: str, origin: Dict[str, Any]
) -> Path:
    """Writes `exportable` as version `version` (default: one past the
    highest) of `out/name`, with warm-up requests and `keraslab.json`
    (`origin` says what it was made from), and rewrites models.config."""
    model_root = Path(out) / name
    version = choose_version(model_root, version)
    model_root.mkdir(parents=True, exist_ok=True)
    with staging_folder(model_root, version) as staging:
        exportable.write(staging)
        extra = staging / "assets.extra"
        extra.mkdir()
        write_warmup_requests(extra / WARMUP_FILE, name, input_name, exportable.warmup)
        (extra / "keraslab.json").write_text(
            json.dumps(
                {
                    **origin,
                    "signatures": sorted(exportable.signatures),
                    "input": describe_inputs(input_name, exportable.warmup),
                    "class_names": list(exportable.class_names),
                },
                indent=2,
            )
            + "\n"
        )
        make_readable(staging)
        final = model_root / str(version)
        if final.exists():
            raise KeraslabError(f"Export version {final} appeared while exporting; not overwriting it.")
        os.rename(staging, final)
    write_models_config(Path(out))
    return final


@dataclasses.dataclass
class Exportable:
    """What goes into a SavedModel: the object whose variables it saves, its
    signatures, and real inputs for the warm-up requests."""

    model: Any
    signatures: Dict[str, Any]
    warmup: Any  # an array of examples, or a dictionary of the inputs of one request
    class_names: tuple = ()
    policy: Any = None  # a tf-agents policy, saved with PolicySaver instead

    def write(self, path: Path) -> None:
        if self.policy is not None:
            from keraslab.core.export.policies import save_policy

            save_policy(self.policy, path)
            return
        module = tf.Module()
        module.model = self.model
        for signature_name, function in self.signatures.items():
            setattr(module, f"signature_{signature_name}", function)
        tf.saved_model.save(module, str(path), signatures=self.signatures)


def choose_version(model_root: Path, version: Optional[int]) -> int:
    existing = existing_versions(model_root)
    if version is None:
        if max(existing, default=0) >= MAX_VERSION:
            raise KeraslabError(
                f"'{model_root}' already holds the highest version TF Serving accepts "
                f"({MAX_VERSION}); give --version a free one below it."
            )
        return max(existing, default=0) + 1
    if not 1 <= version <= MAX_VERSION:
        raise KeraslabError(
            f"--version must be an integer from 1 to {MAX_VERSION} (TF Serving's int64), received {version}."
        )
    if version in existing:
        raise KeraslabError(
            f"Version {version} of '{model_root}' already exists; exports are never overwritten. "
            f"Omit --version to write version {max(existing) + 1}."
        )
    return version


def existing_versions(model_root: Path) -> list:
    """The version numbers under `model_root` that TF Serving would load
    (folders named by an integer from 1 to 2**63 - 1)."""
    if not model_root.is_dir():
        return []
    return sorted(
        int(p.name) for p in model_root.iterdir() if p.is_dir() and p.name.isdigit() and 1 <= int(p.name) <= MAX_VERSION
    )


def write_models_config(root: Path) -> Path:
    """Writes TF Serving's models.config listing every model under `root`.

    Base paths are given as the container sees them when `root` is mounted
    at /models (`docker run -v "$PWD/exports:/models" ...`).
    """
    entries = []
    for model_root in sorted(p for p in root.iterdir() if p.is_dir() and existing_versions(p)):
        entries.append(
            "  config {\n"
            f'    name: "{model_root.name}"\n'
            f'    base_path: "/models/{model_root.name}"\n'
            '    model_platform: "tensorflow"\n'
            "  }\n"
        )
    path = root / "models.config"
    write_atomically(path, "model_config_list {\n" + "".join(entries) + "}\n")
    return path


def describe_inputs(input_name: str, warmup) -> Any:
    """What keraslab.json says of the inputs: the name, shape (any batch)
    and dtype of the one input, or of each input of a dictionary."""

    def describe(name, array):
        array = np.asarray(array)
        dtype = "string" if array.dtype.kind in "OSU" else str(array.dtype)
        return {"name": name, "shape": [None, *array.shape[1:]], "dtype": dtype}

    if isinstance(warmup, dict):
        return [describe(name, array) for name, array in warmup.items()]
    return describe(input_name, warmup)


def write_warmup_requests(path: Path, model_name: str, input_name: str, batch) -> None:
    """Writes TF Serving warm-up records: one PredictionLog per example, or
    one request holding every input where `batch` is a dictionary of them
    (a graph: its node features and edges, which only make sense together).

    Format: a TFRecord file of `tensorflow.serving.PredictionLog` protos
    (TF Serving's SavedModel warm-up guide), read from assets.extra on load.
    """
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    if isinstance(batch, dict):
        request = predict_pb2.PredictRequest(
            model_spec=model_pb2.ModelSpec(name=model_name, signature_name="serving_default")
        )
        for name, value in batch.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
        log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
        with tf.io.TFRecordWriter(str(path)) as writer:
            writer.write(log.SerializeToString())
        return
    with tf.io.TFRecordWriter(str(path)) as writer:
        for i in range(len(batch)):
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name="serving_default")
            )
            request.inputs[input_name].CopyFrom(tf.make_tensor_proto(batch[i : i + 1]))
            log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
