"""Pictures of generative models: image grids and 2-D densities."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from keraslab.core.api import pyplot, save_figure


def save_grid(
    images: np.ndarray, path: Path, title: str, columns: Optional[int] = None, captions: Optional[Sequence[str]] = None
) -> Path:
    """Images (n, h, w, 1) in [0, 1] as a grid, `columns` wide (default: square)."""
    plt = pyplot()
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    count = len(images)
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows * 0.9 + 0.5), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < count:
            axis.imshow(images[index, ..., 0], cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
            if captions is not None:
                axis.set_title(captions[index], fontsize=7)
    figure.suptitle(title, fontsize=9)
    return save_figure(figure, path, dpi=110)


def density_grid(log_prob, points: np.ndarray, resolution: int = 120):
    """(xs, ys, density) over a box around `points`, density = exp(log_prob)."""
    low, high = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    return xs, ys, np.exp(np.asarray(log_prob(grid))).reshape(xs.shape)


def save_density_panels(
    log_prob, data: np.ndarray, samples: np.ndarray, base_points: Optional[np.ndarray], path: Path, title: str
) -> Path:
    """Learned density with the data, samples over it, and (for flows) the
    data pushed to the base distribution beside N(0, I) contours."""
    plt = pyplot()
    panels = 3 if base_points is not None else 2
    figure, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4))
    xs, ys, density = density_grid(log_prob, data)
    axes[0].contourf(xs, ys, density, levels=30, cmap="viridis")
    axes[0].scatter(data[:, 0], data[:, 1], s=1, c="white", alpha=0.3)
    axes[0].set_title("learned density, test points")
    axes[1].contour(xs, ys, density, levels=10, cmap="viridis", linewidths=0.7)
    axes[1].scatter(samples[:, 0], samples[:, 1], s=2, c="tab:red", alpha=0.5)
    axes[1].set_title(f"{len(samples)} samples")
    if base_points is not None:
        angles = np.linspace(0, 2 * np.pi, 200)
        for radius in (1, 2, 3):
            axes[2].plot(radius * np.cos(angles), radius * np.sin(angles), c="grey", lw=0.7)
        axes[2].scatter(base_points[:, 0], base_points[:, 1], s=2, c="tab:blue", alpha=0.5)
        axes[2].set_title("test points pushed to the base, N(0, I) circles")
        axes[2].set_aspect("equal")
    for axis in axes[:2]:
        axis.set_aspect("equal")
    figure.suptitle(title)
    return save_figure(figure, path, dpi=110)
