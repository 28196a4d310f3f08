"""The registry: lazy discovery, isolation of broken plugins, strict mode."""

import dataclasses
import sys

import pytest

from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin
from keraslab.core.errors import PluginError, UnknownNameError
from keraslab.core.registry import Registry
from keraslab.plugins.foundations.config import LinearConfig


def toy_plugin(name="toy"):
    return Plugin(
        name=name,
        topic="toys",
        version="1.0",
        description="A toy.",
        models=(
            ModelSpec(
                "linear",
                "A linear model.",
                "keraslab.plugins.foundations.models:build_softmax_regression",
                LinearConfig(),
                default_dataset="xor",
            ),
        ),
        datasets=(
            DatasetSpec(
                "xor",
                "XOR.",
                "keraslab.plugins.foundations.data:make_xor",
                "keraslab.plugins.foundations.data:synthetic_xor",
            ),
        ),
    )


def test_builtin_plugins_are_found_through_entry_points(registry):
    assert "foundations" in registry.names()
    record = next(r for r in registry.records() if r.name == "foundations")
    assert record.distribution == "keraslab"
    assert record.status == "loaded"


def test_discovery_imports_nothing(fake_entry_point):
    loaded = []
    registry = Registry([fake_entry_point("toy", lambda: loaded.append(1) or toy_plugin())])
    assert registry.names() == ["toy"]
    assert loaded == []  # metadata only until first use
    assert registry.get("toy").name == "toy"
    assert loaded == [1]
    registry.get("toy")
    assert loaded == [1]  # loaded once


def test_entry_point_may_name_a_factory_or_a_plugin(fake_entry_point):
    registry = Registry(
        [fake_entry_point("toy", lambda: toy_plugin), fake_entry_point("toy2", lambda: toy_plugin("toy2"))]
    )
    assert registry.get("toy").name == "toy"
    assert registry.get("toy2").name == "toy2"


def _raise_import():
    raise ImportError("No module named 'missing_dependency'")


def _raise_at_call():
    def factory():
        raise RuntimeError("factory exploded")

    return factory


@pytest.mark.parametrize(
    "load, expected",
    [
        (_raise_import, "ImportError: No module named 'missing_dependency'"),
        (_raise_at_call, "RuntimeError: factory exploded"),
        (lambda: 42, "gave a int, expected a keraslab.core.contract.Plugin"),
        (lambda: toy_plugin("other"), "plugin calls itself 'other'"),
        (lambda: dataclasses.replace(toy_plugin("bad"), models=()), "models: must be a non-empty tuple"),
    ],
)
def test_broken_plugins_are_recorded_and_isolated(fake_entry_point, load, expected):
    registry = Registry([fake_entry_point("bad", load), fake_entry_point("toy", toy_plugin)], strict=False)
    records = {r.name: r for r in registry.records()}
    assert records["bad"].status == "broken"
    assert expected in records["bad"].error
    assert records["toy"].status == "loaded"
    assert [p.name for p in registry.plugins()] == ["toy"]
    with pytest.raises(PluginError, match="Plugin 'bad' .* is broken"):
        registry.get("bad")


def test_strict_mode_raises(fake_entry_point, monkeypatch):
    monkeypatch.setenv("KERASLAB_STRICT_PLUGINS", "1")
    registry = Registry([fake_entry_point("bad", _raise_import)])
    with pytest.raises(PluginError, match="failed to load: ImportError"):
        registry.records()


@pytest.mark.parametrize("builtin_first", [True, False])
def test_a_builtin_keeps_its_name_whatever_the_order(fake_entry_point, builtin_first):
    builtin = fake_entry_point("toy", toy_plugin, value="keraslab.plugins.toy:plugin", dist="keraslab")
    intruder = fake_entry_point("toy", lambda: toy_plugin(), value="evil.plugin:toy", dist="evil")
    registry = Registry([builtin, intruder] if builtin_first else [intruder, builtin])
    records = registry.records()
    assert [(r.distribution, r.status) for r in records] == [("keraslab", "loaded"), ("evil", "broken")]
    assert records[1].error == (
        "distribution 'evil' declares plugin 'toy' (evil.plugin:toy), but 'toy' is keraslab's built-in "
        "plugin, which was kept; rename the entry point in 'evil'"
    )
    assert registry.get("toy").name == "toy"


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_two_third_parties_claiming_one_name_are_both_refused(fake_entry_point, order):
    claimants = [
        fake_entry_point("toy", toy_plugin, value="a:toy", dist="first"),
        fake_entry_point("toy", toy_plugin, value="b:toy", dist="second"),
    ]
    registry = Registry([claimants[i] for i in order])
    records = registry.records()
    assert [(r.distribution, r.status) for r in records] == [("first", "broken"), ("second", "broken")]
    assert "claimed by distributions 'first' (a:toy) and 'second' (b:toy)" in records[0].error
    with pytest.raises(PluginError, match="Plugin 'toy' \\(first\\) is broken: plugin name 'toy' is claimed"):
        registry.get("toy")


def test_a_taken_name_is_raised_in_strict_mode(fake_entry_point):
    builtin = fake_entry_point("toy", toy_plugin, value="keraslab.plugins.toy:plugin", dist="keraslab")
    intruder = fake_entry_point("toy", toy_plugin, value="evil.plugin:toy", dist="evil")
    with pytest.raises(PluginError, match="'toy' is keraslab's built-in plugin, which was kept"):
        Registry([intruder, builtin], strict=True)


def test_unknown_plugin_lists_the_available(fake_entry_point):
    registry = Registry([fake_entry_point("toy", toy_plugin)])
    with pytest.raises(UnknownNameError, match=r"Unknown plugin 'toi'. Available: toy."):
        registry.get("toi")


def test_registries_are_independent(fake_entry_point):
    first = Registry([fake_entry_point("toy", toy_plugin)])
    second = Registry([])
    second.add(toy_plugin("solo"))
    assert first.names() == ["toy"] and second.names() == ["solo"]


def test_unknown_model_and_dataset_list_the_available():
    plugin = toy_plugin()
    with pytest.raises(UnknownNameError, match=r"Unknown model 'linar' for plugin 'toy'. Available: linear."):
        plugin.model("linar")
    with pytest.raises(UnknownNameError, match=r"Unknown dataset 'xr' for plugin 'toy'. Available: xor."):
        plugin.dataset("xr")


def test_listing_plugins_does_not_import_tensorflow():
    import subprocess

    code = (
        "import sys; from keraslab.core.registry import Registry; r = Registry(); r.records(); "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
