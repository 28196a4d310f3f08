"""The layer table of docs/architecture.md holds: every module's imports,
read from its source (AST), obey it, and each kind of violation it forbids
is caught."""

import pytest

from tests.layer_rules import LAYERS, ROOT, imports_of, layer_of, render_table, source_modules, violations

MODULES = dict(source_modules())
KNOWN = sorted(MODULES)
TOPICS = sorted({name.split(".")[2] for name in MODULES if name.startswith("keraslab.plugins.")})


def check(module, source):
    return violations(module, source, KNOWN, TOPICS)


def test_the_source_tree_obeys_the_layer_table():
    found = [problem for module, path in MODULES.items() for problem in check(module, path.read_text())]
    assert not found, "\n".join(found)


def test_every_core_module_has_a_layer():
    unplaced = [m for m in MODULES if m.startswith("keraslab.core") and layer_of(m) is None]
    assert not unplaced, f"add these to a layer in tests/layer_rules.py and docs/architecture.md: {unplaced}"


def test_the_docs_show_the_table_these_rules_enforce():
    assert render_table() in (ROOT / "docs" / "architecture.md").read_text()


def test_the_checker_sees_the_modules_it_should():
    assert TOPICS == ["bayesian", "foundations", "generative", "graph", "rl", "sequence", "vision"]
    assert {"keraslab.core.api", "keraslab.core.export.serving", "keraslab.entrypoints.cli"} <= set(MODULES)
    nested = imports_of("import os\ndef f():\n    import tensorflow\n", KNOWN)
    assert [(i.module, i.top_level) for i in nested] == [("os", True), ("tensorflow", False)]


# Each violation the architecture review found, as it was written, must be caught.
CAUGHT = [
    (
        "keraslab.plugins.vision.cli",
        "def f(ctx):\n    from keraslab.entrypoints.cli import registry_of\n",
        "never imports the command line",
    ),
    (
        "keraslab.plugins.vision.transfer",
        "def f():\n    from keraslab.core import actions, building\n",
        "through keraslab.core.api only",
    ),
    (
        "keraslab.plugins.bayesian.ensemble",
        "def f():\n    from keraslab.core.export.serving import WARMUP_EXAMPLES, Exportable, write_export\n",
        "through keraslab.core.api only",
    ),
    (
        "keraslab.plugins.rl.cli",
        "from keraslab.core.trainer.agents import load_trained_agent\n",
        "through keraslab.core.api only",
    ),
    (
        "keraslab.core.export.serving",
        "from keraslab.core.actions import load_run_config\n",
        "layer 'export' may not import layer 'runs'",
    ),
    (
        "keraslab.core.export.serving",
        "def f():\n    from keraslab.core.trainer.loop import load_trained\n",
        "layer 'export' may not import layer 'trainer'",
    ),
    (
        "keraslab.core.trainer.loop",
        "def f():\n    from keraslab.core import actions\n",
        "layer 'trainer' may not import layer 'runs'",
    ),
    (
        "keraslab.core.registry",
        "def f():\n    from keraslab.core.testing import validate_plugin\n",
        "layer 'declarations' may not import layer 'runs'",
    ),
    (
        "keraslab.plugins.bayesian",
        '_FOUNDATIONS = "keraslab.plugins.foundations.data"\n',
        "refers to plugin 'foundations'",
    ),
    ("keraslab.plugins.sequence", 'LOAD = "keraslab.core.data:split_examples"\n', "through keraslab.core.api only"),
    ("keraslab.core.quickstart", 'MAIN_PLUGINS = ("vision", "foundations")\n', "core knows no topic"),
    ("keraslab.core.actions", 'def f(plugin):\n    return plugin.name == "vision"\n', "core knows no topic"),
    ("keraslab.core.building", "def f():\n    import keraslab.plugins.vision.models\n", "core knows no plugin"),
    ("keraslab.core.config", "import numpy as np\n", "layer 'declarations' imports numpy only inside"),
    ("keraslab.core.data", "import tensorflow as tf\n", "layer 'data' imports tensorflow only inside"),
    ("keraslab.plugins.vision", "import tensorflow as tf\n", "declaration imports no TensorFlow"),
    (
        "keraslab.plugins.vision.models",
        "from keraslab.plugins.sequence.data.text import Vocabulary\n",
        "may not import another plugin",
    ),
    ("keraslab.entrypoints.cli", "import tensorflow\n", "only inside the commands"),
    ("keraslab.entrypoints.cli", "def f():\n    from keraslab.plugins.vision import plugin\n", "names no plugin"),
]


@pytest.mark.parametrize("module,source,expected", CAUGHT, ids=[f"{m}-{e}" for m, _, e in CAUGHT])
def test_each_kind_of_violation_is_caught(module, source, expected):
    found = check(module, source)
    assert found and all(expected in problem for problem in found), found


ALLOWED = [
    ("keraslab.plugins.vision.cli", "def f():\n    from keraslab.core.api import open_finished_run, registry_of\n"),
    ("keraslab.plugins.vision", "from keraslab.core import api\nfrom keraslab.core.api import Plugin\n"),
    ("keraslab.plugins.vision", '_MODELS = "keraslab.plugins.vision.models"\nX = "keraslab.core.api:digits"\n'),
    ("keraslab.plugins.vision.models", "import tensorflow as tf\nfrom keraslab.plugins.vision import config\n"),
    ("keraslab.core.actions", "def f():\n    from keraslab.core.trainer.loop import train\n"),
    ("keraslab.core.api", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\n"),
    ("keraslab.core.data", "import numpy as np\n"),
    ("keraslab.core.quickstart", '"""Trains vision\'s CNN (a docstring may say so)."""\n'),
]


@pytest.mark.parametrize("module,source", ALLOWED)
def test_what_the_table_allows_passes(module, source):
    assert check(module, source) == []


def test_layers_are_listed_bottom_first():
    assert [layer.name for layer in LAYERS] == ["declarations", "data", "export", "trainer", "runs"]
