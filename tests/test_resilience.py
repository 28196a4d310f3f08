"""Killed, interrupted and resumed runs, in real subprocesses."""
import json
import random
import signal

import pytest

from tests.cli_process import epochs_logged, run, start, summary, wait_for_epochs

# A checkpoint after every epoch (no time floor), so a kill loses at most the epoch in progress.
TRAIN = ["foundations", "train", "mlp", "--epochs", "40", "--set", "model.dropout=0.0",
         "--set", "train.checkpoint_seconds=0"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("whole")
    out = run(*TRAIN, "--run-dir", str(root / "run"), cwd=root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return summary(root / "run")


def test_sigkill_at_a_random_moment_then_resume(tmp_path, uninterrupted):
    run_dir = tmp_path / "run"
    process = start(*TRAIN, "--run-dir", str(run_dir), cwd=tmp_path)
    wait_for_epochs(process, run_dir, random.Random().randint(3, 25))
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    logged = epochs_logged(run_dir)
    state = json.loads((run_dir / "run.json").read_text())
    assert state["status"] == "running"  # a killed run is never passed off as complete
    assert not (run_dir / "summary.json").exists()

    resumed = run("foundations", "train", "mlp", "--resume", str(run_dir), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == list(range(1, 41))  # no epoch missing or repeated
    first_redone = int(resumed.stdout.split("Epoch ")[1].split("/")[0])
    # At most one checkpoint interval (1 epoch) of work lost.
    assert first_redone >= logged
    final = summary(run_dir)
    assert final["epochs"] == 40
    # The resumed run continues the same data order and random stream: same quality.
    assert final["metrics"]["test"]["accuracy"] == pytest.approx(uninterrupted["metrics"]["test"]["accuracy"], abs=0.02)
    assert final["metrics"]["test"]["accuracy"] >= 0.95


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_polite_signals_checkpoint_and_mark_the_run_interrupted(tmp_path, sig):
    run_dir = tmp_path / "run"
    process = start(*TRAIN, "--run-dir", str(run_dir), cwd=tmp_path)
    wait_for_epochs(process, run_dir, 3)
    process.send_signal(sig)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 128 + sig, output[-3000:]
    state = json.loads((run_dir / "run.json").read_text())
    assert state["status"] == "interrupted"
    assert f"stopped by signal {int(sig)}" in state["reason"]
    saved_epoch = int(state["reason"].rsplit(" ", 1)[1])
    assert saved_epoch >= 3
    assert (run_dir / "checkpoints" / "checkpoint").exists()
    assert "--resume" in output
