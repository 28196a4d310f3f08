"""Text corpora, vocabularies and positional splits.

The default corpus is the help text every Python ships
(`pydoc_data.topics`: the language reference's prose and grammar, about
465,000 characters); `--set data.path=FILE.txt` reads any UTF-8 text file
instead. The text is cut by position into train, validation and test
(the last `data.test_fraction` is the test part, the
`data.validation_fraction` before it validation), so a model is tested on
text that follows the text it saw, never on shuffled neighbours of it.

Tokens are characters or words (runs of letters and digits, and each
other non-space character). The vocabulary is the training part's tokens:
id 0 is `UNKNOWN`, which stands for every token the training part never
shows (in held-out text and in prompts).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Literal, Sequence, Tuple

import numpy as np

from keraslab.core.api import DataConfig, KeraslabError

UNKNOWN = "\ufffd"  # the replacement character: what a token outside the vocabulary becomes
Level = Literal["char", "word"]
WORD_PATTERN = re.compile(r"\w+|[^\w\s]|\n")


def default_corpus() -> str:
    """The standard library's help topics, in a fixed order."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key] for key in sorted(topics))


def read_text_file(path: str) -> str:
    """A UTF-8 text file's contents; an empty, missing or binary file is refused."""
    file = Path(path)
    if not file.is_file():
        raise KeraslabError(f"Text file '{path}' does not exist; data.path takes a UTF-8 text file.")
    raw = file.read_bytes()
    if b"\x00" in raw[:8192]:
        raise KeraslabError(f"'{path}' is a binary file (it holds NUL bytes); data.path takes a UTF-8 text file.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise KeraslabError(
            f"'{path}' is not UTF-8 text (byte {error.start} cannot be decoded); data.path takes a UTF-8 text file."
        ) from None
    if not text.strip():
        raise KeraslabError(f"Text file '{path}' is empty; data.path takes a UTF-8 text file with some text.")
    return text


def corpus(config: DataConfig) -> str:
    return read_text_file(config.path) if config.path else default_corpus()


def tokenize(text: str, level: Level) -> List[str]:
    if level == "char":
        return list(text)
    return WORD_PATTERN.findall(text)


def join_tokens(tokens: Sequence[str], level: Level) -> str:
    """Tokens back into text (words with single spaces between them)."""
    if level == "char":
        return "".join(tokens)
    return re.sub(r" ?\n ?", "\n", " ".join(tokens))


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Tokens and their ids; id 0 is `UNKNOWN`.

    Attributes:
        tokens: the token of each id.
        level: "char" or "word".
    """

    tokens: Tuple[str, ...]
    level: Level = "char"

    @classmethod
    def from_tokens(cls, tokens: Sequence[str], level: Level, max_size: int = 0) -> "Vocabulary":
        """The tokens seen, most frequent first (ties alphabetically); at most `max_size` with UNKNOWN (0: all)."""
        counts = Counter(tokens)
        counts.pop(UNKNOWN, None)
        ranked = sorted(counts, key=lambda token: (-counts[token], token))
        if max_size:
            ranked = ranked[: max_size - 1]
        return cls((UNKNOWN, *ranked), level)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def index(self) -> Dict[str, int]:
        return {token: i for i, token in enumerate(self.tokens)}

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        index = self.index
        return np.array([index.get(token, 0) for token in tokens], np.int32)

    def decode(self, ids: Sequence[int]) -> str:
        return join_tokens([self.tokens[i] for i in ids], self.level)

    def unknown_in(self, text: str) -> List[str]:
        """The distinct tokens of `text` outside the vocabulary."""
        index = self.index
        return sorted({token for token in tokenize(text, self.level) if token not in index})


@dataclasses.dataclass(frozen=True)
class EncodedText:
    """A text's token ids, cut by position into train, validation and test."""

    vocabulary: Vocabulary
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def encode_text(
    text: str, level: Level, validation_fraction: float, test_fraction: float, max_vocabulary: int = 0
) -> EncodedText:
    """Tokenizes `text`, cuts it by position and encodes every part with the
    training part's vocabulary.

    Args:
        text: the whole corpus.
        level: "char" or "word".
        validation_fraction, test_fraction: shares of the tokens; the test
            part is the end of the text, validation the part before it.
        max_vocabulary: keep the most frequent tokens only (0: all).
    """
    tokens = tokenize(text, level)
    n = len(tokens)
    n_test, n_validation = int(round(n * test_fraction)), int(round(n * validation_fraction))
    n_train = n - n_test - n_validation
    if min(n_train, n_validation, n_test) < 2:
        raise KeraslabError(
            f"The text has {n} {level} tokens: too few to split into train, validation and test "
            f"parts of at least 2 (fractions {validation_fraction}, {test_fraction}); "
            "give a longer text."
        )
    vocabulary = Vocabulary.from_tokens(tokens[:n_train], level, max_vocabulary)
    return EncodedText(
        vocabulary,
        vocabulary.encode(tokens[:n_train]),
        vocabulary.encode(tokens[n_train : n_train + n_validation]),
        vocabulary.encode(tokens[n_train + n_validation :]),
    )


def windows(ids: np.ndarray, length: int) -> Tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows of `length` tokens and their next tokens:
    inputs ids[i·L : (i+1)·L], targets ids[i·L + 1 : (i+1)·L + 1]."""
    count = (len(ids) - 1) // length
    inputs = ids[: count * length].reshape(count, length)
    targets = ids[1 : count * length + 1].reshape(count, length)
    return inputs, targets
