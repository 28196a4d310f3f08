"""Figures 2 and 3: the shared trainer against plain Keras and PyTorch.

2. Trainer overhead and gain. Examples/s of `keraslab <plugin> train` on the
   foundations MLP and the vision CNN against (a) a minimal hand-written
   `model.fit` on the same model, `tf.data` pipeline, batch, epochs and
   `steps_per_execution` (target ratio ≥ 0.97: the trainer's callbacks,
   logging and checkpoints cost at most 3%), and (b) the plain
   `fit(x_numpy, y_numpy)` a tutorial would write (target ≥ 2).
3. Against PyTorch. The same networks, rebuilt layer by layer in PyTorch and
   trained by a hand-written CPU loop with the same threads (target ≥ 1).

Each side runs in its own process (warm-up, then the measured runs), so its
peak resident memory is reported too (figure 8).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Dict, List

from bench.harness import ROOT, BenchError, Budget, Comparison, Stats, run_session
from bench.workloads import WORKLOADS, Workload

TRAINER = "2. Trainer overhead and gain (training examples/s)"
PYTORCH = "3. Against PyTorch 2.13 (training examples/s)"
MEMORY = "8. Peak resident memory (MiB)"
TORCH_VENV = ROOT / ".venv-torch"
EXPORTS = Path(tempfile.gettempdir()) / "keraslab-bench-torch-inputs"

_sessions: Dict[tuple, dict] = {}


def keras_side(side: str, workload: Workload, budget: Budget, echo=print) -> dict:
    """The result of one Keras side on `workload`, measured once per bench run."""
    key = (side, workload, budget)
    if key not in _sessions:
        echo(f"   {workload.name}: {side} ({budget.warmup} warm-up + {budget.repeats} runs) ...")
        params = {"side": side, "workload": workload.as_params(), "warmup": budget.warmup,
                  "repeats": budget.repeats}
        if side == "keraslab":
            params["export_dir"] = str(EXPORTS / f"{workload.name}-{os.getpid()}")
        _sessions[key] = run_session("bench.keras_sides:train_session", params)
    return _sessions[key]


def throughput(result: dict) -> Stats:
    return Stats(result["examples_per_second"], "examples/s")


def memory(result: dict) -> Stats:
    return Stats([result["peak_rss_mb"]], "MiB")


def run_trainer(budget: Budget, echo=print) -> List[Comparison]:
    comparisons = []
    for name in ("mlp", "cnn"):
        workload = WORKLOADS[name].for_budget(budget.tiny)
        keraslab = keras_side("keraslab", workload, budget, echo)
        same = keras_side("same-pipeline", workload, budget, echo)
        plain = keras_side("plain-fit", workload, budget, echo)
        comparisons += [
            Comparison(TRAINER, f"{name}: trainer vs the same fit without the trainer", throughput(keraslab),
                       throughput(same), "hand-written fit, same pipeline", ">= 0.97"),
            Comparison(TRAINER, f"{name}: trainer vs a tutorial's fit", throughput(keraslab), throughput(plain),
                       "fit(x_numpy, y_numpy)", ">= 2"),
            Comparison(MEMORY, f"{name}: trainer process", memory(keraslab), memory(same),
                       "hand-written fit process (same pipeline)",
                       note=f"peak over {budget.runs} runs of one process"),
        ]
    return comparisons


def torch_python() -> str:
    """The PyTorch baseline's interpreter (`make bench-env` creates it)."""
    python = Path(os.environ.get("KERASLAB_BENCH_TORCH_PYTHON", TORCH_VENV / "bin" / "python"))
    if not python.exists():
        raise BenchError(f"The PyTorch baseline needs {python}: run `make bench-env` "
                         "(a venv with bench/requirements-torch.txt).")
    return str(python)


def run_pytorch(budget: Budget, echo=print) -> List[Comparison]:
    python = torch_python()
    comparisons = []
    for name in ("mlp", "cnn"):
        workload = WORKLOADS[name].for_budget(budget.tiny)
        keraslab = keras_side("keraslab", workload, budget, echo)
        echo(f"   {name}: pytorch ({budget.warmup} warm-up + {budget.repeats} runs) ...")
        pytorch = run_session("bench.torch_side:train_session", {
            "directory": str(EXPORTS / f"{workload.name}-{os.getpid()}"), "warmup": budget.warmup,
            "repeats": budget.repeats, "threads": os.cpu_count()}, python=python)
        if pytorch["trainable_parameters"] != keraslab["trainable_parameters"]:
            raise BenchError(f"{name}: the PyTorch network has {pytorch['trainable_parameters']} trainable "
                             f"parameters, the Keras one {keraslab['trainable_parameters']}; they must match.")
        threads = pytorch["threads"]
        comparisons += [
            Comparison(PYTORCH, f"{name}: trainer vs PyTorch", throughput(keraslab), throughput(pytorch),
                       f"PyTorch {pytorch['torch']} loop, {threads['torch']} threads", ">= 1"),
            Comparison(MEMORY, f"{name}: trainer process vs PyTorch's", memory(keraslab), memory(pytorch),
                       "PyTorch loop process", note=f"peak over {budget.runs} runs of one process"),
        ]
    return comparisons
