"""Figures 10 and 11: realistic workloads, where kernels rather than
dispatch take the time.

The workloads (`REALISTIC`), each on data written for the run:

* `resnet20`: the vision plugin's `resnet` as ResNet-20 (filters 16/32/64,
  3 basic blocks a stage, projection shortcuts; 274,042 parameters) on
  3,072 generated 32×32 RGB PNGs streamed from a folder (`--data FOLDER`),
  batch 128, no augmentation, Adam at a constant step;
* `lstm-lm`: the sequence plugin's `char-rnn` with 2 LSTM layers of 256
  units on 120,000 characters of Python's documentation (`--data
  FILE.txt`), windows of 128, batch 64, no dropout, 3 epochs;
* `large-mlp`: the foundations `mlp`, 256-1024-1024-10, on 20,480 rows of
  generated 256-feature data (`--data FILE.npz`), batch 256, no dropout.

Figure 10, training examples/s of the epochs after the first (the first
traces the step), validation passes included:

* the trainer against the same fit without it (`bench.realistic_keras`,
  `same-fit`: the trainer's own compiled model and pipelines, a bare
  `fit`): target ≥ 0.97;
* against PyTorch's usual loop and PyTorch at its best on a CPU
  (`bench.torch_realistic`): targets ≥ 1.5 and ≥ 1;
* the trainer's precision (`devices.mixed_precision=auto`) against
  float32, with both runs' validation accuracy.

Figure 11: each run's fixed seconds (the call's wall time less its epochs
at the steady rate: building, the first epoch's tracing, the final save,
evaluation, plots) against the same fit's; and the achieved GFLOP/s
(`keraslab.core.trainer.flops` × examples/s) against the matrix-product
peak measured in the precision the trainer used (`bench.roofline`).

The trainer and the same fit run twice, in two rounds of processes in
opposite orders, so a change in the machine's load falls on both alike.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bench.harness import BenchError, Budget, Comparison, Stats, run_session
from bench.training import torch_python
from bench.workloads import Workload

SPEED = "10. Realistic workloads (training examples/s, epochs after the first)"
COSTS = "11. Realistic workloads: fixed costs (s) and the machine's limit (GFLOP/s)"
COMMON = ("schedule.name=constant",)


@dataclasses.dataclass(frozen=True)
class Realistic:
    """A workload, the data it is trained on and the PyTorch network that matches it.

    Attributes:
        workload: plugin, model and overrides (the data path is added).
        data: "images" (a folder of PNGs), "text" (a .txt file) or "table" (a .npz file).
        size: images, characters or rows of the data.
        torch_kind: the PyTorch network (`bench.torch_realistic.build`).
        peak_target: the fraction of the matmul peak it must reach ("" for none).
    """

    workload: Workload
    data: str
    size: int
    torch_kind: str
    peak_target: str = ""


RESNET = ("model.filters=[16, 32, 64]", "model.blocks_per_stage=3", "model.projection=true", "model.dropout=0.0")
RESNET += ("model.augmentation.enabled=false", "train.batch_size=128")
LSTM = ("model.cell=lstm", "model.units=[256, 256]", "model.dropout=0.0", "data.window=128", "train.batch_size=64")
MLP = ("model.hidden_units=[1024, 1024]", "model.dropout=0.0", "train.batch_size=256")

REALISTIC = {
    "resnet20": Realistic(
        Workload("resnet20", "vision", "resnet", COMMON + RESNET + ("train.epochs=4",)),
        "images",
        3072,
        "resnet",
        ">= 0.4",
    ),
    "lstm-lm": Realistic(
        Workload("lstm-lm", "sequence", "char-rnn", COMMON + LSTM + ("train.epochs=3",)), "text", 120_000, "lstm-lm"
    ),
    "large-mlp": Realistic(
        Workload("large-mlp", "foundations", "mlp", COMMON + MLP + ("train.epochs=6",)),
        "table",
        20_480,
        "chain",
        ">= 0.4",
    ),
}

# The tiny budget (the test suite): the same code paths on small networks and data, 2 epochs.
TINY = {
    "resnet20": (("model.filters=[4, 8]", "model.blocks_per_stage=1", "train.batch_size=16", "train.epochs=2"), 96),
    "lstm-lm": (("model.units=[16, 16]", "data.window=16", "train.batch_size=8", "train.epochs=2"), 6_000),
    "large-mlp": (("model.hidden_units=[32, 32]", "train.batch_size=32", "train.epochs=2"), 400),
}


def for_budget(name: str, tiny: bool) -> Realistic:
    realistic = REALISTIC[name]
    if not tiny:
        return realistic
    overrides, size = TINY[name]
    workload = dataclasses.replace(realistic.workload, overrides=realistic.workload.overrides + overrides)
    return dataclasses.replace(realistic, workload=workload, size=size)


def write_data(realistic: Realistic, folder: Path, seed: int = 0) -> str:
    """Writes the workload's data under `folder`; returns its path for `--data`."""
    folder.mkdir(parents=True, exist_ok=True)
    if realistic.data == "images":
        run_session("bench.streaming:folder_session", {"root": str(folder / "images"), "count": realistic.size})
        return str(folder / "images")
    if realistic.data == "text":
        return str(write_text(folder / "corpus.txt", realistic.size))
    if realistic.data == "table":
        return str(write_table(folder / "table.npz", realistic.size, seed))
    raise ValueError(f"unknown data kind {realistic.data!r}")


def write_text(path: Path, characters: int) -> Path:
    """The first `characters` of Python's documentation topics (`pydoc_data`), repeated if short."""
    from pydoc_data.topics import topics

    corpus = "".join(topics[key] for key in sorted(topics))
    path.write_text((corpus * (characters // len(corpus) + 1))[:characters], encoding="utf-8")
    return path


def write_table(path: Path, rows: int, seed: int, features: int = 256, classes: int = 10) -> Path:
    """`rows` examples of `features` numbers: 10 Gaussian classes, unit noise
    around class means drawn at a scale that leaves them overlapping."""
    import numpy as np

    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 0.15, (classes, features))
    targets = rng.integers(0, classes, rows)
    samples = means[targets] + rng.normal(0.0, 1.0, (rows, features))
    np.savez(path, features=samples.astype(np.float32), targets=targets)
    return path


def _with_data(workload: Workload, path: str) -> Workload:
    return dataclasses.replace(workload, overrides=workload.overrides + (f"data.path={path}",))


def measure(realistic: Realistic, budget: Budget, folder: Path, echo=print) -> Dict[str, List[dict]]:
    """Every side's results on one workload: the trainer and the same fit
    in one or two rounds (reversed order), then float32 (unless the trainer's
    own run was in float32 already) and both PyTorch loops."""
    workload = _with_data(realistic.workload, write_data(realistic, folder))
    export = folder / "torch"
    results: Dict[str, List[dict]] = {}
    rounds = 1 if budget.tiny else 2
    for index in range(rounds):
        for side in ("keraslab", "same-fit") if index % 2 == 0 else ("same-fit", "keraslab"):
            echo(f"   {workload.name}: {side}, round {index + 1} of {rounds} ...")
            params = {"side": side, "workload": workload.as_params()}
            if side == "same-fit" and index == 0:
                params.update(export_dir=str(export), torch_kind=realistic.torch_kind)
            results.setdefault(side, []).append(run_session("bench.realistic_keras:train_session", params))
    if results["keraslab"][0]["precision"] == "float32":  # auto chose float32: that run is the float32 run
        results["keraslab-float32"] = [results["keraslab"][0]]
    else:
        echo(f"   {workload.name}: keraslab-float32 ...")
        float32 = {"side": "keraslab-float32", "workload": workload.as_params()}
        results["keraslab-float32"] = [run_session("bench.realistic_keras:train_session", float32)]
    for mode in ("usual", "best"):
        echo(f"   {workload.name}: pytorch {mode} ...")
        params = {"directory": str(export), "mode": mode, "threads": os.cpu_count()}
        results[f"pytorch-{mode}"] = [run_session("bench.torch_realistic:train_session", params, python=torch_python())]
    keras_parameters = results["same-fit"][0]["trainable_parameters"]
    for mode in ("usual", "best"):
        torch_result = results[f"pytorch-{mode}"][0]
        if torch_result["trainable_parameters"] - torch_result["parameters_beyond_keras"] != keras_parameters:
            raise BenchError(
                f"{workload.name}: the PyTorch network has {torch_result['trainable_parameters']} trainable "
                f"parameters ({torch_result['parameters_beyond_keras']} of them its own extra biases), "
                f"the Keras one {keras_parameters}; they must match."
            )
    return results


def _steady(runs: List[dict]) -> Stats:
    return Stats([r["steady_examples_per_second"] for r in runs], "examples/s")


def _accuracy(run: dict) -> str:
    value = run["validation"].get("accuracy")
    return f"{value:.3f}" if value is not None else "n/a"


def peaks(budget: Budget, echo=print) -> Dict[str, Tuple[Stats, str]]:
    """The matmul peak of each precision the trainer may use on this CPU."""
    n, chain = (256, 2) if budget.tiny else (2048, 8)
    found = {}
    for dtype, policy in (("float32", "float32"), ("bfloat16", "mixed_bfloat16")):
        echo(f"   {dtype} matmul {n}x{n}, {chain} products a run ...")
        params = {"n": n, "chain": chain, "warmup": budget.warmup, "repeats": budget.repeats, "dtype": dtype}
        peak = run_session("bench.roofline:matmul_session", params)
        found[policy] = (Stats(peak["gflops"], "GFLOP/s"), f"{dtype} matmul peak ({n}x{n})")
    return found


def comparisons(name: str, realistic: Realistic, results: Dict[str, List[dict]], peak) -> List[Comparison]:
    trainer, same, float32 = results["keraslab"], results["same-fit"], results["keraslab-float32"]
    usual, best = results["pytorch-usual"][0], results["pytorch-best"][0]
    precision = trainer[0]["precision"]
    facts = same[0]
    threads = usual["threads"]["torch"]
    rows = [
        Comparison(
            SPEED,
            f"{name}: trainer vs the same fit without the trainer",
            _steady(trainer),
            _steady(same),
            f"bare fit, same model and pipeline ({same[0]['precision']})",
            ">= 0.97",
            note=f"trainer in {precision}",
        ),
        Comparison(
            SPEED,
            f"{name}: trainer vs PyTorch's usual loop",
            _steady(trainer),
            _steady([usual]),
            f"PyTorch {usual['torch']} float32 loop, {threads} threads",
            ">= 1.5",
            note="PyTorch reads decoded arrays from memory",
        ),
        Comparison(
            SPEED,
            f"{name}: trainer vs PyTorch at its best",
            _steady(trainer),
            _steady([best]),
            f"PyTorch channels-last, autocast bfloat16, torch.compile: {best['compiled']}",
            ">= 1",
        ),
        Comparison(
            SPEED,
            f"{name}: trainer's precision vs float32",
            _steady(trainer),
            _steady(float32),
            "the trainer in float32",
            note=f"{precision}, {trainer[0]['precision_reason']}; validation accuracy "
            f"{_accuracy(trainer[0])} vs {_accuracy(float32[0])} in float32",
        ),
        Comparison(
            COSTS,
            f"{name}: fixed seconds a run, trainer vs the same fit",
            Stats([r["fixed_seconds"] for r in trainer], "s"),
            Stats([r["fixed_seconds"] for r in same], "s"),
            "bare fit's",
            note=f"first epoch {trainer[0]['first_epoch_seconds']:.1f} s vs {same[0]['first_epoch_seconds']:.1f} s",
        ),
    ]
    peak_stats, peak_name = peak.get(precision, peak["float32"])
    flops = facts["training_flops_per_example"]
    achieved = Stats([r["steady_examples_per_second"] * flops / 1e9 for r in trainer], "GFLOP/s")
    float32_peak, float32_name = peak["float32"]
    rows.append(
        Comparison(
            COSTS,
            f"{name}: trainer's achieved rate in float32",
            Stats([r["steady_examples_per_second"] * flops / 1e9 for r in float32], "GFLOP/s"),
            float32_peak,
            float32_name,
        )
    )
    rows.append(
        Comparison(
            COSTS,
            f"{name}: trainer's achieved rate",
            achieved,
            peak_stats,
            peak_name,
            realistic.peak_target,
            note=f"{flops / 1e6:.1f} MFLOP a training example, batch {facts['batch_size']}",
        )
    )
    return rows


def run(budget: Budget, echo=print) -> List[Comparison]:
    folder = Path(tempfile.mkdtemp(prefix="keraslab-bench-realistic-"))
    try:
        peak = peaks(budget, echo)
        (bfloat16, bfloat16_name), (float32, float32_name) = peak["mixed_bfloat16"], peak["float32"]
        rows = [
            Comparison(COSTS, "matmul peak: bfloat16 vs float32", bfloat16, float32, float32_name, note=bfloat16_name)
        ]
        for name in REALISTIC:
            realistic = for_budget(name, budget.tiny)
            rows += comparisons(name, realistic, measure(realistic, budget, folder / name, echo), peak)
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


GPU = "12. Realistic workloads on GPUs (training examples/s, epochs after the first)"
GPU_VARIANTS = (
    ("mixed_float16", ("devices.mixed_precision=true",)),
    ("mixed_float16 + XLA", ("devices.mixed_precision=true", "devices.jit_compile=true")),
    ("mixed_float16, MirroredStrategy over every GPU", ("devices.mixed_precision=true", "devices.strategy=mirrored")),
)


def gpu_count_session(params: Dict) -> Dict:
    import tensorflow as tf

    return {"gpus": len(tf.config.list_physical_devices("GPU"))}


def _variant(workload: Workload, label: str, overrides: Tuple[str, ...], where: str, echo) -> dict:
    """One trainer run of `workload` with `overrides` added."""
    echo(f"   {workload.name}: {label} ({where}) ...")
    variant = dataclasses.replace(workload, overrides=workload.overrides + overrides)
    return run_session("bench.realistic_keras:train_session", {"side": "keraslab", "workload": variant.as_params()})


def run_gpu(budget: Budget, echo=print, names: Sequence[str] = tuple(REALISTIC)) -> List[Comparison]:
    """`python -m bench --device gpu` (`make bench-gpu`): the realistic
    workloads through the trainer on the GPUs, float32 against
    mixed_float16, mixed_float16 with XLA, and MirroredStrategy over every
    visible GPU (the batch is per GPU). On the tiny budget it runs where no
    GPU is, on the CPU, to check the path; otherwise it needs a GPU."""
    gpus = run_session("bench.realistic:gpu_count_session", {})["gpus"]
    if not gpus and not budget.tiny:
        raise BenchError("--device gpu found no GPU visible to TensorFlow (tf.config.list_physical_devices('GPU')).")
    where = f"{gpus} GPU(s)" if gpus else "no GPU: on the CPU"
    folder = Path(tempfile.mkdtemp(prefix="keraslab-bench-gpu-"))
    rows = []
    try:
        for name in names:
            realistic = for_budget(name, budget.tiny)
            workload = _with_data(realistic.workload, write_data(realistic, folder / name))

            float32 = _variant(workload, "float32", ("devices.mixed_precision=false",), where, echo)
            for label, overrides in GPU_VARIANTS:
                result = _variant(workload, label, overrides, where, echo)
                rows.append(
                    Comparison(
                        GPU,
                        f"{name}: {label}",
                        _steady([result]),
                        _steady([float32]),
                        f"float32 ({where})",
                        note=f"validation accuracy {_accuracy(result)} vs {_accuracy(float32)}",
                    )
                )
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)
