"""The public API of keraslab's core: everything a plugin may use.

A plugin imports from this module only (`tests/test_layers.py` fails on any
other import of `keraslab.core` or `keraslab.entrypoints` under
`keraslab.plugins`). What is here is kept working across releases; the
modules behind it may change.

Importing this module is cheap: the names that need NumPy, Matplotlib or
TensorFlow are imported when first used (PEP 562 `__getattr__`), so a
plugin's `__init__` and `config` can import it and `keraslab --help` still
starts without TensorFlow.

Declaring a plugin
    `Plugin`, `ModelSpec`, `DatasetSpec`, `DataInfo`, `__version__`
Configuration
    `RunConfig`, `DataConfig`, `OptimizerConfig`, `ScheduleConfig`,
    `TrainConfig`
Errors (one line and exit status 2 at the command line)
    `KeraslabError`, `ConfigError`, `PluginError`, `RunError`
Data
    `Examples`, `split_examples`, `read_table`, `load_splits`; the shared
    embedded datasets `digits`, `synthetic_digits`, `DIGIT_NAMES`,
    `diabetes`, `synthetic_regression`
Models
    `OwnLossModel` (a model that computes its own loss), `AgentProgram` (an
    agent the shared trainer runs)
Runs, for a plugin's own commands
    `Registry`, `registry_of(click_context)`, `open_finished_run`,
    `FinishedRun`, `resolve_run_config`, `load_run_config`, `start_training`,
    `ensure_trained`, `evaluate_run`, `export_run`, `RunDir`
Testing a plugin
    `check_plugin` (every reference resolved, every model built on its
    synthetic data), `validate_plugin` (the declaration alone)
Exports
    `ExportContext`, `serving_default`, `classifier_outputs`,
    `image_signatures`, `Exportable`, `write_export`, `check_export_name`,
    `WARMUP_EXAMPLES`, `read_request`
Plots
    `pyplot` (Matplotlib's pyplot on a file-only backend)
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keraslab.core import __version__
from keraslab.core.config import DataConfig, OptimizerConfig, RunConfig, ScheduleConfig, TrainConfig
from keraslab.core.contract import DataInfo, DatasetSpec, ModelSpec, Plugin
from keraslab.core.errors import ConfigError, KeraslabError, PluginError, RunError
from keraslab.core.registry import Registry, registry_of
from keraslab.core.rundir import RunDir

if TYPE_CHECKING:
    pass

# The names imported on first use, and the module each comes from.
_LAZY = {
    **dict.fromkeys(("FinishedRun", "ensure_trained", "evaluate_run", "export_run", "load_run_config",
                     "open_finished_run", "resolve_run_config", "start_training"), "keraslab.core.actions"),
    "load_splits": "keraslab.core.building",
    **dict.fromkeys(("Examples", "split_examples"), "keraslab.core.data"),
    **dict.fromkeys(("DIGIT_NAMES", "digits", "synthetic_digits", "diabetes", "synthetic_regression"),
                    "keraslab.core.sample_data"),
    "read_request": "keraslab.core.export.predict",
    **dict.fromkeys(("WARMUP_EXAMPLES", "Exportable", "check_export_name", "write_export"),
                    "keraslab.core.export.serving"),
    **dict.fromkeys(("ExportContext", "classifier_outputs", "image_signatures", "serving_default"),
                    "keraslab.core.export.signatures"),
    "pyplot": "keraslab.core.plots",
    "read_table": "keraslab.core.tables",
    **dict.fromkeys(("check_plugin", "validate_plugin"), "keraslab.core.testing"),
    "AgentProgram": "keraslab.core.trainer.agents",
    "OwnLossModel": "keraslab.core.trainer.own_loss",
}

__all__ = [
    "__version__", "Plugin", "ModelSpec", "DatasetSpec", "DataInfo",
    "RunConfig", "DataConfig", "OptimizerConfig", "ScheduleConfig", "TrainConfig",
    "KeraslabError", "ConfigError", "PluginError", "RunError",
    "Registry", "registry_of", "RunDir",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Imports a lazy name's module on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'keraslab.core.api' has no attribute '{name}'")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(__all__)
