"""Checks of a plugin's declaration alone: names, types and the shape of
its lazy references, without importing any of its code. The registry runs
`validate_plugin` on every plugin it loads; `keraslab.core.testing.check_plugin`
runs it first, then resolves and builds everything.
"""

from __future__ import annotations

import dataclasses
from typing import Any, List

from keraslab.core.config import DataConfig
from keraslab.core.contract import NAME_PATTERN, TASKS, TRAINING_KINDS, DatasetSpec, ModelSpec, Plugin
from keraslab.core.errors import PluginError


def fail(plugin_name: str, field: str, problem: str) -> PluginError:
    return PluginError(f"plugin '{plugin_name}', {field}: {problem}")


def _check_ref(plugin: str, field: str, ref: Any, optional: bool = False) -> None:
    if ref is None and optional:
        return
    if callable(ref):
        return
    if isinstance(ref, str) and ref.count(":") == 1 and all(ref.split(":")):
        return
    raise fail(plugin, field, f"expected a callable or a 'module:attribute' string, received {ref!r}")


def validate_plugin(plugin: Plugin) -> None:
    """Checks a plugin's declaration without importing any of its code.

    Raises:
        PluginError: naming the plugin and the offending field.
    """
    name = getattr(plugin, "name", "?")
    if not isinstance(plugin, Plugin):
        raise PluginError(f"plugin '{name}': expected a keraslab Plugin, received {type(plugin).__name__}")
    for field in ("name", "topic", "version", "description"):
        value = getattr(plugin, field)
        if not isinstance(value, str) or not value.strip():
            raise fail(name, field, f"must be a non-empty string, received {value!r}")
    if not NAME_PATTERN.match(plugin.name):
        raise fail(name, "name", "must be lowercase letters, digits and '-', starting with a letter")
    if not isinstance(plugin.main_job, int) or isinstance(plugin.main_job, bool) or plugin.main_job < 0:
        raise fail(name, "main_job", f"must be an integer rank ≥ 0, received {plugin.main_job!r}")
    if not isinstance(plugin.models, tuple) or not plugin.models:
        raise fail(name, "models", "must be a non-empty tuple of ModelSpec")
    if not isinstance(plugin.datasets, tuple):
        raise fail(name, "datasets", "must be a tuple of DatasetSpec")
    _check_unique(name, "models", [m.name for m in plugin.models if isinstance(m, ModelSpec)])
    _check_unique(name, "datasets", [d.name for d in plugin.datasets if isinstance(d, DatasetSpec)])
    dataset_names = {d.name for d in plugin.datasets if isinstance(d, DatasetSpec)}
    for i, dataset in enumerate(plugin.datasets):
        field = _check_entry(name, "datasets", i, dataset, DatasetSpec)
        _check_ref(name, f"{field}.load", dataset.load)
        _check_ref(name, f"{field}.synthetic", dataset.synthetic)
    for i, model in enumerate(plugin.models):
        field = _check_entry(name, "models", i, model, ModelSpec)
        if not isinstance(model.description, str) or not model.description.strip():
            raise fail(name, f"{field}.description", "must be a non-empty string")
        if model.training not in TRAINING_KINDS:
            raise fail(name, f"{field}.training", f"received {model.training!r}; accepted: {', '.join(TRAINING_KINDS)}")
        if model.task not in TASKS:
            raise fail(name, f"{field}.task", f"received {model.task!r}; accepted: {', '.join(TASKS)}")
        if not dataclasses.is_dataclass(model.config) or isinstance(model.config, type):
            raise fail(name, f"{field}.config", "must be an instance of a frozen dataclass")
        if not type(model.config).__dataclass_params__.frozen:
            raise fail(name, f"{field}.config", f"{type(model.config).__name__} must be frozen")
        data_config = model.data_config
        if not (isinstance(data_config, type) and issubclass(data_config, DataConfig)):
            raise fail(
                name, f"{field}.data_config", f"must be DataConfig or a subclass of it, received {data_config!r}"
            )
        _check_ref(name, f"{field}.build", model.build)
        _check_ref(name, f"{field}.preset", model.preset, optional=True)
        _check_ref(name, f"{field}.export", model.export, optional=True)
        _check_ref(name, f"{field}.report", model.report, optional=True)
        if model.trains_on_data and model.default_dataset not in dataset_names:
            raise fail(
                name,
                f"{field}.default_dataset",
                f"'{model.default_dataset}' is not one of the plugin's datasets "
                f"({', '.join(sorted(dataset_names)) or 'none'})",
            )
        if not isinstance(model.input_name, str) or not model.input_name.isidentifier():
            raise fail(name, f"{field}.input_name", f"must be an identifier, received {model.input_name!r}")
    if plugin.commands is not None:
        _check_ref(name, "commands", plugin.commands)


def _check_entry(
    plugin: str, collection: str, index: int, entry: Any, kind: type[ModelSpec] | type[DatasetSpec]
) -> str:
    """Checks the type and name of `plugin.<collection>[index]`; returns how
    messages name it ("model 'mlp'")."""
    if not isinstance(entry, kind):
        raise fail(plugin, f"{collection}[{index}]", f"expected a {kind.__name__}, received {type(entry).__name__}")
    name = getattr(entry, "name", None)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise fail(plugin, f"{collection}[{index}].name", f"invalid name {name!r}")
    return f"{collection[:-1]} '{name}'"


def _check_unique(plugin: str, field: str, names: List[str]) -> None:
    seen = set()
    for item in names:
        if item in seen:
            raise fail(plugin, field, f"name '{item}' is used twice")
        seen.add(item)
