"""Word embeddings: skip-gram with negative sampling, and GloVe.

Both learn a vector per word of the vocabulary (`WordEmbedding.vectors`);
words used in the same contexts end up with a high cosine similarity,
which `nearest` ranks and `group_separation` measures against known groups.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo, OwnLossModel
from keraslab.plugins.sequence.config import GloVeConfig, Word2VecConfig

layers = tf.keras.layers


def small_uniform(config) -> tf.keras.initializers.Initializer:
    """U(−0.5/D, 0.5/D), word2vec's initial word vectors; a new instance
    (new values) per table."""
    return tf.keras.initializers.RandomUniform(-0.5 / config.dimensions, 0.5 / config.dimensions)


class WordEmbedding(OwnLossModel):
    """A model whose product is one vector per word; `call(ids)` returns
    the vectors of the ids [batch] → [batch, D]."""

    vocabulary: Tuple[str, ...]

    def vectors(self) -> np.ndarray:
        """The embedding of every word [V, D]."""
        raise NotImplementedError


class SkipGram(WordEmbedding):
    """word2vec's skip-gram with negative sampling (Mikolov et al., 2013,
    "Distributed representations of words and phrases and their
    compositionality"). For a centre word w and a context word c seen within
    the window, and k words n_1..n_k drawn from the unigram distribution
    raised to 3/4,

        L = −log σ(u_c · v_w) − Σ_k log σ(−u_{n_k} · v_w),

    with v the input ("word") vectors and u the output ("context") vectors.
    The word vectors are v.
    """

    def __init__(self, config: Word2VecConfig, vocabulary: Sequence[str], context_counts: np.ndarray):
        super().__init__(name="word2vec")
        self.vocabulary = tuple(vocabulary)
        self.negatives = config.negatives
        self.word_vectors = layers.Embedding(
            len(vocabulary), config.dimensions, name="word_vectors", embeddings_initializer=small_uniform(config)
        )
        self.context_vectors = layers.Embedding(
            len(vocabulary), config.dimensions, name="context_vectors", embeddings_initializer="zeros"
        )
        noise = np.asarray(context_counts, np.float64) ** 0.75
        self.noise_logits = tf.constant(np.log(np.maximum(noise / noise.sum(), 1e-30)), tf.float32)

    def vectors(self) -> np.ndarray:
        return self.word_vectors.embeddings.numpy()

    def call(self, ids, training=False):
        return self.word_vectors(ids)

    def own_loss(self, data, training):
        pairs = data[0] if isinstance(data, tuple) else data
        words = self.word_vectors(pairs[:, 0])  # [B, D]
        contexts = self.context_vectors(pairs[:, 1])  # [B, D]
        noise_ids = tf.random.categorical(self.noise_logits[None], tf.shape(pairs)[0] * self.negatives)
        noise = tf.reshape(self.context_vectors(noise_ids[0]), [-1, self.negatives, words.shape[-1]])
        positive = tf.math.log_sigmoid(tf.reduce_sum(words * contexts, axis=-1))
        negative = tf.reduce_sum(tf.math.log_sigmoid(-tf.einsum("bd,bkd->bk", words, noise)), axis=-1)
        return -tf.reduce_mean(positive + negative)


class GloVe(WordEmbedding):
    """GloVe (Pennington, Socher & Manning, 2014): a weighted least-squares
    fit of the log co-occurrence counts,

        J = Σ_ij f(X_ij) (w_i · w̃_j + b_i + b̃_j − log X_ij)²,   f(x) = min(1, (x / x_max)^α),

    over the non-zero cells of X. The word vectors are w + w̃, as in the paper.
    """

    def __init__(self, config: GloVeConfig, vocabulary: Sequence[str]):
        super().__init__(name="glove")
        self.vocabulary = tuple(vocabulary)
        self.x_max, self.alpha = config.x_max, config.alpha
        size = len(vocabulary)
        self.word_vectors = layers.Embedding(
            size, config.dimensions, embeddings_initializer=small_uniform(config), name="w"
        )
        self.context_vectors = layers.Embedding(
            size, config.dimensions, embeddings_initializer=small_uniform(config), name="w_tilde"
        )
        self.word_bias = layers.Embedding(size, 1, embeddings_initializer="zeros", name="b")
        self.context_bias = layers.Embedding(size, 1, embeddings_initializer="zeros", name="b_tilde")

    def vectors(self) -> np.ndarray:
        return self.word_vectors.embeddings.numpy() + self.context_vectors.embeddings.numpy()

    def call(self, ids, training=False):
        return self.word_vectors(ids) + self.context_vectors(ids)

    def weight(self, counts: tf.Tensor) -> tf.Tensor:
        """f(x) = min(1, (x / x_max)^α)."""
        return tf.minimum(1.0, tf.pow(counts / self.x_max, self.alpha))

    def own_loss(self, data, training):
        cells, counts = data
        i, j, x = cells[:, 0], cells[:, 1], counts[:, 0]
        fit = (
            tf.reduce_sum(self.word_vectors(i) * self.context_vectors(j), axis=-1)
            + self.word_bias(i)[:, 0]
            + self.context_bias(j)[:, 0]
        )
        return tf.reduce_mean(self.weight(x) * tf.square(fit - tf.math.log(x)))


def build_word2vec(config: Word2VecConfig, info: DataInfo) -> SkipGram:
    pairs = np.asarray(info.train_features)
    counts = np.bincount(pairs[:, 1], minlength=int(info.num_classes))
    model = SkipGram(config, info.class_names, counts)
    model.own_loss(tf.zeros([1, 2], tf.int32), training=False)
    return model


def build_glove(config: GloVeConfig, info: DataInfo) -> GloVe:
    model = GloVe(config, info.class_names)
    model.own_loss((tf.zeros([1, 2], tf.int32), tf.ones([1, 1])), training=False)
    return model


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def nearest(vectors: np.ndarray, vocabulary: Sequence[str], word: str, count: int) -> List[Tuple[str, float]]:
    """The `count` words of highest cosine similarity to `word` (itself excluded)."""
    unit = unit_rows(vectors)
    index = list(vocabulary).index(word)
    similarity = unit @ unit[index]
    order = [i for i in np.argsort(-similarity, kind="stable") if i != index and len(vocabulary[i].strip())][:count]
    return [(vocabulary[i], float(similarity[i])) for i in order]


def group_separation(vectors: np.ndarray, vocabulary: Sequence[str], group_of) -> Dict[str, float]:
    """ROC AUC of cosine similarity as a test of "same group" over every
    pair of grouped words: the probability that a same-group pair is more
    similar than a cross-group pair (1: always, 0.5: chance)."""
    from sklearn.metrics import roc_auc_score

    grouped = [(i, group_of(w)) for i, w in enumerate(vocabulary) if group_of(w)]
    ids = np.array([i for i, _ in grouped])
    groups = np.array([g for _, g in grouped])
    unit = unit_rows(vectors[ids])
    upper = np.triu_indices(len(ids), k=1)
    similarity = (unit @ unit.T)[upper]
    same = (groups[:, None] == groups[None, :])[upper]
    return {
        "roc_auc": float(roc_auc_score(same, similarity)),
        "same_group_cosine": float(similarity[same].mean()),
        "cross_group_cosine": float(similarity[~same].mean()),
        "words": len(ids),
    }


def export_embedding(model: WordEmbedding, context) -> dict:
    """serving_default(word [batch] strings) → `embedding` [batch, D] and
    `known` (False, with a zero vector, for a word outside the vocabulary).
    Words are looked up lower-cased, as the corpus was read."""
    vectors = tf.constant(model.vectors())
    words = tf.constant(list(model.vocabulary))
    model.word_table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(words, tf.range(len(model.vocabulary), dtype=tf.int64)), default_value=-1
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="word")])
    def embed(word):
        ids = model.word_table.lookup(tf.strings.lower(word))
        known = ids > 0  # id 0 is the unknown word's
        return {"embedding": tf.where(known[:, None], tf.gather(vectors, tf.maximum(ids, 0)), 0.0), "known": known}

    return {"serving_default": embed}


def vocabulary_words(examples) -> np.ndarray:
    """The words of the examples' first pairs, as the strings the export takes."""
    return np.array([examples.class_names[i].encode("utf-8") for i in examples.features[:, 0]], dtype=object)
