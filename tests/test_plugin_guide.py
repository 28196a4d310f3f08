"""The complete plugin of docs/writing-a-plugin.md, run from the page itself.

Every fenced block whose first line is `# file: PATH` is written to PATH in a
temporary folder; the plugin is installed with pip, its own tests run, and
the commands the page shows are run as a user would, so the guide's code
cannot drift from what keraslab accepts.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "writing-a-plugin.md"
FILE_BLOCK = re.compile(r"```[a-z]*\n# file: (?P<path>\S+)\n(?P<body>.*?)```", re.S)


def guide_files():
    """{relative path: text} of the guide's file blocks."""
    return {m["path"]: m["body"] for m in FILE_BLOCK.finditer(GUIDE.read_text())}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    for relative, text in guide_files().items():
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    site = tmp_path_factory.mktemp("site")
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
            str(site),
            str(source / "keraslab-ridge"),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_CONSTRAINT": ""},
    )
    return source, site


def _run(site, *arguments, cwd):
    env = {**os.environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERASLAB_STRICT_PLUGINS", None)
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True, env=env, cwd=cwd, timeout=900)


def test_the_guide_has_the_whole_plugin():
    assert set(guide_files()) == {
        "keraslab-ridge/setup.cfg",
        "keraslab-ridge/pyproject.toml",
        "keraslab-ridge/keraslab_ridge/__init__.py",
        "keraslab-ridge/keraslab_ridge/data.py",
        "keraslab-ridge/keraslab_ridge/models.py",
        "keraslab-ridge/keraslab_ridge/cli.py",
        "keraslab-ridge/tests/test_ridge.py",
    }


def test_the_plugins_own_tests_pass(installed):
    source, site = installed
    out = _run(site, "-m", "pytest", "-q", "-p", "no:cacheprovider", "keraslab-ridge/tests", cwd=source)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "4 passed" in out.stdout


def test_the_guides_commands_work(installed, tmp_path):
    _, site = installed
    cli = ["-m", "keraslab.entrypoints.cli"]
    listed = _run(site, *cli, "plugins", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["ridge"]["status"] == "loaded" and rows["ridge"]["distribution"] == "keraslab-ridge"

    trained = _run(site, *cli, "ridge", "train", "ridge", "--run-dir", "runs/ridge-1", cwd=tmp_path)
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    weights = _run(site, *cli, "ridge", "weights", "runs/ridge-1", cwd=tmp_path)
    assert weights.returncode == 0, weights.stderr
    fitted = [float(w) for w in weights.stdout.split(",")[0].split()[1:]]
    assert fitted == pytest.approx([1.5, -2.0, 0.5, 0.0, 3.0], abs=0.05)  # data.py's WEIGHTS
    assert float(weights.stdout.split("test RMSE ")[1].split()[0]) < 0.2  # noise σ = 0.1

    exported = _run(site, *cli, "ridge", "export", "runs/ridge-1", "--out", "exports", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "exports" / "ridge-ridge" / "1" / "saved_model.pb").exists()

    refused = _run(site, *cli, "ridge", "weights", "runs", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "Error: 'runs' is not a run directory (it has no run.json). Give the directory a `train` command created."
    ]

    negative = _run(site, *cli, "ridge", "train", "ridge", "--set", "model.l2=-1", "--run-dir", "runs/r2", cwd=tmp_path)
    assert negative.returncode == 2
    assert [line for line in negative.stderr.splitlines() if line.startswith("Error:")] == [
        "Error: Config key 'model.l2' must be at least 0, received -1.0."
    ]
    assert not (tmp_path / "runs" / "r2").exists()
