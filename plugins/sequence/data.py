"""Datasets of the sequence topic.

* text: the default corpus (`pydoc_data.topics`) or `data.path`, as
  character windows of `WINDOW` tokens; targets are the next characters.
* words: the same text as word windows (vocabulary of the
  `MAX_WORDS` − 1 most frequent training words, the rest `UNKNOWN`).

Text is cut by position (`text.encode_text`): the windows of each part are
made from that part alone, so no window straddles two parts.
"""
from __future__ import annotations

import numpy as np

from keraslab.core.config import DataConfig
from keraslab.core.data import Examples
from keraslab.plugins.sequence import text

WINDOW = 100
WORD_WINDOW = 40
MAX_WORDS = 5_000


def language_examples(encoded: text.EncodedText, window: int) -> Examples:
    """Windows of every part, in order, with the split positions recorded."""
    parts = [text.windows(ids, window) for ids in (encoded.train, encoded.validation, encoded.test)]
    counts = np.cumsum([len(inputs) for inputs, _ in parts])
    return Examples(np.concatenate([inputs for inputs, _ in parts]), np.concatenate([t for _, t in parts]),
                    num_classes=len(encoded.vocabulary), class_names=encoded.vocabulary.tokens,
                    split_at=(int(counts[0]), int(counts[1])))


def encode_config_text(config: DataConfig, level: text.Level, corpus: str = "") -> text.EncodedText:
    max_vocabulary = MAX_WORDS if level == "word" else 0
    return text.encode_text(corpus or text.corpus(config), level, config.validation_fraction,
                            config.test_fraction, max_vocabulary)


def load_characters(config: DataConfig) -> Examples:
    return language_examples(encode_config_text(config, "char"), WINDOW)


def load_words(config: DataConfig) -> Examples:
    return language_examples(encode_config_text(config, "word"), WORD_WINDOW)


def tiny_corpus(seed: int, length: int = 6_000) -> str:
    """Sentences from a small grammar: enough structure to learn in seconds."""
    rng = np.random.default_rng(seed)
    subjects, verbs, objects = ["the cat", "a dog", "the bird"], ["sees", "likes", "eats"], ["fish.", "seeds.", "mice."]
    sentences = []
    while sum(map(len, sentences)) < length:
        sentences.append(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}\n")
    return "".join(sentences)


def synthetic_characters(config: DataConfig) -> Examples:
    return language_examples(encode_config_text(config, "char", tiny_corpus(config.seed)), 20)


def synthetic_words(config: DataConfig) -> Examples:
    return language_examples(encode_config_text(config, "word", tiny_corpus(config.seed)), 8)
