"""Running the CLI in real subprocesses (signals, multi-process training)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness import free_ports  # noqa: F401 (the benchmarks start local workers too)


def command(*args):
    return [sys.executable, "-m", "keraslab.entrypoints.cli", *args]


def environment(**extra):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def start(*args, cwd, **env):
    return subprocess.Popen(
        command(*args), cwd=cwd, env=environment(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def run(*args, cwd, timeout=300, **env):
    return subprocess.run(
        command(*args), cwd=cwd, env=environment(**env), capture_output=True, text=True, timeout=timeout
    )


def epochs_logged(run_dir: Path) -> int:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.strip())


def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())
