"""seq2seq: generated problems, decodings that agree with each other, a
model that learns on a short budget, its report and its raw-text export.
The addition and dates targets run in `make test-slow`."""

import datetime
import json

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.contract import DataInfo
from keraslab.core.errors import KeraslabError
from keraslab.core.export.predict import predict
from keraslab.plugins.sequence.config import Seq2SeqConfig
from keraslab.plugins.sequence.data import problems
from keraslab.plugins.sequence.models.seq2seq import beam_search, build_seq2seq


def test_addition_problems_are_distinct_sums_of_every_length():
    pairs = problems.addition_pairs(2_000, 3, seed=1)
    assert len({source for source, _ in pairs}) == 2_000
    assert all(int(a) + int(b) == int(total) for (source, total) in pairs for a, b in [source.split("+")])
    assert {len(source) for source, _ in pairs} == set(range(3, 8))  # "1+2" .. "123+456"


@pytest.mark.parametrize("index", range(len(problems.DATE_FORMATS)))
def test_every_date_format_names_its_iso_date(index):
    date = datetime.date(2024, 3, 5)
    spelled = problems.DATE_FORMATS[index](date)
    assert any(part in spelled.lower() for part in ("march", "mar", "03", "5th"))
    assert "2024" in spelled
    pairs = problems.date_pairs(200, seed=index)
    assert all(datetime.date.fromisoformat(target) for _, target in pairs)


def test_encoding_drops_unknown_characters_and_decoding_stops_at_end():
    vocabulary = problems.vocabulary_of([("12+3", "15")])
    ids = problems.encode_strings(["1é2"], vocabulary, 5, end=True)[0]
    assert problems.decode_ids(ids, vocabulary) == "12"
    assert list(ids[2:]) == [problems.END, problems.PAD, problems.PAD]


@pytest.mark.parametrize(
    "text, message",
    [
        ("only a source\n" * 12, "is not 'source<TAB>target'"),
        ("a\tb\n" * 3, "at least 10 are needed"),
    ],
)
def test_bad_pair_files_are_refused_with_the_line(tmp_path, text, message):
    path = tmp_path / "pairs.tsv"
    path.write_text(text)
    with pytest.raises(KeraslabError, match=message):
        problems.read_pairs(str(path))


def tiny_model(**settings):
    examples = problems.pair_examples(problems.addition_pairs(50, 2, seed=0))
    info = DataInfo(
        input_shape=examples.input_shape,
        num_classes=examples.num_classes,
        num_train_examples=50,
        train_targets=examples.targets,
        class_names=examples.class_names,
    )
    tf.keras.utils.set_random_seed(0)
    return build_seq2seq(Seq2SeqConfig(units=16, embedding_dim=8, **settings), info), examples


@pytest.mark.parametrize(
    "settings", [{}, {"attention": False, "cell": "lstm", "bidirectional": False, "reverse_input": True}]
)
def test_a_beam_of_one_is_greedy_decoding(settings):
    model, examples = tiny_model(**settings)
    sources = tf.constant(examples.features[:20])
    np.testing.assert_array_equal(beam_search(model, sources, 1)["ids"].numpy(), model.greedy(sources)["ids"].numpy())


def test_attention_weights_sum_to_one_over_the_source_and_skip_padding():
    model, examples = tiny_model()
    weights = model.greedy(tf.constant(examples.features[:20]))["attention"].numpy()
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
    padding = examples.features[:20] == problems.PAD
    assert padding.any() and np.all(weights[np.broadcast_to(padding[:, None, :], weights.shape)] < 1e-6)


def test_teacher_forcing_does_not_see_the_token_it_predicts():
    model, examples = tiny_model()
    sources, targets = tf.constant(examples.features[:4]), examples.targets[:4].copy()
    before = model.teacher_forced_logits(sources, tf.constant(targets)).numpy()
    targets[:, 1] = problems.GO + 3  # change token 1: logits 0 and 1 must not move, logit 2 must
    after = model.teacher_forced_logits(sources, tf.constant(targets)).numpy()
    np.testing.assert_allclose(before[:, :2], after[:, :2], atol=1e-6)
    assert np.abs(before[:, 2] - after[:, 2]).max() > 1e-4


@pytest.fixture(scope="module")
def reversal_run(tmp_path_factory):
    """Reverse 2-5 letter words of a 6-letter alphabet: learnable in seconds."""
    from keraslab.core.registry import Registry

    rng = np.random.default_rng(0)
    words = sorted({"".join(rng.choice(list("abcdef"), rng.integers(2, 6))) for _ in range(4_000)})
    path = tmp_path_factory.mktemp("data") / "reverse.tsv"
    path.write_text("".join(f"{w}\t{w[::-1]}\n" for w in words))
    registry = Registry()
    run, summary = actions.start_training(
        registry,
        "sequence",
        "seq2seq",
        runs_root=str(tmp_path_factory.mktemp("runs")),
        overrides=[
            f"data.path={path}",
            "train.epochs=12",
            "train.batch_size=64",
            "model.units=48",
            "model.embedding_dim=16",
            "model.beam_width=3",
        ],
    )
    return registry, run, summary


def test_seq2seq_learns_to_reverse_held_out_words(reversal_run):
    _, run, summary = reversal_run
    report = json.loads((run.path / "seq2seq.json").read_text())
    # Chance is 6^-n for a word of n letters; 12 epochs on about 1,600 words reached 1.0 on all 285 held out.
    assert summary["metrics"]["test"]["sequence_accuracy"] > 0.8
    assert report["greedy"]["exact_match"] == pytest.approx(summary["metrics"]["test"]["sequence_accuracy"], abs=1e-6)
    assert report["beam_3"]["exact_match"] > 0.8
    assert set(report["greedy"]["by_input_length"]) == {"2", "3", "4", "5"}
    for picture in ("attention.png", "accuracy_by_length.png"):
        assert (run.path / picture).stat().st_size > 10_000


def test_export_decodes_raw_text_as_the_translate_command_does(reversal_run, cli_runner, tmp_path):
    registry, run, _ = reversal_run
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    words = ["abcde", "fed", "cab"]
    served = predict(str(version), {"instances": words})["predictions"]
    result = cli_runner("sequence", "translate", str(run.path), *words)
    assert result.exit_code == 0, result.output
    assert result.output.split() == served
    beams = predict(str(version), {"instances": words + ["ab?"]}, signature="beam_search")["predictions"]
    assert [row["text"] for row in beams[:3]] == cli_runner(
        "sequence", "translate", str(run.path), *words, "--beam", "3"
    ).output.split()
    assert beams[3]["text"] == "ba"  # "?" is outside the vocabulary: dropped
    meta = json.loads((version / "assets.extra" / "keraslab.json").read_text())
    assert meta["input"] == {"name": "text", "shape": [None], "dtype": "string"}


def test_translate_refuses_a_missing_run_in_one_line(cli_runner, tmp_path):
    result = cli_runner("sequence", "translate", str(tmp_path / "missing"), "1+2")
    assert result.exit_code == 2 and "Traceback" not in result.output
