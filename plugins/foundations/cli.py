"""Commands of `keraslab foundations` beyond train/evaluate/export."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import click

from keraslab.core.api import KeraslabError

PROBLEM_NAMES = ("quadratic", "rosenbrock", "logistic")
DEFAULT_METHODS = "sgd,momentum,nesterov,adagrad,rmsprop,adam,newton,damped-newton,lbfgs"


@click.command("compare-optimizers")
@click.option("--problem", default="quadratic", show_default=True, help=f"One of: {', '.join(PROBLEM_NAMES)}.")
@click.option(
    "--optimizers",
    default=DEFAULT_METHODS,
    show_default=True,
    help="Comma-separated: sgd, momentum, nesterov, adagrad, rmsprop, adam, newton, damped-newton, "
    "gauss-newton, lbfgs.",
)
@click.option("--steps", type=int, default=500, show_default=True, help="Most steps per optimizer.")
@click.option(
    "--tolerance", type=float, default=1e-6, show_default=True, help="Stop once loss − minimum is at most this."
)
@click.option("--damping", type=float, default=1.0, show_default=True, help="λ of damped Newton: (H + λI)⁻¹ g.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Output directory (default runs/foundations/lab/<problem>-<time>)."
)
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
    (folder / "results.json").write_text(
        json.dumps(
            [
                {
                    "method": r.method,
                    "steps_to_tolerance": r.steps_to_tolerance,
                    "seconds_to_tolerance": r.seconds_to_tolerance,
                    "final_loss": r.final_loss,
                    "path": [list(map(float, p)) for p in r.path],
                }
                for r in results
            ],
            indent=1,
        )
        + "\n"
    )
    lab.plot(problem, results, folder / "trajectories.png")
    click.echo(text)
    click.echo(f"Wrote {folder / 'table.txt'}, {folder / 'results.json'} and {folder / 'trajectories.png'}")


@click.command("select-degree")
@click.option("--max-degree", type=int, default=10, show_default=True, help="Try degrees 0..N.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated curve and its split.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Output directory (default runs/foundations/lab/degree-<time>)."
)
def select_degree(max_degree, seed, out):
    """Fit polynomials of each degree to the generated cubic; pick the degree by validation error."""
    from keraslab.core.api import DataConfig, split_examples
    from keraslab.plugins.foundations import linear
    from keraslab.plugins.foundations.data import CURVE_DEGREE, make_polynomial_curve

    if max_degree < 0:
        raise KeraslabError(f"--max-degree must be at least 0, received {max_degree}.")
    splits = split_examples(make_polynomial_curve(DataConfig(seed=seed)), 0.25, 0.25, seed)
    selection = linear.select_degree(
        splits.train.features[:, 0],
        splits.train.targets,
        splits.validation.features[:, 0],
        splits.validation.targets,
        range(max_degree + 1),
    )
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "foundations" / "lab" / f"degree-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    linear.plot_degree_selection(selection, folder / "validation_curve.png", true_degree=CURVE_DEGREE)
    click.echo("degree  train MSE  validation MSE")
    for degree, train, validation in zip(selection.degrees, selection.train_mse, selection.validation_mse):
        click.echo(f"{degree:<6}  {train:9.4f}  {validation:14.4f}")
    click.echo(f"Chosen degree: {selection.best} (true degree {CURVE_DEGREE}); plot: {folder / 'validation_curve.png'}")


PRACTICES = ("initialisation", "regularisation", "schedules")
DEMOS = ("xor", "gradient-noise", "whitening", "universal-approximation")  # the notes' claims, `demos.py`
STUDIES = PRACTICES + DEMOS


@click.command("study")
@click.argument("name", type=click.Choice(STUDIES))
@click.option(
    "--epochs", type=int, default=60, show_default=True, help="Epochs per variant (regularisation, schedules)."
)
@click.option(
    "--out", type=click.Path(file_okay=False), help="Output directory (default runs/foundations/lab/<study>-<time>)."
)
@click.pass_context
def study(ctx, name, epochs, out):
    """Measure a training practice (initialisation, regularisation, schedules) or a claim of
    the notes (xor: a feature map makes XOR linear; gradient-noise: sigma/sqrt(m); whitening:
    decorrelated inputs and gradient descent's steps; universal-approximation: the width one
    tanh layer needs); table + PNG."""
    from keraslab.core.api import registry_of
    from keraslab.plugins.foundations import practice

    if epochs < 1:
        raise KeraslabError(f"--epochs must be at least 1, received {epochs}.")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "foundations" / "lab" / f"{name}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    if name in DEMOS:
        plot = _demo(name, folder)
    elif name == "initialisation":
        results = [
            practice.layer_scales(i, a)
            for a, inits in (("tanh", practice.INITIALISERS), ("relu", ("glorot", "he")))
            for i in inits
        ]
        click.echo("initialiser   activation  activation std (layers 1, 5, 10)   gradient std (layers 1, 5, 10)")
        for r in results:
            picks = lambda v: "  ".join(f"{v[i]:9.2e}" for i in (0, 4, 9))  # noqa: E731
            click.echo(f"{r.initialiser:<13} {r.activation:<11} {picks(r.activation_std)}   {picks(r.gradient_std)}")
        plot = practice.plot_layer_scales(results, folder / "initialisation.png")
    else:
        variants = practice.REGULARISATION if name == "regularisation" else practice.SCHEDULES
        curves = practice.run_study(registry_of(ctx), variants, epochs, str(folder / "runs"))
        click.echo("variant          epochs  train loss  validation loss  best validation accuracy")
        for label, ran, train, validation, accuracy in practice.summary_rows(curves):
            click.echo(f"{label:<16} {ran:>6}  {train:10.4f}  {validation:15.4f}  {accuracy:24.4f}")
        plot = practice.plot_study(
            curves, folder / f"{name}.png", name, extra="learning_rate" if name == "schedules" else ""
        )
    click.echo(f"Plot: {plot}")


def _demo(name: str, folder: Path) -> Path:
    """The notes' claims (`demos.py`): a table on the terminal, the plot's path returned."""
    from keraslab.plugins.foundations import demos

    if name == "xor":
        click.echo("seed  held-out accuracy: linear in (x1, x2)  linear in [x1, x2, x1*x2]  weights (w1, w2, w12, b)")
        for r in demos.xor_study((0, 1, 2)):
            weights = ", ".join(f"{w:+.1f}" for w in r.mapped_weights)
            click.echo(f"{r.seed:<5} {r.linear_accuracy:37.4f}  {r.mapped_accuracy:25.4f}  ({weights})")
        return demos.plot_xor(0, folder / "xor.png")
    if name == "universal-approximation":
        rows = demos.universal_approximation_study()
        click.echo("tanh units  largest error  RMS error   (f(x) = sin 3x + 0.3 x^2 on [-2, 2])")
        for r in rows:
            click.echo(f"{r.width:<10}  {r.max_error:13.4f}  {r.rms_error:.4f}")
        click.echo(f"Smallest width within 0.05 everywhere: {demos.width_needed(rows, 0.05)}")
        return demos.plot_approximation(rows, folder / "universal_approximation.png")
    if name == "whitening":
        results = demos.whitening_study()
        click.echo("inputs         condition number of the Hessian  gradient-descent steps (step 1/lambda_max)")
        for r in results:
            click.echo(f"{r.inputs:<14} {r.condition_number:31.1f}  {r.steps}")
        return demos.plot_whitening(results, folder / "whitening.png")
    from keraslab.core.api import digits as load_digits

    digits = load_digits()
    rows = demos.gradient_noise_study(digits.features / 16.0, digits.targets, (1, 4, 16, 64, 256, 1024))
    click.echo("batch size  measured gradient error  sigma/sqrt(m) * sqrt((N-m)/(N-1))")
    for r in rows:
        click.echo(f"{r.batch_size:<10}  {r.measured_rms:23.4f}  {r.predicted_rms:.4f}")
    return demos.plot_gradient_noise(rows, folder / "gradient_noise.png")


def commands():
    return [compare_optimizers, select_degree, study]
