"""The `keraslab` command line.

    keraslab plugins                      declared plugins, with status or error
    keraslab list [--topic T]             models and datasets
    keraslab <plugin> train MODEL ...     train through the shared trainer
    keraslab <plugin> evaluate RUN        test metrics of a finished run
    keraslab <plugin> export RUN ...      SavedModel for TensorFlow Serving
    keraslab predict EXPORT --input F     answer a TF Serving REST request locally
    keraslab data convert SRC --out DIR   TFRecord shards from an image folder or CSV
    keraslab quickstart                   the main job (`make run`)

This module parses and prints; the work is in `keraslab.core`. TensorFlow is
imported only by commands that need it, so help and listings start fast.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from typing import Any, Dict, List, Optional

import click

from keraslab.core.errors import KeraslabError
from keraslab.core.registry import is_builtin, registry_of

# Storage that refuses a write: full, over quota, read-only, not permitted.
STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class CommandError(click.ClickException):
    """A user's mistake: one line on stderr, exit status 2."""

    exit_code = 2


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


# --------------------------------------------------------------------------- #
# Generic verbs of every plugin
# --------------------------------------------------------------------------- #


def _train_options(function):
    options = [
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="YAML file of config sections, applied before --set.",
        ),
        click.option(
            "--set",
            "overrides",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override one config value, e.g. --set optimizer.learning_rate=3e-4 (repeatable).",
        ),
        click.option("--dataset", help="Dataset name (same as --set data.name=NAME)."),
        click.option("--data", "data_path", help="Your own data file (same as --set data.path=PATH)."),
        click.option("--epochs", type=int, help="Same as --set train.epochs=N."),
        click.option("--seed", type=int, help="Same as --set train.seed=N."),
        click.option("--env", "env_id", help="Agents: the environment id (same as --set model.env=ID)."),
        click.option("--steps", type=int, help="Agents: the budget in environment steps (--set agent.env_steps=N)."),
        click.option("--strategy", help="auto, default, one-device, mirrored, multi-worker or tpu."),
        click.option("--synthetic", is_flag=True, help="Train on the dataset's tiny synthetic variant."),
        click.option("--run-dir", help="Directory of this run (default runs/<plugin>/<model>/<timestamp>)."),
        click.option("--runs-root", default="runs", show_default=True, help="Where new run directories go."),
        click.option(
            "--resume", "resume_run", metavar="RUN", help="Continue an unfinished run from its last checkpoint."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def make_train_command(plugin_name: str) -> click.Command:
    @click.command("train")
    @click.argument("model")
    @_train_options
    @click.pass_context
    def train(
        ctx,
        model,
        config_file,
        overrides,
        dataset,
        data_path,
        epochs,
        seed,
        env_id,
        steps,
        strategy,
        synthetic,
        run_dir,
        runs_root,
        resume_run,
    ):
        """Train MODEL through the shared trainer, then print its summary."""
        from keraslab.core import actions

        registry = registry_of(ctx)
        shortcuts = _shortcut_overrides(dataset, data_path, epochs, seed, strategy, synthetic, env_id, steps)
        if resume_run:
            if config_file or overrides or shortcuts or run_dir:
                raise KeraslabError(
                    "--resume continues a run with its own config; "
                    "it takes no --config, --set, shortcut options or --run-dir."
                )
            registry.get(plugin_name).model(model)
            run, summary = actions.resume_training(registry, resume_run, expect=(plugin_name, model))
        else:
            run, summary = actions.start_training(
                registry,
                plugin_name,
                model,
                config_file=config_file,
                overrides=list(overrides) + shortcuts,
                run_dir=run_dir,
                runs_root=runs_root,
            )
        _print_summary(run.path, summary)

    return train


def _shortcut_overrides(dataset, data_path, epochs, seed, strategy, synthetic, env_id=None, steps=None) -> List[str]:
    pairs = [
        ("data.name", dataset),
        ("data.path", data_path),
        ("train.epochs", epochs),
        ("train.seed", seed),
        ("devices.strategy", strategy),
        ("data.synthetic", True if synthetic else None),
        ("model.env", env_id),
        ("agent.env_steps", steps),
    ]
    return [f"{key}={value}" for key, value in pairs if value is not None]


def _print_summary(path, summary) -> None:
    status = summary.get("status", "complete")
    if status != "complete":
        click.echo(f"Run {path} is {status}: {summary.get('reason', '')}")
        click.echo(f"Continue it with: --resume {path}")
        # Shell convention: 128 + signal number for a run stopped by a signal.
        sys.exit(128 + summary["signal"] if "signal" in summary else 1)
    if summary.get("worker"):
        click.echo("Worker finished; the chief wrote the run.")
        return
    test = summary["metrics"].get("test", {})
    shown = ", ".join(f"{k} {v:.4f}" for k, v in test.items())
    click.echo(f"Run: {path}")
    if "env_steps" in summary:  # an agent
        click.echo(f"Evaluation ({summary.get('eval_episodes', '?')} episodes): {shown}")
        click.echo(
            f"{summary['env_steps']} environment steps in {summary['train_seconds']:.1f} s "
            f"({summary['env_steps_per_second']:.0f} steps/s)"
        )
        return
    click.echo(f"Test ({summary['examples']['test']} examples): {shown}")
    click.echo(
        f"{summary['epochs']} epochs in {summary['train_seconds']:.1f} s "
        f"({summary['examples_per_second']:.0f} examples/s, {summary['strategy']}, {summary['device']})"
    )


def make_evaluate_command(plugin_name: str) -> click.Command:
    @click.command("evaluate")
    @click.argument("run")
    @click.option("--episodes", type=int, help="Agents: episodes to run (default: the run's agent.eval_episodes).")
    @click.pass_context
    def evaluate(ctx, run, episodes):
        """Evaluate a finished RUN's final weights on its test split (an agent's policy on fresh episodes)."""
        from keraslab.core import actions

        _check_run_plugin(run, plugin_name)
        result = actions.evaluate_run(registry_of(ctx), run, episodes=episodes)
        shown = ", ".join(f"{k} {v:.4f}" for k, v in result["metrics"].items())
        unit = "episodes" if result["split"] == "episodes" else "examples"
        click.echo(f"{'Evaluation' if unit == 'episodes' else 'Test'} ({result['examples']} {unit}): {shown}")

    return evaluate


def make_export_command(plugin_name: str) -> click.Command:
    @click.command("export")
    @click.argument("run")
    @click.option("--out", default="exports", show_default=True, help="Serving root (TF Serving's model base).")
    @click.option("--name", help="Serving name of the model (default <plugin>-<model>).")
    @click.option("--version", type=int, help="Integer version (default: one past the highest).")
    @click.option(
        "--samples",
        type=int,
        default=50,
        show_default=True,
        help="Monte-Carlo samples per request, for stochastic models.",
    )
    @click.pass_context
    def export(ctx, run, out, name, version, samples):
        """Export a finished RUN as a SavedModel that TensorFlow Serving loads."""
        from keraslab.core.actions import export_run

        _check_run_plugin(run, plugin_name)
        path = export_run(registry_of(ctx), run, out=out, name=name, version=version, samples=samples)
        click.echo(f"Exported: {path}")

    return export


def _check_run_plugin(run_path: str, plugin_name: str) -> None:
    from keraslab.core.errors import RunError
    from keraslab.core.rundir import RunDir

    trained_by = RunDir.open(run_path).state.get("plugin")
    if trained_by != plugin_name:
        raise RunError(f"Run '{run_path}' belongs to plugin '{trained_by}'; use `keraslab {trained_by} ...`.")


def make_tune_command(plugin_name: str) -> click.Command:
    @click.command("tune")
    @click.argument("model", required=False)
    @click.option("--space", "space_file", type=click.Path(dir_okay=False), help="YAML file: KEY: {KIND: VALUES}.")
    @click.option(
        "--searcher",
        default="bayesian",
        show_default=True,
        help="bayesian (Gaussian-process Bayesian optimisation), random, grid or hyperband.",
    )
    @click.option("--trials", type=int, default=10, show_default=True, help="Trials to run (hyperband sets its own).")
    @click.option("--objective", default="validation.loss", show_default=True, help="SPLIT.METRIC[:min|max].")
    @click.option(
        "--folds", type=int, default=0, show_default=True, help="Score each trial by K-fold cross-validation (0: none)."
    )
    @click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML config of every trial.")
    @click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override of every trial.")
    @click.option("--dataset", help="Dataset name (same as --set data.name=NAME).")
    @click.option("--data", "data_path", help="Your own data file (same as --set data.path=PATH).")
    @click.option("--epochs", type=int, help="Same as --set train.epochs=N (hyperband's largest budget).")
    @click.option(
        "--seed", type=int, default=0, show_default=True, help="Every trial's train.seed, and the searcher's."
    )
    @click.option("--synthetic", is_flag=True, help="Train on the dataset's tiny synthetic variant.")
    @click.option("--run-dir", "search_dir", help="Folder of the search (default runs/<plugin>/<model>/tune-<time>).")
    @click.option("--runs-root", default="runs", show_default=True, help="Where new search folders go.")
    @click.option("--resume", "resume_dir", metavar="DIR", help="Continue a search from its folder.")
    @click.option(
        "--oracle", metavar="HOST:PORT", help="A shared search: the chief's address (KERASTUNER_ORACLE_IP/PORT)."
    )
    @click.option("--tuner-id", help="A shared search: chief, or this worker's name (KERASTUNER_TUNER_ID).")
    @click.pass_context
    def tune(ctx, model, space_file, searcher, trials, objective, folds, config_file, overrides, dataset, data_path,
             epochs, seed, synthetic, search_dir, runs_root, resume_dir, oracle, tuner_id):  # fmt: skip
        """Search MODEL's hyper-parameters over a --space, each trial a run of the shared trainer."""
        from keraslab.core import tuning

        registry = registry_of(ctx)
        if oracle or tuner_id:
            tuning.share_search(oracle or "", tuner_id or "")
        shortcuts = _shortcut_overrides(dataset, data_path, epochs, None, None, synthetic)
        if resume_dir:
            if model or space_file or config_file or overrides or shortcuts or search_dir:
                raise KeraslabError(
                    "--resume continues a search with its own settings; "
                    "it takes no MODEL, --space, --config, --set, shortcut options or --run-dir."
                )
            folder, table = tuning.resume_search(registry, resume_dir)
        else:
            if not model or not space_file:
                raise KeraslabError("tune needs MODEL and --space FILE (or --resume DIR to continue a search).")
            shortcuts = _shortcut_overrides(dataset, data_path, epochs, seed, None, synthetic)
            settings = tuning.SearchSettings(
                plugin_name,
                model,
                searcher,
                trials,
                objective,
                seed,
                config_file,
                tuple(overrides) + tuple(shortcuts),
                folds,
            )
            if tuning.role() == "worker":
                folder, ran = tuning.join_search(registry, settings, space_file, search_dir)
                trials_ran = ", ".join(row["trial"] for row in ran) or "none"
                click.echo(f"Worker of search {folder}: ran trials {trials_ran}; the chief writes the table.")
                return
            folder, table = tuning.start_search(registry, settings, space_file, runs_root, search_dir)
        click.echo(f"Search: {folder} ({len(table)} trials; the table is in {folder / tuning.TABLE_FILE})")
        for row in table[:5]:
            score = "-" if row["objective"] is None else f"{row['objective']:.4f}"
            if row.get("spread") is not None:
                score += f" ± {row['spread']:.4f}"
            click.echo(f"  trial {row['trial']}  {score}  {row['status'].lower()}  {json.dumps(row['values'])}")

    return tune


GENERIC_VERBS = {
    "train": make_train_command,
    "evaluate": make_evaluate_command,
    "export": make_export_command,
    "tune": make_tune_command,
}


class PluginGroup(click.Group):
    """`keraslab <plugin>`: the generic verbs plus the plugin's own commands."""

    def __init__(self, plugin_name: str, **kwargs):
        super().__init__(name=plugin_name, **kwargs)
        self.plugin_name = plugin_name
        self._extra: Optional[dict] = None

    def _extra_commands(self, ctx) -> dict:
        if self._extra is None:
            from keraslab.core.refs import resolve_declared

            plugin = registry_of(ctx).get(self.plugin_name)
            commands = (
                resolve_declared(plugin.commands, f"plugin '{plugin.name}', commands")() if plugin.commands else []
            )
            self._extra = {c.name: c for c in commands if c.name not in GENERIC_VERBS}
        return self._extra

    def list_commands(self, ctx):
        return list(GENERIC_VERBS) + sorted(self._extra_commands(ctx))

    def get_command(self, ctx, name):
        if name in GENERIC_VERBS:
            return GENERIC_VERBS[name](self.plugin_name)
        return self._extra_commands(ctx).get(name)


# --------------------------------------------------------------------------- #
# The root group
# --------------------------------------------------------------------------- #


class RootGroup(click.Group):
    """Built-in commands plus one group per declared plugin, loaded on use."""

    def list_commands(self, ctx):
        return sorted(super().list_commands(ctx)) + registry_of(ctx).names()

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        record = registry_of(ctx).record(name)  # loads this plugin, no other
        if record is None:
            return None
        if record.error or record.plugin is None:
            return _broken_plugin_command(name, record.error or "not loaded")
        return PluginGroup(name, help=record.plugin.description)

    def format_commands(self, ctx, formatter):
        """`keraslab --help`: built-in commands, then the declared plugins,
        described without importing any third-party plugin."""
        rows = [
            (name, command.get_short_help_str(limit=formatter.width - 6 - len(name)))
            for name, command in sorted(self.commands.items())
            if not command.hidden
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
        registry = registry_of(ctx)
        plugins = []
        for name in registry.names():
            record = registry.declared(name)
            if record is not None and is_builtin(record):
                record = registry.record(name)
            if record is None:
                continue
            if record.plugin is not None:
                plugins.append((name, record.plugin.description))
            elif record.error:
                plugins.append((name, f"[broken plugin] {record.error}"))
            else:
                plugins.append((name, f"plugin from '{record.distribution}'; `keraslab {name} --help`"))
        if plugins:
            with formatter.section("Plugins"):
                formatter.write_dl(plugins)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeraslabError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            if error.errno not in STORAGE_ERRORS:
                raise
            where = f" while writing '{error.filename}'" if error.filename else ""
            raise CommandError(
                f"{error.strerror or error}{where}. Nothing complete was overwritten: free space "
                "or fix the permissions, then run the command again (a run continues with "
                "--resume)."
            ) from None

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            available = ", ".join(self.list_commands(ctx))
            raise click.UsageError(f"Unknown command or plugin '{name}'. Available: {available}.", ctx)
        return super().resolve_command(ctx, args)


def _broken_plugin_command(name: str, error: str) -> click.Command:
    @click.command(name, help=f"[broken plugin] {error}", context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def broken(args):
        raise KeraslabError(f"Plugin '{name}' is broken: {error}. See `keraslab plugins`.")

    return broken


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="keraslab")
@click.option(
    "--allow-import",
    "allowed_imports",
    multiple=True,
    metavar="MODULE",
    help="Trust MODULE for references in configs (optimizer.name); "
    "keraslab's and installed plugins' modules are trusted already.",
)
def cli(allowed_imports):
    """keraslab: classic deep-learning models behind one registry, trainer, CLI and export path.

    Every plugin gets the verbs train, evaluate and export: `keraslab <plugin> train MODEL`.
    """
    from keraslab.core.trusted_imports import allow_imports

    allow_imports(allowed_imports)


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins_command(ctx, as_json):
    """Declared plugins: name, topic, version, distribution and status (or error)."""
    records = registry_of(ctx).records()
    rows: List[Dict[str, Any]] = [
        {
            "name": r.name,
            "topic": r.topic,
            "version": r.version,
            "distribution": r.distribution,
            "status": r.status,
            "error": r.error,
            "load_seconds": _rounded(r.load_seconds),
            "output": r.output,
        }
        for r in records
    ]
    if as_json:
        _echo_json(rows)
        return
    header = ("NAME", "TOPIC", "VERSION", "DISTRIBUTION", "STATUS")
    table = [header] + [
        (str(r["name"]), r["topic"] or "-", r["version"] or "-", str(r["distribution"]), str(r["status"])) for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    for row in rows:
        if row["error"]:
            click.echo(f"  {row['name']}: {row['error']}")
        if row["load_seconds"] is not None and row["load_seconds"] >= SLOW_PLUGIN_SECONDS:
            click.echo(
                f"  {row['name']}: slow to load, {row['load_seconds']:.1f} s "
                "(every command of this plugin waits that long)"
            )
        if row["output"].strip():
            printed = " | ".join(row["output"].strip().splitlines())[:200]
            click.echo(f"  {row['name']}: printed while loading: {printed}")


SLOW_PLUGIN_SECONDS = 1.0


def _rounded(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds, 3)


@cli.command("list")
@click.option("--topic", help="Only plugins of this topic.")
@click.pass_context
def list_command(ctx, topic):
    """Models and datasets of every working plugin, with one-line descriptions."""
    plugins = registry_of(ctx).plugins()
    topics = sorted({p.topic for p in plugins})
    if topic and topic not in topics:
        raise KeraslabError(f"Unknown topic '{topic}'. Available: {', '.join(topics) or '(none)'}.")
    for plugin in plugins:
        if topic and plugin.topic != topic:
            continue
        click.echo(f"{plugin.name} ({plugin.topic}): {plugin.description}")
        click.echo("  models:")
        for model in plugin.models:
            data = f", data: {model.default_dataset}" if model.default_dataset else ""
            click.echo(f"    {model.name:<22} {model.description}  [{model.training}, {model.task}{data}]")
        if plugin.datasets:
            click.echo("  datasets:")
            for dataset in plugin.datasets:
                click.echo(f"    {dataset.name:<22} {dataset.description}")


@cli.command("predict")
@click.argument("export_dir")
@click.option("--input", "input_file", required=True, help="TF Serving REST request body (JSON file).")
@click.option("--signature", default="serving_default", show_default=True)
def predict_command(export_dir, input_file, signature):
    """Answer a TF Serving REST request with an export, printing the response body."""
    from keraslab.core.export.predict import predict, read_request

    response = predict(export_dir, read_request(input_file), signature)
    click.echo(json.dumps(response, indent=2, allow_nan=False))  # valid JSON: non-finite values are null


@cli.group("data")
def data_group():
    """Data at scale: write an image folder or CSV data as TFRecord shards (docs/data.md)."""


@data_group.command("convert")
@click.argument("source")
@click.option("--out", required=True, help="The folder to write (must not exist yet).")
@click.option("--shards", type=click.IntRange(min=1), default=8, show_default=True, help="Shards per split.")
@click.option(
    "--task",
    type=click.Choice(["classification", "regression"]),
    default="classification",
    show_default=True,
    help="CSV data: class ids or values in the last column.",
)
@click.option(
    "--unreadable",
    type=click.Choice(["refuse", "skip"]),
    default="refuse",
    show_default=True,
    help="An image that does not decode: refuse the conversion, or skip it.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the order records are written in.")
def convert_command(source, out, shards, task, unreadable, seed):
    """Write SOURCE (an image folder, a .csv file or a folder of them) as TFRecord shards in OUT.

    Train on the result like on the source: `keraslab vision train cnn --data OUT`.
    """
    from keraslab.core.convert import convert, describe

    bar: Dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = click.progressbar(length=total, label="Converting", file=sys.stderr)
            bar["bar"].__enter__()
        bar["bar"].update(done)

    try:
        manifest = convert(source, out, shards, task=task, unreadable=unreadable, seed=seed, progress=progress)
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    records, count = describe(manifest)
    click.echo(f"Wrote {records} records in {count} shard(s) to {out}.")


@cli.command("quickstart")
@click.option("--runs-root", default="runs", show_default=True)
@click.option("--out", default="exports", show_default=True)
@click.pass_context
def quickstart_command(ctx, runs_root, out):
    """The main job: train the default model, evaluate, export and query it."""
    from keraslab.core.quickstart import run_quickstart

    run_quickstart(registry_of(ctx), runs_root=runs_root, out=out, echo=click.echo)


def main(argv: Optional[List[str]] = None) -> None:
    """Console-script entry point."""
    # TensorFlow's C++ start-up lines (CUDA plugin registration and the like)
    # would bury our own output; TF_CPP_MIN_LOG_LEVEL=0 brings them back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    cli.main(args=argv, prog_name="keraslab")


if __name__ == "__main__":
    main()
