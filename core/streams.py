"""Examples read from files as training goes: the streamed kind of dataset.

`Examples` holds a whole dataset in memory, which suits the small embedded
sets. A folder of 50,000 photos does not fit, so a loader may return
`ExampleFiles` instead: the files (one example each), the class of each
(known from its path), and how to decode one file's bytes into features.
Nothing is read until a batch is asked for. The trainer's pipeline
(`keraslab.core.trainer.pipeline`) reads and decodes the files in parallel,
in an order that depends only on (seed, epoch), so a resumed run sees the
batches an uninterrupted run would.

Splitting needs only the file names, never their contents:

* a folder whose top level is `train/`, `validation/` (optional) and
  `test/` keeps that split (`ExampleFiles.parts`);
* otherwise, within each class, files are ranked by a hash of
  (`data.seed`, relative path) and the first ones of each class go to test,
  the next to validation. BLAKE2b of the path is the same on every machine
  and Python version, and the split is stratified like the in-memory one.

Under several replicas, each input pipeline reads a `Share` of every
global batch, its own replicas' pieces, of files and records alike.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from keraslab.core.data import Examples, Splits, cut_groups
from keraslab.core.errors import KeraslabError

PART_NAMES = ("train", "validation", "test")


@dataclasses.dataclass(frozen=True)
class ExampleFiles:
    """A dataset streamed from files, one example per file.

    Attributes:
        root: the folder the paths are relative to.
        paths: each example's file, relative to `root` ("/"-separated).
        decode: a function of TensorFlow ops from a file's bytes (a scalar
            `tf.string`) to its features, a tensor of `input_shape` and
            `input_dtype`; it runs inside the `tf.data` pipeline.
        input_shape: shape of one example's features.
        input_dtype: their dtype.
        targets: the class id of each file (from its path), or None.
        num_classes: number of classes, for classification data.
        class_names: the name of each class.
        parts: the split of each file (0 train, 1 validation, 2 test) when
            the folder names it; None: split by hash (`split_files`).
    """

    root: str
    paths: Tuple[str, ...]
    decode: Callable[[Any], Any] = dataclasses.field(repr=False, compare=False)
    input_shape: Tuple[int, ...]
    input_dtype: str = "float32"
    targets: Optional[np.ndarray] = dataclasses.field(default=None, repr=False, compare=False)
    num_classes: Optional[int] = None
    class_names: Tuple[str, ...] = ()
    parts: Optional[np.ndarray] = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.targets is not None and len(self.targets) != len(self.paths):
            raise KeraslabError(f"{len(self.paths)} files but {len(self.targets)} targets; they must match.")

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def features(self):
        raise KeraslabError(
            f"The examples of '{self.root}' are streamed from its files and are not held in memory; "
            "read the ones you need with .load(indices), or predict over them with predict_split."
        )

    def files(self) -> List[str]:
        """The absolute path of every example's file, in order."""
        return [f"{self.root.rstrip('/')}/{p}" for p in self.paths]

    def take(self, indices) -> "ExampleFiles":
        indices = np.asarray(indices, np.int64)
        return dataclasses.replace(
            self,
            paths=tuple(self.paths[i] for i in indices),
            targets=None if self.targets is None else self.targets[indices],
            parts=None if self.parts is None else self.parts[indices],
        )

    def load(self, indices: Optional[Sequence[int]] = None) -> Examples:
        """The examples at `indices` (all of them by default) read and decoded into memory."""
        import tensorflow as tf

        chosen = self if indices is None else self.take(indices)
        decoded = [chosen.decode(tf.io.read_file(path)).numpy() for path in chosen.files()]
        features = np.stack(decoded) if decoded else np.zeros((0, *self.input_shape), self.input_dtype)
        return Examples(features, chosen.targets, self.num_classes, self.class_names)


def rank_key(seed: int, path: str) -> bytes:
    """The position of `path` in its class's ranking: BLAKE2b of (seed, path)."""
    return hashlib.blake2b(f"{seed}/{path}".encode(), digest_size=8).digest()


def split_files(files: ExampleFiles, validation_fraction: float, test_fraction: float, seed: int) -> Splits:
    """Train, validation and test parts of `files`, from their names alone
    (the module docstring gives the rule). Each part keeps its files in
    path order; training order is the pipeline's, per epoch."""
    if files.parts is not None:
        chosen = {name: np.flatnonzero(files.parts == k) for k, name in enumerate(PART_NAMES)}
    else:
        groups = (
            [np.flatnonzero(files.targets == c) for c in np.unique(files.targets)]
            if files.targets is not None
            else [np.arange(len(files))]
        )
        ranked = [np.array(sorted(g, key=lambda i: rank_key(seed, files.paths[i])), np.int64) for g in groups]
        chosen = {name: np.sort(v) for name, v in cut_groups(ranked, validation_fraction, test_fraction).items()}
    if len(chosen["train"]) == 0:
        raise KeraslabError(f"'{files.root}' leaves no training files after the split.")
    return Splits(**{name: files.take(indices) for name, indices in chosen.items()})


@dataclasses.dataclass(frozen=True)
class Share:
    """The pieces of every global batch that one input pipeline reads.

    A global batch of m examples is cut into `pieces` consecutive pieces,
    one per replica: piece p holds positions [⌊p·m/P⌋, ⌊(p+1)·m/P⌋) of it
    (P = `pieces`), so a full batch gives every replica the same count and
    a short last batch is spread evenly (no replica gets an empty piece
    while m ≥ P). The pipeline reads pieces `first` … `first + count − 1`,
    one element each, in the order its local replicas take them.
    """

    first: int
    count: int
    pieces: int

    @classmethod
    def of(cls, context) -> "Share":
        """The share of the input pipeline a `tf.distribute.InputContext` describes (one per worker)."""
        local = context.num_replicas_in_sync // context.num_input_pipelines
        return cls(context.input_pipeline_id * local, local, context.num_replicas_in_sync)

    @staticmethod
    def apply(share: Optional["Share"], batches):
        """`share.split(batches)`, or the batches themselves when there is no share."""
        return batches if share is None else share.split(batches)

    def split(self, batches):
        """A `tf.data.Dataset` of batches (a tensor, or a tuple of tensors of
        one length) → this share's pieces of each, one element per piece."""
        import tensorflow as tf

        def own_pieces(*batch):
            size = tf.shape(batch[0], out_type=tf.int64)[0]

            def piece(k):
                p = self.first + k
                start, stop = p * size // self.pieces, (p + 1) * size // self.pieces
                parts = tuple(part[start:stop] for part in batch)
                return parts if len(parts) > 1 else parts[0]

            return tf.data.Dataset.range(self.count).map(piece)

        return batches.flat_map(own_pieces)
