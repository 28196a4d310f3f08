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
    `RunConfig` and its sections `DataConfig`, `OptimizerConfig`,
    `ScheduleConfig`, `TrainConfig`, `CheckpointConfig`, `DevicesConfig`,
    `InitConfig`, `AgentConfig`; `ranged` declares a field's accepted range
Errors (one line and exit status 2 at the command line)
    `KeraslabError`, `ConfigError`, `PluginError`, `RunError`
Data
    `Examples`, `split_examples`, `read_table`, `load_splits`; streamed
    from files: `ExampleFiles`, `split_files`, `image_folder`,
    `mapped_features` (a streamed set in the form a plugin's models take),
    `held_in_memory`, `splits_held_in_memory` (a bounded part of any
    split, in memory, for a report); `LinkedExamples`
    (examples that are not independent rows, the nodes of a graph: they
    make their own batches); from record files (TFRecord shards, CSV files of any size): `ExampleRecords`,
    `split_records`; and `predict_split` (a model's outputs over any split); the shared
    embedded datasets `digits`, `synthetic_digits`, `DIGIT_NAMES`,
    `diabetes`, `synthetic_regression`, and as loaders of a table or the
    user's file: `digit_table`, `synthetic_digit_table`, `diabetes_table`,
    `synthetic_regression_table`
Models
    `OwnLossModel` (a model that computes its own loss), `AgentProgram` (an
    agent the shared trainer runs)
Runs, for a plugin's own commands
    `Registry`, `registry_of(click_context)`, `open_finished_run`,
    `FinishedRun`, `resolve_run_config`, `load_run_config`, `start_training`,
    `ensure_trained`, `evaluate_run`, `export_run`, `RunDir`; studies:
    `train_variants` (one run per variant, resumable) and `VariantRun`
Testing a plugin
    `check_plugin` (every reference resolved, every model built on its
    synthetic data), `validate_plugin` (the declaration alone)
Exports
    `ExportContext`, `serving_default`, `classifier_outputs`,
    `image_signatures`, `Exportable`, `write_export`, `check_export_name`,
    `WARMUP_EXAMPLES`, `read_request`
Plots
    `pyplot` (Matplotlib's pyplot on a file-only backend); `save_figure`
    (lay out, write and close a figure); `plot_runs` and `Panel`: several
    runs of a study on one figure
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keraslab.core import __version__
from keraslab.core.config import (
    AgentConfig,
    CheckpointConfig,
    DataConfig,
    DevicesConfig,
    InitConfig,
    OptimizerConfig,
    RunConfig,
    ScheduleConfig,
    TrainConfig,
    ranged,
)
from keraslab.core.contract import DataInfo, DatasetSpec, ModelSpec, Plugin
from keraslab.core.errors import ConfigError, KeraslabError, PluginError, RunError
from keraslab.core.registry import Registry, registry_of
from keraslab.core.rundir import RunDir

if TYPE_CHECKING:  # what the lazy names are, for type checkers and readers
    from keraslab.core.actions import (
        FinishedRun,
        ensure_trained,
        evaluate_run,
        export_run,
        load_run_config,
        open_finished_run,
        resolve_run_config,
        start_training,
    )
    from keraslab.core.building import load_splits
    from keraslab.core.data import Examples, held_in_memory, split_examples, splits_held_in_memory
    from keraslab.core.export.predict import read_request
    from keraslab.core.export.serving import WARMUP_EXAMPLES, Exportable, check_export_name, write_export
    from keraslab.core.export.signatures import ExportContext, classifier_outputs, image_signatures, serving_default
    from keraslab.core.image_folders import image_folder, mapped_features
    from keraslab.core.linked import LinkedExamples
    from keraslab.core.plots import Panel, plot_runs, pyplot, save_figure
    from keraslab.core.records import ExampleRecords, split_records
    from keraslab.core.sample_data import (
        DIGIT_NAMES,
        diabetes,
        diabetes_table,
        digit_table,
        digits,
        synthetic_digit_table,
        synthetic_digits,
        synthetic_regression,
        synthetic_regression_table,
    )
    from keraslab.core.streams import ExampleFiles, split_files
    from keraslab.core.studies import VariantRun, train_variants
    from keraslab.core.tables import read_table
    from keraslab.core.testing import check_plugin, validate_plugin
    from keraslab.core.trainer.agents import AgentProgram
    from keraslab.core.trainer.own_loss import OwnLossModel
    from keraslab.core.trainer.pipeline import predict_split

# The names imported on first use, and the module each comes from.
_LAZY = {
    **dict.fromkeys(
        (
            "FinishedRun",
            "ensure_trained",
            "evaluate_run",
            "export_run",
            "load_run_config",
            "open_finished_run",
            "resolve_run_config",
            "start_training",
        ),
        "keraslab.core.actions",
    ),
    "load_splits": "keraslab.core.building",
    **dict.fromkeys(("Examples", "split_examples", "held_in_memory", "splits_held_in_memory"), "keraslab.core.data"),
    "read_request": "keraslab.core.export.predict",
    "LinkedExamples": "keraslab.core.linked",
    **dict.fromkeys(("image_folder", "mapped_features"), "keraslab.core.image_folders"),
    **dict.fromkeys(("ExampleRecords", "split_records"), "keraslab.core.records"),
    **dict.fromkeys(("ExampleFiles", "split_files"), "keraslab.core.streams"),
    "predict_split": "keraslab.core.trainer.pipeline",
    **dict.fromkeys(
        ("WARMUP_EXAMPLES", "Exportable", "check_export_name", "write_export"), "keraslab.core.export.serving"
    ),
    **dict.fromkeys(
        ("ExportContext", "classifier_outputs", "image_signatures", "serving_default"),
        "keraslab.core.export.signatures",
    ),
    **dict.fromkeys(("Panel", "plot_runs", "pyplot", "save_figure"), "keraslab.core.plots"),
    **dict.fromkeys(
        (
            "DIGIT_NAMES",
            "diabetes",
            "diabetes_table",
            "digit_table",
            "digits",
            "synthetic_digit_table",
            "synthetic_digits",
            "synthetic_regression",
            "synthetic_regression_table",
        ),
        "keraslab.core.sample_data",
    ),
    **dict.fromkeys(("VariantRun", "train_variants"), "keraslab.core.studies"),
    "read_table": "keraslab.core.tables",
    **dict.fromkeys(("check_plugin", "validate_plugin"), "keraslab.core.testing"),
    "AgentProgram": "keraslab.core.trainer.agents",
    "OwnLossModel": "keraslab.core.trainer.own_loss",
}

# Written out, not derived from _LAZY, so that linters see every name as exported.
__all__ = [
    "__version__",
    "Plugin",
    "ModelSpec",
    "DatasetSpec",
    "DataInfo",
    "RunConfig",
    "DataConfig",
    "OptimizerConfig",
    "ScheduleConfig",
    "TrainConfig",
    "CheckpointConfig",
    "DevicesConfig",
    "InitConfig",
    "AgentConfig",
    "ranged",
    "KeraslabError",
    "ConfigError",
    "PluginError",
    "RunError",
    "Registry",
    "registry_of",
    "RunDir",
    "FinishedRun",
    "ensure_trained",
    "evaluate_run",
    "export_run",
    "load_run_config",
    "open_finished_run",
    "resolve_run_config",
    "start_training",
    "load_splits",
    "Examples",
    "split_examples",
    "held_in_memory",
    "splits_held_in_memory",
    "LinkedExamples",
    "ExampleFiles",
    "split_files",
    "ExampleRecords",
    "split_records",
    "image_folder",
    "mapped_features",
    "predict_split",
    "read_request",
    "WARMUP_EXAMPLES",
    "Exportable",
    "check_export_name",
    "write_export",
    "ExportContext",
    "classifier_outputs",
    "image_signatures",
    "serving_default",
    "pyplot",
    "Panel",
    "plot_runs",
    "save_figure",
    "DIGIT_NAMES",
    "diabetes",
    "diabetes_table",
    "digit_table",
    "digits",
    "synthetic_digit_table",
    "synthetic_digits",
    "synthetic_regression",
    "synthetic_regression_table",
    "read_table",
    "VariantRun",
    "train_variants",
    "check_plugin",
    "validate_plugin",
    "AgentProgram",
    "OwnLossModel",
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
