"""Third-party plugins, for real: pip-installed distributions with entry points.

The example plugin (tests/example_plugins/keraslab-example-plugin) and a
deliberately broken one are installed with pip into a temporary target; the
CLI then runs in a subprocess that has that target on its path.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent / "example_plugins"


def install(tmp_path_factory, *names):
    """A folder with the example distributions `names` pip-installed into it."""
    target = tmp_path_factory.mktemp("site")
    for name in names:
        source = tmp_path_factory.mktemp("src") / name
        subprocess.run(["cp", "-r", str(EXAMPLES / name), str(source)], check=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--target",
                str(target),
                str(source),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PIP_CONSTRAINT": ""},
        )
    return target


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    return install(tmp_path_factory, "keraslab-example-plugin", "keraslab-broken-plugin")


def keraslab(site, *args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("KERASLAB_STRICT_PLUGINS", None)
    return subprocess.run(
        [sys.executable, "-m", "keraslab.entrypoints.cli", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_installed_plugins_are_listed_with_their_status(plugin_site):
    out = keraslab(plugin_site, "plugins", "--json")
    assert out.returncode == 0, out.stderr
    rows = {row["name"]: row for row in json.loads(out.stdout)}
    assert rows["example"]["status"] == "loaded"
    assert rows["example"]["distribution"] == "keraslab-example-plugin"
    assert rows["example"]["version"] == "0.3.0"
    assert rows["broken"]["status"] == "broken"
    assert "No module named 'a_module_that_is_not_installed'" in rows["broken"]["error"]
    assert rows["foundations"]["status"] == "loaded"


def test_example_model_is_listed_and_its_command_works(plugin_site):
    listing = keraslab(plugin_site, "list", "--topic", "examples")
    assert listing.returncode == 0, listing.stderr
    assert "tiny" in listing.stdout and "blobs" in listing.stdout
    command = keraslab(plugin_site, "example", "blobs", "--n", "30")
    assert command.returncode == 0, command.stderr
    assert command.stdout.strip() == "blobs: 30 examples, class counts [10, 10, 10]"


def test_example_model_trains_through_the_shared_trainer(plugin_site, tmp_path):
    out = keraslab(
        plugin_site, "example", "train", "tiny", "--epochs", "10", "--set", "optimizer.learning_rate=0.05", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads(next((tmp_path / "runs" / "example" / "tiny").glob("*/summary.json")).read_text())
    assert summary["metrics"]["test"]["accuracy"] > 0.9  # three well-separated blobs; chance is 1/3


def test_broken_plugin_is_isolated(plugin_site):
    help_text = keraslab(plugin_site, "--help")
    assert help_text.returncode == 0
    assert "broken" in help_text.stdout and "example" in help_text.stdout
    used = keraslab(plugin_site, "broken", "train", "x")
    assert used.returncode == 2
    assert "Plugin 'broken' is broken: ModuleNotFoundError: No module named" in used.stderr
    assert "Traceback" not in used.stderr
    assert keraslab(plugin_site, "list").returncode == 0


def test_strict_mode_turns_the_broken_plugin_into_an_error(plugin_site):
    env = {**os.environ, "PYTHONPATH": str(plugin_site), "KERASLAB_STRICT_PLUGINS": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "keraslab.entrypoints.cli", "plugins"], capture_output=True, text=True, env=env
    )
    assert out.returncode != 0
    assert "Plugin 'broken' from 'keraslab-broken-plugin' failed to load" in out.stderr


def test_a_third_party_cannot_take_a_builtins_name(tmp_path_factory):
    site = install(tmp_path_factory, "keraslab-intruder-plugin")
    out = keraslab(site, "plugins", "--json")
    assert out.returncode == 0, out.stderr
    claims = [row for row in json.loads(out.stdout) if row["name"] == "vision"]
    assert [(row["distribution"], row["status"]) for row in claims] == [
        ("keraslab", "loaded"),
        ("keraslab-intruder-plugin", "broken"),
    ]
    assert "'vision' is keraslab's built-in plugin, which was kept" in claims[1]["error"]
    help_text = keraslab(site, "vision", "--help")
    assert help_text.returncode == 0 and "saliency" in help_text.stdout  # the built-in's own command
    wrong = keraslab(site, "vision", "train", "mine")
    assert wrong.returncode == 2 and "Unknown model 'mine' for plugin 'vision'. Available: alexnet, cnn" in wrong.stderr
