"""A search shared by three processes on loopback through KerasTuner's
chief/worker protocol: the chief hands out trials over gRPC and writes the
table; two workers run the trials with the shared trainer, each trial once."""

import json
import re

from keraslab.core import tuning
from tests.cli_process import free_ports, start

SPACE = """
optimizer.learning_rate: {log_uniform: [1.0e-3, 1.0e-1]}
model.hidden_units: {choice: [[16], [32, 16]]}
"""


def test_two_workers_share_one_search_and_run_each_trial_once(tmp_path):
    (tmp_path / "space.yaml").write_text(SPACE)
    (port,) = free_ports(1)
    common = [
        "foundations", "tune", "mlp", "--space", "space.yaml", "--searcher", "random", "--trials", "4",
        "--synthetic", "--epochs", "1", "--run-dir", "search", "--oracle", f"127.0.0.1:{port}",
    ]  # fmt: skip
    processes = {name: start(*common, "--tuner-id", name, cwd=tmp_path) for name in ("chief", "worker0", "worker1")}
    outputs = {name: process.communicate(timeout=900)[0] for name, process in processes.items()}
    for name, process in processes.items():
        assert process.returncode == 0, f"{name}:\n{outputs[name][-3000:]}"
    ran = {name: re.findall(r"^trial (\d+): ", outputs[name], re.MULTILINE) for name in ("worker0", "worker1")}
    assert not re.findall(r"^trial \d+: ", outputs["chief"], re.MULTILINE)  # the chief serves; it trains nothing
    assert sorted(ran["worker0"] + ran["worker1"]) == ["0", "1", "2", "3"]  # every trial, each once
    for name, trials in ran.items():
        assert f"Worker of search search: ran trials {', '.join(trials) or 'none'}" in outputs[name]
    table = json.loads((tmp_path / "search" / tuning.TABLE_FILE).read_text())
    assert sorted(row["trial"] for row in table) == ["0", "1", "2", "3"]
    for row in table:
        assert row["status"] == "COMPLETED"
        summary = json.loads((tmp_path / row["run"] / "summary.json").read_text())
        assert summary["metrics"]["validation"]["loss"] == row["objective"]

    late = start(*common, "--tuner-id", "worker2", cwd=tmp_path)  # the chief is gone: nothing would answer it
    output = late.communicate(timeout=300)[0]
    assert late.returncode == 2 and output.strip().splitlines()[-1].startswith("Error: Search 'search' is finished")
