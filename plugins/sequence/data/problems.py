"""Generated sequence-to-sequence problems, and the user's own pairs.

* addition: "123+4567" → "4690", each operand of 1 to `ADDITION_DIGITS`
  digits (the number of digits drawn uniformly, then the number), so every
  input length from 3 to 2·D + 1 characters is well represented.
* dates: one date between 1900 and 2099 spelled in one of `DATE_FORMATS`
  ("Tuesday, March 5, 2024", "5th of march 2024", "03/05/2024", ...) →
  its ISO form "2024-03-05". Slash dates are month first (US order).
* `data.path`: a UTF-8 file of `source<TAB>target` lines, read into
  memory, or streamed with `data.stream=true` (`streamed_pairs`).

Each problem set is drawn once with a fixed seed and without repeats, then
split at random by `data.seed`, so no held-out problem is a training one.

Sources and targets share one character vocabulary: id 0 is padding (and
what a character outside the vocabulary becomes: it is dropped), 1 starts
decoding, 2 ends it. A target is its characters, then END, then padding.
"""

from __future__ import annotations

import datetime
from typing import Callable, List, Sequence, Tuple

import numpy as np

from keraslab.core.api import DataConfig, Examples, KeraslabError
from keraslab.plugins.sequence.data.text import read_text_file

PAD, GO, END = 0, 1, 2
SPECIAL_TOKENS = ("", "<go>", "<end>")  # never single characters, so no text maps onto them
ADDITION_DIGITS = 5
ADDITION_PROBLEMS = 100_000
DATE_PROBLEMS = 40_000
PROBLEM_SEED = 20_240_305  # fixes which problems exist; data.seed fixes how they are split

Pairs = List[Tuple[str, str]]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


DATE_FORMATS: Tuple[Callable[[datetime.date], str], ...] = (
    lambda d: f"{d:%B} {d.day}, {d.year}",  # March 5, 2024
    lambda d: f"{d.day} {d:%B} {d.year}",  # 5 March 2024
    lambda d: f"{d:%A}, {d:%B} {d.day}, {d.year}",  # Tuesday, March 5, 2024
    lambda d: f"{d:%a} {d:%b} {d.day} {d.year}",  # Tue Mar 5 2024
    lambda d: f"{_ordinal(d.day)} of {d:%B} {d.year}".lower(),  # 5th of march 2024
    lambda d: f"{d:%m/%d/%Y}",  # 03/05/2024
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",  # 05.03.2024
    lambda d: f"{d.year} {d:%b} {d.day:02d}".upper(),  # 2024 MAR 05
)


def addition_pairs(count: int, digits: int, seed: int) -> Pairs:
    """`count` distinct problems "a+b" → "a + b" of 1..`digits`-digit operands."""
    rng = np.random.default_rng(seed)
    seen, pairs = set(), []
    while len(pairs) < count:
        a, b = (int(rng.integers(10 ** (n - 1) if n > 1 else 0, 10**n)) for n in rng.integers(1, digits + 1, 2))
        source = f"{a}+{b}"
        if source not in seen:
            seen.add(source)
            pairs.append((source, str(a + b)))
    return pairs


def date_pairs(count: int, seed: int) -> Pairs:
    """`count` distinct spelled-out dates (1900–2099) → "YYYY-MM-DD"."""
    rng = np.random.default_rng(seed)
    first, days = datetime.date(1900, 1, 1), (datetime.date(2099, 12, 31) - datetime.date(1900, 1, 1)).days
    seen, pairs = set(), []
    while len(pairs) < count:
        date = first + datetime.timedelta(days=int(rng.integers(0, days + 1)))
        source = DATE_FORMATS[int(rng.integers(len(DATE_FORMATS)))](date)
        if source not in seen:
            seen.add(source)
            pairs.append((source, date.isoformat()))
    return pairs


def read_pairs(path: str) -> Pairs:
    """`source<TAB>target` lines of a UTF-8 file; blank lines are skipped."""
    pairs = []
    for number, line in enumerate(read_text_file(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise KeraslabError(
                f"Line {number} of '{path}' is not 'source<TAB>target' (received {line[:60]!r}); "
                "data.path takes one non-empty source and target per line, separated by a tab."
            )
        pairs.append((fields[0], fields[1]))
    if len(pairs) < 10:
        raise KeraslabError(f"'{path}' holds {len(pairs)} source<TAB>target lines; at least 10 are needed to split.")
    return pairs


def vocabulary_of(pairs: Pairs) -> Tuple[str, ...]:
    """The special tokens, then every character of the pairs, sorted."""
    return SPECIAL_TOKENS + tuple(sorted({c for pair in pairs for text in pair for c in text}))


def encode_strings(texts: Sequence[str], vocabulary: Sequence[str], length: int, end: bool) -> np.ndarray:
    """Texts to ids [n, length], padded with PAD (and END after each text if
    `end`); characters outside the vocabulary are dropped."""
    index = {token: i for i, token in enumerate(vocabulary) if len(token) == 1}
    ids = np.full((len(texts), length), PAD, np.int32)
    for row, text in enumerate(texts):
        tokens = [index[c] for c in text if c in index] + ([END] if end else [])
        ids[row, : len(tokens)] = tokens[:length]
    return ids


def decode_ids(ids: Sequence[int], vocabulary: Sequence[str]) -> str:
    """Ids to text, stopping at the first END; padding and GO print nothing."""
    characters = []
    for i in ids:
        if i == END:
            break
        if i > END:
            characters.append(vocabulary[i])
    return "".join(characters)


def pair_examples(pairs: Pairs) -> Examples:
    vocabulary = vocabulary_of(pairs)
    sources, targets = zip(*pairs)
    features = encode_strings(sources, vocabulary, max(map(len, sources)), end=False)
    labels = encode_strings(targets, vocabulary, max(map(len, targets)) + 1, end=True)
    return Examples(features, labels, num_classes=len(vocabulary), class_names=vocabulary)


def _own_or(config: DataConfig, make: Callable[[], Pairs]):
    """The user's pairs (streamed with `data.stream=true`), or the generated ones."""
    if config.stream:
        if not config.path:
            raise KeraslabError("data.stream=true streams your own pairs: give them with --data FILE.tsv.")
        from keraslab.plugins.sequence.data.streamed_pairs import pair_records

        return pair_records(config)
    return pair_examples(read_pairs(config.path) if config.path else make())


def load_addition(config: DataConfig) -> Examples:
    return _own_or(config, lambda: addition_pairs(ADDITION_PROBLEMS, ADDITION_DIGITS, PROBLEM_SEED))


def load_dates(config: DataConfig) -> Examples:
    return _own_or(config, lambda: date_pairs(DATE_PROBLEMS, PROBLEM_SEED))


def synthetic_addition(config: DataConfig) -> Examples:
    return pair_examples(addition_pairs(300, 2, config.seed))


def synthetic_dates(config: DataConfig) -> Examples:
    return pair_examples(date_pairs(300, config.seed))


def source_strings(examples: Examples) -> np.ndarray:
    """The sources as the strings a seq2seq export takes."""
    return np.array([decode_ids(row, examples.class_names).encode("utf-8") for row in examples.features], dtype=object)
