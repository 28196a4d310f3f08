"""The CLI: help everywhere, listings, and one-line errors with exit status 2."""

import subprocess
import sys

import pytest

from keraslab.core.registry import Registry

COMMANDS = [[], ["plugins"], ["list"], ["predict"], ["quickstart"]]
PLUGIN_VERBS = ["train", "evaluate", "export"]


@pytest.mark.parametrize("args", COMMANDS)
def test_help_of_every_root_command(cli_runner, args):
    result = cli_runner(*args, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize("plugin", Registry().names())
def test_help_of_every_plugin_and_verb(cli_runner, plugin):
    result = cli_runner(plugin, "--help")
    assert result.exit_code == 0, result.output
    for verb in PLUGIN_VERBS:
        assert verb in result.output
        verb_help = cli_runner(plugin, verb, "--help")
        assert verb_help.exit_code == 0, verb_help.output


def test_plugins_table(cli_runner):
    result = cli_runner("plugins")
    assert result.exit_code == 0
    header, *rows = result.output.splitlines()
    assert header.split() == ["NAME", "TOPIC", "VERSION", "DISTRIBUTION", "STATUS"]
    assert any(row.split()[:2] == ["foundations", "foundations"] and row.split()[-1] == "loaded" for row in rows)


def test_list_shows_models_and_datasets(cli_runner):
    result = cli_runner("list", "--topic", "foundations")
    assert result.exit_code == 0
    assert "logistic-regression" in result.output and "breast-cancer" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["nosuch"],
            "Unknown command or plugin 'nosuch'. Available: data, list, plugins, predict, quickstart, bayesian, "
            "foundations",
        ),
        (["list", "--topic", "astrology"], "Unknown topic 'astrology'. Available: bayesian, foundations"),
        (["foundations", "train", "mpl"], "Unknown model 'mpl' for plugin 'foundations'. Available: "),
        (["foundations", "train", "mlp", "--dataset", "mnist"], "Unknown dataset 'mnist' for plugin 'foundations'"),
        (["foundations", "train", "mlp", "--set", "train.epoch=3"], "Unknown config key 'train.epoch'"),
        (["foundations", "train", "mlp", "--set", "train.epochs=many"], "'train.epochs' expects int"),
        (["foundations", "train", "mlp", "--data", "/no/such.csv"], "Data file '/no/such.csv' does not exist"),
        (["foundations", "evaluate", "/no/such/run"], "is not a run directory"),
        (["foundations", "train", "mlp", "--resume", "/no/such/run"], "is not a run directory"),
        (
            ["foundations", "train", "mlp", "--resume", "x", "--epochs", "3"],
            "--resume continues a run with its own config",
        ),
        (["foundations", "train", "mlp", "--strategy", "tpu", "--synthetic"], "Strategy 'tpu' cannot be created"),
        (["foundations", "train", "mlp", "--strategy", "multi-worker", "--synthetic"], "needs TF_CONFIG"),
    ],
)
def test_mistakes_are_one_line_with_status_2(cli_runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    result = cli_runner(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1
    assert not (tmp_path / "runs").exists()  # nothing written for a mistake


def test_malformed_tf_config_is_refused(cli_runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    result = cli_runner("foundations", "train", "mlp", "--strategy", "multi-worker", "--synthetic")
    assert result.exit_code == 2
    assert "TF_CONFIG is malformed" in result.output


def test_malformed_yaml_is_reported_with_file_and_line(cli_runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  epochs: [3\n")
    result = cli_runner("foundations", "train", "mlp", "--config", str(bad))
    assert result.exit_code == 2
    assert f"Malformed YAML at {bad}:" in result.output


@pytest.mark.parametrize("args", [["--help"], ["plugins"], ["list"]])
def test_fast_commands_do_not_import_tensorflow(args):
    code = (
        "import sys; from keraslab.entrypoints.cli import main\n"
        "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
        "print('TF_IMPORTED', 'tensorflow' in sys.modules)"
    ) % (args,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "TF_IMPORTED False" in out.stdout
