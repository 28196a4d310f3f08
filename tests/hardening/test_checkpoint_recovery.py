"""A damaged checkpoint or history never silently restarts a run.

One run is killed inside epoch 9 of 12 (`tests/fault_process.py`), keeping
the checkpoints of epochs 6, 7 and 8. Each test damages a copy of it as a
crash, a full disk or a careless hand would, then resumes it.
"""

import json
import shutil

import pytest

from tests.cli_process import run
from tests.test_resilience import faulty_run

EPOCHS = 12
TRAIN = [
    "foundations",
    "train",
    "mlp",
    "--epochs",
    str(EPOCHS),
    "--set",
    "model.dropout=0.0",
    "--set",
    "checkpoint.seconds=0",
    "--set",
    "checkpoint.keep=3",
]
KILLED_IN_EPOCH = 9  # 3 batch callbacks an epoch: the 25th is epoch 9's first


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("killed")
    killed = faulty_run(TRAIN, "kill-at-batch", str(3 * (KILLED_IN_EPOCH - 1) + 1), run_dir=root / "run")
    assert killed.returncode == -9, killed.stdout[-2000:] + killed.stderr[-2000:]
    assert sorted(p.name for p in (root / "run" / "checkpoints").glob("*.index")) == [
        "ckpt-6.index",
        "ckpt-7.index",
        "ckpt-8.index",
    ]
    return root / "run"


@pytest.fixture
def damaged(tmp_path, killed_run):
    copy = tmp_path / "run"
    shutil.copytree(killed_run, copy)
    return copy


def resume(run_dir):
    out = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=run_dir.parent)
    first_redone = int(out.stdout.split("Epoch ")[1].split("/")[0]) if "Epoch " in out.stdout else None
    return out, first_redone


def epochs_in_history(run_dir):
    return [json.loads(line)["epoch"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_a_garbled_state_file_resumes_from_the_newest_checkpoint_on_disk(damaged):
    (damaged / "checkpoints" / "checkpoint").write_text("model_checkpoint_path: \x00\x17 garbage {{{\n")
    out, first_redone = resume(damaged)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert first_redone == KILLED_IN_EPOCH  # not epoch 1
    assert epochs_in_history(damaged) == list(range(1, EPOCHS + 1))


@pytest.mark.parametrize("harm", ["deleted", "truncated"])
def test_a_damaged_latest_checkpoint_falls_back_to_the_newest_intact_one_and_says_so(damaged, harm):
    data = damaged / "checkpoints" / "ckpt-8.data-00000-of-00001"
    if harm == "deleted":
        for path in (damaged / "checkpoints").glob("ckpt-8.*"):
            path.unlink()
    else:
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    out, first_redone = resume(damaged)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Resuming from ckpt-7, the newest intact one" in out.stdout
    assert first_redone == 8
    assert epochs_in_history(damaged) == list(range(1, EPOCHS + 1))
    replaced = [json.loads(line)["epoch"] for line in (damaged / "metrics.replaced.jsonl").read_text().splitlines()]
    assert replaced == [8]  # the history a resume rewrites is kept aside, not lost
    if harm == "truncated":
        assert (damaged / "checkpoints" / "damaged" / data.name).exists()


def test_a_run_whose_every_checkpoint_is_damaged_is_refused_and_left_as_it_was(damaged):
    for data in (damaged / "checkpoints").glob("*.data-*"):
        data.write_bytes(b"")

    def files():  # the run's own files; `.lock` only records who last held the run
        return {p.name: p.read_bytes() for p in damaged.iterdir() if p.is_file() and p.name != ".lock"}

    before = files()
    out, first_redone = resume(damaged)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert first_redone is None and "Traceback" not in out.stderr
    [line] = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert "Every checkpoint in" in line and "is damaged" in line and "nothing was changed" in line
    assert files() == before


def test_a_torn_last_metrics_line_is_dropped_and_the_run_resumes(damaged):
    with open(damaged / "metrics.jsonl", "a") as history:
        history.write('{"epoch": 9, "loss": 0.1')  # the disk filled up mid-line
    out, first_redone = resume(damaged)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert first_redone == KILLED_IN_EPOCH
    assert epochs_in_history(damaged) == list(range(1, EPOCHS + 1))


def test_a_damaged_line_inside_the_history_is_refused_in_one_line(damaged):
    lines = (damaged / "metrics.jsonl").read_text().splitlines()
    lines[3] = lines[3][:10]
    (damaged / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    out, _ = resume(damaged)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert "metrics.jsonl' line 4 is not JSON" in out.stderr and "Traceback" not in out.stderr
    assert json.loads((damaged / "run.json").read_text())["status"] == "running"
