"""Raw text to token ids and back, inside the graph, for exports that take
strings. Characters only: the export splits UTF-8 text into characters and
looks each up in the vocabulary the model was trained with; a character
outside it becomes id 0 (`text.UNKNOWN`), as in training."""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf


class CharacterTable(tf.Module):
    """Lookups between characters and ids of a fixed vocabulary.

    Args:
        vocabulary: the character of each id; id 0 stands for unknown ones.
    """

    def __init__(self, vocabulary: Sequence[str]):
        super().__init__(name="character_table")
        self.characters = tf.constant(list(vocabulary))
        self.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(self.characters, tf.range(len(vocabulary), dtype=tf.int32)),
            default_value=0,
        )

    def encode(self, text: tf.Tensor) -> tf.Tensor:
        """A scalar string to its ids [length]."""
        return self.table.lookup(tf.strings.unicode_split(text, "UTF-8"))

    def decode(self, ids: tf.Tensor) -> tf.Tensor:
        """Ids [length] to one scalar string."""
        return tf.strings.reduce_join(tf.gather(self.characters, ids))
