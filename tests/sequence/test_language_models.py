"""Neural language models learn on short budgets, generate text and export
signatures that take raw strings; the full targets run in `make test-slow`."""

import json

import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.export.predict import predict


@pytest.fixture(scope="module")
def trained_char_rnn(tmp_path_factory):
    from keraslab.core.registry import Registry

    registry = Registry()
    root = tmp_path_factory.mktemp("runs")
    run, _ = actions.start_training(
        registry,
        "sequence",
        "char-rnn",
        runs_root=str(root),
        overrides=["data.synthetic=true", "train.epochs=20", "model.units=[64]"],
    )
    return registry, run, root


def test_char_rnn_learns_the_grammar_far_below_a_unigram_model(trained_char_rnn):
    _, run, _ = trained_char_rnn
    report = json.loads((run.path / "language_model.json").read_text())
    unigram = next(r for r in report["ngram"] if r["order"] == 1 and r["method"] == "witten-bell")
    # The unigram model spends about 3.6 bits a character on this text; 20 epochs reach about 1.4.
    assert report["test_bits_per_token"] < unigram["test_bits"] - 1.0
    assert report["best_ngram"]["validation_bits"] == min(r["validation_bits"] for r in report["ngram"])
    assert (run.path / "bits.png").stat().st_size > 10_000
    assert "continuation (temperature 0.8)" in (run.path / "sample.txt").read_text()


def test_export_takes_raw_text_and_generates_as_the_cli_does(trained_char_rnn, cli_runner, tmp_path):
    registry, run, _ = trained_char_rnn
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    answer = predict(str(version), {"instances": ["the cat sees", "", "a dog ß"]})["predictions"]
    assert len(answer) == 3 and all(abs(sum(row["probabilities"]) - 1.0) < 1e-4 for row in answer)
    # After "the cat sees" the grammar allows only " ": the model has learned that.
    assert answer[0]["next_token"] == " "
    greedy = predict(
        str(version), {"inputs": {"prompt": ["the bird "], "length": 30, "temperature": 0.0}}, signature="generate"
    )["outputs"]
    result = cli_runner(
        "sequence", "generate", str(run.path), "--prompt", "the bird ", "--length", "30", "--temperature", "0"
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("the bird " + greedy[0]).strip()  # one output: TF Serving gives its value
    meta = json.loads((version / "assets.extra" / "keraslab.json").read_text())
    assert meta["input"] == {"name": "text", "shape": [None], "dtype": "string"}


def test_generate_names_characters_outside_the_vocabulary(trained_char_rnn, cli_runner):
    _, run, _ = trained_char_rnn
    result = cli_runner("sequence", "generate", str(run.path), "--prompt", "the €cat", "--length", "5")
    assert result.exit_code == 0 and "outside the vocabulary, read as unknown: '€'" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "model.cell=transformer"], "'model.cell' expects one of 'simple', 'lstm', 'gru', 'irnn'"),
        (["--set", "model.units=[]"], "model.units"),
    ],
)
def test_bad_model_settings_are_refused(cli_runner, tmp_path, args, message):
    result = cli_runner("sequence", "train", "char-rnn", "--synthetic", "--runs-root", str(tmp_path), *args)
    assert result.exit_code == 2 and message in result.output
    assert not list(tmp_path.iterdir())


def test_ngram_command_reads_a_user_file_and_refuses_a_binary_one(cli_runner, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog.\n" * 60)
    result = cli_runner("sequence", "ngram", "--data", str(corpus), "--orders", "3", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert len(rows) == 9 and min(r["test_bits"] for r in rows) < 0.5  # a repeated line is nearly certain
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes(range(256)))
    result = cli_runner("sequence", "ngram", "--data", str(binary))
    assert result.exit_code == 2 and "binary file" in result.output and "Traceback" not in result.output
