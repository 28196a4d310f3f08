"""Contract checks for plugins, public so third-party authors can run them.

    from keraslab.core.testing import check_plugin
    from my_plugin import plugin

    def test_my_plugin_honours_the_contract():
        check_plugin(plugin)

`validate_plugin` checks the declaration only (names, types, references) and
is what the registry runs when it loads a plugin. `check_plugin` also resolves
every lazy reference, loads each dataset's synthetic variant, builds every
model on it and runs one forward pass. Every failure names the plugin and the
field that is wrong.
"""
from __future__ import annotations

import dataclasses
from typing import Any, List

from keraslab.core.contract import NAME_PATTERN, TASKS, TRAINING_KINDS, DatasetSpec, ModelSpec, Plugin
from keraslab.core.errors import PluginError
from keraslab.core.refs import resolve_declared


def _fail(plugin_name: str, field: str, problem: str) -> PluginError:
    return PluginError(f"plugin '{plugin_name}', {field}: {problem}")


def _check_ref(plugin: str, field: str, ref: Any, optional: bool = False) -> None:
    if ref is None and optional:
        return
    if callable(ref):
        return
    if isinstance(ref, str) and ref.count(":") == 1 and all(ref.split(":")):
        return
    raise _fail(plugin, field, f"expected a callable or a 'module:attribute' string, received {ref!r}")


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
            raise _fail(name, field, f"must be a non-empty string, received {value!r}")
    if not NAME_PATTERN.match(plugin.name):
        raise _fail(name, "name", "must be lowercase letters, digits and '-', starting with a letter")
    if not isinstance(plugin.models, tuple) or not plugin.models:
        raise _fail(name, "models", "must be a non-empty tuple of ModelSpec")
    if not isinstance(plugin.datasets, tuple):
        raise _fail(name, "datasets", "must be a tuple of DatasetSpec")
    _check_unique(name, "models", [m.name for m in plugin.models if isinstance(m, ModelSpec)])
    _check_unique(name, "datasets", [d.name for d in plugin.datasets if isinstance(d, DatasetSpec)])
    dataset_names = {d.name for d in plugin.datasets if isinstance(d, DatasetSpec)}
    for i, dataset in enumerate(plugin.datasets):
        if not isinstance(dataset, DatasetSpec):
            raise _fail(name, f"datasets[{i}]", f"expected a DatasetSpec, received {type(dataset).__name__}")
        field = f"dataset '{dataset.name}'"
        if not isinstance(dataset.name, str) or not NAME_PATTERN.match(dataset.name):
            raise _fail(name, f"datasets[{i}].name", f"invalid name {dataset.name!r}")
        _check_ref(name, f"{field}.load", dataset.load)
        _check_ref(name, f"{field}.synthetic", dataset.synthetic)
    for i, model in enumerate(plugin.models):
        if not isinstance(model, ModelSpec):
            raise _fail(name, f"models[{i}]", f"expected a ModelSpec, received {type(model).__name__}")
        field = f"model '{model.name}'"
        if not isinstance(model.name, str) or not NAME_PATTERN.match(model.name):
            raise _fail(name, f"models[{i}].name", f"invalid name {model.name!r}")
        if not isinstance(model.description, str) or not model.description.strip():
            raise _fail(name, f"{field}.description", "must be a non-empty string")
        if model.training not in TRAINING_KINDS:
            raise _fail(name, f"{field}.training", f"received {model.training!r}; accepted: {', '.join(TRAINING_KINDS)}")
        if model.task not in TASKS:
            raise _fail(name, f"{field}.task", f"received {model.task!r}; accepted: {', '.join(TASKS)}")
        if not dataclasses.is_dataclass(model.config) or isinstance(model.config, type):
            raise _fail(name, f"{field}.config", "must be an instance of a frozen dataclass")
        if not type(model.config).__dataclass_params__.frozen:
            raise _fail(name, f"{field}.config", f"{type(model.config).__name__} must be frozen")
        _check_ref(name, f"{field}.build", model.build)
        _check_ref(name, f"{field}.preset", model.preset, optional=True)
        _check_ref(name, f"{field}.export", model.export, optional=True)
        _check_ref(name, f"{field}.report", model.report, optional=True)
        if model.training != "agent" and model.default_dataset not in dataset_names:
            raise _fail(
                name, f"{field}.default_dataset",
                f"'{model.default_dataset}' is not one of the plugin's datasets ({', '.join(sorted(dataset_names)) or 'none'})",
            )
        if not isinstance(model.input_name, str) or not model.input_name.isidentifier():
            raise _fail(name, f"{field}.input_name", f"must be an identifier, received {model.input_name!r}")
    if plugin.commands is not None:
        _check_ref(name, "commands", plugin.commands)


def _check_unique(plugin: str, field: str, names: List[str]) -> None:
    seen = set()
    for item in names:
        if item in seen:
            raise _fail(plugin, field, f"name '{item}' is used twice")
        seen.add(item)


def check_plugin(plugin: Plugin, build: bool = True) -> None:
    """Checks a plugin fully against the contract.

    Beyond `validate_plugin`, it resolves every lazy reference, checks the
    extra commands are click commands, loads every dataset's synthetic
    variant and, with `build=True`, builds every non-agent model on its
    default dataset's synthetic variant and checks it as the trainer does
    before a run (`building.check_model`: a `tf.keras.Model`, accepting the
    dataset's examples, one output row per example, logits for a classifier).

    Args:
        plugin: the plugin to check.
        build: also build the models (imports TensorFlow).

    Raises:
        PluginError: naming the plugin, the field and the problem.
    """
    import click

    validate_plugin(plugin)
    name = plugin.name
    for model in plugin.models:
        for field in ("build", "preset", "export", "report"):
            ref = getattr(model, field)
            if ref is not None:
                _resolve_or_fail(name, f"model '{model.name}'.{field}", ref)
    for dataset in plugin.datasets:
        for field in ("load", "synthetic"):
            _resolve_or_fail(name, f"dataset '{dataset.name}'.{field}", getattr(dataset, field))
    if plugin.commands is not None:
        commands = _resolve_or_fail(name, "commands", plugin.commands)()
        for command in commands:
            if not isinstance(command, click.Command):
                raise _fail(name, "commands", f"expected click commands, received {type(command).__name__}")
    if not build:
        return
    from keraslab.core import building

    for model in plugin.models:
        if model.training == "agent":
            continue
        field = f"model '{model.name}'"
        config = building.default_config(model)
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, synthetic=True))
        splits = building.load_splits(plugin, model, config.data)
        keras_model = building.build_model(model, config, building.data_info(splits), plugin=name)
        building.check_model(model, keras_model, splits, plugin=name, dataset=config.data.name)


def _resolve_or_fail(plugin: str, field: str, ref: Any):
    return resolve_declared(ref, f"plugin '{plugin}', {field}")
