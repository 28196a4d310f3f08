"""Sampling text from a language model, inside the graph.

Each step runs the model on the last `context` tokens and draws the next
token from softmax(logits / T): T → 0 is greedy decoding (T = 0 takes the
argmax), T = 1 samples the model's own distribution, T > 1 flattens it.
"""

from __future__ import annotations

import tensorflow as tf

CONTEXT = 200


def next_token_logits(model: tf.keras.Model, ids: tf.Tensor, context: int = CONTEXT) -> tf.Tensor:
    """Logits [V] of the token after `ids` [length ≥ 1], from its last `context` tokens."""
    return model(ids[-context:][None], training=False)[0, -1]


def sample_continuation(
    model: tf.keras.Model,
    prompt: tf.Tensor,
    length: tf.Tensor,
    temperature: tf.Tensor,
    seed: int | None = None,
    context: int = CONTEXT,
) -> tf.Tensor:
    """`length` token ids drawn one at a time after `prompt` (ids, at least one).

    Args:
        model: a language model (ids [batch, T] → logits [batch, T, V]).
        prompt: the ids to continue.
        length: how many tokens to draw.
        temperature: T ≥ 0 (0: the most likely token each step).
        seed: the sampling op's seed, for repeatable samples.
        context: tokens of history the model sees each step.
    """
    temperature = tf.cast(temperature, tf.float32)

    def draw(logits):
        sampled = tf.random.categorical(logits[None] / tf.maximum(temperature, 1e-6), 1, dtype=tf.int32, seed=seed)
        greedy = tf.argmax(logits, output_type=tf.int32)
        return tf.where(temperature > 0, sampled[0, 0], greedy)

    def step(i, sequence):
        logits = tf.cast(next_token_logits(model, sequence, context), tf.float32)
        return i + 1, tf.concat([sequence, draw(logits)[None]], axis=0)

    prompt = tf.cast(prompt, tf.int32)
    _, sequence = tf.while_loop(
        lambda i, _: i < length,
        step,
        (tf.constant(0), prompt),
        shape_invariants=(tf.TensorShape([]), tf.TensorShape([None])),
    )
    return sequence[tf.size(prompt) :]


def sample_ids(model: tf.keras.Model, prompt, length: int, temperature: float, seed: int | None = None):
    """`sample_continuation` compiled into one graph (run eagerly, its loop
    dispatches every op from Python); NumPy ids in, NumPy ids out."""
    compiled = tf.function(lambda p, n, t: sample_continuation(model, p, n, t, seed=seed))
    return compiled(
        tf.constant(prompt, tf.int32), tf.constant(length, tf.int32), tf.constant(temperature, tf.float32)
    ).numpy()
