"""Which modules a config may make keraslab import.

A config value of the form "package.module:Class" (`optimizer.name`) makes
keraslab import `package.module`. A config travels: it is a file someone
sent, or the `config.yaml` of a run directory that `evaluate`, `export` and
`--resume` read back. Importing runs the module's code, so a config may
name only modules of packages that are already trusted by being installed
for keraslab:

* keraslab itself (`keraslab.*`);
* the top-level package of each installed keraslab plugin, read from the
  `keraslab.plugins` entry points' metadata, without importing them;
* a module the user trusts explicitly: `keraslab --allow-import MODULE`
  (repeatable), which trusts MODULE and its submodules for that command.

The check runs before the import, on the module's name alone.
"""

from __future__ import annotations

from importlib import metadata
from typing import Iterable, Set

from keraslab.core.errors import ConfigError

KERASLAB_PACKAGE = "keraslab"
_PLUGIN_GROUP = "keraslab.plugins"
_allowed_by_user: Set[str] = set()


def allow_imports(modules: Iterable[str]) -> None:
    """Trusts `modules` (and their submodules), and no other module the
    user named before, for the rest of this process (one CLI command)."""
    _allowed_by_user.clear()
    _allowed_by_user.update(m.strip() for m in modules if m.strip())


def trusted_packages() -> Set[str]:
    """keraslab, every installed plugin's top-level package, and what the user allowed."""
    packages = {KERASLAB_PACKAGE} | _allowed_by_user
    for entry_point in metadata.entry_points(group=_PLUGIN_GROUP):
        packages.add(entry_point.value.split(":")[0].split(".")[0].strip())
    return packages


def is_trusted(module: str) -> bool:
    """Whether a config may make keraslab import `module`."""
    return any(module == package or module.startswith(package + ".") for package in trusted_packages())


def check_trusted(module: str, key: str) -> None:
    """Raises `ConfigError` unless a config may import `module` (see the module's docstring).

    Args:
        module: the module a config value names.
        key: the config key holding it, for the message.
    """
    if not is_trusted(module):
        raise ConfigError(
            f"Config key '{key}' names module '{module}', which belongs neither to keraslab nor to an "
            f"installed keraslab plugin, and a config may import only those; to trust it, run "
            f"`keraslab --allow-import {module} ...`."
        )
