"""Text larger than memory, streamed as windows of token ids.

`--set data.stream=true --data PATH` reads a UTF-8 text file, or a folder
of `.txt` files taken in name order as one text, a block of characters at
a time, never whole. The rules are the in-memory reader's
(`keraslab.plugins.sequence.data.text`): the text is cut by position (the
last `data.test_fraction` of its characters is the test part, the
`data.validation_fraction` before it validation), the vocabulary is the
training part's characters, most frequent first (ties in character order),
id 0 for any other; so a text streamed gives the windows it gives in
memory, and a model trained either way is the same model.

Opening reads the text three times, each pass a block at a time:

1. counts its characters (refusing a file that is not UTF-8 text, naming
   it and the byte);
2. counts each character of the training part (the vocabulary);
3. writes every character's id, as 2-byte (or, past 65,536 characters,
   4-byte) little-endian integers, into one token file per part.

The token files go to a cache folder (`data.cache_dir`, else
`$KERASLAB_CACHE`, else `~/.cache/keraslab`), under a name made from the
files' paths, sizes and modification times and the split's fractions: a
second run, or a resumed one, on the same unchanged text opens them
without reading the text again. A folder is written under a temporary
name and renamed when complete, so a killed pass leaves nothing a later
run would take for finished.

Windows are cut in the `tf.data` pipeline, from the token files: window j
of a part is tokens j·L … (j+1)·L − 1 (its features) and j·L + 1 …
(j+1)·L (its targets, the next tokens). Each window is one record of the
core's `ExampleRecords`, read as fixed-length records of the token file
and its copy shifted by one token, so the trainer's record pipeline
shuffles, batches, shares and resumes them like any other records. What
stays in memory is 9 bytes per window (its number and its part), not the
text.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Iterator, List, Sequence, Tuple

import numpy as np

from keraslab.core.api import DataConfig, ExampleRecords, KeraslabError
from keraslab.plugins.sequence.data.text import UNKNOWN, EncodedText, Vocabulary

BLOCK = 1 << 22  # characters read at a time (16 MiB of code points)
CODE_POINTS = 0x110000
FORMAT = 1  # changes when the token files' layout does
PART_NAMES = ("train", "validation", "test")
CACHE_VARIABLE = "KERASLAB_CACHE"


def text_files(path: str) -> List[Path]:
    """The text file at `path`, or the `.txt` files of the folder `path`, in name order."""
    root = Path(path)
    if root.is_dir():
        files = sorted(f for f in root.rglob("*.txt") if f.is_file() and not f.name.startswith("."))
        if not files:
            raise KeraslabError(
                f"Folder '{path}' holds no .txt files; data.path takes a UTF-8 text file or a folder of them."
            )
        return files
    if not root.is_file():
        raise KeraslabError(
            f"Text file '{path}' does not exist; data.path takes a UTF-8 text file or a folder of .txt files."
        )
    return [root]


def blocks(files: Sequence[Path]) -> Iterator[np.ndarray]:
    """The texts of `files`, one after another, as arrays of code points of at most `BLOCK` characters."""
    for file in files:
        try:
            with open(file, encoding="utf-8", errors="strict", newline="") as handle:
                while block := handle.read(BLOCK):
                    if "\x00" in block:
                        raise KeraslabError(
                            f"'{file}' is a binary file (it holds NUL bytes); data.path takes UTF-8 text."
                        )
                    yield np.frombuffer(block.encode("utf-32-le"), np.uint32)
        except UnicodeDecodeError as error:
            raise KeraslabError(
                f"'{file}' is not UTF-8 text (a byte near offset {error.start} of a block cannot be decoded); "
                "data.path takes UTF-8 text."
            ) from None


def part_sizes(total: int, validation_fraction: float, test_fraction: float) -> Tuple[int, int, int]:
    """Characters of train, validation and test, as `text.encode_text` cuts them."""
    n_test, n_validation = int(round(total * test_fraction)), int(round(total * validation_fraction))
    return total - n_test - n_validation, n_validation, n_test


def cache_root(config: DataConfig) -> Path:
    chosen = getattr(config, "cache_dir", "") or os.environ.get(CACHE_VARIABLE, "")
    return Path(chosen) if chosen else Path.home() / ".cache" / "keraslab"


def cache_key(files: Sequence[Path], config: DataConfig) -> str:
    """A name for the token files of `files` under `config`'s split: it
    changes when a file is changed, moved, added or removed."""
    facts = [[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files]
    described = json.dumps([FORMAT, facts, config.validation_fraction, config.test_fraction])
    return hashlib.blake2b(described.encode(), digest_size=12).hexdigest()


def token_folder(config: DataConfig) -> Path:
    """The folder of the text's token files, written first if it is not in the cache."""
    files = text_files(config.path)
    folder = cache_root(config) / "text" / cache_key(files, config)
    if not (folder / "manifest.json").is_file():
        write_token_files(files, config, folder)
    return folder


def write_token_files(files: Sequence[Path], config: DataConfig, folder: Path) -> None:
    """The three passes of the module docstring, into `folder` (made whole or not at all)."""
    say = lambda line: print(f"data.stream: {line}", file=sys.stderr, flush=True)  # noqa: E731
    total = sum(len(block) for block in blocks(files))
    sizes = part_sizes(total, config.validation_fraction, config.test_fraction)
    if min(sizes) < 2:
        raise KeraslabError(
            f"'{config.path}' has {total} characters: too few to split into train, validation and test parts "
            f"of at least 2 (fractions {config.validation_fraction}, {config.test_fraction}); give a longer text."
        )
    say(f"{total:,} characters in {len(files)} file(s); counting the training part's characters ...")
    counts = np.zeros(CODE_POINTS, np.int64)
    left = sizes[0]
    for block in blocks(files):
        counts += np.bincount(block[:left], minlength=CODE_POINTS)
        left -= min(left, len(block))
        if not left:
            break
    counts[ord(UNKNOWN)] = 0
    seen = np.flatnonzero(counts)
    ranked = seen[np.lexsort((seen, -counts[seen]))]  # most frequent first, ties by character
    vocabulary = (UNKNOWN, *(chr(c) for c in ranked))
    dtype = np.dtype("<u2") if len(vocabulary) <= 1 << 16 else np.dtype("<i4")
    table = np.zeros(CODE_POINTS, dtype)
    table[ranked] = np.arange(1, len(ranked) + 1)
    say(f"{len(vocabulary):,} tokens in the vocabulary; writing token files under {folder} ...")
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        _write_parts(files, table, sizes, partial, dtype)
        manifest = {
            "format": FORMAT,
            "vocabulary": vocabulary,
            "dtype": dtype.str,
            "tokens": dict(zip(PART_NAMES, sizes)),
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
        try:
            os.rename(partial, folder)
        except OSError:
            if not (folder / "manifest.json").is_file():  # another run finished the same files first: keep theirs
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _write_parts(files, table: np.ndarray, sizes: Sequence[int], folder: Path, dtype: np.dtype) -> None:
    handles = [open(folder / f"{name}.tokens", "wb") for name in PART_NAMES]
    try:
        part, left = 0, sizes[0]
        for block in blocks(files):
            ids = table[block]
            while len(ids):
                while not left:
                    part, left = part + 1, sizes[part + 1]
                handles[part].write(ids[:left].astype(dtype, copy=False).tobytes())
                taken = min(left, len(ids))
                ids, left = ids[taken:], left - taken
    finally:
        for handle in handles:
            handle.close()


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def part_ids(records: ExampleRecords) -> np.ndarray:
    """The token ids of the part a split of streamed text holds, read from
    its token file as needed (a memory map), never loaded whole."""
    shard_of = np.searchsorted(records.offsets, records.numbers[:1], side="right") - 1
    path = Path(records.shards[int(shard_of[0]) if len(shard_of) else 0])
    dtype = np.dtype(manifest(path.parent)["dtype"])
    return np.memmap(path, dtype=dtype, mode="r")


def open_text(config: DataConfig) -> Tuple[Path, EncodedText]:
    """The token files' folder, and the text's vocabulary and parts as memory maps (the in-memory kind's shape)."""
    folder = token_folder(config)
    facts = manifest(folder)
    dtype = np.dtype(facts["dtype"])
    parts = [np.memmap(folder / f"{name}.tokens", dtype=dtype, mode="r") for name in PART_NAMES]
    return folder, EncodedText(Vocabulary(tuple(facts["vocabulary"]), "char"), *parts)


def window_records(source: str, folder: Path, encoded: EncodedText, window: int) -> ExampleRecords:
    """The windows of every part as `ExampleRecords`, each part one token file."""
    import tensorflow as tf

    dtype = np.dtype(manifest(folder)["dtype"])
    width = dtype.itemsize
    tokens = [len(part) for part in (encoded.train, encoded.validation, encoded.test)]
    counts = [(n - 1) // window for n in tokens]
    shards = tuple(str(folder / f"{name}.tokens") for name in PART_NAMES)
    paths = tf.constant(shards)
    token_counts, window_counts = tf.constant(tokens, tf.int64), tf.constant(counts, tf.int64)
    record_bytes = window * width

    def read(shard):
        path, n, count = tf.gather(paths, shard), tf.gather(token_counts, shard), tf.gather(window_counts, shard)
        inputs = tf.data.FixedLengthRecordDataset(path, record_bytes, footer_bytes=(n - count * window) * width)
        shifted = tf.data.FixedLengthRecordDataset(
            path, record_bytes, header_bytes=width, footer_bytes=(n - 1 - count * window) * width
        )
        last = (window - 1) * width  # a window's record: its tokens and the one after them
        return tf.data.Dataset.zip((inputs, shifted)).map(lambda a, b: a + tf.strings.substr(b, last, width))

    def ids(raw):
        return tf.cast(tf.io.decode_raw(raw, tf.uint16 if width == 2 else tf.int32, little_endian=True), tf.int32)

    return ExampleRecords(
        source=source,
        shards=shards,
        counts=tuple(counts),
        read=read,
        parse=lambda raw: ids(raw)[:, :-1],
        parse_targets=lambda raw: ids(raw)[:, 1:],
        input_shape=(window,),
        input_dtype="int32",
        numbers=np.arange(sum(counts), dtype=np.int64),
        num_classes=len(encoded.vocabulary),
        class_names=encoded.vocabulary.tokens,
        parts=np.repeat(np.arange(3, dtype=np.uint8), counts),
    )
