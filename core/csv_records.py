"""CSV files of any size, streamed: a row at a time, never the whole file.

The rules are those of the in-memory reader (`keraslab.core.tables`):
numeric columns, the target in the last, a first row that is not numeric
taken as a header, blank lines ignored. A folder of CSV files is one
dataset, its files shards in name order, all with the same columns.

Opening scans every file once, in batches, with TensorFlow's CSV decoder:
it counts the rows, checks each is numeric and as wide as the first
(naming the file and line of the first that is not), finds rows with NaN
or ±inf, and keeps the targets (a few bytes per row). The features are
decoded again, a batch at a time, as the model trains.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from keraslab.core.errors import KeraslabError
from keraslab.core.records import ExampleRecords

SCAN_BATCH = 65536


def csv_files(path: str) -> List[Path]:
    """The CSV file at `path`, or the CSV files in the folder `path`, sorted."""
    root = Path(path)
    if root.is_dir():
        files = sorted(f for f in root.iterdir() if f.suffix.lower() == ".csv" and not f.name.startswith("."))
        if not files:
            raise KeraslabError(f"Folder '{path}' holds no .csv files.")
        return files
    if not root.is_file():
        raise KeraslabError(f"Data file '{path}' does not exist. Accepted: a .csv file or a folder of them.")
    return [root]


def csv_records(path: str, task: str, nan: str = "refuse") -> ExampleRecords:
    """The rows of a CSV file (or folder of them) as streamed `ExampleRecords`.

    Args:
        path: a .csv file, or a folder of .csv files with the same columns.
        task: "classification" (class ids 0, 1, ... in the last column) or
            "regression" (float targets).
        nan: "refuse" rows with NaN or ±inf (named), or "drop" them (counted).

    Raises:
        KeraslabError: a missing or empty file, a ragged or non-numeric row
            (file and line), fewer than two columns, targets that are not
            class ids for a classifier, non-finite values under "refuse".
    """
    import tensorflow as tf

    files = csv_files(path)
    headers, width = [], None
    for file in files:
        header, first_width = _header_and_width(file)
        if width is not None and first_width != width:
            raise KeraslabError(
                f"'{file}' has {first_width} columns but '{files[0]}' has {width}; every file needs the same columns."
            )
        headers.append(header)
        width = first_width
    assert width is not None
    if width < 2:
        raise KeraslabError(f"Data file '{files[0]}' needs at least two columns (features, then the target).")
    counts: List[int] = []
    targets: List[np.ndarray] = []
    bad: List[int] = []
    for file, header in zip(files, headers):
        count, file_targets, file_bad = _scan(file, header, width)
        if count == 0:
            raise KeraslabError(f"Data file '{file}' holds no data rows.")
        bad.extend(sum(counts) + row for row in file_bad)
        counts.append(count)
        targets.append(file_targets)
    all_targets = np.concatenate(targets)
    numbers = np.arange(len(all_targets), dtype=np.int64)
    if bad:
        file, line = _locate(files, headers, bad[0])
        if nan != "drop":
            raise KeraslabError(
                f"Dataset '{path}' has non-finite values (NaN or ±inf) in {len(bad)} of {len(numbers)} rows, the "
                f"first in '{file}' line {line}; fix them, or drop those rows with --set data.nan=drop."
            )
        if len(bad) == len(numbers):
            raise KeraslabError(f"Dataset '{path}': every row has a non-finite value; nothing is left to train on.")
        print(
            f"data.nan=drop: dropped {len(bad)} of {len(numbers)} rows of '{path}' with non-finite values.",
            file=sys.stderr,
        )
        keep = np.ones(len(numbers), bool)
        keep[np.asarray(bad)] = False
        numbers, all_targets = numbers[keep], all_targets[keep]
    num_classes: Optional[int] = None
    if task == "classification":
        all_targets, num_classes = _class_ids(all_targets, path)
    else:
        all_targets = all_targets.astype(np.float32)
    paths = tf.constant([str(f) for f in files])
    skips = tf.constant([int(h) for h in headers], tf.int64)
    defaults = [tf.constant([], tf.float32)] * width

    def read(shard):
        return data_lines(tf.gather(paths, shard), tf.gather(skips, shard))

    def parse(raw):
        return tf.stack(tf.io.decode_csv(raw, defaults)[:-1], axis=1)

    return ExampleRecords(
        source=str(path),
        shards=tuple(str(f) for f in files),
        counts=tuple(counts),
        read=read,
        parse=parse,
        input_shape=(width - 1,),
        numbers=numbers,
        targets=all_targets,
        num_classes=num_classes,
    )


def data_lines(path, header_lines):
    """A CSV file's data lines: blank lines dropped, then its header skipped."""
    import tensorflow as tf

    lines = tf.data.TextLineDataset(path).filter(lambda line: tf.strings.length(tf.strings.strip(line)) > 0)
    return lines.skip(header_lines)


def _header_and_width(file: Path) -> Tuple[bool, int]:
    """(whether the first non-blank line is a header, the width of the first data line)."""
    try:
        with open(file, encoding="utf-8") as handle:
            lines = []
            for line in handle:
                if line.strip():
                    lines.append(line.strip())
                if len(lines) == 2:
                    break
    except UnicodeDecodeError as error:
        raise KeraslabError(f"Data file '{file}' is not UTF-8 text ({error.reason}); save it as UTF-8.") from None
    except OSError as error:
        raise KeraslabError(f"Data file '{file}' cannot be read: {error.strerror or error}.") from None
    if not lines:
        raise KeraslabError(f"Data file '{file}' is empty.")
    try:
        [float(v) for v in lines[0].split(",")]
        return False, len(lines[0].split(","))
    except ValueError:
        if len(lines) < 2:
            raise KeraslabError(f"Data file '{file}' holds a header and no examples.") from None
        return True, len(lines[1].split(","))


def _scan(file: Path, header: bool, width: int) -> Tuple[int, np.ndarray, List[int]]:
    """(data rows, the last column of each, the rows with non-finite values)."""
    import tensorflow as tf

    defaults = [tf.constant([], tf.float32)] * width
    count, targets, bad = 0, [], []
    for lines in data_lines(str(file), int(header)).batch(SCAN_BATCH):
        try:
            columns = tf.io.decode_csv(lines, defaults)
        except tf.errors.InvalidArgumentError:
            raise _row_error(file, header, count, lines.numpy(), width) from None
        except tf.errors.OpError as error:
            raise KeraslabError(f"Data file '{file}' cannot be read: {error.message.splitlines()[0]}.") from None
        table = np.stack([c.numpy() for c in columns], axis=1)
        bad.extend((count + np.flatnonzero(~np.isfinite(table).all(axis=1))).tolist())
        targets.append(table[:, -1])
        count += len(table)
    return count, (np.concatenate(targets) if targets else np.zeros(0, np.float32)), bad


def _row_error(file: Path, header: bool, rows_before: int, lines, width: int) -> KeraslabError:
    """The one-line error for the first malformed row among `lines`."""
    for offset, raw in enumerate(lines):
        fields = raw.decode("utf-8", "replace").split(",")
        line = _line_of(file, header, rows_before + offset)
        if len(fields) != width:
            return KeraslabError(
                f"Data file '{file}': line {line} has {len(fields)} columns, the first data row has {width}; "
                "every row needs the same columns."
            )
        try:
            [float(v) for v in fields]
        except ValueError as error:
            return KeraslabError(f"Data file '{file}': line {line} has a non-numeric value ({error}).")
    return KeraslabError(f"Data file '{file}' has a row TensorFlow's CSV decoder cannot read.")


def _line_of(file: Path, header: bool, row: int) -> int:
    """The 1-based line number of data row `row` (0-based), counting blank lines and the header."""
    seen = -1 - int(header)
    with open(file, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return number
    return -1


def _locate(files: List[Path], headers: List[bool], row: int) -> Tuple[Path, int]:
    """(the file, the line) of global data row `row`."""
    for file, header in zip(files, headers):
        count = sum(1 for line in open(file, encoding="utf-8", errors="replace") if line.strip()) - int(header)
        if row < count:
            return file, _line_of(file, header, row)
        row -= count
    return files[-1], -1


def _class_ids(targets: np.ndarray, path: str) -> Tuple[np.ndarray, int]:
    whole = np.all(np.mod(targets, 1) == 0) and (targets.size == 0 or targets.min() >= 0)
    if not whole:
        raise KeraslabError(f"Targets in '{path}' must be class ids 0, 1, 2, ... for a classifier.")
    if targets.size and targets.max() >= 2**31:
        raise KeraslabError(f"Targets in '{path}' include class id {targets.max():.0f}; class ids run 0, 1, 2, ...")
    ids = targets.astype(np.int64)
    return ids, int(ids.max()) + 1
