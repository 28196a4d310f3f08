"""The plugin contract, checked over every discovered plugin."""

import dataclasses

import pytest

from keraslab.core.errors import PluginError
from keraslab.core.registry import Registry
from keraslab.core.testing import check_plugin, validate_plugin
from tests.test_registry import toy_plugin

DISCOVERED = Registry().names()


@pytest.mark.parametrize("name", DISCOVERED)
def test_every_discovered_plugin_honours_the_contract(name):
    check_plugin(Registry(strict=True).get(name))


def test_check_plugin_builds_models():
    check_plugin(toy_plugin())


def _with_model(**changes):
    plugin = toy_plugin()
    return dataclasses.replace(plugin, models=(dataclasses.replace(plugin.models[0], **changes),))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"training": "gradient"}, "model 'linear'.training"),
        ({"task": "ranking"}, "model 'linear'.task"),
        ({"name": "Bad Name"}, "models[0].name"),
        ({"config": dict(a=1)}, "model 'linear'.config"),
        ({"build": 42}, "model 'linear'.build"),
        ({"default_dataset": "mnist"}, "model 'linear'.default_dataset"),
        ({"input_name": "not an identifier"}, "model 'linear'.input_name"),
        ({"data_config": dict}, "model 'linear'.data_config"),
    ],
)
def test_validation_names_plugin_and_field(changes, field):
    with pytest.raises(PluginError) as error:
        validate_plugin(_with_model(**changes))
    assert str(error.value).startswith(f"plugin 'toy', {field}:")


def test_unfrozen_config_is_refused():
    @dataclasses.dataclass
    class Loose:
        x: int = 1

    with pytest.raises(PluginError, match="must be frozen"):
        validate_plugin(_with_model(config=Loose()))


def test_unresolvable_builder_is_found_by_check_plugin():
    plugin = _with_model(build="keraslab.plugins.foundations.models:no_such_builder")
    validate_plugin(plugin)  # the declaration is well-formed ...
    with pytest.raises(PluginError, match="model 'linear'.build: cannot resolve"):
        check_plugin(plugin, build=False)  # ... but it names nothing


def test_duplicate_model_names_are_refused():
    plugin = toy_plugin()
    twice = dataclasses.replace(plugin, models=plugin.models * 2)
    with pytest.raises(PluginError, match="name 'linear' is used twice"):
        validate_plugin(twice)


def test_agent_models_need_no_dataset():
    validate_plugin(_with_model(training="agent", task="control", default_dataset=""))  # raises if not
    with pytest.raises(PluginError, match="default_dataset"):
        validate_plugin(_with_model(training="fit", default_dataset=""))  # a Keras model does need one
