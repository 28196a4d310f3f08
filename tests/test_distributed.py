"""Strategies for real: MirroredStrategy over two logical CPUs, and a
two-process MultiWorkerMirroredStrategy on loopback. Each trains the same
model with the same global batch (2 replicas x 16 = 32) as a one-device run,
and must end where the one-device run ends; on examples in memory, on an
image folder streamed from its files and on TFRecord shards."""

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
    result = train_mirrored(tmp_path, COMMON)
    assert result["strategy"] == "MirroredStrategy x2"
    assert_trained_equally(result, one_device)


def test_two_local_workers(tmp_path, one_device):
    result, outputs = train_on_two_workers(tmp_path, COMMON)
    assert result["strategy"] == "MultiWorkerMirroredStrategy x2"
    assert "Worker finished; the chief wrote the run." in outputs[1]
    assert_trained_equally(result, one_device)


def streamed_folder(root):
    """60 generated 8×8 PNGs of three classes (by brightness, with noise)."""
    import numpy as np

    from tests.test_streams import write_png

    rng = np.random.default_rng(0)
    for c in range(3):
        for i in range(20):
            write_png(root / f"class{c}" / f"{i:02d}.png", int(60 * c + rng.integers(0, 40)), size=(8, 8))
    return root


STREAMED = [
    "vision",
    "train",
    "mlp",
    "--epochs",
    "3",
    "--set",
    "model.augmentation.enabled=false",
    "--set",
    "model.dropout=0.0",
    "--set",
    "train.deterministic=true",
]


@pytest.fixture(scope="module")
def streamed_sources(tmp_path_factory):
    """The generated folder and the same images converted to TFRecord shards,
    each with its one-device run's summary (trained once for the module)."""
    root = tmp_path_factory.mktemp("sources")
    folder = streamed_folder(root / "images")
    out = run("data", "convert", str(folder), "--out", str(root / "shards"), "--shards", "4", cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    sources = {}
    for name, path in (("folder", str(folder)), ("records", str(root / "shards"))):
        arguments = [*STREAMED, "--data", path]
        single = run(*arguments, "--set", "train.batch_size=32", "--run-dir", str(root / name), cwd=root)
        assert single.returncode == 0, single.stdout[-3000:] + single.stderr[-3000:]
        sources[name] = (arguments, summary(root / name))
    return sources


@pytest.mark.parametrize("source", ["folder", "records"])
def test_two_local_workers_on_streamed_data(tmp_path, streamed_sources, source):
    """Each worker reads its own half of every global batch (`Share`):
    together they train on the batches one device does, and the run ends
    where the one-device run over the same files ends."""
    arguments, single = streamed_sources[source]
    result, _ = train_on_two_workers(tmp_path, arguments)
    assert result["strategy"] == "MultiWorkerMirroredStrategy x2"
    assert_trained_equally(result, single)


def test_mirrored_replicas_on_a_streamed_folder(tmp_path, streamed_sources):
    arguments, single = streamed_sources["folder"]
    result = train_mirrored(tmp_path, arguments)
    assert result["strategy"] == "MirroredStrategy x2"
    assert_trained_equally(result, single)


def train_mirrored(tmp_path, arguments):
    """Trains `arguments` mirrored over 2 logical CPUs of batch 16; the run's summary."""
    out = run(
        *arguments,
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
    return summary(tmp_path / "run")


def train_on_two_workers(tmp_path, arguments):
    """Trains `arguments` with 2 local workers of batch 16; the chief's summary and both outputs."""
    tmp_path.mkdir(parents=True, exist_ok=True)
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
                    *arguments,
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
    return summary(tmp_path / "run"), outputs  # the summary is written by the chief (worker 0) only
