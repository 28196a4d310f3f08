"""k-gram language models from counts: the baseline of every neural one.

An order-n model predicts token c from the n − 1 tokens h before it. From
the training counts C(h, c), C(h) = Σ_c C(h, c) and T(h), the number of
distinct tokens seen after h (V tokens in the vocabulary):

* add-k (Lidstone): P(c | h) = (C(h, c) + k) / (C(h) + k V), k chosen on
  the validation part.
* Jelinek–Mercer interpolation: P(c | h) = Σ_{m=0}^{n} λ_m P_m(c | h_m),
  P_m the maximum-likelihood estimate C(h_m, c) / C(h_m) of order m (0 where
  h_m was never seen), P_0 = 1 / V, and the weights λ fitted to the
  validation part by expectation–maximisation (Jelinek & Mercer, 1980).
* Witten–Bell interpolation: the weight of the order-n estimate depends on
  its context, P_n(c | h) = (C(h, c) + T(h) P_{n−1}(c | h')) / (C(h) + T(h)),
  recursively down to P_0 = 1 / V (Witten & Bell, 1991; Chen & Goodman, 1999,
  "An empirical study of smoothing techniques for language modeling").

Cross-entropy is measured in bits per token, −(1/N) Σ_t log₂ P(c_t | h_t),
over every position of a part that has n − 1 tokens before it.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List

import numpy as np

from keraslab.core.api import KeraslabError

ADD_K_GRID = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
METHODS = ("add-k", "jelinek-mercer", "witten-bell")


def context_keys(ids: np.ndarray, length: int, vocabulary_size: int, positions: np.ndarray) -> np.ndarray:
    """One integer per position t naming the `length` tokens before it: Σ_j ids[t−1−j] V^j."""
    keys = np.zeros(len(positions), np.int64)
    for j in range(length):
        keys += ids[positions - 1 - j].astype(np.int64) * vocabulary_size**j
    return keys


class CountTable:
    """Counts of one order from the training ids, looked up for other positions."""

    def __init__(self, ids: np.ndarray, order: int, vocabulary_size: int):
        self.order, self.vocabulary_size = order, vocabulary_size
        positions = np.arange(order - 1, len(ids))
        contexts = context_keys(ids, order - 1, vocabulary_size, positions)
        joint = contexts * vocabulary_size + ids[positions]
        self.joint_keys, self.joint_counts = np.unique(joint, return_counts=True)
        self.context_keys, self.context_counts = np.unique(contexts, return_counts=True)
        # T(h): distinct continuations of each context (the joint keys sorted by context).
        _, self.context_types = np.unique(self.joint_keys // vocabulary_size, return_counts=True)

    def lookup(self, ids: np.ndarray, positions: np.ndarray):
        """(C(h, c), C(h), T(h)) at each position t, h the `order − 1` tokens before t."""
        contexts = context_keys(ids, self.order - 1, self.vocabulary_size, positions)
        joint = _find(self.joint_keys, self.joint_counts, contexts * self.vocabulary_size + ids[positions])
        found = np.searchsorted(self.context_keys, contexts)
        found = np.minimum(found, len(self.context_keys) - 1)
        seen = self.context_keys[found] == contexts
        return joint, np.where(seen, self.context_counts[found], 0), np.where(seen, self.context_types[found], 0)


def _find(keys: np.ndarray, counts: np.ndarray, queries: np.ndarray) -> np.ndarray:
    found = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[found] == queries, counts[found], 0)


@dataclasses.dataclass
class NGramModel:
    """Counts of orders 1..`order` of a training text.

    Args:
        train: the training token ids.
        order: the largest n.
        vocabulary_size: V.
    """

    train: np.ndarray
    order: int
    vocabulary_size: int

    def __post_init__(self):
        if self.order < 1:
            raise KeraslabError(f"An n-gram model's order must be at least 1, received {self.order}.")
        if self.vocabulary_size**self.order >= 2**62:
            raise KeraslabError(
                f"Order {self.order} over {self.vocabulary_size} tokens overflows the count keys; "
                "use a lower order or a smaller vocabulary."
            )
        self.tables = [CountTable(self.train, n, self.vocabulary_size) for n in range(1, self.order + 1)]

    def positions(self, ids: np.ndarray) -> np.ndarray:
        return np.arange(self.order - 1, len(ids))

    def add_k(self, ids: np.ndarray, k: float) -> np.ndarray:
        """P(c_t | h_t) of the order-`order` model with add-k smoothing."""
        joint, context, _ = self.tables[-1].lookup(ids, self.positions(ids))
        return (joint + k) / (context + k * self.vocabulary_size)

    def estimates(self, ids: np.ndarray) -> np.ndarray:
        """The maximum-likelihood P_m(c_t | h_t) of orders m = 0..n, one row per order."""
        rows = [np.full(len(self.positions(ids)), 1.0 / self.vocabulary_size)]
        for table in self.tables:
            joint, context, _ = table.lookup(ids, self.positions(ids))
            rows.append(np.where(context > 0, joint / np.maximum(context, 1), 0.0))
        return np.stack(rows)

    def witten_bell(self, ids: np.ndarray) -> np.ndarray:
        probability = np.full(len(self.positions(ids)), 1.0 / self.vocabulary_size)
        for table in self.tables:
            joint, context, types = table.lookup(ids, self.positions(ids))
            mixed = (joint + types * probability) / np.maximum(context + types, 1)
            probability = np.where(context > 0, mixed, probability)
        return probability


def fit_interpolation_weights(estimates: np.ndarray, iterations: int = 50) -> np.ndarray:
    """λ maximising Σ_t log Σ_m λ_m P_m(t) by EM: λ_m ← mean_t λ_m P_m(t) / Σ_j λ_j P_j(t)."""
    weights = np.full(len(estimates), 1.0 / len(estimates))
    for _ in range(iterations):
        responsibility = weights[:, None] * estimates
        responsibility /= responsibility.sum(axis=0, keepdims=True)
        weights = responsibility.mean(axis=1)
    return weights


def bits(probabilities: np.ndarray) -> float:
    """Cross-entropy in bits per token."""
    return float(-np.mean(np.log2(probabilities)))


def evaluate_orders(
    train: np.ndarray, validation: np.ndarray, test: np.ndarray, vocabulary_size: int, max_order: int
) -> List[Dict]:
    """Every method at every order 1..max_order: its setting (chosen on
    validation) and its bits per token on validation and test."""
    rows = []
    for order in range(1, max_order + 1):
        model = NGramModel(train, order, vocabulary_size)
        best_k = min(ADD_K_GRID, key=lambda k: bits(model.add_k(validation, k)))
        rows.append(
            {
                "order": order,
                "method": "add-k",
                "setting": f"k={best_k}",
                "validation_bits": bits(model.add_k(validation, best_k)),
                "test_bits": bits(model.add_k(test, best_k)),
            }
        )
        weights = fit_interpolation_weights(model.estimates(validation))
        rows.append(
            {
                "order": order,
                "method": "jelinek-mercer",
                "setting": "λ=" + ",".join(f"{w:.3f}" for w in weights),
                "validation_bits": bits(weights @ model.estimates(validation)),
                "test_bits": bits(weights @ model.estimates(test)),
            }
        )
        rows.append(
            {
                "order": order,
                "method": "witten-bell",
                "setting": "",
                "validation_bits": bits(model.witten_bell(validation)),
                "test_bits": bits(model.witten_bell(test)),
            }
        )
    return rows


def best_row(rows: List[Dict]) -> Dict:
    """The method and order with the lowest validation cross-entropy."""
    return min(rows, key=lambda row: row["validation_bits"])
