"""What a language-model run writes besides the shared files:
language_model.json (held-out bits per token beside every n-gram baseline
on the same tokens), bits.png and sample.txt.

The model's bits per token are measured with context (`bits_in_context`):
every held-out token is predicted after at least a window of the text
before it, as the n-gram models predict each token after its full
history. `test_bits_per_token_windows` is the same measure on windows cut
end to end (fewer tokens of history at each window's start), which is
what the trainer's test loss reports.

Text streamed from token files (`data.stream=true`) can be far larger than
memory: each held-out part is scored on its first `SCORED_TOKENS` tokens,
and the n-gram baselines count the training part's first `NGRAM_TOKENS`
(both read from the token files as memory maps). The counts used are in
language_model.json ("test_tokens", "ngram_train_tokens"); the trainer's
test loss in summary.json covers every window. The default corpus is
smaller than both bounds, so its report scores every token.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, List

import numpy as np
import tensorflow as tf

from keraslab.core.api import Examples, pyplot, save_figure
from keraslab.plugins.sequence.data import streamed_text
from keraslab.plugins.sequence.data.text import Vocabulary, windows
from keraslab.plugins.sequence.models import ngram
from keraslab.plugins.sequence.models.generation import sample_ids

NGRAM_ORDERS = 6
SCORED_TOKENS = 1 << 18
NGRAM_TOKENS = 1 << 22


def contiguous_ids(part, limit: int) -> np.ndarray:
    """The first `limit` token ids a part's consecutive windows were cut
    from (in memory, or from a streamed part's token file)."""
    if isinstance(part, Examples):
        return np.concatenate([part.features.reshape(-1), part.targets[-1, -1:]])[:limit]
    return np.asarray(streamed_text.part_ids(part)[:limit], np.int32)


def bits_per_token(model: tf.keras.Model, ids: np.ndarray, window: int, batch_size: int = 64) -> float:
    """−mean log₂ p(x_{t+1} | x_≤t) over every target of the windows cut end to end from `ids`."""
    inputs, windowed_targets = windows(ids, window)
    total, count = 0.0, 0
    for start in range(0, len(inputs), batch_size):
        logits = model(inputs[start : start + batch_size], training=False)
        targets = windowed_targets[start : start + batch_size]
        nats = tf.keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        total += float(tf.reduce_sum(nats))
        count += targets.size
    return total / count / math.log(2.0)


def bits_in_context(model: tf.keras.Model, ids: np.ndarray, window: int, batch_size: int = 64) -> float:
    """−mean log₂ p(x_{t+1} | x_≤t) over a whole text, each token predicted
    with at least `window` tokens before it where the text has them.

    Windows of 2·window tokens start every `window` tokens; each scores
    only its second half (the first window scores all of it), so every
    token is scored once and, past the first window, sees between `window`
    and 2·window − 1 tokens of history, not the 0 to window − 1 of windows
    cut end to end.
    """
    inputs, targets = ids[:-1], ids[1:]
    n = len(inputs)
    starts = [s for s in range(0, n, window) if s == 0 or s + window < n]
    full = [s for s in starts if s + 2 * window <= n]
    groups = [full[i : i + batch_size] for i in range(0, len(full), batch_size)]
    groups += [[s] for s in starts if s + 2 * window > n]  # shorter windows at the end, one by one
    total, count = 0.0, 0
    for group in groups:
        x = np.stack([inputs[s : s + 2 * window] for s in group])
        y = np.stack([targets[s : s + 2 * window] for s in group])
        nats = tf.keras.losses.sparse_categorical_crossentropy(y, model(x, training=False), from_logits=True)
        scored = np.ones(y.shape, bool)
        scored[np.array(group) > 0, :window] = False
        total += float(tf.reduce_sum(tf.boolean_mask(nats, scored)))
        count += int(scored.sum())
    return total / count / math.log(2.0)


def ngram_baselines(splits, train: np.ndarray, validation: np.ndarray, test: np.ndarray) -> List[Dict]:
    return ngram.evaluate_orders(train, validation, test, int(splits.train.num_classes), NGRAM_ORDERS)


def write_language_model_report(model, splits, run_path) -> None:
    vocabulary = Vocabulary(splits.train.class_names, getattr(model, "token_level", "char"))
    window = int(splits.test.input_shape[0])
    test, validation = contiguous_ids(splits.test, SCORED_TOKENS), contiguous_ids(splits.validation, SCORED_TOKENS)
    train = contiguous_ids(splits.train, NGRAM_TOKENS)
    result = {
        "test_bits_per_token": bits_in_context(model, test, window),
        "validation_bits_per_token": bits_in_context(model, validation, window),
        "test_bits_per_token_windows": bits_per_token(model, test, window),
        "context": window,
        "test_tokens": len(test) - 1,
        "ngram_train_tokens": len(train),
        "vocabulary_size": len(vocabulary),
    }
    rows = ngram_baselines(splits, train, validation, test)
    best = ngram.best_row(rows)
    result["best_ngram"] = best
    result["below_best_ngram"] = 1.0 - result["test_bits_per_token"] / best["test_bits"]
    result["ngram"] = rows
    Path(run_path, "language_model.json").write_text(json.dumps(result, indent=2) + "\n")
    plot_bits(rows, result, Path(run_path) / "bits.png")
    prompt = test[:40]
    sample = sample_ids(model, prompt, 400, 0.8, seed=0)
    Path(run_path, "sample.txt").write_text(
        f"prompt (the test text's first tokens):\n{vocabulary.decode(prompt)}\n\n"
        f"continuation (temperature 0.8):\n{vocabulary.decode(sample)}\n"
    )


def plot_bits(rows: List[Dict], result: Dict, path: Path) -> Path:
    """Held-out bits per token of each n-gram method by order, and the model's."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for method in ngram.METHODS:
        mine = [r for r in rows if r["method"] == method]
        ax.plot([r["order"] for r in mine], [r["test_bits"] for r in mine], marker="o", label=f"{method} n-gram")
    ax.axhline(
        result["test_bits_per_token"],
        color="black",
        linestyle="--",
        label=f"this model: {result['test_bits_per_token']:.3f}",
    )
    best = result["best_ngram"]["test_bits"]
    ax.set_ylim(min(result["test_bits_per_token"], best) * 0.9, best * 2.0)
    ax.set_xlabel("n-gram order")
    ax.set_ylabel("test bits per token")
    ax.set_title(f"{100 * result['below_best_ngram']:.1f}% below the best n-gram ({best:.3f})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)
