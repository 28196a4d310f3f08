"""Reading a user's own tabular data: CSV or NumPy `.npz` files.

* CSV: one example per row, numeric columns, the target in the last column;
  a first row that is not numeric is taken as a header.
* NPZ: arrays named `features` and (optionally) `targets`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from keraslab.core.data import Examples
from keraslab.core.errors import KeraslabError

ACCEPTED = ".csv (numeric columns, target last) or .npz (arrays 'features' and 'targets')"


def read_table(path: str, task: str) -> Examples:
    """Reads a user's data file into `Examples`.

    Args:
        path: the file.
        task: "classification" (integer class targets) or "regression"
            (float targets).

    Returns:
        The examples; for classification, `num_classes` is the largest
        class id plus one.

    Raises:
        KeraslabError: the file is missing, of another format, or malformed.
    """
    file = Path(path)
    if not file.is_file():
        raise KeraslabError(f"Data file '{path}' does not exist. Accepted: {ACCEPTED}.")
    suffix = file.suffix.lower()
    if suffix == ".npz":
        with np.load(file) as arrays:
            if "features" not in arrays:
                raise KeraslabError(f"'{path}' has arrays {sorted(arrays.files)}; expected 'features' (and 'targets').")
            features = arrays["features"].astype(np.float32)
            targets = arrays["targets"] if "targets" in arrays else None
    elif suffix == ".csv":
        features, targets = _read_csv(file)
    else:
        raise KeraslabError(f"Data file '{path}' has suffix '{suffix}'. Accepted: {ACCEPTED}.")
    if len(features) == 0:
        raise KeraslabError(f"Data file '{path}' holds no examples.")
    if targets is None or task != "classification":
        return Examples(features, None if targets is None else targets.astype(np.float32))
    if not np.all(np.equal(np.mod(targets, 1), 0)) or targets.min() < 0:
        raise KeraslabError(f"Targets in '{path}' must be class ids 0, 1, 2, ... for a classifier.")
    targets = targets.astype(np.int64)
    return Examples(features, targets, int(targets.max()) + 1)


def _read_csv(file: Path):
    lines = [line for line in file.read_text().splitlines() if line.strip()]
    if not lines:
        raise KeraslabError(f"Data file '{file}' is empty.")
    try:
        [float(v) for v in lines[0].split(",")]
    except ValueError:
        lines = lines[1:]  # a header row
    try:
        table = np.array([[float(v) for v in line.split(",")] for line in lines], dtype=np.float64)
    except ValueError as error:
        raise KeraslabError(f"Data file '{file}' has a non-numeric value: {error}.") from None
    if table.ndim != 2 or table.shape[1] < 2:
        raise KeraslabError(f"Data file '{file}' needs at least two columns (features, then the target).")
    return table[:, :-1].astype(np.float32), table[:, -1]
