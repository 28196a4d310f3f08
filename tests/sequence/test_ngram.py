"""n-gram language models, checked against counts worked out by hand."""

import numpy as np
import pytest

from keraslab.core.errors import KeraslabError
from keraslab.plugins.sequence.models import ngram

# "abab a": ids a=1, b=2, space=3 over a vocabulary of V = 4 (id 0 unknown).
TRAIN = np.array([1, 2, 1, 2, 3, 1])


def test_add_k_bigram_probabilities_by_hand():
    model = ngram.NGramModel(TRAIN, order=2, vocabulary_size=4)
    # Bigrams with context a: (a, b) twice; C(a) = 2 (the final a has no successor).
    # P(b | a) = (2 + 1) / (2 + 4) = 0.5;  P(a | b) = (1 + 1) / (2 + 4) = 1/3.
    held_out = np.array([1, 2, 1])
    assert model.add_k(held_out, k=1.0) == pytest.approx([0.5, 1 / 3])


def test_witten_bell_is_a_distribution_over_the_vocabulary():
    model = ngram.NGramModel(TRAIN, order=3, vocabulary_size=4)
    for context in ([1, 2], [2, 1], [3, 3], [2, 3]):
        total = sum(model.witten_bell(np.array([*context, c]))[0] for c in range(4))
        assert total == pytest.approx(1.0)


def test_unseen_context_falls_back_to_lower_orders():
    model = ngram.NGramModel(TRAIN, order=2, vocabulary_size=4)
    # Context 0 (unknown) was never seen: Witten–Bell gives the unigram estimate
    # (C(c) + T · 1/V) / (N + T) with N = 6 tokens and T = 3 distinct: for a, (3 + 3/4) / 9.
    assert model.witten_bell(np.array([0, 1]))[0] == pytest.approx((3 + 0.75) / 9)


def test_interpolation_weights_move_to_the_order_that_predicts():
    # Order 1 is uniform noise (p = 0.25); order 2 predicts with p = 0.9 on every position.
    estimates = np.stack([np.full(50, 0.25), np.full(50, 0.9)])
    weights = ngram.fit_interpolation_weights(estimates)
    assert weights.sum() == pytest.approx(1.0) and weights[1] > 0.99


def test_higher_orders_predict_a_patterned_text_better():
    rng = np.random.default_rng(0)
    text = np.tile([1, 2, 3, 4, 5], 400) + (rng.random(2000) < 0.05)  # a cycle with 5% noise
    rows = ngram.evaluate_orders(text[:1400], text[1400:1700], text[1700:], vocabulary_size=7, max_order=3)
    bits = {(r["order"], r["method"]): r["test_bits"] for r in rows}
    assert bits[(2, "witten-bell")] < bits[(1, "witten-bell")] - 1.0
    assert ngram.best_row(rows)["order"] >= 2


def test_orders_that_overflow_the_keys_are_refused():
    with pytest.raises(KeraslabError, match="overflows"):
        ngram.NGramModel(TRAIN, order=6, vocabulary_size=5000)
