"""Training curves of several runs on one figure."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from keraslab.core.api import Panel, plot_runs


def plot_cell_curves(rows: Dict[str, dict], path: Path, title: str) -> Path:
    """Training loss and validation accuracy per epoch, one line per cell."""
    curves = {f"{cell} (test {row['test_accuracy']:.3f})": row["records"] for cell, row in rows.items()}
    panels = [Panel("loss", "training loss", log=True), Panel("val_accuracy", "validation accuracy")]
    return plot_runs(curves, path, panels, title)
