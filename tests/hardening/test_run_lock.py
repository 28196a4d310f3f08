"""One writer per run: a second process that would train the same run is refused.

The first process pauses at the end of an epoch (`tests/fault_process.py`),
holding its run, while the test starts a second one on it.
"""

import json
import signal
import subprocess
import sys

from tests.cli_process import environment, run
from tests.test_resilience import _read_until_paused, _repository

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


def paused(cli_arguments, cwd, epoch=2):
    """A CLI process stopped at the end of `epoch`, holding its run."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fault_process", "pause-at-epoch", str(epoch), "--", *cli_arguments],
        cwd=cwd,
        env=environment(PYTHONPATH=str(_repository())),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _read_until_paused(process)
    return process


def refused_line(out):
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    [line] = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    return line


def test_a_second_resume_of_a_run_in_training_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    first = paused([*TRAIN, "--run-dir", str(run_dir)], tmp_path)
    try:
        second = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=tmp_path)
        line = refused_line(second)
        assert f"is being trained by another process (pid {first.pid})" in line
        history = (run_dir / "metrics.jsonl").read_text()
        assert [json.loads(r)["epoch"] for r in history.splitlines()] == [1, 2]  # nothing written twice
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=600)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    resumed = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=tmp_path)  # released on exit
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert [json.loads(r)["epoch"] for r in (run_dir / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3, 4, 5, 6]


def test_a_killed_holder_leaves_no_lock_behind(tmp_path):
    run_dir = tmp_path / "run"
    first = paused([*TRAIN, "--run-dir", str(run_dir)], tmp_path)
    first.kill()
    first.communicate(timeout=600)
    resumed = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "complete"


def test_two_resumes_at_once_one_trains_and_one_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    first = paused([*TRAIN, "--run-dir", str(run_dir)], tmp_path)
    first.kill()
    first.communicate(timeout=600)
    resuming = paused(["foundations", "train", "mlp", "--resume", str(run_dir)], tmp_path, epoch=4)
    try:
        second = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=tmp_path)
        assert f"(pid {resuming.pid})" in refused_line(second)
    finally:
        resuming.send_signal(signal.SIGTERM)
        resuming.communicate(timeout=600)
    epochs = [json.loads(r)["epoch"] for r in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert epochs == [1, 2, 3, 4]
