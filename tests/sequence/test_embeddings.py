"""Word embeddings: the corpus and its counts, the two losses by hand,
both models separating the word groups, `neighbours` and the export."""

import json

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.export.predict import predict
from keraslab.plugins.sequence.config import GloVeConfig, SequenceDataConfig
from keraslab.plugins.sequence.data import word_data
from keraslab.plugins.sequence.models.embeddings import GloVe, group_separation


def test_pairs_and_counts_follow_the_window_and_skip_unknown_words():
    ids = np.array([3, 4, 0, 5], np.int32)
    pairs = {tuple(p) for p in word_data.skipgram_pairs(ids, 2)}
    # Distance 1: (3, 4); distance 2: (4, 5); every pair with the unknown word (id 0) is skipped.
    assert pairs == {(3, 4), (4, 3), (4, 5), (5, 4)}
    cells = {(int(i), int(j)): x for i, j, x in word_data.cooccurrence_cells(ids, 2)}
    assert cells == {(3, 4): 1.0, (4, 3): 1.0, (4, 5): 0.5, (5, 4): 0.5}  # weight 1/d


def test_the_grouped_corpus_uses_every_group_word_and_splits_by_position():
    examples = word_data.load_skipgrams(SequenceDataConfig())
    words = set(examples.class_names)
    assert all(w in words for group in word_data.GROUPS.values() for w in group)
    a, b = examples.split_at
    assert 0 < a < b < len(examples)


def test_glove_loss_is_the_weighted_least_squares_of_the_paper():
    model = GloVe(GloVeConfig(dimensions=2, x_max=4.0, alpha=0.5), ("?", "x", "y"))
    model.own_loss((tf.zeros([1, 2], tf.int32), tf.ones([1, 1])), training=False)
    model.word_vectors.embeddings.assign([[0, 0], [1, 2], [0, 0]])
    model.context_vectors.embeddings.assign([[0, 0], [0, 0], [3, 1]])
    model.word_bias.embeddings.assign([[0], [0.5], [0]])
    # Cell (x, y), X = 1: w·w̃ = 1·3 + 2·1 = 5, + b_x 0.5 − log 1 = 5.5; f(1) = (1/4)^0.5 = 0.5 → 0.5 · 30.25 = 15.125.
    loss = model.own_loss((tf.constant([[1, 2]]), tf.constant([[1.0]])), training=False)
    assert float(loss) == pytest.approx(15.125)


def test_group_separation_is_one_for_perfect_groups_and_a_half_for_noise():
    vocabulary = ("cat", "dog", "red", "blue")
    perfect = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], np.float32)
    assert group_separation(perfect, vocabulary, word_data.group_of)["roc_auc"] == 1.0
    rng = np.random.default_rng(0)
    vocabulary = tuple(w for group in word_data.GROUPS.values() for w in group)
    noise = group_separation(rng.normal(size=(len(vocabulary), 16)), vocabulary, word_data.group_of)
    assert 0.4 < noise["roc_auc"] < 0.6


@pytest.fixture(scope="module")
def embedding_runs(tmp_path_factory):
    from keraslab.core.registry import Registry

    registry, root = Registry(), tmp_path_factory.mktemp("runs")
    # Short budgets: word2vec 1 epoch (full preset: 5), glove 15 epochs (full: 100).
    runs = {
        name: actions.start_training(
            registry, "sequence", name, runs_root=str(root), overrides=[f"train.epochs={epochs}"]
        )[0]
        for name, epochs in (("word2vec", 1), ("glove", 15))
    }
    return registry, runs


@pytest.mark.parametrize("name", ["word2vec", "glove"])
def test_embeddings_separate_the_word_groups_on_a_short_budget(embedding_runs, name):
    _, runs = embedding_runs
    report = json.loads((runs[name].path / "embeddings.json").read_text())
    # Untrained vectors score about 0.5; one short budget reached 0.93 for both.
    assert report["groups"]["roc_auc"] > 0.85
    assert (runs[name].path / "embedding.png").stat().st_size > 10_000


def test_neighbours_lists_nearest_words_and_refuses_unknown_ones(embedding_runs, cli_runner):
    _, runs = embedding_runs
    result = cli_runner("sequence", "neighbours", str(runs["glove"].path), "Piano", "--count", "3")
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 3
    unknown = cli_runner("sequence", "neighbours", str(runs["glove"].path), "zebra")
    assert unknown.exit_code == 2 and "'zebra' is not in the run's vocabulary" in unknown.output
    assert "Traceback" not in unknown.output


def test_export_embeds_words_and_flags_unknown_ones(embedding_runs, tmp_path):
    registry, runs = embedding_runs
    version = export_run(registry, str(runs["word2vec"].path), out=str(tmp_path / "exports"))
    answer = predict(str(version), {"instances": ["Cat", "zebra"]})["predictions"]
    assert answer[0]["known"] is True and answer[1]["known"] is False
    assert np.linalg.norm(answer[0]["embedding"]) > 0 and not any(answer[1]["embedding"])


def test_your_own_text_trains_vectors_without_a_group_measure(tmp_path, cli_runner):
    from keraslab.core.registry import Registry

    text = tmp_path / "notes.txt"
    text.write_text(word_data.grouped_corpus(200, seed=3).replace("\n", ". ").upper())
    run, _ = actions.start_training(
        Registry(),
        "sequence",
        "word2vec",
        runs_root=str(tmp_path / "runs"),
        overrides=[f"data.path={text}", "train.epochs=1"],
    )
    report = json.loads((run.path / "embeddings.json").read_text())
    assert "groups" not in report  # "." is no group word: a corpus of one's own is not scored
    assert len(report["neighbours"]) == 8 and all(word.isalpha() and word.islower() for word in report["neighbours"])
    assert (run.path / "embedding.png").stat().st_size > 10_000
