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
from typing import Any

from keraslab.core.contract import Plugin
from keraslab.core.refs import resolve_declared
from keraslab.core.validation import fail, validate_plugin

__all__ = ["check_plugin", "validate_plugin"]


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
                raise fail(name, "commands", f"expected click commands, received {type(command).__name__}")
    if not build:
        return
    from keraslab.core import building

    for model in plugin.models:
        if not model.trains_on_data:
            continue
        field = f"model '{model.name}'"
        config = building.default_config(model)
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, synthetic=True))
        splits = building.load_splits(plugin, model, config.data)
        keras_model = building.build_model(model, config, building.data_info(splits), plugin=name)
        building.check_model(model, keras_model, splits, plugin=name, dataset=config.data.name)


def _resolve_or_fail(plugin: str, field: str, ref: Any):
    return resolve_declared(ref, f"plugin '{plugin}', {field}")
