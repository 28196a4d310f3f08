"""Plugins that misbehave while they load, each in its own module.

Every module notes its import in the file named by `KERASLAB_RUDE_IMPORTS`
(when set), so a test can tell which of them a command imported.
"""

import dataclasses
import os


def note_import(name: str) -> None:
    path = os.environ.get("KERASLAB_RUDE_IMPORTS")
    if path:
        with open(path, "a") as log:
            log.write(name + "\n")


@dataclasses.dataclass(frozen=True)
class NothingConfig:
    units: int = 1


def tiny_plugin(name: str):
    """A plugin that validates; its model and dataset are never used."""
    from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin

    return Plugin(
        name=name,
        topic="rude",
        version="0.0.1",
        description=f"The {name} plugin.",
        models=(
            ModelSpec(
                "nothing", "Never built.", "keraslab_rude.unused:build", NothingConfig(), default_dataset="nothing"
            ),
        ),
        datasets=(DatasetSpec("nothing", "Never loaded.", "keraslab_rude.unused:load", "keraslab_rude.unused:load"),),
    )
