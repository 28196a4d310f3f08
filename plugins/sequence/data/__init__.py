"""Datasets of the sequence topic.

* text: the default corpus (`pydoc_data.topics`) or `data.path`, as
  character windows of `data.window` tokens (default `WINDOW`); targets
  are the next characters. With `data.stream=true`, `data.path` (a file or
  a folder of .txt files) is streamed from token files (`streamed_text`).
* digits-rows, digits-pixels: scikit-learn's 1,797 digits read as
  sequences: 8 steps of a row of 8 pixels, or 64 steps of one pixel
  (values 0..16), for many-to-one classification.

Text is cut by position (`text.encode_text`): the windows of each part are
made from that part alone, so no window straddles two parts.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from keraslab.core import api
from keraslab.core.api import DataConfig, ExampleRecords, Examples, KeraslabError
from keraslab.plugins.sequence.config import SequenceDataConfig
from keraslab.plugins.sequence.data import streamed_text, text

WINDOW = 100


def language_examples(encoded: text.EncodedText, window: int) -> Examples:
    """Windows of every part, in order, with the split positions recorded."""
    parts = [text.windows(ids, window) for ids in (encoded.train, encoded.validation, encoded.test)]
    counts = np.cumsum([len(inputs) for inputs, _ in parts])
    return Examples(
        np.concatenate([inputs for inputs, _ in parts]),
        np.concatenate([t for _, t in parts]),
        num_classes=len(encoded.vocabulary),
        class_names=encoded.vocabulary.tokens,
        split_at=(int(counts[0]), int(counts[1])),
    )


def encode_config_text(config: DataConfig, level: text.Level, corpus: str = "") -> text.EncodedText:
    return text.encode_text(corpus or text.corpus(config), level, config.validation_fraction, config.test_fraction)


def language_window(config: SequenceDataConfig, default: int, encoded: text.EncodedText) -> int:
    """`data.window`, or the default; refused where a part has fewer tokens than one window."""
    window = config.window or default
    shortest = min(len(encoded.train), len(encoded.validation), len(encoded.test)) - 1
    if window > shortest:
        raise KeraslabError(
            f"data.window={window} is longer than the shortest part of the text ({shortest} "
            f"tokens after the split); accepted: 1..{shortest}."
        )
    return window


def load_characters(config: SequenceDataConfig) -> Union[Examples, ExampleRecords]:
    """The text's character windows: in memory, or streamed from token
    files with `data.stream=true` (`streamed_text`, for text of any size)."""
    if config.stream:
        if not config.path:
            raise KeraslabError("data.stream=true streams your own text: give it with --data FILE.txt (or a folder).")
        folder, encoded = streamed_text.open_text(config)
        return streamed_text.window_records(config.path, folder, encoded, language_window(config, WINDOW, encoded))
    encoded = encode_config_text(config, "char")
    return language_examples(encoded, language_window(config, WINDOW, encoded))


def tiny_corpus(seed: int, length: int = 6_000) -> str:
    """Sentences from a small grammar: enough structure to learn in seconds."""
    rng = np.random.default_rng(seed)
    subjects, verbs, objects = ["the cat", "a dog", "the bird"], ["sees", "likes", "eats"], ["fish.", "seeds.", "mice."]
    sentences = []
    while sum(map(len, sentences)) < length:
        sentences.append(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}\n")
    return "".join(sentences)


def synthetic_characters(config: SequenceDataConfig) -> Examples:
    encoded = encode_config_text(config, "char", tiny_corpus(config.seed))
    return language_examples(encoded, language_window(config, 20, encoded))


def load_digit_rows(config: DataConfig) -> Examples:
    return api.digits("rows", "counts")


def load_digit_pixels(config: DataConfig) -> Examples:
    return api.digits("pixels", "counts")


def synthetic_sequences(steps: int, features: int, seed: int) -> Examples:
    """Two classes told apart by whether the sequence rises or falls."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=120)
    ramp = np.linspace(0.0, 16.0, steps)[None, :, None]
    values = np.where(labels[:, None, None] == 1, ramp, ramp[:, ::-1]) + rng.normal(0, 2.0, (120, steps, features))
    return Examples(np.clip(values, 0, 16).astype(np.float32), labels.astype(np.int64), 2, ("falls", "rises"))


def synthetic_digit_rows(config: DataConfig) -> Examples:
    return synthetic_sequences(8, 8, config.seed)


def synthetic_digit_pixels(config: DataConfig) -> Examples:
    return synthetic_sequences(64, 1, config.seed)
