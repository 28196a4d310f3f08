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
* Input throughput: decoded, batched images per second from a folder of
  JPEGs (the small size), keraslab's pipeline (each epoch of one
  `training_dataset` over `image_folder`, batch 128, nothing trained)
  against `tf.keras.utils.image_dataset_from_directory` with the same
  batch, size and shuffling, `prefetch(AUTOTUNE)`; each in its own
  process, warm-up plus repeats. Target ≥ 1. The same JPEGs converted to
  TFRecord shards (`keraslab data convert`, 8 shards) are read through
  keraslab's record pipeline against the same Keras reader. The same
  folder is read by PyTorch's `ImageFolder` + `DataLoader(num_workers=2)`
  in the PyTorch environment (`bench.torch_folder`): target ≥ 1 too.
* Starvation: the CNN trains on the large folder through keraslab's
  pipeline with a timed iterator: each step's wait for its batch (`next`)
  and its compute (the compiled train step, until its loss is read) are
  timed apart, after `STARVATION_SKIP` steps of warm-up. Target: waiting
  at most 5% of compute, as a GPU job is checked for being fed.
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
from bench.training import torch_python

FIGURE = "9. Streamed image folders: 10× the images"
SIZES = {False: 5_000, True: 60}  # images of the small folder, by budget.tiny
CLASS_COLOURS = ((200, 60, 60), (60, 200, 60), (60, 60, 200))


def write_folder(root: Path, count: int, seed: int = 0, suffix: str = "png") -> Path:
    """`count` 32×32 PNGs (or JPEGs) in three class folders: a colour plus noise."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for c in range(len(CLASS_COLOURS)):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        c = i % len(CLASS_COLOURS)
        image = np.clip(rng.normal(CLASS_COLOURS[c], 40, (32, 32, 3)), 0, 255).astype(np.uint8)
        encoded = tf.io.encode_png(image) if suffix == "png" else tf.io.encode_jpeg(image, quality=90)
        (root / f"class{c}" / f"{i:06d}.{suffix}").write_bytes(encoded.numpy())
    return root


def folder_session(params: Dict) -> Dict:
    """Writes a folder of `params["count"]` images under `params["root"]`."""
    write_folder(Path(params["root"]), int(params["count"]), suffix=params.get("suffix", "png"))
    return {"count": params["count"]}


def convert_session(params: Dict) -> Dict:
    """Converts the folder `params["folder"]` into TFRecord shards at `params["out"]`."""
    from keraslab.core.convert import convert, describe

    records, shards = describe(convert(params["folder"], params["out"], shards=RECORD_SHARDS))
    return {"records": records, "shards": shards}


THROUGHPUT_BATCH = 128
RECORD_SHARDS = 8
TORCH_WORKERS = 2


def throughput_session(params: Dict) -> Dict:
    """Images per second of each epoch over `params["folder"]` through
    keraslab's pipeline or Keras' folder reader (`params["side"]`), after
    `warmup` epochs, `repeats` times. keraslab's dataset is built once for
    all the epochs, as the trainer builds it, and each epoch's batches are
    timed; Keras' dataset is built once and iterated once per epoch."""
    import math

    import tensorflow as tf

    from keraslab.core.image_folders import image_folder
    from keraslab.core.trainer.pipeline import training_dataset

    folder, batch, epochs = params["folder"], THROUGHPUT_BATCH, params["warmup"] + params["repeats"]
    if params["side"] in ("keraslab", "records"):
        files = image_folder(folder)  # an image folder, or converted shards (ExampleRecords)
        count, steps = len(files), math.ceil(len(files) / batch)
        batches = iter(training_dataset(files, batch, seed=0, first_epoch=0, last_epoch=epochs))

        def epoch():
            for _ in range(steps):
                next(batches)

    else:
        dataset = tf.keras.utils.image_dataset_from_directory(
            folder, image_size=(32, 32), batch_size=batch, shuffle=True, seed=0, label_mode="int"
        ).prefetch(tf.data.AUTOTUNE)
        count = sum(1 for _ in Path(folder).rglob("*.jpg"))

        def epoch():
            for _ in dataset:
                pass

    rates = []
    for _ in range(epochs):
        started = time.perf_counter()
        epoch()
        rates.append(count / (time.perf_counter() - started))
    return {"rates": rates[params["warmup"] :]}


STARVATION_SKIP = 10
STARVATION_STEPS = {False: 150, True: 4}


def starvation_session(params: Dict) -> Dict:
    """The CNN's steps on `params["folder"]` through keraslab's streamed
    pipeline: seconds waiting for each batch and seconds computing it."""
    import tensorflow as tf

    from bench.keras_sides import _compiled_model
    from bench.workloads import Workload
    from keraslab.core.trainer.pipeline import training_dataset

    overrides = (f"data.path={params['folder']}", "schedule.name=constant", f"train.batch_size={THROUGHPUT_BATCH}")
    model, config, splits = _compiled_model(Workload("starvation", "vision", "cnn", overrides), True)
    dataset = training_dataset(splits.train, THROUGHPUT_BATCH, config.train.seed, 0, 1000)
    step = tf.function(lambda x, y: model.train_step((x, y))["loss"])
    batches = iter(dataset)
    waits, computes = [], []
    for k in range(STARVATION_SKIP + params["steps"]):
        started = time.perf_counter()
        x, y = next(batches)
        fed = time.perf_counter()
        float(step(x, y))  # reading the loss waits for the step to finish
        if k >= STARVATION_SKIP:
            waits.append(fed - started)
            computes.append(time.perf_counter() - fed)
    return {"wait_ms": 1e3 * sum(waits) / len(waits), "compute_ms": 1e3 * sum(computes) / len(computes)}


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
        echo(f"   writing {small:,} JPEGs, then reading them through both pipelines ...")
        jpegs = str(Path(root) / "jpegs")
        run_session("bench.streaming:folder_session", {"root": jpegs, "count": small, "suffix": "jpg"})
        shards = str(Path(root) / "jpegs-tfrecord")
        run_session("bench.streaming:convert_session", {"folder": jpegs, "out": shards})
        rates = {
            side: run_session(
                "bench.streaming:throughput_session",
                {
                    "folder": shards if side == "records" else jpegs,
                    "side": side,
                    "warmup": budget.warmup,
                    "repeats": budget.repeats,
                },
            )["rates"]
            for side in ("keraslab", "records", "keras")
        }
        echo(f"   reading the JPEGs through PyTorch's ImageFolder and DataLoader ({TORCH_WORKERS} workers) ...")
        torch_side = run_session(
            "bench.torch_folder:throughput_session",
            {
                "folder": jpegs,
                "batch": THROUGHPUT_BATCH,
                "workers": TORCH_WORKERS,
                "warmup": budget.warmup,
                "repeats": budget.repeats,
            },
            python=torch_python(),
        )
        echo(f"   timing the CNN's waits for input on the {10 * small:,} PNGs ...")
        starved = run_session(
            "bench.streaming:starvation_session",
            {"folder": str(Path(root) / f"images-{10 * small}"), "steps": STARVATION_STEPS[budget.tiny]},
        )
    big, little = sides[10 * small], sides[small]
    return [
        Comparison(
            FIGURE,
            f"input pipeline, {small:,} JPEGs, batch {THROUGHPUT_BATCH}",
            Stats(rates["keraslab"], "images/s"),
            Stats(rates["keras"], "images/s"),
            "tf.keras.utils.image_dataset_from_directory",
            target=">= 1",
            note="decoded and batched, nothing trained",
        ),
        Comparison(
            FIGURE,
            f"input pipeline, the same JPEGs as {RECORD_SHARDS} TFRecord shards, batch {THROUGHPUT_BATCH}",
            Stats(rates["records"], "images/s"),
            Stats(rates["keras"], "images/s"),
            "tf.keras.utils.image_dataset_from_directory on the folder",
            target=">= 1",
            note="`keraslab data convert`; decoded and batched, nothing trained",
        ),
        Comparison(
            FIGURE,
            f"input pipeline, {small:,} JPEGs, batch {THROUGHPUT_BATCH}, against PyTorch",
            Stats(rates["keraslab"], "images/s"),
            Stats(torch_side["rates"], "images/s"),
            f"torchvision ImageFolder + DataLoader(num_workers={TORCH_WORKERS}), PyTorch {torch_side['torch']}",
            target=">= 1",
            note="decoded, resized and batched, nothing trained",
        ),
        Comparison(
            FIGURE,
            f"CNN step on {10 * small:,} streamed PNGs: ms waiting for input per step",
            Stats([starved["wait_ms"]], "ms"),
            Stats([starved["compute_ms"]], "ms"),
            "ms computing each step",
            target="<= 0.05",
            note=f"timed iterator, {STARVATION_STEPS[budget.tiny]} steps of batch {THROUGHPUT_BATCH} after "
            f"{STARVATION_SKIP} of warm-up",
        ),
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
