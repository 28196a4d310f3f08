"""Linked examples: data whose examples are not independent rows.

The rows of `Examples` are independent: any subset of them is a batch, and a
model's output for one row reads that row alone. The nodes of a graph are
not: a node's class is read from its neighbours too, so a batch is the
nodes asked about *together with* the graph around them (all of it, or the
neighbourhoods a sampler reaches), and one split is a set of nodes of the
same graph, not a set of rows. A set of small graphs is linked the same way
inside each graph.

`LinkedExamples` is what such data gives the shared trainer. Its examples
(the nodes asked about, or the graphs) are numbered 0..n−1 and `take(indices)`
keeps some of them, so core splits, folds and limits them as it splits any
examples (seeded, stratified by class: `keraslab.core.data.split_examples`),
while each part keeps the whole structure it needs. Batches are made by the
data itself (`training_batches`, `evaluation_batches`): a dictionary of
input tensors and the targets of the examples they ask about, one output row
per target, in order. The model takes that dictionary.

The trainer treats these batches as it treats any: `Model.fit` on a
`tf.data` pipeline whose order is a pure function of (seed, epoch), so a
resumed run sees the batches the uninterrupted run would have seen. A batch
holds structure a replica cannot cut in pieces, so linked examples train on
one replica.
"""

from __future__ import annotations

import abc
from typing import Any, Dict, Optional, Tuple

import numpy as np


class LinkedExamples(abc.ABC):
    """Examples linked to each other, that make their own batches.

    A subclass is usually a frozen dataclass with the fields `targets`,
    `num_classes` and `class_names` (so `data.classes` renumbers it as it
    renumbers `Examples`), holding the shared structure and the indices of
    the examples this part asks about.

    Attributes:
        targets: the target of each example of this part, in order (None:
            unlabelled).
        num_classes: the number of classes, for class targets.
        class_names: the names of the classes.
    """

    targets: Optional[np.ndarray]
    num_classes: Optional[int]
    class_names: Tuple[str, ...]
    split_at: Optional[Tuple[int, int]] = None  # linked examples are split by the seed

    @abc.abstractmethod
    def __len__(self) -> int:
        """The number of examples in this part."""

    @abc.abstractmethod
    def take(self, indices: np.ndarray) -> "LinkedExamples":
        """This part's examples at `indices` (positions 0..len−1), with the
        structure they need: the same graph, fewer nodes asked about."""

    @property
    @abc.abstractmethod
    def input_shape(self) -> Tuple[int, ...]:
        """The shape of one unit's features (a node's), without the batch axis."""

    @property
    def input_dtype(self) -> str:
        return "float32"

    @abc.abstractmethod
    def training_batches(self, batch_size: int, seed: int, first_epoch: int, last_epoch: int):
        """A `tf.data.Dataset` of (inputs, targets) for epochs first_epoch to
        last_epoch − 1, in an order fixed by (seed, epoch), every example of
        this part once per epoch."""

    @abc.abstractmethod
    def evaluation_batches(self, batch_size: int):
        """A `tf.data.Dataset` of (inputs, targets), every example once, in
        order and the same on every call (a sampler seeds itself)."""

    @abc.abstractmethod
    def steps(self, batch_size: int, training: bool) -> int:
        """The number of batches of one epoch (`training`) or one
        evaluation pass over this part; they may differ (an epoch of
        random walks starts a walk at every node of the graph)."""

    @abc.abstractmethod
    def first_batch(self, size: int) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        """(inputs, targets) asking about at most `size` of this part's first
        examples: what the trainer runs through a new model to check it, and
        the export's warm-up request."""

    def train_features(self) -> Any:
        """What a builder may adapt to (`DataInfo.train_features`): by
        default the inputs of the first batch."""
        return self.first_batch(256)[0]

    def load(self, indices=None) -> "LinkedExamples":
        """The examples at `indices` (all by default): they stay linked."""
        return self if indices is None else self.take(np.asarray(indices, np.int64))
