"""Commands of `keraslab vision` beyond train/evaluate/export."""
from __future__ import annotations

import click

from keraslab.core.errors import KeraslabError


@click.command("saliency")
@click.argument("run")
@click.option("--index", type=int, default=0, show_default=True, help="Which test image.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.pass_context
def saliency(ctx, run, index, out):
    """Saliency map of one test image: |∂(class score)/∂(pixel)| (Simonyan et al., 2014)."""
    from keraslab.core import actions
    from keraslab.core.rundir import RunDir
    from keraslab.core.trainer.loop import load_trained
    from keraslab.entrypoints.cli import registry_of
    from keraslab.plugins.vision.saliency import plot_saliency, saliency_map

    opened = RunDir.open(run)
    opened.require_complete("explain")
    plugin = registry_of(ctx).get("vision")
    spec = plugin.model(opened.state["model"])
    built = load_trained(plugin, spec, actions.load_run_config(spec, opened), opened)
    test = built.splits.test
    if not 0 <= index < len(test):
        raise KeraslabError(f"--index must be in 0..{len(test) - 1} (the run's test images), received {index}.")
    image = test.features[index]
    gradient, probabilities = saliency_map(built.model, image)
    names = list(test.class_names) or [str(i) for i in range(test.num_classes)]
    predicted = int(probabilities.argmax())
    plot_saliency(image, gradient, f"true {names[test.targets[index]]}, predicted {names[predicted]} "
                                   f"(p = {probabilities[predicted]:.3f})", out)
    click.echo(f"Wrote {out}: test image {index}, true {names[test.targets[index]]}, predicted {names[predicted]}")


def commands():
    return [saliency]
