"""`keraslab data convert`: an image folder or CSV data into TFRecord shards.

The shards are written into a temporary folder beside `out`, which is
renamed to `out` only once every shard, `targets.npy` and the manifest are
complete: an interrupted conversion leaves no `out`, only its temporary
folder, which is removed on the way out (and by the next conversion into
the same place). `out` is never overwritten.

Records are written in an order shuffled once with `seed`, in contiguous
runs per shard, so every shard holds a mix of classes and a training
interleave of a few shards sees them all. A source that gives its split
(an image folder with `train/` and `test/`) is written as shards named by
split (`train-00000-of-00004.tfrecord`), which keep that split when read.
Images are stored as their files' bytes, unchanged, after each is decoded
once here: a file that does not decode is refused (named), or skipped and
counted under `unreadable="skip"`, so a converted dataset never fails to
decode mid-epoch.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from keraslab.core.errors import KeraslabError
from keraslab.core.records import in_order
from keraslab.core.streams import PART_NAMES, ExampleFiles
from keraslab.core.tfrecords import MANIFEST, TARGETS, example_of, manifest_of, shard_name

PARTIAL = ".partial-"


def open_source(source: str, task: str, unreadable: str) -> Any:
    """The dataset at `source`: an image folder (`ExampleFiles`) or a CSV
    file or folder of CSV files (`ExampleRecords`, streamed)."""
    from keraslab.core.csv_records import csv_records
    from keraslab.core.image_folders import image_folder

    path = Path(source)
    if path.is_file() and path.suffix.lower() == ".csv":
        return csv_records(source, task)
    if path.is_dir() and any(f.suffix.lower() == ".csv" for f in path.iterdir()):
        return csv_records(source, task)
    if path.is_dir():
        return image_folder(source, unreadable=unreadable, skip_hint="--unreadable skip")
    raise KeraslabError(
        f"Cannot convert '{source}': accepted are an image folder (one sub-folder per class), "
        "a .csv file, or a folder of .csv files."
    )


def convert(
    source: str,
    out: str,
    shards: int,
    task: str = "classification",
    unreadable: str = "refuse",
    seed: int = 0,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Dict[str, Any]:
    """Writes the dataset at `source` as TFRecord shards into the new folder `out`.

    Args:
        source: an image folder or CSV data (see `open_source`).
        out: the folder to create; it must not exist yet.
        shards: shards per split (fewer if a split has fewer records).
        task: for CSV data, "classification" (class ids last) or "regression".
        unreadable: "refuse" or "skip" an image that does not decode.
        seed: the seed of the order records are written in.
        progress: called as progress(steps done since the last call, total
            steps): each record is a step twice, read and then written.

    Returns:
        The manifest written.

    Raises:
        KeraslabError: `out` exists, `shards` < 1, or the source is unreadable.
    """
    if shards < 1:
        raise KeraslabError(f"--shards must be at least 1, received {shards}.")
    target = Path(out)
    if target.exists():
        raise KeraslabError(f"'{out}' exists; converted data is never written over. Choose a new --out.")
    if not target.parent.is_dir():
        raise KeraslabError(f"'{target.parent}' is not a folder; --out must name a new folder in an existing one.")
    dataset = open_source(source, task, unreadable)
    _remove_stale_partials(target)
    partial = target.parent / f"{target.name}{PARTIAL}{os.getpid()}"
    partial.mkdir()
    try:
        total = 2 * len(dataset)
        report = progress or (lambda done, total: None)
        manifest = _write(dataset, partial, shards, unreadable, seed, lambda done: report(done, total))
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write(dataset, folder: Path, shards: int, unreadable: str, seed: int, progress) -> Dict[str, Any]:
    """Two passes, so that each shard is a shuffled sample of its split: the
    source read once in order, each record sent to a random bucket of its
    split; then each bucket (one shard's worth) shuffled in memory and
    written as a shard. Memory holds one shard at a time."""
    import tensorflow as tf

    images = isinstance(dataset, ExampleFiles)
    kind, target_kind = ("image" if images else "table"), _target_kind(dataset)
    named = dataset.parts is not None
    parts = dataset.parts if named else np.zeros(len(dataset), np.int64)
    rng = np.random.default_rng(seed)
    counts = {int(p): min(shards, int(np.sum(parts == p))) for p in np.unique(parts)}
    buckets = {(p, b): folder / f".bucket-{p}-{b}" for p, count in counts.items() for b in range(count)}
    bucket_targets: Dict[Tuple[int, int], List[Any]] = {key: [] for key in buckets}
    writers = {key: tf.io.TFRecordWriter(str(path)) for key, path in buckets.items()}
    skipped: List[str] = []
    try:
        for position, (features, label) in enumerate(_in_source_order(dataset, images)):
            progress(1)
            if images and not _decodes(features):
                if unreadable != "skip":
                    raise KeraslabError(
                        f"'{label}' is not a readable image (it does not decode); remove it, "
                        "or skip such files with --unreadable skip."
                    )
                skipped.append(label)
                continue
            part = int(parts[position])
            key = (part, int(rng.integers(counts[part])))
            target = None if dataset.targets is None else dataset.targets[position]
            writers[key].write(example_of(features, target, kind, target_kind))
            bucket_targets[key].append(target)
    finally:
        for writer in writers.values():
            writer.close()
    if skipped:
        print(
            f"--unreadable skip: skipped {len(skipped)} image(s) that do not decode, the first '{skipped[0]}'.",
            file=sys.stderr,
        )
    entries: List[Dict[str, Any]] = []
    targets: List[Any] = []
    for (part, index), bucket in buckets.items():
        records = [record.numpy() for record in tf.data.TFRecordDataset(str(bucket))]
        order = rng.permutation(len(records))
        name = shard_name(PART_NAMES[part] if named else "part", index, counts[part])
        with tf.io.TFRecordWriter(str(folder / name)) as writer:
            for k in order:
                writer.write(records[k])
        progress(len(records))
        targets.extend(bucket_targets[(part, index)][k] for k in order)
        bucket.unlink()
        entries.append({"file": name, "records": len(records), **({"part": PART_NAMES[part]} if named else {})})
    if not targets:
        raise KeraslabError("Nothing was written: every example was skipped.")
    if target_kind != "none":
        dtype = np.int64 if target_kind == "class" else np.float32
        np.save(folder / TARGETS, np.asarray(targets, dtype), allow_pickle=False)
    manifest = manifest_of(
        kind, tuple(dataset.input_shape), target_kind, dataset.num_classes, tuple(dataset.class_names), entries
    )
    manifest["seed"] = seed
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _in_source_order(dataset, images: bool):
    """(features, label) of every example in the source's order: an image's
    file bytes, or a table row's numbers (read a batch at a time)."""
    if images:
        for file in dataset.files():
            yield Path(file).read_bytes(), file
        return
    position = 0
    for batch in in_order(dataset, 4096, with_targets=False):
        for row in batch.numpy():
            yield row, f"row {position}"
            position += 1


def _decodes(contents: bytes) -> bool:
    import tensorflow as tf

    try:
        tf.io.decode_image(contents, channels=3, expand_animations=False)
        return True
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError):
        return False


def _target_kind(dataset) -> str:
    if dataset.targets is None:
        return "none"
    return "class" if dataset.num_classes else "value"


def _remove_stale_partials(target: Path) -> None:
    """Temporary folders of earlier conversions into `target` whose process is gone."""
    for folder in target.parent.glob(f"{target.name}{PARTIAL}*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(manifest: Dict[str, Any]) -> Tuple[int, int]:
    """(records, shards) of a manifest."""
    return sum(entry["records"] for entry in manifest["shards"]), len(manifest["shards"])
