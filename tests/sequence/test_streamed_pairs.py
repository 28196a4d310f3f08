"""seq2seq's own source<TAB>target pairs streamed (`data.stream=true`): the
same encoded problems as in memory, bad lines named by their number, and a
model trained, reported and exported on them."""

import dataclasses
import json

import numpy as np
import pytest

from keraslab.core.api import ExampleRecords, KeraslabError
from keraslab.plugins.sequence.config import SequenceDataConfig
from keraslab.plugins.sequence.data import problems


@pytest.fixture
def pairs_file(tmp_path):
    rng = np.random.default_rng(0)
    lines = []
    for i in range(120):
        a, b = int(rng.integers(0, 1000)), int(rng.integers(0, 100))
        lines.append(f"{a}+{b}\t{a + b}\r\n" if i % 3 else f"{a}+{b}\t{a + b}\n")
        if i % 40 == 0:
            lines.append(" \t \n")  # blank lines are skipped
    path = tmp_path / "sums.tsv"
    path.write_text("".join(lines) + "日本+1\t語\n", encoding="utf-8", newline="")
    return path


def test_streamed_pairs_are_the_in_memory_problems(pairs_file):
    config = SequenceDataConfig(name="addition", path=str(pairs_file))
    in_memory = problems.load_addition(config)
    streamed = problems.load_addition(dataclasses.replace(config, stream=True))
    assert isinstance(streamed, ExampleRecords) and streamed.class_names == in_memory.class_names
    loaded = streamed.load()
    np.testing.assert_array_equal(loaded.features, in_memory.features)
    np.testing.assert_array_equal(loaded.targets, in_memory.targets)


@pytest.mark.parametrize(
    "content, message",
    [
        ("1+1\t2\n" * 12 + "3+4 7\n", "Line 13 of .* is not 'source<TAB>target'"),
        ("1+1\t2\n" * 5, "holds 5 source<TAB>target lines; at least 10"),
    ],
)
def test_bad_pairs_are_named(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content)
    with pytest.raises(KeraslabError, match=message):
        problems.load_addition(SequenceDataConfig(name="addition", path=str(path), stream=True))


def test_streaming_generated_problems_is_refused():
    with pytest.raises(KeraslabError, match="streams your own pairs"):
        problems.load_addition(SequenceDataConfig(name="addition", stream=True))


def test_seq2seq_trains_reports_and_exports_streamed_pairs(pairs_file, tmp_path, cli_runner):
    runs = tmp_path / "runs"
    small = ["--set", "model.units=16", "--set", "model.embedding_dim=8", "--set", "model.beam_width=2"]
    result = cli_runner(
        "sequence", "train", "seq2seq", "--data", str(pairs_file), "--set", "data.stream=true", *small,
        "--epochs", "1", "--runs-root", str(runs),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (run,) = (runs / "sequence" / "seq2seq").iterdir()
    report = json.loads((run / "seq2seq.json").read_text())
    assert report["test_problems"] == json.loads((run / "summary.json").read_text())["examples"]["test"]
    exported = cli_runner("sequence", "export", str(run), "--out", str(tmp_path / "exports"))
    assert exported.exit_code == 0, exported.output
