"""Language models over token ids, and what every one of them shares.

A language model maps ids [batch, T] to logits [batch, T, V]: position t's
logits are the distribution of token t + 1 given tokens 0..t (causal), so
training is teacher forcing on a whole window at once and the loss is the
mean cross-entropy of every next token. Generation feeds the model its own
samples (`models/generation.py`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo
from keraslab.plugins.sequence.config import (
    ForecasterConfig,
    NeuralLanguageModelConfig,
    RecurrentClassifierConfig,
    RecurrentLanguageModelConfig,
    WaveNetConfig,
)

layers = tf.keras.layers


def recurrent_layer(cell: str, units: int, name: str, return_sequences: bool = True) -> layers.Layer:
    """One recurrent layer of the named cell.

    "irnn" is a ReLU RNN whose recurrent weights start as the identity (Le,
    Jaitly & Hinton, 2015): h_t = ReLU(W x_t + U h_{t−1} + b) with U = I, so
    at the start a gradient passes back through time unchanged. W keeps
    Glorot's initialisation: with W ~ N(0, 0.001²) instead, a 64-step digits
    IRNN's last state was 0 for every input after the first updates and it
    stayed at chance (10%) under Adam and SGD (measured).
    """
    if cell == "lstm":
        return layers.LSTM(units, return_sequences=return_sequences, name=name)
    if cell == "gru":
        return layers.GRU(units, return_sequences=return_sequences, name=name)
    if cell == "irnn":
        return layers.SimpleRNN(
            units,
            activation="relu",
            return_sequences=return_sequences,
            name=name,
            recurrent_initializer=tf.keras.initializers.Identity(),
        )
    return layers.SimpleRNN(units, activation="tanh", return_sequences=return_sequences, name=name)


def token_input() -> tf.keras.Input:
    return tf.keras.Input(shape=(None,), dtype=tf.int32, name="tokens")


def build_recurrent_language_model(config: RecurrentLanguageModelConfig, info: DataInfo) -> tf.keras.Model:
    """char-rnn (Karpathy, 2015; Graves, 2013): embedding, stacked recurrent
    layers, a softmax over the vocabulary at every step.

    h_t^(l) = cell(h_t^(l−1), h_{t−1}^(l)),  p(x_{t+1} | x_≤t) = softmax(W h_t^(L) + b).

    Trained by teacher forcing on windows of the text; back-propagation
    through time is truncated at the window's length (each window starts
    from a zero state).
    """
    inputs = token_input()
    x = layers.Embedding(int(info.num_classes), config.embedding_dim, name="embedding")(inputs)
    for i, units in enumerate(config.units):
        x = recurrent_layer(config.cell, units, name=f"{config.cell}_{i}")(x)
        if config.dropout:
            x = layers.Dropout(config.dropout, name=f"dropout_{i}")(x)
    logits = layers.Dense(int(info.num_classes), name="logits")(x)
    model = tf.keras.Model(inputs, logits, name=f"char_rnn_{config.cell}")
    model.vocabulary = tuple(info.class_names)
    return model


def export_language_model(model: tf.keras.Model, context) -> dict:
    """Signatures that take raw text (characters looked up in the training
    vocabulary inside the graph; unknown ones become id 0):

    * serving_default(text [batch]) → `probabilities` [batch, V] of the
      character after each text, `next_token` (the most likely one) and its
      `token_id`;
    * generate(prompt [batch], length [], temperature []) → `text`: `length`
      characters sampled after each prompt (temperature 0: greedy).

    An empty text or prompt starts as after a line break.
    """
    from keraslab.plugins.sequence.data.tokens import CharacterTable
    from keraslab.plugins.sequence.models.generation import next_token_logits, sample_continuation

    table = CharacterTable(model.vocabulary)
    model.character_table = table  # saved with the model, so the signatures' lookups travel with it
    start = table.encode(tf.constant("\n"))

    def encode(text):
        ids = table.encode(text)
        return tf.cond(tf.size(ids) > 0, lambda: ids, lambda: start)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def next_token(text):
        logits = tf.map_fn(
            lambda t: tf.cast(next_token_logits(model, encode(t)), tf.float32), text, fn_output_signature=tf.float32
        )
        token_id = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return {
            "probabilities": tf.nn.softmax(logits),
            "token_id": token_id,
            "next_token": tf.gather(table.characters, token_id),
        }

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string, name="prompt"),
            tf.TensorSpec([], tf.int32, name="length"),
            tf.TensorSpec([], tf.float32, name="temperature"),
        ]
    )
    def generate(prompt, length, temperature):
        def one(text):
            return table.decode(sample_continuation(model, encode(text), length, temperature))

        return {"text": tf.map_fn(one, prompt, fn_output_signature=tf.string)}

    return {"serving_default": next_token, "generate": generate}


def text_of_windows(examples) -> np.ndarray:
    """The windows as the strings a language model's export takes."""
    vocabulary = examples.class_names
    return np.array(
        ["".join(vocabulary[i] for i in window).encode("utf-8") for window in examples.features], dtype=object
    )


def build_neural_language_model(config: NeuralLanguageModelConfig, info: DataInfo) -> tf.keras.Model:
    """Bengio, Ducharme, Vincent & Jauvin (2003), "A neural probabilistic
    language model": the embeddings of the last n tokens, concatenated, feed
    one tanh layer and a softmax,

        p(x_{t+1} | x_{t−n+1..t}) = softmax(U tanh(H [e(x_{t−n+1}); …; e(x_t)] + d) + b).

    H applied to the concatenated window is a 1-D convolution of width n
    over the embeddings, so every position of a window is predicted in one
    pass; n − 1 zero vectors pad the start (no token before the window).
    """
    n = config.context
    inputs = token_input()
    x = layers.Embedding(int(info.num_classes), config.embedding_dim, name="embedding")(inputs)
    x = layers.ZeroPadding1D((n - 1, 0), name="history_padding")(x)
    x = layers.Conv1D(config.hidden_units, n, activation="tanh", name="window_hidden")(x)
    if config.dropout:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    logits = layers.Dense(int(info.num_classes), name="logits")(x)
    model = tf.keras.Model(inputs, logits, name="neural_language_model")
    model.vocabulary = tuple(info.class_names)
    return model


def build_wavenet(config: WaveNetConfig, info: DataInfo) -> tf.keras.Model:
    """A WaveNet over tokens (van den Oord et al., 2016): causal convolutions
    of kernel 2 with dilations d_1, d_2, …, each block a gated unit with a
    residual and a skip connection,

        z = tanh(W_f *_d x) ⊙ σ(W_g *_d x),   x ← x + W_r z,   skip += W_s z,

    and logits = W_2 ReLU(W_1 ReLU(skip)), after a causal input convolution
    of kernel 2. Causal padding keeps position t blind to tokens after t; a
    prediction sees 2 + Σ d tokens (`WaveNetConfig.receptive_field`).
    """
    inputs = token_input()
    x = layers.Embedding(int(info.num_classes), config.embedding_dim, name="embedding")(inputs)
    x = layers.Conv1D(config.channels, 2, padding="causal", name="causal_input")(x)
    skips = []
    for i, dilation in enumerate(config.dilations):
        gate = layers.Conv1D(2 * config.channels, 2, padding="causal", dilation_rate=dilation, name=f"dilated_{i}")(x)
        filtered, gated = tf.split(gate, 2, axis=-1)
        z = layers.Multiply(name=f"gated_unit_{i}")(
            [layers.Activation("tanh")(filtered), layers.Activation("sigmoid")(gated)]
        )
        if config.block_dropout:
            z = layers.Dropout(config.block_dropout, name=f"block_dropout_{i}")(z)
        x = layers.Add(name=f"residual_{i}")([x, layers.Conv1D(config.channels, 1, name=f"residual_proj_{i}")(z)])
        skips.append(layers.Conv1D(config.skip_channels, 1, name=f"skip_{i}")(z))
    x = layers.Activation("relu")(layers.Add(name="skips")(skips) if len(skips) > 1 else skips[0])
    x = layers.Conv1D(config.skip_channels, 1, activation="relu", name="output_1")(x)
    if config.dropout:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    logits = layers.Conv1D(int(info.num_classes), 1, name="logits")(x)
    model = tf.keras.Model(inputs, logits, name="wavenet")
    model.vocabulary = tuple(info.class_names)
    return model


def build_recurrent_classifier(config: RecurrentClassifierConfig, info: DataInfo) -> tf.keras.Model:
    """Many-to-one: a sequence of feature vectors [T, F] read step by step,
    the final state of the top layer classified by a dense softmax layer.
    Inputs are divided by the training data's maximum inside the model, so
    the export takes raw values (digits: 0..16)."""
    inputs = tf.keras.Input(shape=info.input_shape, dtype=tf.float32, name="sequence")
    peak = float(np.max(info.train_features)) or 1.0
    x = layers.Rescaling(1.0 / peak, name="to_unit_range")(inputs)
    for i, units in enumerate(config.units):
        last = i == len(config.units) - 1
        layer = recurrent_layer(config.cell, units, name=f"{config.cell}_{i}", return_sequences=not last)
        x = layers.Bidirectional(layer, name=f"bidirectional_{i}")(x) if config.bidirectional else layer(x)
    if config.dropout:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    logits = layers.Dense(int(info.num_classes), name="logits")(x)
    return tf.keras.Model(inputs, logits, name=f"rnn_classifier_{config.cell}")


def build_forecaster(config: ForecasterConfig, info: DataInfo) -> tf.keras.Model:
    """One-step forecaster: the last W raw values, standardised with the
    training values' mean μ and deviation σ, read by recurrent layers; the
    last state gives z, and the forecast is ŷ = μ + σ z, so the model takes
    and returns raw values."""
    window = int(info.input_shape[0])
    mean, std = float(np.mean(info.train_features)), float(np.std(info.train_features)) or 1.0
    inputs = tf.keras.Input(shape=(window,), dtype=tf.float32, name="window")
    x = layers.Rescaling(1.0 / std, offset=-mean / std, name="standardise")(inputs)
    x = layers.Reshape((window, 1), name="steps")(x)
    for i, units in enumerate(config.units):
        x = recurrent_layer(config.cell, units, name=f"{config.cell}_{i}", return_sequences=i < len(config.units) - 1)(
            x
        )
    if config.dropout:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    z = layers.Dense(1, name="standardised_forecast")(x)
    forecast = layers.Rescaling(std, offset=mean, name="forecast")(z)
    model = tf.keras.Model(inputs, forecast, name=f"forecaster_{config.cell}")
    model.ar_order = config.ar_order
    return model
