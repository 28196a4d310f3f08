"""Commands of `keraslab foundations` beyond train/evaluate/export."""
from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import click

from keraslab.core.errors import KeraslabError

PROBLEM_NAMES = ("quadratic", "rosenbrock", "logistic")
DEFAULT_METHODS = "sgd,momentum,nesterov,adagrad,rmsprop,adam,newton,damped-newton,lbfgs"


@click.command("compare-optimizers")
@click.option("--problem", default="quadratic", show_default=True, help=f"One of: {', '.join(PROBLEM_NAMES)}.")
@click.option("--optimizers", default=DEFAULT_METHODS, show_default=True,
              help="Comma-separated: sgd, momentum, nesterov, adagrad, rmsprop, adam, newton, damped-newton, "
                   "gauss-newton, lbfgs.")
@click.option("--steps", type=int, default=500, show_default=True, help="Most steps per optimizer.")
@click.option("--tolerance", type=float, default=1e-6, show_default=True,
              help="Stop once loss − minimum is at most this.")
@click.option("--damping", type=float, default=1.0, show_default=True, help="λ of damped Newton: (H + λI)⁻¹ g.")
@click.option("--out", type=click.Path(file_okay=False), help="Output directory (default runs/foundations/lab/<problem>-<time>).")
def compare_optimizers(problem, optimizers, steps, tolerance, damping, out):
    """Run optimizers side by side on a 2-D problem: table and trajectory plot."""
    from keraslab.plugins.foundations import lab

    methods = [m.strip() for m in optimizers.split(",") if m.strip()]
    if not methods:
        raise KeraslabError("--optimizers names no optimizer.")
    results = lab.compare(problem, methods, steps, tolerance, damping)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "foundations" / "lab" / f"{problem}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    text = lab.table(results, tolerance)
    (folder / "table.txt").write_text(text + "\n")
    (folder / "results.json").write_text(json.dumps([
        {"method": r.method, "steps_to_tolerance": r.steps_to_tolerance,
         "seconds_to_tolerance": r.seconds_to_tolerance, "final_loss": r.final_loss,
         "path": [list(map(float, p)) for p in r.path]} for r in results], indent=1) + "\n")
    lab.plot(problem, results, folder / "trajectories.png")
    click.echo(text)
    click.echo(f"Wrote {folder / 'table.txt'}, {folder / 'results.json'} and {folder / 'trajectories.png'}")


def commands():
    return [compare_optimizers]
