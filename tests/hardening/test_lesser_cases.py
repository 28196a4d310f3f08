"""Item 8 of the hardening review: edits on resume, time after a resume, hidden files, duplicate YAML keys."""

import json

import numpy as np
import pytest
import yaml

from tests.cli_process import run
from tests.test_resilience import faulty_run

TRAIN = [
    "foundations",
    "train",
    "mlp",
    "--epochs",
    "6",
    "--set",
    "model.dropout=0.0",
    "--set",
    "checkpoint.seconds=0",
]


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("killed")
    killed = faulty_run(TRAIN, "kill-at-batch", "10", run_dir=root / "run")  # inside epoch 4
    assert killed.returncode == -9, killed.stderr[-2000:]
    return root / "run"


def test_an_edited_config_is_refused_on_resume_naming_the_change(tmp_path, killed_run):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(killed_run, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text())
    config["data"]["seed"] = 3
    (copy / "config.yaml").write_text(yaml.safe_dump(config))
    out = run("foundations", "train", "mlp", "--resume", str(copy), cwd=tmp_path)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert "config.yaml was edited since the run started (data.seed: 0 → 3)" in out.stderr
    assert json.loads((copy / "run.json").read_text())["status"] == "running"


def test_the_summary_of_a_resumed_run_counts_every_epochs_time(tmp_path, killed_run):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(killed_run, copy)
    kept = [json.loads(line) for line in (copy / "metrics.jsonl").read_text().splitlines()]
    # Each epoch before the kill is said to have taken 1,000 s: far more than the resumed session can take.
    (copy / "metrics.jsonl").write_text("".join(json.dumps({**r, "seconds": 1000.0}) + "\n" for r in kept))
    out = run("foundations", "train", "mlp", "--resume", str(copy), cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    summary = json.loads((copy / "summary.json").read_text())
    assert summary["resumed_at_epoch"] == len(kept) == 3
    assert summary["train_seconds"] > 3000.0  # the earlier epochs count (this session alone takes seconds)


def test_hidden_files_in_an_image_folder_are_skipped(cli_runner, tmp_path):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        folder = tmp_path / "images" / label
        folder.mkdir(parents=True)
        (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
        for i in range(12):
            image = rng.integers(0, 255, size=(8, 8, 3), dtype=np.uint8)
            tf.io.write_file(str(folder / f"{i}.png"), tf.io.encode_png(image))
    (tmp_path / "images" / ".git").mkdir()
    result = cli_runner(
        "vision",
        "train",
        "cnn",
        "--data",
        str(tmp_path / "images"),
        "--epochs",
        "1",
        "--run-dir",
        str(tmp_path / "run"),
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert sum(summary["examples"].values()) == 24


def test_a_key_given_twice_in_a_yaml_file_is_refused(cli_runner, tmp_path):
    (tmp_path / "c.yaml").write_text("train:\n  epochs: 2\n  epochs: 5\n")
    result = cli_runner(
        "foundations", "train", "mlp", "--config", str(tmp_path / "c.yaml"), "--run-dir", str(tmp_path / "run")
    )
    assert result.exit_code == 2
    assert "c.yaml:3: key 'epochs' is given twice; keep one" in result.output
    assert not (tmp_path / "run").exists()


def _as_single_train_section(config):
    """`config` laid out as earlier releases wrote it: one `train` section,
    and `data.window` in every model's config."""
    from keraslab.core.config import MOVED_KEYS

    old = {name: dict(section) if isinstance(section, dict) else section for name, section in config.items()}
    for was, now in MOVED_KEYS.items():
        section, field = now.split(".")
        old["train"][was.split(".")[1]] = old[section].pop(field)
    for section in ("checkpoint", "devices", "init", "agent"):
        assert not old.pop(section), section
    old["data"]["window"] = 0
    return old


def test_a_run_written_with_the_single_train_section_still_resumes(tmp_path, killed_run):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(killed_run, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text())
    (copy / "config.yaml").write_text(yaml.safe_dump(_as_single_train_section(config)))
    state = json.loads((copy / "run.json").read_text())
    state["config"] = _as_single_train_section(state["config"])
    (copy / "run.json").write_text(json.dumps(state))
    out = run("foundations", "train", "mlp", "--resume", str(copy), cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    summary = json.loads((copy / "summary.json").read_text())
    assert summary["resumed_at_epoch"] == 3 and summary["epochs"] == 6
    evaluated = run("foundations", "evaluate", str(copy), cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
