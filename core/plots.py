"""PNG plots written into run directories (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence


def pyplot():
    """matplotlib.pyplot with the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


NOT_PLOTTED = ("epoch", "env_steps", "seconds", "learning_rate")


def plot_learning_curves(records: Sequence[Mapping[str, float]], path: Path, title: str, x_key: str = "epoch") -> Path:
    """One panel per metric, training and validation curves against `x_key`
    (epochs for Keras models, environment steps for agents)."""
    plt = pyplot()
    names = sorted({k for r in records for k in r if not k.startswith("val_") and k not in NOT_PLOTTED})
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(4.5 * max(1, len(names)), 3.4), squeeze=False)
    epochs = [r[x_key] for r in records]
    for ax, name in zip(axes[0], names):
        ax.plot(epochs, [r.get(name, float("nan")) for r in records], marker=".", label="train")
        if any(f"val_{name}" in r for r in records):
            ax.plot(epochs, [r.get(f"val_{name}", float("nan")) for r in records], marker=".", label="validation")
        ax.set_xlabel(x_key.replace("_", " "))
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
