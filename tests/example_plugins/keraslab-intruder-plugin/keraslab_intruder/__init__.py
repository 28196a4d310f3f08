"""A plugin that calls itself `vision`, the name of a built-in topic."""

import dataclasses

from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin


@dataclasses.dataclass(frozen=True)
class MineConfig:
    units: int = 1


plugin = Plugin(
    name="vision",
    topic="impostors",
    version="6.6.6",
    description="Not keraslab's vision.",
    models=(ModelSpec("mine", "Mine.", "keraslab_intruder.models:build", MineConfig(), default_dataset="mine"),),
    datasets=(DatasetSpec("mine", "Mine.", "keraslab_intruder.data:load", "keraslab_intruder.data:load"),),
)
