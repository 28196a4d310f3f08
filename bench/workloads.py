"""The models the benchmarks train, as the CLI would name them.

Each workload is a plugin's model with `--set` overrides on its defaults.
The CNN is trained without its augmentation layers (random shifts,
rotations, zoom, noise), so that the PyTorch baseline computes the same
network and nothing else; its epochs are cut from 60 to 10 to keep
`make bench` within its time, and its step is constant (its default decays
by a cosine), as the hand-written baselines' loops have it. The tiny variant of any workload, for the
test suite, trains 2 epochs on the dataset's synthetic stand-in.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Tuple

TINY_OVERRIDES = ("data.synthetic=true", "train.epochs=2")


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    plugin: str
    model: str
    overrides: Tuple[str, ...] = ()
    description: str = ""

    def for_budget(self, tiny: bool) -> "Workload":
        return dataclasses.replace(self, overrides=self.overrides + TINY_OVERRIDES) if tiny else self

    def as_params(self) -> Dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_params(cls, params: Dict) -> "Workload":
        return cls(**{**params, "overrides": tuple(params["overrides"])})

    def resolve(self):
        """(registry, plugin, spec, config, splits) as `keraslab train` would make them."""
        from keraslab.core import actions, building
        from keraslab.core.registry import Registry

        registry = Registry()
        plugin = registry.get(self.plugin)
        spec = plugin.model(self.model)
        config = actions.resolve_run_config(plugin, spec, None, self.overrides)
        return registry, plugin, spec, config, building.load_splits(plugin, spec, config.data)


WORKLOADS = {
    "mlp": Workload(
        "mlp", "foundations", "mlp", (), "foundations MLP 64-128-64-10 on digits, batch 32, 30 epochs (its defaults)"
    ),
    "cnn": Workload(
        "cnn",
        "vision",
        "cnn",
        ("model.augmentation.enabled=false", "train.epochs=10", "schedule.name=constant"),
        "vision CNN (2 blocks of 2 convolutions, 32 and 64 filters, batch norm) on 8x8 digits, "
        "batch 32, 10 epochs, no augmentation, Adam at a constant step",
    ),
    "large-mlp": Workload(
        "large-mlp",
        "foundations",
        "mlp",
        ("model.hidden_units=[1024, 1024]", "model.dropout=0.0", "train.batch_size=256", "train.epochs=20"),
        "foundations MLP 64-1024-1024-10 on digits, batch 256, 20 epochs",
    ),
}
