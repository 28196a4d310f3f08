"""An encoder–decoder over characters, with or without attention.

The encoder reads the source x_1..x_S into states h_1..h_S (both ways when
bidirectional). The decoder starts from s_0 = tanh(W_b h_S) and at step i
reads the previous output y_{i−1} (GO first) and a context c_i:

* with attention (Bahdanau, Cho & Bengio, 2015, "Neural machine translation
  by jointly learning to align and translate"):
      e_ij = vᵀ tanh(W_h h_j + W_s s_{i−1}),  α_ij = softmax_j(e_ij),  c_i = Σ_j α_ij h_j;
* without: c_i = h_S for every i (Cho et al., 2014), the whole source in one vector.

s_i = cell([E y_{i−1}; c_i], s_{i−1}) and p(y_i | y_<i, x) = softmax(W_o tanh(W_r [s_i; c_i])).
Training is teacher forcing (the true y_{i−1} is fed); decoding feeds the
model's own outputs, greedily or by beam search (`beam_search`).
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Sequence

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo, OwnLossModel
from keraslab.plugins.sequence.config import Seq2SeqConfig
from keraslab.plugins.sequence.data.problems import END, GO, PAD

layers = tf.keras.layers


class AdditiveAttention(layers.Layer):
    """Bahdanau's score e_j = vᵀ tanh(W_h h_j + W_s s), softmax over the
    source positions that are not padding."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.memory_projection = layers.Dense(units, use_bias=False, name="w_h")
        self.state_projection = layers.Dense(units, name="w_s")
        self.score = layers.Dense(1, use_bias=False, name="v")

    def keys(self, memory: tf.Tensor) -> tf.Tensor:
        """W_h h_j for every j, computed once per source."""
        return self.memory_projection(memory)

    def call(self, keys, memory, mask, state):
        scores = self.score(tf.tanh(keys + self.state_projection(state)[:, None, :]))[..., 0]
        weights = tf.nn.softmax(tf.where(mask, scores, tf.fill(tf.shape(scores), -1e9)), axis=-1)
        return tf.einsum("bs,bsh->bh", weights, memory), weights


class Encoded(NamedTuple):
    """What the decoder reads of one batch of sources."""

    memory: tf.Tensor  # h_j [batch, S, H]
    keys: tf.Tensor  # W_h h_j [batch, S, A] (empty without attention)
    mask: tf.Tensor  # [batch, S], False at padding
    summary: tf.Tensor  # h_S [batch, H]


class Seq2Seq(OwnLossModel):
    """Encoder–decoder (see the module docstring); `call` decodes greedily.

    Args:
        config: the model's configuration.
        vocabulary: the token of each id (`problems.vocabulary_of`).
        output_length: the most tokens a decoding emits (targets' length, END included).
    """

    def __init__(self, config: Seq2SeqConfig, vocabulary: Sequence[str], output_length: int):
        super().__init__(name="seq2seq")
        self.settings = config
        self.vocabulary = tuple(vocabulary)
        self.output_length = int(output_length)
        size = len(self.vocabulary)
        self.embedding = layers.Embedding(size, config.embedding_dim, mask_zero=True, name="embedding")
        recurrent = layers.GRU if config.cell == "gru" else layers.LSTM
        encoder = recurrent(config.units, return_sequences=True, return_state=True, name=f"encoder_{config.cell}")
        self.encoder = layers.Bidirectional(encoder, name="encoder") if config.bidirectional else encoder
        cell = layers.GRUCell if config.cell == "gru" else layers.LSTMCell
        self.decoder_cell = cell(config.units, name=f"decoder_{config.cell}")
        self.bridges = [
            layers.Dense(config.units, activation="tanh", name=f"bridge_{i}")
            for i in range(1 if config.cell == "gru" else 2)
        ]
        self.attention = AdditiveAttention(config.units, name="attention") if config.attention else None
        self.readout = layers.Dense(config.units, activation="tanh", name="readout")
        self.logits = layers.Dense(size, name="logits")
        self.exact_match_tracker = tf.keras.metrics.Mean(name="sequence_accuracy")

    @property
    def own_metrics(self):
        return [self.exact_match_tracker]

    def get_config(self):
        return {"name": self.name}

    # What every decoding shares: encode the source once, then step the decoder.

    def encode(self, source: tf.Tensor, training: bool = False):
        """Sources [batch, S] → (`Encoded`, the decoder's initial states)."""
        mask = tf.not_equal(source, PAD)
        if self.settings.reverse_input:
            lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
            source = tf.reverse_sequence(source, lengths, seq_axis=1, batch_axis=0)
        memory, *finals = self.encoder(self.embedding(source), mask=mask, training=training)
        if self.settings.bidirectional:  # [forward states..., backward states...] → one per state kind
            half = len(finals) // 2
            finals = [tf.concat([f, b], axis=-1) for f, b in zip(finals[:half], finals[half:])]
        states = [bridge(final) for bridge, final in zip(self.bridges, finals)]
        keys = self.attention.keys(memory) if self.attention is not None else memory[:, :, :0]
        return Encoded(memory=memory, keys=keys, mask=mask, summary=finals[0]), states

    def step(self, previous: tf.Tensor, states: List[tf.Tensor], encoded: Encoded, training: bool = False):
        """One decoder step: previous tokens [batch] → (logits [batch, V], states, α [batch, S])."""
        if self.attention is not None:
            context, weights = self.attention(encoded.keys, encoded.memory, encoded.mask, states[0])
        else:
            context = encoded.summary
            weights = tf.zeros(tf.shape(encoded.mask), tf.float32)
        x = tf.concat([self.embedding(previous), context], axis=-1)
        output, states = self.decoder_cell(x, states, training=training)
        logits = self.logits(self.readout(tf.concat([output, context], axis=-1)))
        return logits, list(states), weights

    def teacher_forced_logits(self, source, target, training=False) -> tf.Tensor:
        """Logits [batch, T, V] of each target token given the true ones before it."""
        encoded, states = self.encode(source, training)
        previous = tf.fill([tf.shape(source)[0]], GO)
        outputs = []
        for i in range(target.shape[1]):
            logits, states, _ = self.step(previous, states, encoded, training)
            outputs.append(logits)
            previous = target[:, i]
        return tf.stack(outputs, axis=1)

    def greedy(self, source: tf.Tensor) -> Dict[str, tf.Tensor]:
        """The most likely token at each step, fed back: `ids` [batch, T]
        (PAD after END) and the attention weights `attention` [batch, T, S]."""
        encoded, states = self.encode(source)
        previous = tf.fill([tf.shape(source)[0]], GO)
        ended = tf.zeros([tf.shape(source)[0]], tf.bool)
        ids, weights = [], []
        for _ in range(self.output_length):
            logits, states, alpha = self.step(previous, states, encoded)
            previous = tf.argmax(logits + self.never_emitted(), axis=-1, output_type=tf.int32)
            ids.append(tf.where(ended, PAD, previous))
            weights.append(alpha)
            ended = ended | tf.equal(previous, END)
        return {"ids": tf.stack(ids, axis=1), "attention": tf.stack(weights, axis=1)}

    def never_emitted(self) -> tf.Tensor:
        """[V]: −10⁹ at PAD and GO, which a decoding never outputs, else 0."""
        size = len(self.vocabulary)
        return tf.one_hot(PAD, size, -1e9, 0.0) + tf.one_hot(GO, size, -1e9, 0.0)

    def call(self, source, training=False):
        return self.greedy(source)

    # Training and evaluation.

    def own_loss(self, data, training):
        """Mean cross-entropy of the target tokens up to END (padding masked)."""
        source, target = data
        logits = self.teacher_forced_logits(source, target, training)
        mask = tf.cast(tf.not_equal(target, PAD), tf.float32)
        losses = tf.keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True)
        return tf.reduce_sum(losses * mask) / tf.reduce_sum(mask)

    @property
    def training_metrics(self):
        """Only the loss: exact match needs a greedy decoding, run in evaluation."""
        return [self.loss_tracker]

    def test_step(self, data):
        """Teacher-forced loss, and `sequence_accuracy`: the share of greedy
        decodings equal to their target (exact match)."""
        source, target = data
        self.loss_tracker.update_state(self._total_loss(data, training=False))
        self.exact_match_tracker.update_state(exact_matches(self.greedy(source)["ids"], target))
        return {m.name: m.result() for m in self.metrics}


def exact_matches(decoded: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """1.0 where a decoding equals its target through END, else 0.0 [batch]."""
    length = min(decoded.shape[1], target.shape[1])
    same = tf.equal(decoded[:, :length], tf.cast(target[:, :length], decoded.dtype))
    return tf.cast(tf.reduce_all(same | tf.equal(target[:, :length], PAD), axis=1), tf.float32)


def build_seq2seq(config: Seq2SeqConfig, info: DataInfo) -> Seq2Seq:
    output_length = int(np.asarray(info.train_targets).shape[1])
    model = Seq2Seq(config, info.class_names, output_length)
    model(tf.fill([1, int(info.input_shape[0])], GO + 1))
    model.teacher_forced_logits(tf.fill([1, int(info.input_shape[0])], GO + 1), tf.fill([1, output_length], END))
    return model


def beam_search(model: Seq2Seq, source: tf.Tensor, width: int) -> Dict[str, tf.Tensor]:
    """Beam search: keep the `width` most likely partial outputs of each
    source (by the sum of their tokens' log-probabilities), extend each by
    every token, keep the best `width` again; a beam that has emitted END is
    carried unchanged. Returns the best beam's `ids` [batch, T] (PAD after
    END) and its `log_probability` [batch].
    """
    batch, size = tf.shape(source)[0], len(model.vocabulary)
    encoded, states = model.encode(source)
    encoded = Encoded(*(tf.repeat(part, width, axis=0) for part in encoded))
    states = [tf.repeat(state, width, axis=0) for state in states]
    scores = tf.tile(tf.constant([[0.0] + [-1e9] * (width - 1)]), [batch, 1])  # one live beam at the start
    finished = tf.zeros([batch, width], tf.bool)
    sequences = tf.zeros([batch, width, 0], tf.int32)
    previous = tf.fill([batch * width], GO)
    only_padding = tf.one_hot(PAD, size, on_value=0.0, off_value=-1e9)
    for _ in range(model.output_length):
        logits, states, _ = model.step(previous, states, encoded)
        log_probs = tf.reshape(tf.nn.log_softmax(logits) + model.never_emitted(), [batch, width, size])
        log_probs = tf.where(finished[..., None], only_padding, log_probs)
        scores, flat = tf.math.top_k(tf.reshape(scores[..., None] + log_probs, [batch, width * size]), width)
        beams, tokens = flat // size, tf.cast(flat % size, tf.int32)

        def follow(tensor, beams=beams):
            return tf.gather(tensor, beams, batch_dims=1)

        sequences = tf.concat([follow(sequences), tokens[..., None]], axis=2)
        finished = follow(finished) | tf.equal(tokens, END)
        states = [tf.reshape(follow(tf.reshape(s, [batch, width, -1])), [batch * width, -1]) for s in states]
        previous = tf.reshape(tokens, [-1])
    return {"ids": sequences[:, 0], "log_probability": scores[:, 0]}


def decode_in_graph(ids: tf.Tensor, characters: tf.Tensor) -> tf.Tensor:
    """Ids [batch, T] → strings [batch]: the characters before END."""
    before_end = tf.equal(tf.cumsum(tf.cast(tf.equal(ids, END), tf.int32), axis=1), 0)
    return tf.strings.reduce_join(tf.gather(characters, tf.where(before_end & (ids > END), ids, PAD)), axis=1)


def export_seq2seq(model: Seq2Seq, context) -> dict:
    """Signatures that take raw text [batch] (characters looked up in the
    training vocabulary inside the graph; characters outside it are
    dropped) and return the decoded `text` [batch]:

    * serving_default: greedy decoding;
    * beam_search: beam search of `model.beam_width` beams, with the
      output's `log_probability`.
    """
    from keraslab.plugins.sequence.data.tokens import CharacterTable

    table = CharacterTable(model.vocabulary)
    model.character_table = table  # saved with the model

    def encode(text):
        ids = tf.ragged.map_flat_values(table.table.lookup, tf.strings.unicode_split(text, "UTF-8"))
        return ids.to_tensor(default_value=PAD)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def greedy(text):
        return {"text": decode_in_graph(model.greedy(encode(text))["ids"], table.characters)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def beams(text):
        found = beam_search(model, encode(text), model.settings.beam_width)
        return {"text": decode_in_graph(found["ids"], table.characters), "log_probability": found["log_probability"]}

    return {"serving_default": greedy, "beam_search": beams}
