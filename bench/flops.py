"""Floating-point operations of one training example, counted from the layers.

Only the products that dominate the cost are counted: a dense layer's
matrix product and a convolution's, one multiply-add being 2 FLOPs.

    dense:   forward 2 · n_in · n_out per output position
    conv2d:  forward 2 · k_h · k_w · c_in · c_out per output pixel

Training does the forward product and two of the same size backward, one for
the gradient with respect to the weights and one with respect to the layer's
input, so a training example costs 3 × the forward FLOPs (the "6N per
token" of Kaplan et al., 2020, "Scaling Laws for Neural Language Models",
§2.1, is the same count: 2N forward, 4N backward). Normalisation,
activations, pooling and the optimizer's update are left out; they are
linear in the activations or the parameters and small beside the products.
"""

from __future__ import annotations

import math


def forward_flops(model) -> int:
    """FLOPs of the dense and convolution products of one example's forward pass."""
    import tensorflow as tf

    total = 0
    for layer in _leaf_layers(model):
        if isinstance(layer, tf.keras.layers.Dense):
            n_in, n_out = layer.kernel.shape
            positions = math.prod(layer.output.shape[1:-1])
            total += 2 * n_in * n_out * positions
        elif isinstance(layer, tf.keras.layers.Conv2D):
            k_h, k_w, c_in, c_out = layer.kernel.shape
            _, height, width, _ = layer.output.shape
            total += 2 * k_h * k_w * c_in * c_out * height * width
    return int(total)


def training_flops(model) -> int:
    """FLOPs of one example's forward and backward pass: 3 × forward."""
    return 3 * forward_flops(model)


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _leaf_layers(layer)
        else:
            yield layer
