"""A config names code only within keraslab and its installed plugins, and nothing is called unchecked.

`optimizer.name` may be "package.module:Class". The module is imported only
if it is keraslab's, an installed plugin's or one the user trusts with
`--allow-import`, and the class must be an optimizer before it is called.
The same holds for the config.yaml a run directory carries.
"""

import pytest
import yaml

from tests.cli_process import run

TINY = ["foundations", "train", "mlp", "--epochs", "1", "--synthetic", "--set", "train.batch_size=32"]
ZEN = "Beautiful is better than ugly"


@pytest.mark.parametrize(
    "reference, module",
    [
        ("this:x", "this"),  # imports print a poem
        ("collections:OrderedDict", "collections"),  # was constructed, then refused
        ("IPython:start_ipython", "IPython"),  # started a shell
    ],
)
def test_an_untrusted_module_is_refused_before_it_is_imported(tmp_path, reference, module):
    out = run(*TINY, "--set", f"optimizer.name={reference}", "--run-dir", str(tmp_path / "run"), cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert ZEN not in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    [line] = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert f"names module '{module}'" in line and "--allow-import" in line, out.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "reference, message",
    [
        ("keraslab.core.config:RunConfig", "is the class RunConfig, not a tf.keras.optimizers.Optimizer subclass"),
        ("keraslab.core.config:check_ranges", "is a function, not a tf.keras.optimizers.Optimizer subclass"),
        ("keraslab.no_such_module:Adam", "No module named 'keraslab.no_such_module'"),
    ],
)
def test_a_trusted_reference_that_is_not_an_optimizer_class_is_refused_uncalled(
    cli_runner, tmp_path, reference, message
):
    result = cli_runner(*TINY, "--set", f"optimizer.name={reference}", "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "run").exists()


def test_allow_import_trusts_a_module_but_still_calls_only_optimizer_classes(tmp_path):
    out = run(
        "--allow-import",
        "collections",
        *TINY,
        "--set",
        "optimizer.name=collections:OrderedDict",
        "--run-dir",
        str(tmp_path / "run"),
        cwd=tmp_path,
    )
    assert out.returncode == 2
    assert "is the class OrderedDict, not a tf.keras.optimizers.Optimizer subclass" in out.stderr
    assert not (tmp_path / "run").exists()


def test_a_plugin_optimizer_trains(cli_runner, tmp_path):
    result = cli_runner(
        *TINY,
        "--set",
        "optimizer.name=keraslab.plugins.foundations.optimizers:Nesterov",
        "--run-dir",
        str(tmp_path / "run"),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "summary.json").exists()


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("finished")
    out = run(*TINY, "--run-dir", str(root / "run"), cwd=root)
    assert out.returncode == 0, out.stderr
    return root / "run"


@pytest.mark.parametrize("verb", ["evaluate", "export"])
def test_a_run_directory_that_carries_code_is_refused_on_reading(tmp_path, finished_run, verb):
    import shutil

    carried = tmp_path / "shared-run"
    shutil.copytree(finished_run, carried)
    config = yaml.safe_load((carried / "config.yaml").read_text())
    config["optimizer"]["name"] = "this:x"
    (carried / "config.yaml").write_text(yaml.safe_dump(config))
    extra = ["--out", str(tmp_path / "exports")] if verb == "export" else []
    out = run("foundations", verb, str(carried), *extra, cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert ZEN not in out.stdout + out.stderr
    assert "names module 'this'" in out.stderr
    assert not (tmp_path / "exports").exists()
