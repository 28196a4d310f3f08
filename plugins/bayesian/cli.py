"""Commands of `keraslab bayesian` beyond train/evaluate/export."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from keraslab.core.api import KeraslabError


def read_examples(path: str, input_shape) -> np.ndarray:
    """The "instances" of a TF Serving request body, as float32 rows of `input_shape`."""
    from keraslab.core.api import read_request

    request = read_request(path)
    instances = request.get("instances") if isinstance(request, dict) else None
    expected = f'expected a JSON object {{"instances": [...]}} of examples of shape {list(input_shape)}'
    if not isinstance(instances, list) or not instances:
        raise KeraslabError(f"'{path}' has no \"instances\" list; {expected}.")
    try:
        examples = np.asarray(instances, np.float32)
    except (TypeError, ValueError):
        raise KeraslabError(f"'{path}' has instances that are not all numbers of one shape; {expected}.") from None
    if examples.shape[1:] != tuple(input_shape):
        raise KeraslabError(f"'{path}' has examples of shape {list(examples.shape[1:])}; {expected}.")
    return examples


@click.command("uncertainty")
@click.argument("run")
@click.option(
    "--input",
    "input_file",
    required=True,
    help='Examples as a JSON request body, as for `keraslab predict`: {"instances": [...]}.',
)
@click.option("--samples", type=int, help="Monte-Carlo passes (default: the model's `samples`).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def uncertainty(ctx, run, input_file, samples, as_json):
    """Prediction with its aleatoric and epistemic uncertainty, per example.

    Classifiers: total = H[p̄], aleatoric = mean of H[p_s], epistemic = their
    difference (mutual information), in nats. Regressors: σ_aleatoric
    (predicted noise) and σ_epistemic (spread of the mean over passes).
    """
    from keraslab.core.api import open_finished_run, registry_of
    from keraslab.plugins.bayesian import report
    from keraslab.plugins.bayesian import uncertainty as u

    built = open_finished_run(registry_of(ctx), "bayesian", run, "uncertainty")
    spec = built.spec
    passes = samples if samples is not None else int(getattr(built.model, "predictive_samples", 1))
    if passes < 1:
        raise KeraslabError(f"--samples must be at least 1, received {passes}.")
    examples = read_examples(input_file, built.splits.train.input_shape)
    rows = []
    if spec.task == "classification":
        draws = u.predictive_samples(built.model, examples, passes)
        mean = draws.mean(axis=0)
        total, aleatoric = u.entropy(mean), u.entropy(draws).mean(axis=0)
        for i in range(len(examples)):
            rows.append(
                {
                    "class_id": int(mean[i].argmax()),
                    "probability": float(mean[i].max()),
                    "total": float(total[i]),
                    "aleatoric": float(aleatoric[i]),
                    "epistemic": float(total[i] - aleatoric[i]),
                }
            )
    else:
        mean, aleatoric, epistemic = report.regression_outputs(built.model, examples, passes)
        for i in range(len(examples)):
            rows.append(
                {
                    "mean": mean[i].tolist(),
                    "aleatoric_stddev": aleatoric[i].tolist(),
                    "epistemic_stddev": epistemic[i].tolist(),
                }
            )
    if as_json:
        click.echo(json.dumps({"samples": passes, "predictions": rows}, indent=2))
        return
    click.echo(f"{passes} Monte-Carlo pass(es)")
    if spec.task == "classification":
        click.echo("example  class  probability  entropy (total)  aleatoric  epistemic   [nats]")
        for i, r in enumerate(rows):
            click.echo(
                f"{i:>7}  {r['class_id']:>5}  {r['probability']:11.4f}  {r['total']:15.4f}  "
                f"{r['aleatoric']:9.4f}  {r['epistemic']:9.4f}"
            )
    else:
        click.echo("example  mean        σ aleatoric  σ epistemic")
        for i, r in enumerate(rows):
            click.echo(
                f"{i:>7}  {r['mean'][0]:10.4f}  {r['aleatoric_stddev'][0]:11.4f}  {r['epistemic_stddev'][0]:11.4f}"
            )


@click.command("ensemble")
@click.option(
    "--model",
    default="deterministic",
    show_default=True,
    help="The member network: a classifier, or a regressor of μ and σ (heteroscedastic, ...).",
)
@click.option("--members", type=int, default=5, show_default=True, help="Independently seeded members (at least 2).")
@click.option(
    "--seed",
    "first_seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Member i trains with seed SEED + i.",
)
@click.option(
    "--bootstrap/--no-bootstrap",
    default=False,
    show_default=True,
    help="Bagging: each member trains on its own resample of the training split (data.bootstrap).",
)
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Config override for every member.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Ensemble directory (default runs/bayesian/ensemble/<time>); an unfinished one continues.",
)
@click.option(
    "--export",
    "export_root",
    type=click.Path(file_okay=False),
    help="Also export the ensemble as one SavedModel under this serving root.",
)
@click.option("--name", default="bayesian-ensemble", show_default=True, help="Serving name of the export.")
@click.pass_context
def ensemble(ctx, model, members, first_seed, bootstrap, settings, out, export_root, name):
    """Train N seeded members through the shared trainer; report the ensemble's accuracy, calibration and OOD AUC."""
    import datetime as _dt
    from pathlib import Path

    from keraslab.core.api import check_export_name, registry_of
    from keraslab.plugins.bayesian import ensemble as deep_ensemble

    registry = registry_of(ctx)
    if export_root:
        check_export_name(name)  # before hours of training, not after
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "bayesian" / "ensemble" / stamp
    paths = deep_ensemble.train_members(
        registry, model, members, folder, settings, echo=click.echo, first_seed=first_seed, bootstrap=bootstrap
    )
    recipe = {"member_seeds": list(range(first_seed, first_seed + members)), "bootstrap": bootstrap}
    result = deep_ensemble.evaluate_ensemble(registry, paths, folder, recipe)
    if result["task"] == "regression":
        click.echo(f"{members} x {model}: test MAE {result['mae']:.4f}, NLL {result['nll']:.4f}")
        if "epistemic_gap_ratio" in result:
            click.echo(
                f"  epistemic σ: {result['epistemic_inside']:.4f} inside the training range, "
                f"{result['epistemic_gap']:.4f} in the gap (ratio {result['epistemic_gap_ratio']:.2f})"
            )
        plot = "regression.png"
    else:
        click.echo(
            f"{members} x {model}{' (bagged)' if bootstrap else ''}: accuracy {result['accuracy']:.4f} (members "
            f"{', '.join(f'{a:.4f}' for a in result['member_accuracy'])}), NLL {result['nll']:.4f}, "
            f"ECE {result['ece']:.4f}"
        )
        for inputs, aucs in result["out_of_distribution"].items():
            click.echo(
                f"  {inputs:<9} AUC entropy {aucs['auc_entropy']:.3f}, mutual information "
                f"{aucs['auc_mutual_information']:.3f}"
            )
        plot = "reliability.png"
    click.echo(f"Results: {folder / deep_ensemble.ENSEMBLE_FILE}, plot: {folder / plot}")
    if export_root:
        click.echo(f"Export: {deep_ensemble.export_ensemble(registry, paths, export_root, name)}")


@click.command("conjugate")
@click.option("--dataset", default="gap-1d", show_default=True, help="A regression dataset: gap-1d or diabetes.")
@click.option("--data", "data_path", help="Your own regression file (CSV, target last; or .npz).")
@click.option(
    "--basis",
    type=click.Choice(["linear", "rbf"]),
    default="rbf",
    show_default=True,
    help="rbf: Gaussian bumps over the training range (1-D inputs); linear: the inputs and a bias.",
)
@click.option("--centres", type=int, default=20, show_default=True, help="RBF centres.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split (data.seed).")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Directory for conjugate.json and conjugate.png (default runs/bayesian/conjugate/<time>).",
)
@click.pass_context
def conjugate(ctx, dataset, data_path, basis, centres, seed, out):
    """Closed-form Bayesian linear regression (evidence-optimised α, β): the baseline for the regressors."""
    import datetime as _dt
    from pathlib import Path

    from keraslab.core.api import DataConfig, load_splits, registry_of
    from keraslab.plugins.bayesian import report
    from keraslab.plugins.bayesian.conjugate import BayesianLinearRegression

    if centres < 2:
        raise KeraslabError(f"--centres must be at least 2, received {centres}.")
    plugin = registry_of(ctx).get("bayesian")
    splits = load_splits(
        plugin, plugin.model("heteroscedastic"), DataConfig(name=dataset, path=data_path or "", seed=seed)
    )
    if basis == "rbf" and splits.train.input_shape != (1,):
        raise KeraslabError(
            f"--basis rbf takes 1-D inputs; dataset '{dataset}' has inputs of shape "
            f"{list(splits.train.input_shape)}. Use --basis linear."
        )
    model = BayesianLinearRegression(basis=basis, centres=centres).fit(splits.train.features, splits.train.targets)
    result = dict(
        report.regression_measures(model, splits, 1, dataset),
        alpha=model.alpha,
        beta=model.beta,
        noise_stddev=float(1.0 / np.sqrt(model.beta)),
    )
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "bayesian" / "conjugate" / stamp
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conjugate.json").write_text(json.dumps(result, indent=2) + "\n")
    report.plot_regression(model, splits, 1, result, folder / "conjugate.png")
    click.echo(
        f"Bayesian linear regression ({basis}) on {dataset}: test MAE {result['mae']:.4f}, "
        f"NLL {result['nll']:.4f}, noise σ {result['noise_stddev']:.4f}, α {model.alpha:.3g}"
    )
    if "epistemic_gap_ratio" in result:
        click.echo(
            f"  epistemic σ: {result['epistemic_inside']:.4f} inside the training range, "
            f"{result['epistemic_gap']:.4f} in the gap (ratio {result['epistemic_gap_ratio']:.2f})"
        )
    click.echo(f"Results: {folder / 'conjugate.json'}, plot: {folder / 'conjugate.png'}")


@click.command("prune")
@click.argument("run")
@click.option(
    "--fractions",
    default=",".join(str(f) for f in (0.0, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99)),
    show_default=True,
    help="Comma-separated fractions of the kernel weights to remove, each in [0, 1).",
)
@click.pass_context
def prune(ctx, run, fractions):
    """Remove a Bayes-by-backprop run's weights of lowest signal-to-noise |mu|/sigma (against
    lowest |mu|) and score the pruned posterior mean on the test split: pruning.json and .png in RUN."""
    from keraslab.core.api import open_finished_run, registry_of
    from keraslab.plugins.bayesian import pruning
    from keraslab.plugins.bayesian.report import report_splits

    try:
        chosen = [float(f) for f in fractions.split(",") if f.strip()]
    except ValueError:
        raise KeraslabError(f"--fractions must be comma-separated numbers in [0, 1), received '{fractions}'.") from None
    pruning.check_fractions(chosen)
    built = open_finished_run(registry_of(ctx), "bayesian", run, "prune")
    report = pruning.prune_study(built.model, report_splits(built.splits).test, chosen)
    picture = pruning.write_study(report, Path(run))
    click.echo(f"{report['weights']:,} kernel weights in {', '.join(report['layers'])}")
    click.echo("removed   accuracy, by |mu|/sigma   accuracy, by |mu|")
    for row in report["rows"]:
        click.echo(f"{row['fraction_removed']:7.1%}   {row['snr_accuracy']:21.4f}   {row['magnitude_accuracy']:.4f}")
    click.echo(f"Results: {Path(run) / pruning.RESULT_FILE}, plot: {picture}")


def commands():
    return [uncertainty, ensemble, conjugate, prune]
