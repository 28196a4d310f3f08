"""Shared fixtures: quiet TensorFlow, fresh registries, CLI runners."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from keraslab.core.registry import Registry  # noqa: E402


@pytest.fixture
def registry() -> Registry:
    """A fresh registry of the installed plugins."""
    return Registry()


@pytest.fixture
def cli_runner():
    """Invokes the CLI in-process with a fresh registry; returns the click Result."""
    from keraslab.entrypoints.cli import cli

    runner = CliRunner()

    def invoke(*args, registry=None):
        return runner.invoke(cli, list(args), obj=registry or Registry(), catch_exceptions=True)

    return invoke


class FakeEntryPoint:
    """Stands in for an importlib.metadata.EntryPoint in registry tests."""

    def __init__(self, name, load, value=None, dist="fake-dist"):
        self.name, self._load = name, load
        self.value = value or f"fake_module:{name}"
        self.dist = type("Dist", (), {"name": dist})()

    def load(self):
        return self._load()


@pytest.fixture
def fake_entry_point():
    return FakeEntryPoint


def tiny_overrides(epochs: int = 2):
    """Overrides that make any run a few seconds long."""
    return [f"train.epochs={epochs}", "data.synthetic=true", "train.batch_size=32"]


@pytest.fixture
def tiny():
    return tiny_overrides
