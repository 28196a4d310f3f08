"""The PyTorch baseline: the same network, trained by a hand-written CPU loop.

Runs in its own environment (.venv-torch, see bench/requirements-torch.txt)
through `bench.session`, so it imports nothing of keraslab or TensorFlow.
It reads what the Keras side wrote (`bench.keras_sides`): the network,
layer by layer (`bench.architecture`), and the same training and
validation arrays. Then, like the Keras sides, it trains for the same
epochs at the same batch size with Adam at the same rate (ε = 1e-7, Keras'
default), Glorot-uniform weights and zero biases (Keras' initialisers),
batch-norm momentum 1 − Keras' momentum, and validates after every epoch.

The loop is the fast one a PyTorch user writes: the arrays stay in memory
as tensors, each epoch draws a permutation and slices batches from it, and
running loss and accuracy are summed as tensors (no `.item()` per step).
Threads: `torch.set_num_threads(threads)`, the same count as TensorFlow's
intra-op pool (one per core).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def train_session(params: Dict) -> Dict:
    """Params: directory (model.json, data.npz), warmup, repeats, threads."""
    torch.set_num_threads(int(params["threads"]))
    directory = Path(params["directory"])
    description = json.loads((directory / "model.json").read_text())
    data = np.load(directory / "data.npz")
    arrays = {k: torch.from_numpy(_channels_first(np.asarray(data[k]))) for k in data.files}
    values = []
    for run in range(params["warmup"] + params["repeats"]):
        torch.manual_seed(description["seed"] + run)
        model = build(description["layers"], arrays["x_train"].shape[1:], description["num_classes"])
        values.append(train(model, arrays, description))
    return {
        "side": "pytorch",
        "examples_per_second": values[params["warmup"] :],
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "threads": {"torch": torch.get_num_threads(), "interop": torch.get_num_interop_threads()},
        "torch": torch.__version__,
    }


def _channels_first(array):
    """NHWC images (Keras) to NCHW (PyTorch); other arrays unchanged."""
    if array.ndim == 4:
        array = np.ascontiguousarray(array.transpose(0, 3, 1, 2))
    return array.astype(np.float32) if array.dtype.kind == "f" else array.astype(np.int64)


def train(model, arrays: Dict, description: Dict) -> float:
    """Trains for the description's epochs, validating after each; examples/s."""
    optimizer = torch.optim.Adam(model.parameters(), lr=description["learning_rate"], eps=1e-7)
    x, y = arrays["x_train"], arrays["y_train"]
    x_val, y_val = arrays["x_validation"], arrays["y_validation"]
    n, batch, epochs = len(x), description["batch_size"], description["epochs"]
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        loss_sum, correct = torch.zeros(()), torch.zeros((), dtype=torch.int64)
        order = torch.randperm(n)
        for start in range(0, n, batch):
            index = order[start : start + batch]
            inputs, targets = x[index], y[index]
            optimizer.zero_grad(set_to_none=True)
            logits = model(inputs)
            loss = F.cross_entropy(logits, targets)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * len(index)
            correct += (logits.detach().argmax(1) == targets).sum()
        model.eval()
        with torch.inference_mode():
            val_logits = torch.cat([model(x_val[s : s + batch]) for s in range(0, len(x_val), batch)])
            val_accuracy = (val_logits.argmax(1) == y_val).float().mean()
        float(val_accuracy)  # the epoch's numbers are read, as a loop that logs them would
    return n * epochs / (time.perf_counter() - started)


def build(layers: List[Dict], input_shape, num_classes: int):
    """An `nn.Sequential` of the described layers (NCHW images)."""
    shape = tuple(input_shape)
    modules = []
    for layer in layers:
        kind = layer["type"]
        if kind == "standardize":
            modules.append(Standardize(layer["mean"], layer["std"]))
        elif kind == "rescale":
            modules.append(Rescale(layer["scale"], layer["offset"]))
        elif kind == "flatten":
            modules.append(nn.Flatten())
            shape = (int(torch.tensor(shape).prod()),)
        elif kind == "dense":
            linear = nn.Linear(shape[0], layer["units"], bias=layer["use_bias"])
            modules += [linear, *_activation(layer["activation"])]
            shape = (layer["units"],)
        elif kind == "conv2d":
            conv = _conv(layer, shape[0])
            modules += [conv, *_activation(layer["activation"])]
            shape = tuple(conv(torch.zeros(1, *shape)).shape[1:])
        elif kind == "batch_norm":
            norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            modules.append(norm(shape[0], eps=layer["epsilon"], momentum=1.0 - layer["momentum"]))
        elif kind == "activation":
            modules += _activation(layer["name"])
        elif kind == "max_pool":
            if layer["padding"] != "valid":
                raise ValueError("only 'valid' max-pooling is rebuilt")
            pool = nn.MaxPool2d(layer["pool_size"], stride=layer["strides"])
            modules.append(pool)
            shape = tuple(pool(torch.zeros(1, *shape)).shape[1:])
        elif kind == "dropout":
            modules.append(nn.Dropout(layer["rate"]))
        else:
            raise ValueError(f"unknown layer type {kind!r}")
    model = nn.Sequential(*modules)
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    if shape != (num_classes,):
        raise ValueError(f"rebuilt network ends in shape {shape}, not ({num_classes},)")
    return model


def _conv(layer: Dict, channels: int):
    if layer["padding"] == "same" and tuple(layer["strides"]) != (1, 1):
        raise ValueError("'same' padding is rebuilt for stride 1 only")
    return nn.Conv2d(
        channels,
        layer["filters"],
        tuple(layer["kernel_size"]),
        stride=tuple(layer["strides"]),
        padding="same" if layer["padding"] == "same" else 0,
        dilation=tuple(layer["dilation"]),
        bias=layer["use_bias"],
    )


def _activation(name: str):
    if name == "linear":
        return []
    if name == "relu":
        return [nn.ReLU()]
    raise ValueError(f"activation {name!r} is not rebuilt")


class Standardize(nn.Module):
    """(x − μ) / σ with fixed μ, σ: Keras' `Normalization` with given statistics."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


class Rescale(nn.Module):
    """x · scale + offset: Keras' `Rescaling`."""

    def __init__(self, scale: float, offset: float):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x):
        return x * self.scale + self.offset
