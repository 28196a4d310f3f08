"""The PyTorch side of figure 10 (`bench.realistic`): the same networks,
written in PyTorch from the hyperparameters the Keras side wrote
(`bench.realistic_keras.export_for_torch`), trained two ways.

* `usual`: the loop a PyTorch user writes (as `bench.torch_side`): float32,
  NCHW images, the arrays in memory as tensors, a permutation an epoch,
  Adam at the same rate, a validation pass after every epoch.
* `best`: the same loop with what PyTorch offers on a CPU: channels-last
  images and weights, `torch.autocast("cpu", dtype=torch.bfloat16)` around
  the forward pass and the loss, and `torch.compile` of the model (its
  first epoch compiles; a compile that fails here is reported and the
  model runs eagerly).

Both report the rate of the epochs after the first (training examples
over the mean epoch, validation included), as the Keras sides do. The data
is already decoded in memory, which spares PyTorch the image decoding the
Keras side streams from PNG files each epoch: that favours PyTorch.

Runs in .venv-torch (bench/requirements-torch.txt): it imports nothing of
keraslab or TensorFlow.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bench import torch_side


def train_session(params: Dict) -> Dict:
    """Params: directory (model.json, data.npz), mode ("usual" or "best"), threads."""
    torch.set_num_threads(int(params["threads"]))
    directory = Path(params["directory"])
    description = json.loads((directory / "model.json").read_text())
    data = np.load(directory / "data.npz")
    arrays = {k: torch.from_numpy(torch_side._channels_first(np.asarray(data[k]))) for k in data.files}
    torch.manual_seed(description["seed"])
    model = build(description, arrays["x_train"].shape[1:])
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    best = params["mode"] == "best"
    compiled = "not tried"
    if best:
        if arrays["x_train"].ndim == 4:
            model = model.to(memory_format=torch.channels_last)
            for key in ("x_train", "x_validation"):
                arrays[key] = arrays[key].contiguous(memory_format=torch.channels_last)
        try:
            model = torch.compile(model)
            compiled = "yes"
        except Exception as error:  # reported: the figure says PyTorch ran eagerly
            compiled = f"failed ({type(error).__name__}: {error})"
    epochs = train(model, arrays, description, bfloat16=best)
    later = epochs[1:] or epochs
    return {
        "side": f"pytorch-{params['mode']}",
        "steady_examples_per_second": len(arrays["x_train"]) / statistics.fmean(later),
        "first_epoch_seconds": epochs[0],
        "trainable_parameters": parameters,
        "parameters_beyond_keras": extra_parameters(description),
        "compiled": compiled,
        "threads": {"torch": torch.get_num_threads(), "interop": torch.get_num_interop_threads()},
        "torch": torch.__version__,
    }


def build(description: Dict, input_shape) -> nn.Module:
    kind = description["kind"]
    if kind == "chain":
        return torch_side.build(description["layers"], input_shape, description["num_classes"])
    if kind == "resnet":
        return ResNet(description, input_shape[0])
    if kind == "lstm-lm":
        return LSTMLanguageModel(description)
    raise ValueError(f"unknown network kind {kind!r}")


def train(model: nn.Module, arrays: Dict, description: Dict, bfloat16: bool) -> List[float]:
    """Trains for the description's epochs, validating after each; each epoch's seconds."""
    optimizer = torch.optim.Adam(model.parameters(), lr=description["learning_rate"], eps=1e-7)
    x, y = arrays["x_train"], arrays["y_train"]
    x_val, y_val = arrays["x_validation"], arrays["y_validation"]
    n, batch = len(x), description["batch_size"]
    precision = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bfloat16 else contextlib.nullcontext
    seconds = []
    for _ in range(description["epochs"]):
        started = time.perf_counter()
        model.train()
        loss_sum = torch.zeros(())
        order = torch.randperm(n)
        for start in range(0, n, batch):
            index = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            with precision():
                loss = _loss(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach().float() * len(index)
        model.eval()
        with torch.inference_mode(), precision():
            correct = sum(
                int((model(x_val[s : s + batch]).argmax(-1) == y_val[s : s + batch]).sum())
                for s in range(0, len(x_val), batch)
            )
        float(loss_sum), correct  # the epoch's numbers are read, as a loop that logs them would
        seconds.append(time.perf_counter() - started)
    return seconds


def _loss(logits, targets):
    """Cross-entropy over classes, of every time step for a language model."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1))


def _batch_norm(channels: int, description: Dict) -> nn.BatchNorm2d:
    # Keras' epsilon (1e-3) and momentum (its moving averages keep `momentum` of the old value).
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=1.0 - description["batch_norm_momentum"])


class ResidualBlock(nn.Module):
    """y = ReLU(F(x) + s(x)), F = conv-BN-ReLU-conv-BN, s a 1×1 projection
    with batch norm where the shape changes (keraslab's `residual_block`)."""

    def __init__(self, c_in: int, filters: int, stride: int, description: Dict):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, filters, 3, stride=stride, padding=1, bias=False)
        self.bn1 = _batch_norm(filters, description)
        self.conv2 = nn.Conv2d(filters, filters, 3, padding=1, bias=False)
        self.bn2 = _batch_norm(filters, description)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != filters:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, filters, 1, stride=stride, bias=False), _batch_norm(filters, description)
            )

    def forward(self, x):
        f = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(f + self.shortcut(x))


class ResNet(nn.Module):
    """keraslab's `build_resnet` (He et al., 2016): a 3×3 stem, stages of
    basic blocks (stride 2 at each later stage's first block), global
    average pooling, a linear head; pixels scaled by the same factor."""

    def __init__(self, description: Dict, channels: int):
        super().__init__()
        self.scale = description["scale"]
        filters = description["filters"]
        self.stem = nn.Sequential(
            nn.Conv2d(channels, filters[0], 3, padding=1, bias=False), _batch_norm(filters[0], description), nn.ReLU()
        )
        blocks, c_in = [], filters[0]
        for s, width in enumerate(filters):
            for b in range(description["blocks_per_stage"]):
                blocks.append(ResidualBlock(c_in, width, 2 if (s > 0 and b == 0) else 1, description))
                c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, description["num_classes"])
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)

    def forward(self, x):
        x = self.blocks(self.stem(x * self.scale))
        return self.head(x.mean(dim=(2, 3)))


class LSTMLanguageModel(nn.Module):
    """keraslab's char-rnn with LSTM cells: embedding, stacked LSTMs, a
    linear layer over the vocabulary at every step. PyTorch's LSTM has two
    bias vectors a layer where Keras' has one: 4 × units more parameters."""

    def __init__(self, description: Dict):
        super().__init__()
        vocabulary, width = description["num_classes"], description["embedding_dim"]
        self.embedding = nn.Embedding(vocabulary, width)
        layers = []
        for units in description["units"]:
            layers.append(nn.LSTM(width, units, batch_first=True))
            width = units
        self.recurrent = nn.ModuleList(layers)
        self.logits = nn.Linear(width, vocabulary)

    def forward(self, tokens):
        x = self.embedding(tokens)
        for layer in self.recurrent:
            x, _ = layer(x)
        return self.logits(x)


def extra_parameters(description: Dict) -> int:
    """Trainable parameters the PyTorch network has beyond the Keras one's."""
    return 4 * sum(description["units"]) if description["kind"] == "lstm-lm" else 0
