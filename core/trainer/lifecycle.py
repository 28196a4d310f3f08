"""What every run has, whichever trainer runs it: one signal guard, one
metrics writer, one summary of where and how it ran.

The Keras trainer (`loop`) and the agent trainer (`agents`) both use these,
so a stopped run, a `metrics.jsonl` line and a `summary.json` mean the same
for every model.
"""

from __future__ import annotations

import json
import platform
import signal
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional

import tensorflow as tf

from keraslab.core import __version__
from keraslab.core.config import RunConfig
from keraslab.core.contract import ModelSpec, Plugin
from keraslab.core.machine import cpu_model

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalGuard:
    """Within its block, SIGINT and SIGTERM ask for a clean stop instead of
    killing the process: `received` holds the signal and `on_signal` (if
    given) is called with it; the trainer finishes its step, checkpoints and
    marks the run interrupted. Outside the main thread (where Python allows
    no handlers) it does nothing. The handlers before it are put back on exit.
    """

    def __init__(self, on_signal: Optional[Callable[[int], None]] = None):
        self.received: Optional[int] = None
        self._on_signal = on_signal
        self._previous: Dict[int, Any] = {}

    def __enter__(self) -> "SignalGuard":
        for sig in STOP_SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                pass
        return self

    def _handle(self, signum, frame) -> None:
        self.received = signum
        if self._on_signal is not None:
            self._on_signal(signum)

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


class MetricsWriter:
    """Appends one JSON object a line to a run's metrics.jsonl (an epoch of a
    Keras model, an evaluation of an agent). `write=False`: a worker of a
    multi-worker run, whose lines the chief writes."""

    def __init__(self, path: Path, write: bool = True):
        self.path, self.write = Path(path), write

    def append(self, record: Mapping[str, Any]) -> None:
        if not self.write:
            return
        with open(self.path, "a") as stream:
            stream.write(json.dumps(dict(record)) + "\n")


def run_summary(plugin: Plugin, spec: ModelSpec, config: RunConfig, dataset: str, strategy: str) -> Dict[str, Any]:
    """The fields every summary.json starts with: what was trained, on what,
    where and with which versions; each trainer adds its own metrics and
    counts."""
    return {
        "plugin": plugin.name,
        "model": spec.name,
        "dataset": dataset,
        "training": spec.training,
        "strategy": strategy,
        "precision": tf.keras.mixed_precision.global_policy().name,
        "device": device_description(),
        "seed": config.train.seed,
        "versions": versions(),
    }


def device_description() -> str:
    """The GPUs' names, or the CPU's model."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
        return ", ".join(names)
    return f"CPU: {cpu_model()}"


def versions() -> Mapping[str, str]:
    """Python's, TensorFlow's and keraslab's versions, and TFP's and
    tf-agents' where the run imported them."""
    found = {"python": platform.python_version(), "tensorflow": tf.__version__, "keraslab": __version__}
    for module in ("tensorflow_probability", "tf_agents"):
        imported = sys.modules.get(module)
        if imported is not None:
            found[module] = getattr(imported, "__version__", "?")
    return found
