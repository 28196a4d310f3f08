"""Bits per token with context: every token scored once, after at least a
window of history where the text has it."""

import numpy as np
import pytest
import tensorflow as tf

from keraslab.plugins.sequence.report.language_model import bits_in_context

VOCABULARY = 4


class ConfidentAfterContext:
    """Logits for token 0 of 30 at window positions ≥ `window` (enough history), 0 before:
    p(0) ≈ 1 there, and p(0) = 1/4 (2 bits) where the history is shorter."""

    def __init__(self, window):
        self.window = window

    def __call__(self, x, training=False):
        positions = np.arange(x.shape[1])
        logit = np.where(positions >= self.window, 30.0, 0.0)
        logits = np.zeros((*x.shape, VOCABULARY), np.float32)
        logits[..., 0] = logit
        return tf.constant(logits)


@pytest.mark.parametrize(
    "length, expected",
    [
        (1001, 100 * 2.0 / 1000),  # 1,000 predictions; only the first window's first 100 lack history
        (1051, 100 * 2.0 / 1050),  # a shorter last window
        (150, 100 * 2.0 / 149),  # a text shorter than two windows: one window, scored whole
    ],
)
def test_only_the_text_s_first_window_is_scored_without_history(length, expected):
    ids = np.zeros(length, np.int32)
    assert bits_in_context(ConfidentAfterContext(100), ids, window=100, batch_size=3) == pytest.approx(
        expected, rel=1e-6
    )
