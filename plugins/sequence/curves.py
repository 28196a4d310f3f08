"""Training curves of several runs on one figure."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from keraslab.core.api import pyplot


def plot_cell_curves(rows: Dict[str, dict], path: Path, title: str) -> Path:
    """Training loss and validation accuracy per epoch, one line per cell."""
    plt = pyplot()
    fig, (loss, accuracy) = plt.subplots(1, 2, figsize=(10, 3.8))
    for cell, row in rows.items():
        epochs = [m["epoch"] for m in row["records"]]
        loss.plot(epochs, [m["loss"] for m in row["records"]], label=cell)
        accuracy.plot(
            epochs,
            [m.get("val_accuracy", float("nan")) for m in row["records"]],
            label=f"{cell} (test {row['test_accuracy']:.3f})",
        )
    loss.set_yscale("log")
    loss.set_title("training loss")
    accuracy.set_title("validation accuracy")
    for ax in (loss, accuracy):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
