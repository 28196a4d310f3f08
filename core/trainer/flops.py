"""Floating-point operations of one training example, counted from the layers.

Only the products that dominate the cost are counted, one multiply-add
being 2 FLOPs:

    dense:      forward 2 · n_in · n_out per output position
    conv1d/2d:  forward 2 · k · c_in · c_out per output position (k: the
                kernel's size, k_h · k_w in 2-D)
    LSTM:       forward 2 · 4 · (n_in + units) · units per time step (four
                gates, each a product with the input and the state)
    GRU:        the same with 3 gates; a simple RNN with 1

Training does the forward product and two of the same size backward, one
for the gradient with respect to the weights and one with respect to the
layer's input, so a training example costs 3 × the forward FLOPs (the "6N
per token" of Kaplan et al., 2020, "Scaling Laws for Neural Language
Models", §2.1, is the same count: 2N forward, 4N backward). Normalisation,
activations, pooling and the optimizer's update are left out; they are
linear in the activations or the parameters and small beside the products.

A dimension the model leaves open (a sequence's length) is taken from the
example the count is made for (`steps`).
"""

from __future__ import annotations

import math
from typing import Iterator, Optional

import tensorflow as tf

RECURRENT_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def forward_flops(model: tf.keras.Model, steps: Optional[int] = None) -> int:
    """FLOPs of the counted products of one example's forward pass."""
    total = 0
    for layer in leaf_layers(model):
        try:
            total += _layer_flops(layer, steps)
        except (AttributeError, ValueError, TypeError):
            continue  # a layer without one defined input or output (shared, never called) counts nothing
    return int(total)


def training_flops(model: tf.keras.Model, steps: Optional[int] = None) -> int:
    """FLOPs of one example's forward and backward pass: 3 × forward."""
    return 3 * forward_flops(model, steps)


def leaf_layers(model) -> Iterator[tf.keras.layers.Layer]:
    """The layers of `model`, nested models and bidirectional wrappers opened."""
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.Bidirectional):
            yield layer.forward_layer
            yield layer.backward_layer
        elif hasattr(layer, "layers"):
            yield from leaf_layers(layer)
        else:
            yield layer


def _layer_flops(layer, steps: Optional[int]) -> int:
    if isinstance(layer, tf.keras.layers.Dense):
        n_in, n_out = layer.kernel.shape
        return 2 * n_in * n_out * _positions(layer.output.shape, steps)
    if isinstance(layer, (tf.keras.layers.Conv1D, tf.keras.layers.Conv2D)):
        *window, c_in, c_out = layer.kernel.shape
        return 2 * math.prod(window) * c_in * c_out * _positions(layer.output.shape, steps)
    gates = RECURRENT_GATES.get(type(layer).__name__)
    if gates:
        units, n_in = layer.cell.units, layer.input.shape[-1]
        time_steps = layer.input.shape[1] if layer.input.shape[1] is not None else steps
        return 2 * gates * (n_in + units) * units * (time_steps or 1)
    return 0


def _positions(shape, steps: Optional[int]) -> int:
    """Output positions of one example: every dimension but the batch and the channels."""
    dims = [steps if d is None else d for d in shape[1:-1]]
    return math.prod(d or 1 for d in dims)
