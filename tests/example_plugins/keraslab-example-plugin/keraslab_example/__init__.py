"""An example third-party keraslab plugin.

It declares one model (a one-hidden-layer classifier), one dataset (Gaussian
blobs it generates) and one extra command (`keraslab example blobs`). Its
entry point names `make_plugin`, a function returning the `Plugin`.
"""

import dataclasses

import click

from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin


@dataclasses.dataclass(frozen=True)
class TinyConfig:
    hidden_units: int = 16


@click.command("blobs")
@click.option("--n", default=300, show_default=True)
def blobs_command(n):
    """Print how many examples of each class the blobs dataset has."""
    from keraslab.core.config import DataConfig
    from keraslab_example.data import make_blobs

    examples = make_blobs(DataConfig(), n=n)
    counts = [int((examples.targets == c).sum()) for c in range(examples.num_classes)]
    click.echo(f"blobs: {len(examples)} examples, class counts {counts}")


def make_plugin() -> Plugin:
    return Plugin(
        name="example",
        topic="examples",
        version="0.3.0",
        description="Example third-party plugin: a tiny classifier on generated blobs.",
        models=(
            ModelSpec(
                name="tiny",
                description="One-hidden-layer classifier.",
                build="keraslab_example.model:build_tiny",
                config=TinyConfig(),
                default_dataset="blobs",
            ),
        ),
        datasets=(
            DatasetSpec(
                "blobs",
                "Three Gaussian blobs in 2-D.",
                "keraslab_example.data:make_blobs",
                "keraslab_example.data:make_blobs",
            ),
        ),
        commands=lambda: [blobs_command],
    )
