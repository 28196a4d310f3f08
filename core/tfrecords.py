"""TFRecord shards of `tf.train.Example`: keraslab's format for data at scale.

A converted dataset is a folder (`keraslab data convert` writes it):

    keraslab-records.json              what the records hold (below)
    targets.npy                        the target of every record, in order
    train-00000-of-00004.tfrecord      shards, named by split when the source
    ...                                gave one, else part-NNNNN-of-NNNNN

Each record is a `tf.train.Example` with

* `image`: the image file's bytes as they were (PNG, JPEG, GIF, BMP), for
  image data, decoded and resized inside the pipeline; or
* `features`: the example's numbers, flattened (a float list), for tables;
* `target`: the class id (int64) or the value (float), when there is one.

`keraslab-records.json` gives the kind (`image` or `table`), the shape
and dtype of one example's features, the target kind (`class`, `value` or
`none`), the class names, and each shard's file name and number of
records. Opening the folder reads the manifest and `targets.npy` and the
first record of each shard (to check it parses): nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from keraslab.core.errors import KeraslabError
from keraslab.core.image_folders import image_decoder
from keraslab.core.records import ExampleRecords
from keraslab.core.streams import PART_NAMES

MANIFEST = "keraslab-records.json"
TARGETS = "targets.npy"
FORMAT = "keraslab-records"
VERSION = 1
TARGET_KINDS = ("class", "value", "none")


def is_records_folder(path: str) -> bool:
    return Path(path, MANIFEST).is_file()


def shard_name(part: str, index: int, count: int) -> str:
    return f"{part}-{index:05d}-of-{count:05d}.tfrecord"


def tfrecord_records(path: str, image_size: Optional[Tuple[int, int]] = None) -> ExampleRecords:
    """The converted dataset in folder `path`, streamed.

    Args:
        path: a folder written by `keraslab data convert`.
        image_size: (height, width) to resize image records to; None: the
            size the manifest records (that of the source's first image).

    Raises:
        KeraslabError: no manifest, a manifest of another format or
            version, missing shards, a record count or targets file that
            does not match, or a first record that does not parse.
    """
    import tensorflow as tf

    root = Path(path)
    manifest = _read_manifest(root)
    shards = [root / entry["file"] for entry in manifest["shards"]]
    missing = [str(s) for s in shards if not s.is_file()]
    if missing:
        raise KeraslabError(f"Records folder '{path}' lists shards that are not there: {', '.join(missing[:3])}.")
    counts = tuple(int(entry["records"]) for entry in manifest["shards"])
    total = sum(counts)
    targets = _read_targets(root, manifest, total)
    kind, target_kind = manifest["kind"], manifest["target"]
    shape = tuple(int(d) for d in manifest["input_shape"])
    if kind == "image":
        height, width = image_size or shape[:2]
        shape = (int(height), int(width), 3)
    parse = _image_parser(shape) if kind == "image" else _table_parser(shape)
    paths = tf.constant([str(s) for s in shards])

    def read(shard):
        return tf.data.TFRecordDataset(tf.gather(paths, shard))

    part_of = [
        PART_NAMES.index(entry["part"]) if entry.get("part") in PART_NAMES else -1 for entry in manifest["shards"]
    ]
    parts = None
    if all(p >= 0 for p in part_of):
        parts = np.repeat(np.array(part_of, np.int64), counts)
    records = ExampleRecords(
        source=str(root),
        shards=tuple(str(s) for s in shards),
        counts=counts,
        read=read,
        parse=parse,
        input_shape=shape,
        input_dtype="float32",
        numbers=np.arange(total, dtype=np.int64),
        targets=targets,
        num_classes=int(manifest["num_classes"]) if target_kind == "class" else None,
        class_names=tuple(manifest.get("class_names", ())),
        parts=parts,
    )
    _check_first_records(records)
    return records


def example_of(features: Any, target: Any, kind: str, target_kind: str) -> bytes:
    """One serialized `tf.train.Example`: an image's file bytes or a row of
    numbers, and its target (see the module docstring)."""
    import tensorflow as tf

    feature: Dict[str, tf.train.Feature] = {}
    if kind == "image":
        feature["image"] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[bytes(features)]))
    else:
        values = np.asarray(features, np.float32).reshape(-1)
        feature["features"] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
    if target_kind == "class":
        feature["target"] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(target)]))
    elif target_kind == "value":
        feature["target"] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(target)]))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def manifest_of(
    kind: str,
    input_shape: Tuple[int, ...],
    target_kind: str,
    num_classes: Optional[int],
    class_names: Tuple[str, ...],
    shards: List[Dict[str, Any]],
) -> Dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "input_shape": list(input_shape),
        "input_dtype": "float32",
        "target": target_kind,
        "num_classes": num_classes,
        "class_names": list(class_names),
        "shards": shards,
    }


def _read_manifest(root: Path) -> Dict[str, Any]:
    file = root / MANIFEST
    if not file.is_file():
        raise KeraslabError(
            f"'{root}' has no {MANIFEST}; a records folder is written by `keraslab data convert SOURCE --out DIR`."
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KeraslabError(f"'{file}' is not a readable manifest ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise KeraslabError(f"'{file}' is not a {FORMAT} manifest of version {VERSION}.")
    required = ("kind", "input_shape", "target", "shards")
    absent = [key for key in required if key not in manifest]
    if absent or manifest["kind"] not in ("image", "table") or manifest["target"] not in TARGET_KINDS:
        raise KeraslabError(
            f"'{file}' lacks {', '.join(absent) or 'a valid kind or target'}; "
            "kind is image or table, target is class, value or none."
        )
    if not manifest["shards"]:
        raise KeraslabError(f"Records folder '{root}' lists no shards.")
    return manifest


def _read_targets(root: Path, manifest: Dict[str, Any], total: int) -> Optional[np.ndarray]:
    if manifest["target"] == "none":
        return None
    try:
        targets = np.load(root / TARGETS, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise KeraslabError(f"'{root / TARGETS}' cannot be read ({error}); convert the data again.") from None
    if targets.shape != (total,):
        raise KeraslabError(
            f"'{root / TARGETS}' holds {targets.shape} targets, but the shards hold {total} records; "
            "convert the data again."
        )
    return targets.astype(np.int64 if manifest["target"] == "class" else np.float32)


def _image_parser(shape):
    """Serialized examples → their images, decoded and resized as an image folder's are."""
    import tensorflow as tf

    height, width = shape[0], shape[1]
    decode = image_decoder(height, width)

    def parse(raw):
        images = tf.io.parse_example(raw, {"image": tf.io.FixedLenFeature([], tf.string)})["image"]
        return tf.map_fn(decode, images, fn_output_signature=tf.TensorSpec((height, width, 3), tf.float32))

    return parse


def _table_parser(shape):
    import tensorflow as tf

    size = int(np.prod(shape))

    def parse(raw):
        values = tf.io.parse_example(raw, {"features": tf.io.FixedLenFeature([size], tf.float32)})["features"]
        return tf.reshape(values, [-1, *shape])

    return parse


def _check_first_records(records: ExampleRecords) -> None:
    """Parses the first record of each shard, so records that do not match
    the manifest are one line now rather than an error mid-epoch."""
    import tensorflow as tf

    for shard, path in enumerate(records.shards):
        try:
            first = list(records.read(tf.constant(shard, tf.int64)).take(1))
            if first:
                records.parse(tf.stack(first))
        except (tf.errors.OpError, ValueError) as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise KeraslabError(
                f"Shard '{path}' does not hold the records its manifest describes ({detail[:200]}); "
                "convert the data again with `keraslab data convert`."
            ) from None
