"""A plugin that misbehaves while it loads costs only itself.

`tests/example_plugins/keraslab-rude-plugin` declares three plugins: one
calls sys.exit(3) at import, one raises KeyboardInterrupt, one prints. Each
notes its import in a file, so the tests see which of them a command
imported. A slow plugin is timed with a fake clock, in process.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.test_third_party import install

RUDE = ["chatty", "exits", "interrupts"]


@pytest.fixture(scope="module")
def rude_site(tmp_path_factory):
    return install(tmp_path_factory, "keraslab-rude-plugin")


def keraslab(site, tmp_path, *args):
    imports = tmp_path / "imports.log"
    env = {**os.environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "2", "KERASLAB_RUDE_IMPORTS": str(imports)}
    env.pop("KERASLAB_STRICT_PLUGINS", None)
    out = subprocess.run(
        [sys.executable, "-m", "keraslab.entrypoints.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    imported = imports.read_text().split() if imports.exists() else []
    return out, imported


def test_help_lists_every_plugin_without_importing_third_parties(rude_site, tmp_path):
    out, imported = keraslab(rude_site, tmp_path, "--help")
    assert out.returncode == 0, out.stderr
    assert imported == []
    for name in RUDE + ["foundations", "vision"]:
        assert f"  {name} " in out.stdout
    assert "plugin from 'keraslab-rude-plugin'" in out.stdout


def test_a_command_of_one_plugin_loads_only_that_plugin(rude_site, tmp_path):
    out, imported = keraslab(
        rude_site,
        tmp_path,
        "foundations",
        "train",
        "mlp",
        "--epochs",
        "1",
        "--synthetic",
        "--run-dir",
        str(tmp_path / "run"),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert imported == []
    assert "hello from chatty" not in out.stdout + out.stderr
    assert (tmp_path / "run" / "summary.json").exists()


def test_plugins_json_survives_exit_and_interrupt_and_stays_valid_json(rude_site, tmp_path):
    out, imported = keraslab(rude_site, tmp_path, "plugins", "--json")
    assert out.returncode == 0, out.stderr
    rows = {row["name"]: row for row in json.loads(out.stdout)}  # nothing printed by a plugin in it
    assert sorted(imported) == RUDE
    assert rows["exits"]["status"] == "broken" and rows["exits"]["error"] == "called sys.exit(3) while loading"
    assert rows["interrupts"]["error"] == "raised KeyboardInterrupt while loading"
    assert rows["chatty"]["status"] == "loaded"
    assert rows["chatty"]["output"] == "hello from chatty\nchatty warns\n"
    assert all(rows[name]["load_seconds"] is not None for name in RUDE)
    assert rows["foundations"]["status"] == "loaded"


def test_plugins_table_names_the_chatty_and_the_broken(rude_site, tmp_path):
    out, _ = keraslab(rude_site, tmp_path, "plugins")
    assert out.returncode == 0, out.stderr
    # (Whether a plugin is flagged slow to load depends on the machine's load;
    # that flag is tested on a fake clock below.)
    assert "chatty: printed while loading: hello from chatty | chatty warns" in out.stdout
    assert "exits: called sys.exit(3) while loading" in out.stdout


def test_list_skips_the_broken_and_shows_the_rest(rude_site, tmp_path):
    out, _ = keraslab(rude_site, tmp_path, "list")
    assert out.returncode == 0, out.stderr
    assert "foundations (foundations)" in out.stdout and "chatty (rude)" in out.stdout
    assert "hello from chatty" not in out.stdout


@pytest.mark.parametrize(
    "name, reason",
    [("exits", "called sys.exit(3) while loading"), ("interrupts", "raised KeyboardInterrupt while loading")],
)
def test_a_command_of_a_plugin_that_dies_at_import_is_one_line(rude_site, tmp_path, name, reason):
    out, imported = keraslab(rude_site, tmp_path, name, "train", "nothing")
    assert out.returncode == 2, out.stdout + out.stderr
    assert imported == [name]
    assert f"Error: Plugin '{name}' is broken: {reason}." in out.stderr
    assert "Traceback" not in out.stderr


def test_a_plugin_slow_to_load_is_named_with_its_time(cli_runner, fake_entry_point):
    """The clock is a fake that the slow plugin's import advances by 25 s."""
    from keraslab.core.contract import Plugin
    from keraslab.core.registry import Registry
    from tests.test_registry import toy_plugin

    now = [100.0]

    def import_slowly():
        now[0] += 25.0
        return toy_plugin("slowpoke")

    def import_quickly():
        now[0] += 0.01
        return toy_plugin("brisk")

    registry = Registry(
        [fake_entry_point("slowpoke", import_slowly), fake_entry_point("brisk", import_quickly)],
        strict=False,
        clock=lambda: now[0],
    )
    result = cli_runner("plugins", registry=registry)
    assert result.exit_code == 0, result.output
    assert "slowpoke: slow to load, 25.0 s (every command of this plugin waits that long)" in result.output
    assert "brisk: slow" not in result.output
    assert isinstance(registry.get("brisk"), Plugin)
    assert registry.record("slowpoke").load_seconds == 25.0


def test_a_plugin_that_hangs_at_import_is_reported_not_waited_on(cli_runner, fake_entry_point):
    """The hanging import waits on an event no one sets until the test ends:
    it cannot finish within the 0.2 s bound, however fast the machine."""
    import threading

    from keraslab.core.registry import Registry
    from tests.test_registry import toy_plugin

    release = threading.Event()

    def import_for_ever():
        release.wait()
        return toy_plugin("hangs")

    registry = Registry(
        [fake_entry_point("hangs", import_for_ever), fake_entry_point("brisk", lambda: toy_plugin("brisk"))],
        strict=False,
        load_timeout=0.2,
    )
    try:
        result = cli_runner("plugins", registry=registry)
        assert result.exit_code == 0, result.output
        assert "did not finish loading within 0.2 s (it may hang at import)" in result.output
        assert "KERASLAB_PLUGIN_TIMEOUT=SECONDS" in result.output
        assert registry.get("brisk").name == "brisk"
        listed = cli_runner("list", registry=registry)
        assert listed.exit_code == 0 and "brisk" in listed.output
    finally:
        release.set()


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_the_load_timeout_must_be_a_positive_number(monkeypatch, value):
    from keraslab.core.errors import PluginError
    from keraslab.core.registry import TIMEOUT_ENV, Registry

    monkeypatch.setenv(TIMEOUT_ENV, value)
    with pytest.raises(PluginError, match=f"{TIMEOUT_ENV} must be"):
        Registry([])
