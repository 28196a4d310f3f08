"""Figure 8: peak resident memory.

The main job of `make run` (`keraslab quickstart`: train the vision CNN
for 40 epochs, evaluate, export, answer one request) runs as a child
process of a session, which reads that child's peak resident set from
`getrusage(RUSAGE_CHILDREN)`; its baseline is a process that only imports
TensorFlow, measured the same way. The keraslab side of every other
benchmark reports its own process's peak in that benchmark (rows "8." of
figures 2, 3 and 6).

The main job takes about half a minute of training and its export, so it
is measured once per `make bench`
(no warm-up: a first run is what a user's `make run` is); peak memory does
not depend on the machine's load the way time does.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

from bench.harness import Budget, Comparison, Stats, child_environment, run_session
from bench.session import peak_rss_mb

FIGURE = "8. Peak resident memory (MiB)"
MAIN_JOB = ("quickstart",)
TINY_JOB = ("foundations", "train", "mlp", "--epochs", "1", "--set", "data.synthetic=true")


def command_session(params: Dict) -> Dict:
    """Runs `params["command"]` in a fresh directory; its peak RSS and seconds."""
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as root:
        started = time.perf_counter()
        completed = subprocess.run(
            params["command"],
            cwd=root,
            env=child_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(params['command'])} failed:\n{completed.stdout[-3000:]}")
    return {"peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN), "seconds": seconds}


def run(budget: Budget, echo=print) -> List[Comparison]:
    job = TINY_JOB if budget.tiny else MAIN_JOB
    cli = [sys.executable, "-m", "keraslab.entrypoints.cli"]
    echo(f"   keraslab {' '.join(job)} (once) and python -c 'import tensorflow' ...")
    main = run_session("bench.memory:command_session", {"command": cli + list(job)})
    baseline = run_session("bench.memory:command_session", {"command": [sys.executable, "-c", "import tensorflow"]})
    name = "make run's main job (keraslab quickstart)" if not budget.tiny else f"keraslab {' '.join(job)}"
    return [
        Comparison(
            FIGURE,
            name,
            Stats([main["peak_rss_mb"]], "MiB"),
            Stats([baseline["peak_rss_mb"]], "MiB"),
            "python -c 'import tensorflow'",
            note=f"one run, {main['seconds']:.0f} s",
        )
    ]
