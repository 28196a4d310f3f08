"""Figures 2 and 3: the shared trainer against plain Keras and PyTorch.

2. Trainer overhead and gain. Examples/s of `keraslab <plugin> train` on the
   foundations MLP and the vision CNN against (a) a minimal hand-written
   `model.fit` on the same model, `tf.data` pipeline, batch, epochs and
   `steps_per_execution` (target ratio ≥ 0.97: the trainer's callbacks,
   logging and checkpoints cost at most 3%), and (b) the plain
   `fit(x_numpy, y_numpy)` a tutorial would write (target ≥ 2).
3. Against PyTorch. The same networks, rebuilt layer by layer in PyTorch and
   trained by a hand-written CPU loop with the same threads (target ≥ 1).

Each side runs in its own processes (warm-up, then measured runs), so its
peak resident memory is reported too (figure 8). The measured runs of
figure 2 are split over two rounds of processes, the sides in one order,
then in the reverse one, so that a change in the machine's load during the
benchmark falls on every side alike.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence

from bench.harness import ROOT, BenchError, Budget, Comparison, Stats, run_session
from bench.workloads import WORKLOADS, Workload

TRAINER = "2. Trainer overhead and gain (training examples/s)"
PYTORCH = "3. Against PyTorch (training examples/s)"
MEMORY = "8. Peak resident memory (MiB)"
TORCH_VENV = ROOT / ".venv-torch"
_exports: List[Path] = []

_sessions: Dict[tuple, dict] = {}


def torch_inputs(workload: Workload) -> Path:
    """Where the Keras side writes the network and data for the PyTorch side
    (a temporary folder, removed when the benchmark exits)."""
    if not _exports:
        _exports.append(Path(tempfile.mkdtemp(prefix="keraslab-bench-torch-")))
        atexit.register(shutil.rmtree, _exports[0], True)
    return _exports[0] / workload.name


def keras_side(side: str, workload: Workload, budget: Budget, echo=print) -> dict:
    """The result of one Keras side on `workload`, measured once per bench run."""
    return keras_sides((side,), workload, budget, echo)[side]


def keras_sides(
    sides: Sequence[str], workload: Workload, budget: Budget, echo=print, rounds: int = 1
) -> Dict[str, dict]:
    """Each side's result on `workload`: its runs split over `rounds` rounds
    of processes, the sides' order reversed every other round; the peak
    memory is the largest of its processes'. Measured once per bench run."""
    missing = [side for side in sides if (side, workload, budget) not in _sessions]
    chunks = [len(part) for part in _split(range(budget.repeats), min(rounds, budget.repeats))]
    merged = {side: None for side in missing}
    for index, repeats in enumerate(chunks):
        for side in missing if index % 2 == 0 else missing[::-1]:
            echo(
                f"   {workload.name}: {side}, round {index + 1} of {len(chunks)} "
                f"({budget.warmup} warm-up + {repeats} runs) ..."
            )
            params = {"side": side, "workload": workload.as_params(), "warmup": budget.warmup, "repeats": repeats}
            if side == "keraslab":
                params["export_dir"] = str(torch_inputs(workload))
            result = run_session("bench.keras_sides:train_session", params)
            merged[side] = (
                result
                if merged[side] is None
                else {
                    **result,
                    "examples_per_second": merged[side]["examples_per_second"] + result["examples_per_second"],
                    "steady_examples_per_second": merged[side]["steady_examples_per_second"]
                    + result["steady_examples_per_second"],
                    "peak_rss_mb": max(merged[side]["peak_rss_mb"], result["peak_rss_mb"]),
                }
            )
    for side in missing:
        _sessions[(side, workload, budget)] = merged[side]
    return {side: _sessions[(side, workload, budget)] for side in sides}


def _split(items, parts: int) -> List[list]:
    items = list(items)
    size, extra = divmod(len(items), parts)
    bounds = [0]
    for part in range(parts):
        bounds.append(bounds[-1] + size + (1 if part < extra else 0))
    return [items[a:b] for a, b in zip(bounds, bounds[1:])]


def throughput(result: dict) -> Stats:
    return Stats(result["examples_per_second"], "examples/s")


def memory(result: dict) -> Stats:
    return Stats([result["peak_rss_mb"]], "MiB")


def run_trainer(budget: Budget, echo=print) -> List[Comparison]:
    comparisons = []
    for name in ("mlp", "cnn"):
        workload = WORKLOADS[name].for_budget(budget.tiny)
        results = keras_sides(("keraslab", "same-pipeline", "plain-fit"), workload, budget, echo, rounds=2)
        keraslab, same, plain = results["keraslab"], results["same-pipeline"], results["plain-fit"]
        comparisons += [
            Comparison(
                TRAINER,
                f"{name}: trainer vs the same fit without the trainer",
                throughput(keraslab),
                throughput(same),
                "hand-written fit, same pipeline",
                ">= 0.97",
            ),
            Comparison(
                TRAINER,
                f"{name}: trainer vs the same fit, epochs after the first",
                Stats(keraslab["steady_examples_per_second"], "examples/s"),
                Stats(same["steady_examples_per_second"], "examples/s"),
                "hand-written fit, same pipeline",
                ">= 0.97",
                note="the mean epoch after the first, the trainer's per-epoch work in it",
            ),
            Comparison(
                TRAINER,
                f"{name}: trainer vs a tutorial's fit",
                throughput(keraslab),
                throughput(plain),
                "fit(x_numpy, y_numpy)",
                ">= 2",
            ),
            Comparison(
                MEMORY,
                f"{name}: trainer process",
                memory(keraslab),
                memory(same),
                "hand-written fit process (same pipeline)",
                note="the largest peak of each side's processes",
            ),
        ]
    return comparisons


def torch_python() -> str:
    """The PyTorch baseline's interpreter (`make bench-env` creates it)."""
    python = Path(os.environ.get("KERASLAB_BENCH_TORCH_PYTHON", TORCH_VENV / "bin" / "python"))
    if not python.exists():
        raise BenchError(
            f"The PyTorch baseline needs {python}: run `make bench-env` (a venv with bench/requirements-torch.txt)."
        )
    return str(python)


def run_pytorch(budget: Budget, echo=print) -> List[Comparison]:
    python = torch_python()
    comparisons = []
    for name in ("mlp", "cnn"):
        workload = WORKLOADS[name].for_budget(budget.tiny)
        keraslab = keras_side("keraslab", workload, budget, echo)
        echo(f"   {name}: pytorch ({budget.warmup} warm-up + {budget.repeats} runs) ...")
        pytorch = run_session(
            "bench.torch_side:train_session",
            {
                "directory": str(torch_inputs(workload)),
                "warmup": budget.warmup,
                "repeats": budget.repeats,
                "threads": os.cpu_count(),
            },
            python=python,
        )
        if pytorch["trainable_parameters"] != keraslab["trainable_parameters"]:
            raise BenchError(
                f"{name}: the PyTorch network has {pytorch['trainable_parameters']} trainable "
                f"parameters, the Keras one {keraslab['trainable_parameters']}; they must match."
            )
        threads = pytorch["threads"]
        comparisons += [
            Comparison(
                PYTORCH,
                f"{name}: trainer vs PyTorch",
                throughput(keraslab),
                throughput(pytorch),
                f"PyTorch {pytorch['torch']} loop, {threads['torch']} threads",
                ">= 1",
            ),
            Comparison(
                MEMORY,
                f"{name}: trainer process vs PyTorch's",
                memory(keraslab),
                memory(pytorch),
                "PyTorch loop process",
                note="the largest peak of each side's processes",
            ),
        ]
    return comparisons
