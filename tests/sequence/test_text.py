"""Corpora, vocabularies and positional splits of text."""

import numpy as np
import pytest

from keraslab.core.data import split_examples
from keraslab.core.errors import KeraslabError
from keraslab.plugins.sequence import data
from keraslab.plugins.sequence.config import SequenceDataConfig
from keraslab.plugins.sequence.data import text


def test_default_corpus_is_python_s_help_text():
    corpus = text.default_corpus()
    assert len(corpus) > 300_000 and "assert" in corpus


def test_vocabulary_is_the_training_part_s_and_unknown_tokens_become_id_0():
    encoded = text.encode_text("abcabcabcabcabcxyz", "char", validation_fraction=0.1, test_fraction=0.1)
    # 18 characters: 2 for test ("yz"), 2 for validation ("cx"), 14 for training.
    assert encoded.vocabulary.tokens == (text.UNKNOWN, "a", "b", "c")
    assert encoded.validation.tolist() == [3, 0] and encoded.test.tolist() == [0, 0]
    assert encoded.vocabulary.unknown_in("abz!") == ["!", "z"]
    assert encoded.vocabulary.decode([1, 2, 0]) == "ab" + text.UNKNOWN


def test_words_split_at_punctuation_and_keep_line_breaks():
    assert text.tokenize("Hello, world.\nBye", "word") == ["Hello", ",", "world", ".", "\n", "Bye"]
    assert text.join_tokens(["a", "b", "\n", "c"], "word") == "a b\nc"


def test_windows_and_their_next_tokens():
    inputs, targets = text.windows(np.arange(11), 5)
    assert inputs.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert targets.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]


def test_text_windows_split_by_position_never_straddle_parts():
    examples = data.synthetic_characters(SequenceDataConfig(seed=0))
    splits = split_examples(examples, 0.15, 0.15, seed=123)
    a, b = examples.split_at
    assert len(splits.train) == a and len(splits.validation) == b - a
    # The test windows are the end of the text: the last window's last target is the text's last token.
    encoded = data.encode_config_text(SequenceDataConfig(), "char", data.tiny_corpus(0))
    assert splits.test.targets[-1, -1] == encoded.test[(len(encoded.test) - 1) // 20 * 20]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"caf\xe9 latin-1", "not UTF-8"),
    ],
)
def test_unusable_text_files_are_refused(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(KeraslabError, match=message):
        text.read_text_file(str(path))


def test_a_text_too_short_to_split_is_refused():
    with pytest.raises(KeraslabError, match="too few to split"):
        text.encode_text("abc", "char", 0.15, 0.15)
