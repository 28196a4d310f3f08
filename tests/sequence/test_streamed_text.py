"""Text streamed from token files (`data.stream=true`) gives the windows the
in-memory reader gives, block boundaries or not, from a file or a folder;
its token files are written once, whole or not at all; bad text is one
line; a character model trains on it, reports and exports."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from keraslab.core.api import KeraslabError, split_examples, split_records
from keraslab.plugins.sequence import data
from keraslab.plugins.sequence.config import SequenceDataConfig
from keraslab.plugins.sequence.data import streamed_text, text

# Prose with characters of two, three and four UTF-8 bytes, some only in the held-out end.
CORPUS = text.default_corpus()[:30_000] + "naïve café 日本語 ☃ 𝄞\n" * 20


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


def configs(path, cache, window=40):
    memory = SequenceDataConfig(name="text", path=str(path), window=window)
    return memory, dataclasses.replace(memory, stream=True, cache_dir=str(cache))


def assert_same_windows(memory_config, streamed_config):
    in_memory, streamed = data.load_characters(memory_config), data.load_characters(streamed_config)
    assert streamed.class_names == in_memory.class_names
    memory_splits = split_examples(in_memory, 0.15, 0.15, 0)
    streamed_splits = split_records(streamed, 0.15, 0.15, 0)
    for name in ("train", "validation", "test"):
        expected, loaded = getattr(memory_splits, name), getattr(streamed_splits, name).load()
        np.testing.assert_array_equal(loaded.features, expected.features, err_msg=name)
        np.testing.assert_array_equal(loaded.targets, expected.targets, err_msg=name)
    return streamed


def test_streamed_windows_are_the_in_memory_windows(corpus_file, tmp_path):
    streamed = assert_same_windows(*configs(corpus_file, tmp_path / "cache"))
    assert streamed.input_dtype == "int32" and streamed.targets is None  # the targets are in the records


def test_block_boundaries_change_nothing(corpus_file, tmp_path, monkeypatch):
    # 7 characters a block: parts, vocabulary counts and token writes all cross block ends.
    monkeypatch.setattr(streamed_text, "BLOCK", 7)
    assert_same_windows(*configs(corpus_file, tmp_path / "cache"))


def test_a_folder_is_its_files_in_name_order(tmp_path):
    folder = tmp_path / "books"
    (folder / "b").mkdir(parents=True)
    (folder / "a.txt").write_text(CORPUS[:12_000], encoding="utf-8")
    (folder / "b" / "c.txt").write_text(CORPUS[12_000:], encoding="utf-8")
    (folder / "notes.md").write_text("not text of the corpus")
    joined = tmp_path / "joined.txt"
    joined.write_text(CORPUS, encoding="utf-8")
    memory, _ = configs(joined, tmp_path)
    _, streamed = configs(folder, tmp_path / "cache")
    assert_same_windows(memory, streamed)


def test_token_files_are_written_once_and_again_when_the_text_changes(corpus_file, tmp_path, monkeypatch):
    _, config = configs(corpus_file, tmp_path / "cache")
    first = streamed_text.token_folder(config)
    written = []
    original = streamed_text.write_token_files
    monkeypatch.setattr(streamed_text, "write_token_files", lambda *a: written.append(a) or original(*a))
    assert streamed_text.token_folder(config) == first and not written
    corpus_file.write_text(CORPUS + "more text\n", encoding="utf-8")
    assert streamed_text.token_folder(config) != first and len(written) == 1


def test_a_pass_that_fails_leaves_no_token_files(corpus_file, tmp_path, monkeypatch):
    _, config = configs(corpus_file, tmp_path / "cache")

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(streamed_text, "_write_parts", killed)
    with pytest.raises(KeyboardInterrupt):
        streamed_text.token_folder(config)
    assert list((tmp_path / "cache" / "text").iterdir()) == []
    monkeypatch.undo()
    assert (streamed_text.token_folder(config) / "manifest.json").is_file()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"caf\xe9 is latin-1\n" * 50, "is not UTF-8 text"),
        (b"text\x00with a NUL\n" * 50, "is a binary file"),
        (b"short", "too few to split"),
    ],
)
def test_bad_text_is_named(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(KeraslabError, match=message):
        data.load_characters(configs(path, tmp_path / "cache")[1])
    assert not (tmp_path / "cache" / "text").exists() or not list((tmp_path / "cache" / "text").iterdir())


def test_a_folder_without_text_and_a_missing_path_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(KeraslabError, match="holds no .txt files"):
        data.load_characters(configs(tmp_path / "empty", tmp_path)[1])
    with pytest.raises(KeraslabError, match="streams your own text"):
        data.load_characters(SequenceDataConfig(name="text", stream=True))


def test_a_window_longer_than_a_part_is_refused(corpus_file, tmp_path):
    with pytest.raises(KeraslabError, match="data.window=9000 is longer than the shortest part"):
        data.load_characters(configs(corpus_file, tmp_path / "cache", window=9000)[1])


def test_the_cli_trains_reports_and_exports_streamed_text(corpus_file, tmp_path, cli_runner):
    runs = tmp_path / "runs"
    common = ["--data", str(corpus_file), "--set", "data.stream=true", "--set", f"data.cache_dir={tmp_path / 'cache'}"]
    latin = tmp_path / "latin-1.txt"
    latin.write_bytes(b"caf\xe9\n" * 100)
    bad = cli_runner("sequence", "train", "char-rnn", "--data", str(latin), *common[2:], "--runs-root", str(runs))
    assert bad.exit_code == 2 and "is not UTF-8 text" in bad.output and not runs.exists()
    result = cli_runner(
        "sequence", "train", "char-rnn", *common, "--set", "model.units=[32]", "--epochs", "2", "--runs-root", str(runs)
    )
    assert result.exit_code == 0, result.output
    (run,) = (runs / "sequence" / "char-rnn").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    report = json.loads((run / "language_model.json").read_text())
    # The held-out parts are scored whole (this text is far below the report's bounds).
    assert report["test_tokens"] == round(len(CORPUS) * 0.15) - 1 and summary["examples"]["test"] > 0
    exported = cli_runner("sequence", "export", str(run), "--out", str(tmp_path / "exports"))
    assert exported.exit_code == 0, exported.output
    assert Path(tmp_path / "exports" / "sequence-char-rnn" / "1" / "saved_model.pb").is_file()
