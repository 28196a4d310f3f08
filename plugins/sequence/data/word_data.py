"""Words in context, for word embeddings.

The default corpus is generated so that every word's meaning is known: it
has `GROUPS` of words (animals, colours, ...) and a few filler words.
Each sentence is about one group: most of its words come from that group,
some from any group, with fillers between them. Words of one group thus
share their contexts, which is what an embedding learns from (Harris's
distributional hypothesis), and `group_of` says which pairs should be
close. `data.path` reads any UTF-8 text instead (lower-cased, words as
`text.tokenize` finds them, the `MAX_VOCABULARY` most frequent kept).

The corpus is cut by position into train, validation and test parts
(`text.encode_text`), and each part gives its own examples:

* skipgrams: (centre, context) id pairs of words at most `data.window`
  words apart (default `WINDOW`), for word2vec;
* cooccurrences: the cells (i, j, X_ij) of the co-occurrence matrix, each
  pair weighted 1/distance as in GloVe, for glove.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Dict, Optional

import numpy as np

from keraslab.core.api import DataConfig, Examples
from keraslab.plugins.sequence.config import SequenceDataConfig
from keraslab.plugins.sequence.data import text

WINDOW = 3
MAX_VOCABULARY = 5_000
SENTENCES = 6_000
CORPUS_SEED = 7
GROUPS: Dict[str, tuple] = {
    "animals": ("cat", "dog", "horse", "lion", "tiger", "wolf", "bear", "mouse", "rabbit", "fox"),
    "colours": ("red", "green", "blue", "yellow", "purple", "orange", "black", "white", "grey", "pink"),
    "fruits": ("apple", "banana", "cherry", "grape", "lemon", "mango", "peach", "pear", "plum", "melon"),
    "countries": ("france", "spain", "italy", "japan", "china", "brazil", "canada", "egypt", "india", "peru"),
    "tools": ("hammer", "saw", "drill", "wrench", "chisel", "pliers", "shovel", "rake", "axe", "ladder"),
    "weather": ("rain", "snow", "wind", "storm", "fog", "hail", "sun", "cloud", "frost", "thunder"),
    "numbers": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    "music": ("piano", "violin", "guitar", "drum", "flute", "cello", "harp", "trumpet", "organ", "banjo"),
}
FILLERS = ("the", "a", "of", "and", "with", "is", "in", "to")
_GROUP_OF = {word: group for group, words in GROUPS.items() for word in words}


def group_of(word: str) -> Optional[str]:
    """The group of a generated corpus's word, None for fillers and other words."""
    return _GROUP_OF.get(word)


def grouped_corpus(sentences: int, seed: int, on_topic: float = 0.5) -> str:
    """`sentences` lines of 6 content words (each from the line's group with
    probability `on_topic`, else from any group), a filler after each."""
    rng = np.random.default_rng(seed)
    names, everything = list(GROUPS), [w for words in GROUPS.values() for w in words]
    lines = []
    for _ in range(sentences):
        topic = GROUPS[names[rng.integers(len(names))]]
        words = []
        for _ in range(6):
            pool = topic if rng.random() < on_topic else everything
            words += [pool[rng.integers(len(pool))], FILLERS[rng.integers(len(FILLERS))]]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def skipgram_pairs(ids: np.ndarray, window: int) -> np.ndarray:
    """(centre, context) pairs [n, 2] of tokens at most `window` apart,
    skipping line breaks and unknown words (id 0)."""
    pairs = [np.stack([ids[:-d], ids[d:]], axis=1) for d in range(1, window + 1)]
    pairs = np.concatenate(pairs + [p[:, ::-1] for p in pairs])
    return pairs[np.all(pairs > 0, axis=1)].astype(np.int32)


def cooccurrence_cells(ids: np.ndarray, window: int) -> np.ndarray:
    """The non-zero cells (i, j, X_ij) [n, 3] of X_ij = Σ 1/d over the
    occurrences of j at distance d ≤ `window` from i (both sides)."""
    counts = defaultdict(float)
    for d in range(1, window + 1):
        for i, j in zip(ids[:-d], ids[d:]):
            if i > 0 and j > 0:
                counts[(i, j)] += 1.0 / d
                counts[(j, i)] += 1.0 / d
    return np.array([(i, j, x) for (i, j), x in sorted(counts.items())], np.float32).reshape(-1, 3)


def encoded_words(config: DataConfig, corpus: str = "") -> text.EncodedText:
    corpus = corpus or (text.read_text_file(config.path) if config.path else grouped_corpus(SENTENCES, CORPUS_SEED))
    encoded = text.encode_text(corpus.lower(), "word", config.validation_fraction, config.test_fraction, MAX_VOCABULARY)
    newline = encoded.vocabulary.index.get("\n")
    if newline is None:
        return encoded
    # A line break is no word: contexts skip it as they skip unknown words.
    return dataclasses.replace(
        encoded,
        **{
            name: np.where(getattr(encoded, name) == newline, 0, getattr(encoded, name))
            for name in ("train", "validation", "test")
        },
    )


def _parts_as_examples(encoded: text.EncodedText, make, with_counts: bool) -> Examples:
    """Rows of every part, in order; features are the id pairs, targets the
    counts X_ij where `with_counts` (else none)."""
    parts = [make(part) for part in (encoded.train, encoded.validation, encoded.test)]
    counts = np.cumsum([len(p) for p in parts])
    rows = np.concatenate(parts)
    return Examples(
        rows[:, :2].astype(np.int32),
        rows[:, 2:3].astype(np.float32) if with_counts else None,
        num_classes=len(encoded.vocabulary),
        class_names=encoded.vocabulary.tokens,
        split_at=(int(counts[0]), int(counts[1])),
    )


def load_skipgrams(config: SequenceDataConfig, corpus: str = "") -> Examples:
    window = config.window or WINDOW
    return _parts_as_examples(encoded_words(config, corpus), lambda ids: skipgram_pairs(ids, window), with_counts=False)


def load_cooccurrences(config: SequenceDataConfig, corpus: str = "") -> Examples:
    window = config.window or WINDOW
    return _parts_as_examples(
        encoded_words(config, corpus), lambda ids: cooccurrence_cells(ids, window), with_counts=True
    )


def synthetic_skipgrams(config: SequenceDataConfig) -> Examples:
    return load_skipgrams(config, grouped_corpus(300, config.seed))


def synthetic_cooccurrences(config: SequenceDataConfig) -> Examples:
    return load_cooccurrences(config, grouped_corpus(300, config.seed))
