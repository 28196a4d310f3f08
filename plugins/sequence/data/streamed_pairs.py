"""`source<TAB>target` files of any size, streamed: seq2seq's own pairs.

`--data pairs.tsv --set data.stream=true` reads the file a line at a time,
never whole. The rules are those of the in-memory reader
(`problems.read_pairs`, `problems.pair_examples`): one non-empty source and
target per line, separated by a tab; blank lines skipped; one character
vocabulary for both (the special tokens, then every character of the file,
sorted); sources padded to the longest source, targets to the longest
target plus END. Lines end at "\\n" (a "\\r" before it is dropped).

Opening reads the file once: it checks every line (naming the first bad
one by its number), counts the pairs, and collects the characters and the
longest source and target, a few bytes of memory whatever the file's
size. Each pair is then one record of the core's `ExampleRecords`: read by
`tf.data.TextLineDataset`, cut at its tab, encoded and padded inside the
pipeline, its target parsed from the record (`parse_targets`). The split is
the record files' rule: a seeded hash of each pair's line, so held-out
pairs are drawn at random by `data.seed` as in memory, by another draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Set, Tuple

import numpy as np

from keraslab.core.api import DataConfig, ExampleRecords, KeraslabError
from keraslab.plugins.sequence.data.problems import END, PAD, SPECIAL_TOKENS

BLANK = " \t\r"


def scan_pairs(path: str) -> Tuple[int, Tuple[str, ...], int, int]:
    """(pairs, vocabulary, longest source, longest target) of the file, checked line by line."""
    file = Path(path)
    if not file.is_file():
        raise KeraslabError(
            f"Pairs file '{path}' does not exist; data.path takes a UTF-8 file of source<TAB>target lines."
        )
    characters: Set[str] = set()
    count, source_length, target_length = 0, 0, 0
    with open(file, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8")
            except UnicodeDecodeError:
                raise KeraslabError(
                    f"Line {number} of '{path}' is not UTF-8 text; data.path takes UTF-8 text."
                ) from None
            if not line.strip(BLANK):
                continue
            fields = line.split("\t")
            if len(fields) != 2 or not fields[0] or not fields[1]:
                raise KeraslabError(
                    f"Line {number} of '{path}' is not 'source<TAB>target' (received {line[:60]!r}); "
                    "data.path takes one non-empty source and target per line, separated by a tab."
                )
            characters.update(fields[0], fields[1])
            source_length, target_length = max(source_length, len(fields[0])), max(target_length, len(fields[1]))
            count += 1
    if count < 10:
        raise KeraslabError(f"'{path}' holds {count} source<TAB>target lines; at least 10 are needed to split.")
    return count, SPECIAL_TOKENS + tuple(sorted(characters)), source_length, target_length


def pair_records(config: DataConfig) -> ExampleRecords:
    """The pairs of `data.path` as streamed `ExampleRecords` (the module docstring gives the rules)."""
    import tensorflow as tf

    count, vocabulary, source_length, target_length = scan_pairs(config.path)
    characters = tf.constant(list(vocabulary[len(SPECIAL_TOKENS) :]))
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(characters, tf.range(len(SPECIAL_TOKENS), len(vocabulary), dtype=tf.int32)),
        default_value=PAD,
    )

    def read(shard):
        lines = tf.data.TextLineDataset(config.path).map(lambda line: tf.strings.regex_replace(line, "\r$", ""))
        return lines.filter(lambda line: tf.logical_not(tf.strings.regex_full_match(line, f"[{BLANK}]*")))

    def encoded(texts, length, end):
        ids = table.lookup(tf.strings.unicode_split(texts, "UTF-8"))
        if end:
            ids = tf.concat([ids, tf.fill([tf.shape(texts)[0], 1], END)], axis=1)
        return ids.to_tensor(default_value=PAD, shape=[None, length])

    def fields(raw):
        return tf.strings.split(raw, "\t").to_tensor(shape=[None, 2])

    return ExampleRecords(
        source=config.path,
        shards=(config.path,),
        counts=(count,),
        read=read,
        parse=lambda raw: encoded(fields(raw)[:, 0], source_length, end=False),
        parse_targets=lambda raw: encoded(fields(raw)[:, 1], target_length + 1, end=True),
        input_shape=(source_length,),
        input_dtype="int32",
        numbers=np.arange(count, dtype=np.int64),
        num_classes=len(vocabulary),
        class_names=vocabulary,
    )
