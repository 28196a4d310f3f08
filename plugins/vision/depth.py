"""Deep networks with and without shortcuts: the degradation problem.

He et al. (2016) found that stacking more plain layers made the *training*
error worse, not only the test error: the solver fails to find the deeper
network's solution even though it contains the shallower one (identity
layers). A residual block learns F(x) in y = F(x) + x, so identity is
F = 0, easy to reach. This study trains `resnet` twice at the same depth
(2 × stages × blocks + 2 weighted layers) through the shared trainer, once
with shortcuts and once without, and draws both learning curves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence

from keraslab.core.api import KeraslabError

VARIANTS = {"residual": "model.shortcuts=true", "plain": "model.shortcuts=false"}
STUDY_FILE = "shortcuts.json"
#: The training loss is noisy from epoch to epoch (augmentation, dropout);
#: the comparison averages it over the last few epochs.
LATE_EPOCHS = 5


def depth(stages: int, blocks_per_stage: int) -> int:
    """Weighted layers on the main path: a stem, two convolutions per block, the output layer."""
    return 2 * stages * blocks_per_stage + 2


def overrides(filters: Sequence[int], blocks_per_stage: int, epochs: int, seed: int, synthetic: bool) -> List[str]:
    return [
        f"model.filters={list(filters)}",
        f"model.blocks_per_stage={blocks_per_stage}",
        f"train.epochs={epochs}",
        f"train.seed={seed}",
        f"data.synthetic={str(synthetic).lower()}",
    ]


def run_study(
    registry,
    filters: Sequence[int],
    blocks_per_stage: int,
    epochs: int,
    seed: int,
    out: Path,
    synthetic: bool = False,
    echo=print,
) -> Dict:
    """Trains both variants under `out/<variant>` (a complete run there is
    reused, an unfinished one resumed); writes the comparison and its plot."""
    from keraslab.core.api import train_variants

    if blocks_per_stage < 1 or epochs < 1 or not filters:
        raise KeraslabError("--blocks-per-stage and --epochs must be at least 1, and --filters name a stage.")
    layers = depth(len(filters), blocks_per_stage)
    curves, results = {}, {}
    common = overrides(filters, blocks_per_stage, epochs, seed, synthetic)
    echo(f"plain and residual networks of {layers} layers")
    runs = train_variants(registry, "vision", "resnet", {v: [*common, s] for v, s in VARIANTS.items()}, out, echo)
    for variant, run in runs.items():
        summary, records = run.summary, run.records
        curves[variant] = records
        late = records[-LATE_EPOCHS:]
        results[variant] = {
            "final_train_loss": records[-1]["loss"],
            "final_train_accuracy": records[-1]["accuracy"],
            "late_train_loss": sum(r["loss"] for r in late) / len(late),
            "test_accuracy": summary["metrics"]["test"]["accuracy"],
            "test_loss": summary["metrics"]["test"]["loss"],
        }
    report = {
        "layers": layers,
        "filters": list(filters),
        "blocks_per_stage": blocks_per_stage,
        "epochs": epochs,
        "seed": seed,
        "results": results,
    }
    (out / STUDY_FILE).write_text(json.dumps(report, indent=2) + "\n")
    plot_curves(curves, out / "shortcuts.png", layers)
    return report


def plot_curves(curves: Dict[str, list], path: Path, layers: int) -> Path:
    """Training loss (log scale, validation dashed) and validation accuracy per epoch, both variants."""
    from keraslab.core.api import Panel, plot_runs

    panels = [
        Panel("loss", f"{layers}-layer network: loss (validation dashed)", log=True, dashed="val_loss"),
        Panel("val_accuracy", "validation accuracy"),
    ]
    return plot_runs(curves, path, panels)
