"""PNG plots written into run directories (matplotlib, no display needed):
one run's learning curves, and several runs of a study on one figure."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Mapping, Optional, Sequence


def pyplot():
    """matplotlib.pyplot with the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path: Path | str, dpi: int = 100) -> Path:
    """Lays `figure` out, writes it to `path` (PNG, or the format its suffix
    names) and closes it, so a study drawing many figures holds none of them."""
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    pyplot().close(figure)
    return Path(path)


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
    return save_figure(fig, path)


@dataclasses.dataclass(frozen=True)
class Panel:
    """One panel of `plot_runs`: a metric of every run against the x key.

    Attributes:
        metric: the key of the records to plot ("val_loss").
        title: the panel's title.
        log: a log-scale y axis.
        dashed: another metric of each run drawn dashed in the same colour
            (training loss beside validation loss).
    """

    metric: str
    title: str
    log: bool = False
    dashed: Optional[str] = None


def plot_runs(
    curves: Mapping[str, Sequence[Mapping[str, float]]],
    path: Path,
    panels: Sequence[Panel],
    title: str = "",
    x_key: str = "epoch",
) -> Path:
    """Several runs on one figure: for each panel, one line per run (its
    label in the legend), the runs in the same colour on every panel. A
    record without the metric leaves a gap. Returns `path`."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.0), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for index, (label, records) in enumerate(curves.items()):
            x = [r[x_key] for r in records]
            ax.plot(x, [r.get(panel.metric, float("nan")) for r in records], color=f"C{index}", label=label)
            if panel.dashed:
                ax.plot(
                    x,
                    [r.get(panel.dashed, float("nan")) for r in records],
                    color=f"C{index}",
                    linestyle="--",
                    alpha=0.7,
                )
        if panel.log:
            ax.set_yscale("log")
        ax.set_title(panel.title)
        ax.set_xlabel(x_key.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, dpi=110)
