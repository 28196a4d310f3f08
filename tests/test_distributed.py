"""Strategies for real: MirroredStrategy over two logical CPUs, and a
two-process MultiWorkerMirroredStrategy on loopback. Each trains the same
model with the same global batch (2 replicas x 16 = 32) as a one-device run,
and must end where the one-device run ends."""

import json
import subprocess

import pytest

from tests.cli_process import command, environment, free_ports, run, summary

COMMON = [
    "foundations",
    "train",
    "mlp",
    "--epochs",
    "4",
    "--set",
    "model.dropout=0.0",
    "--set",
    "train.deterministic=true",
]


@pytest.fixture(scope="module")
def one_device(tmp_path_factory):
    root = tmp_path_factory.mktemp("single")
    out = run(*COMMON, "--set", "train.batch_size=32", "--run-dir", str(root / "run"), cwd=root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return summary(root / "run")


def assert_trained_equally(result, reference):
    assert result["examples"] == reference["examples"]
    for split in ("test", "validation"):
        got, want = result["metrics"][split], reference["metrics"][split]
        assert got["accuracy"] == pytest.approx(want["accuracy"], abs=0.015), split
        assert got["loss"] == pytest.approx(want["loss"], rel=0.05), split


def test_mirrored_over_two_logical_cpus(tmp_path, one_device):
    out = run(
        *COMMON,
        "--strategy",
        "mirrored",
        "--set",
        "devices.logical_cpus=2",
        "--set",
        "train.batch_size=16",
        "--run-dir",
        str(tmp_path / "run"),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    result = summary(tmp_path / "run")
    assert result["strategy"] == "MirroredStrategy x2"
    assert_trained_equally(result, one_device)


def test_two_local_workers(tmp_path, one_device):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workdir = tmp_path / f"worker{index}"
        workdir.mkdir()
        processes.append(
            subprocess.Popen(
                command(
                    *COMMON,
                    "--strategy",
                    "multi-worker",
                    "--set",
                    "train.batch_size=16",
                    "--run-dir",
                    str(tmp_path / "run"),
                ),
                cwd=workdir,
                env=environment(TF_CONFIG=tf_config),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-3000:]
    result = summary(tmp_path / "run")  # written by the chief (worker 0) only
    assert result["strategy"] == "MultiWorkerMirroredStrategy x2"
    assert "Worker finished; the chief wrote the run." in outputs[1]
    assert_trained_equally(result, one_device)
