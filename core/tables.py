"""Reading a user's own tabular data: CSV or NumPy `.npz` files.

* CSV: one example per row, numeric columns, the target in the last column;
  a first row that is not numeric is taken as a header.
* NPZ: arrays named `features` and (optionally) `targets`.

Both are read into memory. Tables larger than memory stream instead: a CSV
file or folder of them with `stream=True` (`keraslab.core.csv_records`),
and a folder of TFRecord shards written by `keraslab data convert`
(`keraslab.core.tfrecords`), which always streams.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from keraslab.core.data import Examples
from keraslab.core.errors import KeraslabError

ACCEPTED = (
    ".csv (numeric columns, target last), .npz (arrays 'features' and 'targets'), "
    "a folder of .csv files (streamed) or a folder written by `keraslab data convert`"
)


def read_table(path: str, task: str, stream: bool = False, nan: str = "refuse") -> Any:
    """Reads a user's data file into `Examples`, or opens it as streamed
    `ExampleRecords` (a records folder; CSV files under `stream`).

    Args:
        path: the file or folder.
        task: "classification" (integer class targets) or "regression"
            (float targets).
        stream: stream a CSV file instead of reading it into memory.
        nan: the `data.nan` setting, applied as a streamed CSV is opened
            (in memory, the data checks apply it).

    Returns:
        The examples; for classification, `num_classes` is the largest
        class id plus one.

    Raises:
        KeraslabError: the file is missing, of another format, or malformed.
    """
    from keraslab.core.tfrecords import is_records_folder, tfrecord_records

    if is_records_folder(path):
        records = tfrecord_records(path)
        if records.input_shape and len(records.input_shape) != 1:
            raise KeraslabError(f"'{path}' holds images; this dataset takes tables (rows of numbers).")
        return records
    file = Path(path)
    if file.is_dir() or (stream and file.suffix.lower() == ".csv"):
        from keraslab.core.csv_records import csv_records

        return csv_records(path, task, nan=nan)
    if not file.is_file():
        raise KeraslabError(f"Data file '{path}' does not exist. Accepted: {ACCEPTED}.")
    suffix = file.suffix.lower()
    if suffix == ".npz":
        features, targets = _read_npz(file)
    elif suffix == ".csv":
        features, targets = _read_csv(file)
    else:
        raise KeraslabError(f"Data file '{path}' has suffix '{suffix}'. Accepted: {ACCEPTED}.")
    if len(features) == 0:
        raise KeraslabError(f"Data file '{path}' holds no examples.")
    if targets is None or task != "classification":
        return Examples(features, None if targets is None else targets.astype(np.float32))
    finite = np.isfinite(targets)
    whole = targets[finite]
    if not np.all(np.equal(np.mod(whole, 1), 0)) or (whole.size and whole.min() < 0):
        raise KeraslabError(f"Targets in '{path}' must be class ids 0, 1, 2, ... for a classifier.")
    if whole.size and whole.max() >= 2**31:
        raise KeraslabError(f"Targets in '{path}' include class id {whole.max():.0f}; class ids run 0, 1, 2, ...")
    if not finite.all():  # the rows are refused (or dropped) by the data checks, which name them
        return Examples(features, targets, int(whole.max()) + 1 if whole.size else None)
    targets = targets.astype(np.int64)
    return Examples(features, targets, int(targets.max()) + 1)


def _read_npz(file: Path):
    """`features` (numeric, one row per example) and optional `targets` (one number per example)."""
    try:
        with np.load(file, allow_pickle=False) as arrays:
            if "features" not in arrays:
                raise KeraslabError(f"'{file}' has arrays {sorted(arrays.files)}; expected 'features' (and 'targets').")
            features = arrays["features"]
            targets = arrays["targets"] if "targets" in arrays else None
    except KeraslabError:
        raise
    except ValueError as error:  # object arrays need pickle, which is never allowed
        if "pickled data" in str(error):  # not a zip at all: numpy took it for a pickle
            raise KeraslabError(f"Data file '{file}' is not a .npz archive; accepted: {ACCEPTED}.") from None
        raise KeraslabError(
            f"Data file '{file}' holds an array keraslab will not read ({error}); "
            f"accepted: numeric arrays 'features' and 'targets'."
        ) from None
    except Exception as error:  # not a zip, truncated, a folder...
        raise KeraslabError(
            f"Data file '{file}' is not a readable .npz archive ({type(error).__name__}: {error}); "
            f"accepted: {ACCEPTED}."
        ) from None
    if features.dtype.kind not in "biuf" or features.ndim < 2:
        raise KeraslabError(
            f"'{file}': 'features' has dtype {features.dtype} and shape {features.shape}; "
            "expected numbers, one row per example (n, d)."
        )
    if targets is not None and (targets.dtype.kind not in "biuf" or targets.ndim != 1 or len(targets) != len(features)):
        raise KeraslabError(
            f"'{file}': 'targets' has dtype {targets.dtype} and shape {targets.shape}; expected one "
            f"number per example, shape ({len(features)},)."
        )
    return features.astype(np.float32), targets


def read_text(file: Path, what: str = "Data file") -> str:
    """The file's text, or a one-line `KeraslabError` if it is not UTF-8."""
    try:
        return file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise KeraslabError(
            f"{what} '{file}' is not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start}); save it as UTF-8."
        ) from None
    except OSError as error:
        raise KeraslabError(f"{what} '{file}' cannot be read: {error.strerror or error}.") from None


def _read_csv(file: Path):
    lines = [line for line in read_text(file).splitlines() if line.strip()]
    if not lines:
        raise KeraslabError(f"Data file '{file}' is empty.")
    try:
        [float(v) for v in lines[0].split(",")]
    except ValueError:
        lines = lines[1:]  # a header row
    if not lines:
        raise KeraslabError(f"Data file '{file}' holds a header and no examples.")
    width = len(lines[0].split(","))
    for number, line in enumerate(lines, start=1):
        if len(line.split(",")) != width:
            raise KeraslabError(
                f"Data file '{file}': data row {number} has {len(line.split(','))} columns, the "
                f"first has {width}; every row needs the same columns."
            )
    try:
        table = np.array([[float(v) for v in line.split(",")] for line in lines], dtype=np.float64)
    except ValueError as error:
        raise KeraslabError(f"Data file '{file}' has a non-numeric value: {error}.") from None
    if table.shape[1] < 2:
        raise KeraslabError(f"Data file '{file}' needs at least two columns (features, then the target).")
    return table[:, :-1].astype(np.float32), table[:, -1]
