"""Figure 9: training on streamed image folders, at two sizes.

Two folders of generated 32×32 RGB PNGs (three classes by colour, with
noise), one ten times the other (5,000 and 50,000 images; 60 and 600 on the
tiny budget), are written once. The vision CNN then trains two epochs on
each, `keraslab vision train cnn --data FOLDER --epochs 2`, each in a fresh
child process whose peak resident memory is read from `getrusage`.

* Memory: peak RSS at 10× the images against 1×. Streamed, the process
  holds the file names and the batches in flight, not the images: target
  ≤ 1.2 (in memory, the images alone would grow from 59 MiB to 586 MiB as
  float32).
* Time: the second epoch's seconds per training example at 10× against 1×
  (from each run's `metrics.jsonl`; the first epoch also traces the
  graph, a fixed cost that would flatter the larger folder): linear growth
  is a ratio of 1; target ≤ 1.1.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bench.harness import Budget, Comparison, Stats, child_environment, run_session
from bench.session import peak_rss_mb

FIGURE = "9. Streamed image folders: 10× the images"
SIZES = {False: 5_000, True: 60}  # images of the small folder, by budget.tiny
CLASS_COLOURS = ((200, 60, 60), (60, 200, 60), (60, 60, 200))


def write_folder(root: Path, count: int, seed: int = 0) -> Path:
    """`count` 32×32 PNGs in three class folders: a colour plus noise."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for c in range(len(CLASS_COLOURS)):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        c = i % len(CLASS_COLOURS)
        image = np.clip(rng.normal(CLASS_COLOURS[c], 40, (32, 32, 3)), 0, 255).astype(np.uint8)
        (root / f"class{c}" / f"{i:06d}.png").write_bytes(tf.io.encode_png(image).numpy())
    return root


def folder_session(params: Dict) -> Dict:
    """Writes a folder of `params["count"]` images under `params["root"]`."""
    write_folder(Path(params["root"]), int(params["count"]))
    return {"count": params["count"]}


def train_session(params: Dict) -> Dict:
    """Two epochs of the CNN on `params["folder"]` in a child process: its
    peak RSS and the second epoch's seconds per training example."""
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as runs:
        command = [sys.executable, "-m", "keraslab.entrypoints.cli", "vision", "train", "cnn"]
        command += ["--data", params["folder"], "--epochs", "2", "--runs-root", runs]
        started = time.perf_counter()
        completed = subprocess.run(
            command, env=child_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}")
        (run,) = Path(runs).glob("vision/cnn/*")
        summary = json.loads((run / "summary.json").read_text())
        second = json.loads((run / "metrics.jsonl").read_text().splitlines()[1])
    return {
        "peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        "seconds": seconds,
        "epoch_seconds_per_example": second["seconds"] / summary["examples"]["train"],
    }


def run(budget: Budget, echo=print) -> List[Comparison]:
    small = SIZES[budget.tiny]
    with tempfile.TemporaryDirectory(prefix="keraslab-folders-") as root:
        sides = {}
        for count in (small, 10 * small):
            folder = str(Path(root) / f"images-{count}")
            echo(f"   writing {count:,} PNGs, then two epochs of the CNN on them ...")
            run_session("bench.streaming:folder_session", {"root": folder, "count": count})
            sides[count] = run_session("bench.streaming:train_session", {"folder": folder})
    big, little = sides[10 * small], sides[small]
    return [
        Comparison(
            FIGURE,
            f"peak memory, two CNN epochs on {10 * small:,} images",
            Stats([big["peak_rss_mb"]], "MiB"),
            Stats([little["peak_rss_mb"]], "MiB"),
            f"the same on {small:,} images",
            target="<= 1.2",
            note=f"one run each, {big['seconds']:.0f} s and {little['seconds']:.0f} s",
        ),
        Comparison(
            FIGURE,
            f"second epoch, ms per training example, {10 * small:,} images",
            Stats([big["epoch_seconds_per_example"] * 1e3], "ms"),
            Stats([little["epoch_seconds_per_example"] * 1e3], "ms"),
            f"the same on {small:,} images",
            target="<= 1.1",
            note="from each run's metrics.jsonl",
        ),
    ]
