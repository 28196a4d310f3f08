"""Starting a model from another run's weights: transfer learning.

Every finished run writes `final/layers.npz`, its weights keyed by layer name
("conv0_0/0", "conv0_0/1", ...). A new run with `init.from_run=RUN` copies
into each of its layers the weights of the layer of the same name in RUN,
where every weight has the same shape. The model's output layers are left
at their fresh initialisation (a new head) unless `init.output_layers`,
and so are the layers named in `init.exclude` (a deeper new head);
`init.freeze` keeps the copied layers fixed (batch norm then also uses
its copied moving statistics), so only the new head trains;
`init.freeze_batch_norm` keeps only the batch-norm layers fixed, for
fine-tuning the rest.

Fine-tuning in two stages is two runs: the head on a frozen base, then the
whole network from that run at a lower learning rate (Yosinski et al., 2014,
"How transferable are features in deep neural networks?").
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import tensorflow as tf

from keraslab.core.config import InitConfig
from keraslab.core.errors import ConfigError, RunError
from keraslab.core.rundir import COMPLETE, RunDir

LAYER_WEIGHTS = "final/layers.npz"


def layers_with_weights(model: tf.keras.Model) -> Dict[str, tf.keras.layers.Layer]:
    """Every layer below `model` (nested models included) that owns weights,
    by name; a name used twice is left out, being ambiguous."""
    found: Dict[str, tf.keras.layers.Layer] = {}
    repeated = set()
    for module in model.submodules:
        if isinstance(module, tf.keras.layers.Layer) and not isinstance(module, tf.keras.Model) and module.weights:
            if module.name in found and found[module.name] is not module:
                repeated.add(module.name)
            found[module.name] = module
    return {name: layer for name, layer in found.items() if name not in repeated}


def output_layer_names(model: tf.keras.Model) -> List[str]:
    """The names of the layers producing the outputs of `model` and of the
    functional models inside it (a subclassed model has none of its own)."""
    names = []
    for module in [model, *model.submodules]:
        if isinstance(module, tf.keras.Model) and getattr(module, "_is_graph_network", False):
            names.extend(module.output_names)
    return names


def save_layer_weights(model: tf.keras.Model, path: Path) -> None:
    arrays = {
        f"{name}/{i}": weight.numpy()
        for name, layer in layers_with_weights(model).items()
        for i, weight in enumerate(layer.weights)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def check_source(path: str) -> Path:
    """The weights file of run `path`, or a ConfigError saying why it cannot be used."""
    try:
        run = RunDir.open(path)
    except RunError as error:
        raise ConfigError(f"init.from_run: {error}") from None
    if run.status != COMPLETE:
        raise ConfigError(
            f"init.from_run: run '{path}' is {run.status}, not complete; "
            "only a finished run's weights can start another."
        )
    weights = run.path / LAYER_WEIGHTS
    if not weights.is_file():
        raise ConfigError(
            f"init.from_run: run '{path}' has no {LAYER_WEIGHTS} (it predates transfer support); train it again."
        )
    return weights


def freeze_batch_norm(model: tf.keras.Model) -> int:
    """Keeps every batch-norm layer in inference mode, with its statistics
    and scale fixed; returns how many. Fine-tuning on a few examples, batch
    statistics of a handful of images would replace the pretrained ones."""
    frozen = 0
    for module in model.submodules:
        if isinstance(module, tf.keras.layers.BatchNormalization):
            module.trainable = False
            frozen += 1
    return frozen


def check_config(init: InitConfig) -> None:
    if (init.freeze or init.output_layers) and not init.from_run:
        raise ConfigError("init.freeze and init.output_layers need init.from_run (a finished run).")
    if init.from_run:
        check_source(init.from_run)


def initialize_from_run(model: tf.keras.Model, init: InitConfig) -> Tuple[str, ...]:
    """Copies `init.from_run`'s weights into `model` layer by layer and
    freezes the copied layers if asked; returns the names of the copied layers.

    Call before `compile`: Keras reads `trainable` when it compiles.
    """
    if not init.from_run:
        return ()
    with np.load(check_source(init.from_run)) as source:
        saved = {key.rsplit("/", 1)[0] for key in source.files}
        skip = set(init.exclude) | (set() if init.output_layers else set(output_layer_names(model)))
        copied = []
        for name, layer in layers_with_weights(model).items():
            if name in skip or name not in saved:
                continue
            arrays = [
                source[f"{name}/{i}"] if f"{name}/{i}" in source.files else None for i in range(len(layer.weights))
            ]
            if any(a is None or a.shape != tuple(w.shape) for a, w in zip(arrays, layer.weights)):
                continue
            layer.set_weights(arrays)
            if init.freeze:
                layer.trainable = False
            copied.append(name)
    if not copied:
        raise ConfigError(
            f"init.from_run: run '{init.from_run}' shares no layer (same name and weight shapes) "
            f"with model '{model.name}'; transfer needs the same architecture."
        )
    return tuple(copied)
