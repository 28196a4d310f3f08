"""A Keras model written out layer by layer, for the PyTorch baseline to rebuild.

The PyTorch side (`bench/torch_side.py`) must train the same network: the
same layers, sizes, activations, normalisation and dropout. Rather than
writing the two networks twice and hoping they agree, the Keras model the
plugin builds is described here as a list of plain dicts, and the PyTorch
side builds its network from that list. Both sides report their count of
trainable parameters, and the benchmark refuses a comparison where they differ.
"""

from __future__ import annotations

from typing import Dict, List

import numpy as np


def describe(model) -> List[Dict]:
    """The layers of a Keras model that is a chain (each layer feeds the next).

    Raises:
        ValueError: a layer has no equivalent here, or the model is not a chain.
    """
    import tensorflow as tf

    layers = tf.keras.layers
    described, previous = [], None
    for layer in model.layers:
        if isinstance(layer, layers.InputLayer):
            previous = layer
            continue
        if previous is not None and layer.input is not previous.output:
            raise ValueError(f"model '{model.name}' is not a chain of layers at '{layer.name}'")
        previous = layer
        described.append(_describe_layer(layer, layers))
    return described


def _describe_layer(layer, layers) -> Dict:
    if isinstance(layer, layers.Normalization):
        mean = np.asarray(layer.mean).reshape(-1)
        std = np.sqrt(np.asarray(layer.variance).reshape(-1))
        return {"type": "standardize", "mean": mean.tolist(), "std": np.maximum(std, 1e-7).tolist()}
    if isinstance(layer, layers.Rescaling):
        return {"type": "rescale", "scale": float(layer.scale), "offset": float(layer.offset)}
    if isinstance(layer, layers.Flatten):
        return {"type": "flatten"}
    if isinstance(layer, layers.Dense):
        return {
            "type": "dense",
            "units": layer.units,
            "use_bias": layer.use_bias,
            "activation": layer.activation.__name__,
        }
    if isinstance(layer, layers.Conv2D):
        return {
            "type": "conv2d",
            "filters": layer.filters,
            "kernel_size": list(layer.kernel_size),
            "strides": list(layer.strides),
            "padding": layer.padding,
            "dilation": list(layer.dilation_rate),
            "use_bias": layer.use_bias,
            "activation": layer.activation.__name__,
        }
    if isinstance(layer, layers.BatchNormalization):
        return {"type": "batch_norm", "momentum": float(layer.momentum), "epsilon": float(layer.epsilon)}
    if isinstance(layer, layers.ReLU):
        return {"type": "activation", "name": "relu"}
    if isinstance(layer, layers.Activation):
        return {"type": "activation", "name": layer.activation.__name__}
    if isinstance(layer, layers.MaxPooling2D):
        return {
            "type": "max_pool",
            "pool_size": list(layer.pool_size),
            "strides": list(layer.strides),
            "padding": layer.padding,
        }
    if isinstance(layer, layers.Dropout):
        return {"type": "dropout", "rate": float(layer.rate)}
    raise ValueError(f"layer '{layer.name}' ({type(layer).__name__}) has no PyTorch equivalent in the benchmark")


def trainable_parameters(model) -> int:
    return int(sum(np.prod(v.shape) for v in model.trainable_variables))
