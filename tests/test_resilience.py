"""Killed, interrupted and resumed runs, in real subprocesses.

Each process stops itself at a point the test chooses (`tests/fault_process.py`),
so what is tested does not depend on how fast the machine is: a SIGKILL inside
an epoch or between an epoch's metrics line and its checkpoint, and a
SIGTERM/SIGINT that arrives while the run waits at the end of an epoch.
"""

import json
import random
import signal
import subprocess
import sys

import pytest

from tests.cli_process import environment, epochs_logged, run, summary

EPOCHS = 40
# A checkpoint after every epoch (no time floor), so a kill loses at most the epoch in progress.
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
]
# 1,259 training digits in batches of 32 (40 steps), 16 steps an execution: batch callbacks at
# steps 16, 32 and 40 of each epoch, 3 an epoch. Kill points: three seeded draws from epochs 2-30.
CALLBACKS_PER_EPOCH = 3
KILL_BATCHES = sorted(random.Random(20).sample(range(CALLBACKS_PER_EPOCH + 1, 30 * CALLBACKS_PER_EPOCH), 3))


def faulty(*fault, run_dir, timeout=600):
    """Trains into `run_dir` under a fault (see tests/fault_process.py), to the process's end."""
    return faulty_run(TRAIN, *fault, run_dir=run_dir, timeout=timeout)


def faulty_run(train, *fault, run_dir, timeout=600):
    """Runs the CLI arguments `train` into `run_dir` under a fault, to the process's end."""
    arguments = [sys.executable, "-m", "tests.fault_process", *fault, "--", *train, "--run-dir", str(run_dir)]
    return subprocess.run(
        arguments,
        env=environment(PYTHONPATH=str(_repository())),
        cwd=run_dir.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _repository():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("whole")
    out = run(*TRAIN, "--run-dir", str(root / "run"), cwd=root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return summary(root / "run")


def resume_and_check(run_dir, cwd, uninterrupted, logged):
    state = json.loads((run_dir / "run.json").read_text())
    assert state["status"] == "running"  # a killed run is never passed off as complete
    assert not (run_dir / "summary.json").exists()

    resumed = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=cwd)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == list(range(1, EPOCHS + 1))  # no epoch missing or repeated
    first_redone = int(resumed.stdout.split("Epoch ")[1].split("/")[0])
    final = summary(run_dir)
    assert final["epochs"] == EPOCHS
    # The resumed run continues the same data order and random stream: same quality.
    assert final["metrics"]["test"]["accuracy"] == pytest.approx(uninterrupted["metrics"]["test"]["accuracy"], abs=0.02)
    assert final["metrics"]["test"]["accuracy"] >= 0.95
    return first_redone


@pytest.mark.parametrize("batch", KILL_BATCHES)
def test_sigkill_inside_an_epoch_then_resume(tmp_path, uninterrupted, batch):
    run_dir = tmp_path / "run"
    killed = faulty("kill-at-batch", str(batch), run_dir=run_dir)
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-3000:] + killed.stderr[-3000:]
    logged = epochs_logged(run_dir)
    # The kill came inside epoch ceil(batch / 3), after every epoch before it was logged.
    assert logged == (batch - 1) // CALLBACKS_PER_EPOCH
    first_redone = resume_and_check(run_dir, tmp_path, uninterrupted, logged)
    assert first_redone == logged + 1  # only the epoch in progress is lost


def test_sigkill_between_metrics_line_and_checkpoint_then_resume(tmp_path, uninterrupted):
    run_dir = tmp_path / "run"
    killed = faulty("kill-before-checkpoint", "7", run_dir=run_dir)
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-3000:] + killed.stderr[-3000:]
    assert epochs_logged(run_dir) == 7  # epoch 7 logged, its checkpoint never written
    first_redone = resume_and_check(run_dir, tmp_path, uninterrupted, 7)
    assert first_redone == 7  # resumed from epoch 6's checkpoint; epoch 7's line replaced


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_polite_signals_checkpoint_and_mark_the_run_interrupted(tmp_path, sig):
    run_dir = tmp_path / "run"
    arguments = [
        sys.executable,
        "-m",
        "tests.fault_process",
        "pause-at-epoch",
        "3",
        "--",
        *TRAIN,
        "--run-dir",
        str(run_dir),
    ]
    process = subprocess.Popen(
        arguments,
        cwd=tmp_path,
        env=environment(PYTHONPATH=str(_repository())),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    before = _read_until_paused(process)
    process.send_signal(sig)
    output, _ = process.communicate(timeout=600)
    output = before + output
    assert process.returncode == 128 + sig, output[-3000:]
    state = json.loads((run_dir / "run.json").read_text())
    assert state["status"] == "interrupted"
    assert state["reason"] == f"stopped by signal {int(sig)}; checkpoint saved at epoch 3"
    assert epochs_logged(run_dir) == 3
    assert (run_dir / "checkpoints" / "checkpoint").exists()
    assert "--resume" in output


def _read_until_paused(process) -> str:
    """Reads the process's output up to its PAUSED line: a blocking read, since
    the process waits for the test's signal there. Returns what was read."""
    from tests.fault_process import PAUSED

    lines = []
    for line in process.stdout:
        if line.strip() == PAUSED:
            return "".join(lines)
        lines.append(line)
    raise AssertionError(f"training ended before pausing:\n{''.join(lines)[-3000:]}")
