"""Training practice, measured: initialisation, regularisation, schedules.

* Initialisation: a deep MLP (10 layers of 64) at initialisation, on a batch
  of digits; per layer, the standard deviation of the activations and of the
  loss gradient with respect to them. Zeros stall all learning (every hidden
  unit is the same, gradients vanish), small N(0, 0.01²) weights shrink the
  signal layer after layer, Glorot (2010: Var w = 2/(n_in + n_out)) keeps
  tanh activations at a steady scale and He (2015: Var w = 2/n_in) does the
  same for ReLU.
* Regularisation: an MLP wide enough to memorise 280 training digits, with
  and without batch norm, dropout, L1, L2 and early stopping; every variant
  is a run of the shared trainer, and the plot overlays their curves.
* Schedules: the same network at a constant learning rate and with step,
  exponential and 1/t decay.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import tensorflow as tf

from keraslab.core.api import Panel, plot_runs, pyplot, save_figure

INITIALISERS = {
    "zeros": lambda: tf.keras.initializers.Zeros(),
    "small-normal": lambda: tf.keras.initializers.RandomNormal(stddev=0.01, seed=0),
    "glorot": lambda: tf.keras.initializers.GlorotNormal(seed=0),
    "he": lambda: tf.keras.initializers.HeNormal(seed=0),
}


@dataclasses.dataclass
class LayerScales:
    """Per hidden layer: std of activations (forward) and of ∂L/∂activation (backward)."""

    initialiser: str
    activation: str
    activation_std: List[float]
    gradient_std: List[float]


def layer_scales(initialiser: str, activation: str, depth: int = 10, width: int = 64, seed: int = 0) -> LayerScales:
    """Forward and backward signal scale through a fresh deep MLP on digits."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = tf.constant((digits.data[:256] - digits.data.mean(0)) / (digits.data.std(0) + 1e-8), tf.float32)
    y = tf.constant(digits.target[:256])
    tf.keras.utils.set_random_seed(seed)
    layers = [
        tf.keras.layers.Dense(width, activation=activation, kernel_initializer=INITIALISERS[initialiser]())
        for _ in range(depth)
    ]
    head = tf.keras.layers.Dense(10, kernel_initializer=INITIALISERS[initialiser]())
    with tf.GradientTape() as tape:
        hidden = []
        h = x
        for layer in layers:
            h = layer(h)
            tape.watch(h)
            hidden.append(h)
        loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, head(h), from_logits=True))
    gradients = tape.gradient(loss, hidden)
    return LayerScales(
        initialiser,
        activation,
        [float(tf.math.reduce_std(h)) for h in hidden],
        [float(tf.math.reduce_std(g)) for g in gradients],
    )


def plot_layer_scales(results: Sequence[LayerScales], path: Path) -> Path:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for r in results:
        layers = range(1, len(r.activation_std) + 1)
        label = f"{r.initialiser} ({r.activation})"
        axes[0].semilogy(layers, np.maximum(r.activation_std, 1e-12), marker="o", label=label)
        axes[1].semilogy(layers, np.maximum(r.gradient_std, 1e-12), marker="o", label=label)
    axes[0].set_title("activation std per layer (forward)")
    axes[1].set_title("std of ∂L/∂activation per layer (backward)")
    for ax in axes:
        ax.set_xlabel("hidden layer")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    return save_figure(fig, path, dpi=110)


#: Variants of the regularisation study: label -> config overrides.
REGULARISATION = {
    "baseline": [],
    "batch norm": ["model.batch_norm=true"],
    "dropout 0.5": ["model.dropout=0.5"],
    "L2 1e-3": ["train.l2=1e-3"],
    "L1 1e-4": ["train.l1=1e-4"],
    "early stopping": ["train.early_stopping_patience=5"],
}

#: Variants of the schedule study.
SCHEDULES = {
    "constant": [],
    "step": ["schedule.name=step", "schedule.decay_steps=180", "schedule.decay_rate=0.3"],
    "exponential": ["schedule.name=exponential", "schedule.decay_steps=180", "schedule.decay_rate=0.3"],
    "1/t": ["schedule.name=inverse_time", "schedule.decay_steps=30", "schedule.decay_rate=1.0"],
}

#: The overfitting-prone setup every variant shares: a wide MLP, no dropout,
#: 400 digits (280 for training), a large step.
SETUP = [
    "data.name=digits-small",
    "model.hidden_units=[256, 256]",
    "model.dropout=0.0",
    "optimizer.learning_rate=0.003",
    "train.batch_size=32",
]


def run_study(registry, variants: Dict[str, List[str]], epochs: int, runs_root: str) -> Dict[str, list]:
    """Trains foundations' MLP once per variant through the shared trainer,
    in `runs_root/<variant>` (a stopped study continues); returns each
    variant's per-epoch metrics."""
    from keraslab.core.api import train_variants

    settings = {label: SETUP + [f"train.epochs={epochs}"] + overrides for label, overrides in variants.items()}
    runs = train_variants(registry, "foundations", "mlp", settings, Path(runs_root))
    return {label: run.records for label, run in runs.items()}


def generalisation_gap(records: list) -> float:
    """Validation loss minus training loss at the last epoch."""
    return records[-1]["val_loss"] - records[-1]["loss"]


def plot_study(curves: Dict[str, list], path: Path, title: str, extra: str = "") -> Path:
    """Validation loss (and training loss, dashed) of each variant; with
    extra="learning_rate", a second panel shows the learning rate."""
    panels = [Panel("val_loss", f"{title}: validation loss (training dashed)", log=True, dashed="loss")]
    if extra:
        panels.append(Panel(extra, extra.replace("_", " "), log=True))
    return plot_runs(curves, path, panels)


def summary_rows(curves: Dict[str, list]) -> List[Tuple[str, int, float, float, float]]:
    """(variant, epochs run, final train loss, final validation loss, best validation accuracy)."""
    return [
        (label, len(r), r[-1]["loss"], r[-1]["val_loss"], max(x["val_accuracy"] for x in r))
        for label, r in curves.items()
    ]
