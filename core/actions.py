"""What the CLI's verbs do, as functions: train, resume, evaluate, export.

Each checks everything the user gave it (names, config, data) before it
writes anything, so a mistake leaves no run directory behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from keraslab.core import building
from keraslab.core.config import (
    RunConfig,
    apply_overrides,
    check_ranges,
    dump_yaml,
    load_yaml,
    migrate_sections,
    resolve_config,
    to_dict,
)
from keraslab.core.contract import ModelSpec, Plugin
from keraslab.core.errors import KeraslabError, RunError, describe_error
from keraslab.core.paths import check_can_create
from keraslab.core.registry import Registry
from keraslab.core.rundir import COMPLETE, FAILED, INTERRUPTED, RunDir


def resolve_run_config(
    plugin: Plugin, spec: ModelSpec, config_file: Optional[str] = None, overrides: Sequence[str] = ()
) -> RunConfig:
    """The model's defaults, then the YAML file, then `--set` overrides, checked."""
    config = resolve_config(building.default_config(spec), config_file, overrides)
    check_ranges(config)
    check_references(config)
    from keraslab.core.trainer.kinds import trainer_for

    trainer_for(spec).check(plugin, spec, config)  # settings its trainer ignores, unknown datasets, ...
    return config


def load_run_config(spec: ModelSpec, run: RunDir) -> RunConfig:
    """The config a run was started with, read back from its config.yaml,
    with the same checks as a new run's (a run directory can come from anyone)."""
    config = apply_overrides(RunConfig(model=spec.config, data=spec.data_config()), load_yaml(run.config_file))
    check_ranges(config)
    check_references(config)
    return config


def write_run_config(run: RunDir, config: RunConfig) -> None:
    """Saves the run's config as config.yaml, and a copy in run.json, so a
    resume can tell whether config.yaml was edited since."""
    run.config_file.write_text(dump_yaml(config))
    run.mark(run.status, config=to_dict(config))


def check_config_unchanged(run: RunDir, config: RunConfig) -> None:
    """Raises `RunError` if the run's config.yaml no longer says what the run
    started with (runs that predate the copy in run.json are not checked)."""
    started = run.state.get("config")
    if started is None:
        return
    changes = _differences(migrate_sections(started, config), to_dict(config))
    if changes:
        listed = ", ".join(f"{key}: {json.dumps(was)} → {json.dumps(now)}" for key, was, now in changes[:5])
        raise RunError(
            f"Run '{run.path}' config.yaml was edited since the run started ({listed}); a resumed run "
            "continues with the config it started with. Put the values back, or start a new run."
        )


def _differences(was: Any, now: Any, prefix: str = "") -> list:
    if isinstance(was, dict) and isinstance(now, dict):
        changes = []
        for key in sorted(set(was) | set(now)):
            changes += _differences(was.get(key), now.get(key), f"{prefix}{key}.")
        return changes
    return [] if was == now else [(prefix.rstrip("."), was, now)]


def check_references(config: RunConfig) -> None:
    """Raises `ConfigError` for a reference in the config that may not be
    imported or names the wrong kind of thing; nothing of it is called."""
    if ":" in config.optimizer.name:
        from keraslab.core.trainer.optimization import optimizer_class

        optimizer_class(config.optimizer.name)


def start_training(
    registry: Registry,
    plugin_name: str,
    model_name: str,
    *,
    config_file: Optional[str] = None,
    overrides: Sequence[str] = (),
    run_dir: Optional[str] = None,
    runs_root: str = "runs",
) -> Tuple[RunDir, Dict[str, Any]]:
    """Trains a model in a new run directory; returns the run and its summary."""
    plugin = registry.get(plugin_name)
    spec = plugin.model(model_name)
    config = resolve_run_config(plugin, spec, config_file, overrides)
    from keraslab.core.trainer.kinds import trainer_for

    trainer = trainer_for(spec)
    # Everything that can fail (the data, the strategy, the model built and
    # checked on one real batch, the run directory) fails here, before the
    # run exists: a mistake is one line, with no run directory left behind.
    prepared = trainer.prepare(plugin, spec, config)
    if not prepared.chief:  # other workers of a multi-worker run write to temporary places
        run_dir = tempfile.mkdtemp(prefix="keraslab-worker-")
    RunDir.check_new(run_dir, runs_root)
    run = RunDir.create(plugin.name, spec.name, prepared.subject, root=runs_root, explicit=run_dir)
    with run.writer_lock():
        write_run_config(run, config)
        return run, _train_guarded(plugin, spec, config, run, resume=False, prepared=prepared)


def resume_training(
    registry: Registry, run_path: str, expect: Optional[Tuple[str, str]] = None
) -> Tuple[RunDir, Dict[str, Any]]:
    """Continues an unfinished run from its latest checkpoint.

    Args:
        registry: where the run's plugin is found.
        run_path: the run directory.
        expect: (plugin, model) the caller asked for; a run of another model
            is refused.
    """
    run = RunDir.open(run_path)
    state = run.state
    if expect and (state.get("plugin"), state.get("model")) != expect:
        raise RunError(
            f"Run '{run_path}' trained {state.get('plugin')}/{state.get('model')}, "
            f"not {expect[0]}/{expect[1]}; resume it with the same plugin and model."
        )
    if run.status == COMPLETE:
        raise RunError(f"Run '{run_path}' is already complete; nothing to resume.")
    plugin = registry.get(state["plugin"])
    spec = plugin.model(state["model"])
    config = load_run_config(spec, run)
    from keraslab.core.trainer.restore import require_intact
    from keraslab.core.trainer.strategy import chief_by_tf_config

    # The chief writes the run; other workers of a multi-worker run only read its checkpoints.
    lock = run.writer_lock() if chief_by_tf_config() else contextlib.nullcontext()
    with lock:  # a second writer is refused before anything is read or written
        if run.status == COMPLETE:  # finished while this process waited to look
            raise RunError(f"Run '{run_path}' is already complete; nothing to resume.")
        check_config_unchanged(run, config)
        require_intact(run.checkpoints)  # refused before the run is touched
        run.metrics()  # a history damaged beyond its last line is refused here too
        return run, _train_guarded(plugin, spec, config, run, resume=True)


def ensure_trained(
    registry: Registry,
    plugin_name: str,
    model_name: str,
    run_dir: str,
    overrides: Sequence[str] = (),
    echo=lambda message: None,
) -> Dict[str, Any]:
    """The summary of the complete run at `run_dir`: read back if the run
    finished, after resuming it if it stopped, after training it if there is
    none. For studies made of several runs, which then continue where they
    stopped. Raises `RunError` if the run does not finish."""
    path = Path(run_dir)
    if (path / "run.json").is_file():
        run = RunDir.open(run_dir)
        if run.status == COMPLETE:
            return dict(run.read_json("summary.json"))
        echo(f"resuming {run_dir}")
        _, summary = resume_training(registry, run_dir, expect=(plugin_name, model_name))
    else:
        _, summary = start_training(registry, plugin_name, model_name, run_dir=run_dir, overrides=overrides)
    if summary.get("status", COMPLETE) != COMPLETE:
        raise RunError(
            f"Run {run_dir} did not finish ({summary.get('reason')}); run the same command again to continue it."
        )
    return summary


def _train_guarded(plugin, spec, config, run, resume, prepared=None) -> Dict[str, Any]:
    from keraslab.core.trainer.kinds import trainer_for

    try:
        return trainer_for(spec).train(plugin, spec, config, run, resume, prepared)
    except KeyboardInterrupt:
        run.mark(INTERRUPTED, reason="interrupted by the user")
        raise
    except BaseException as error:
        run.mark(FAILED, reason=describe_error(error))
        raise


@dataclasses.dataclass(frozen=True)
class FinishedRun:
    """A complete run opened for a plugin's command.

    Attributes:
        run: its directory.
        spec: the model it trained.
        config: the config it was trained with.
        model: the trained model with its final weights: a `tf.keras.Model`,
            or for an agent its `AgentProgram`.
        splits: the run's data split as it was (`building.Splits`); None for
            an agent, which has no dataset.
    """

    run: RunDir
    spec: ModelSpec
    config: RunConfig
    model: Any
    splits: Any = None


def open_finished_run(
    registry: Registry, plugin_name: str, run_path: str, command: str, models: Sequence[str] = ()
) -> FinishedRun:
    """A finished run of `plugin_name`, its model rebuilt with its final
    weights, for a plugin's command.

    Args:
        registry: the plugins.
        plugin_name: the plugin whose runs the command takes.
        run_path: the run directory the user named.
        command: the command's name, for the errors ("translate").
        models: the models the command takes (empty: any of the plugin's).

    Raises:
        KeraslabError: the run is not finished, or of another plugin or model.
    """
    run = RunDir.open(run_path)
    run.require_complete(f"run '{command}' on")
    plugin_of_run, model = run.state.get("plugin"), run.state.get("model")
    if plugin_of_run != plugin_name or (models and model not in models):
        accepted = ", ".join(models) if models else f"any {plugin_name} model"
        raise KeraslabError(f"Run '{run_path}' is a {plugin_of_run} '{model}'; {command} takes a run of {accepted}.")
    plugin = registry.get(plugin_name)
    spec = plugin.model(str(model))
    config = load_run_config(spec, run)
    from keraslab.core.trainer.kinds import trainer_for

    model_, splits = trainer_for(spec).load(plugin, spec, config, run)
    return FinishedRun(run, spec, config, model_, splits)


def evaluate_run(registry: Registry, run_path: str, episodes: Optional[int] = None) -> Dict[str, Any]:
    """Evaluates a finished run's final weights on its test split (an
    agent's final policy on `episodes` episodes, by default its
    `agent.eval_episodes`)."""
    from keraslab.core.trainer.kinds import trainer_for

    run = RunDir.open(run_path)
    run.require_complete("evaluate")
    plugin = registry.get(run.state["plugin"])
    spec = plugin.model(run.state["model"])
    config = load_run_config(spec, run)
    result = {"run": str(run.path), **trainer_for(spec).evaluate(plugin, spec, config, run, episodes)}
    run.write_json("evaluation.json", result)
    return result


def export_run(
    registry: Registry,
    run_path: str,
    out: str = "exports",
    name: Optional[str] = None,
    version: Optional[int] = None,
    samples: int = 50,
) -> Path:
    """Exports a finished run's model for serving, as the next version of
    `out/name` (`keraslab.core.export.serving` writes it).

    Args:
        registry: where the run's plugin is found.
        run_path: the run directory (must be complete).
        out: the serving root (TF Serving's model base directory).
        name: the model's serving name; defaults to "<plugin>-<model>".
        version: the integer version; defaults to one past the highest.
        samples: Monte-Carlo samples per request for stochastic models.

    Returns:
        The version directory written.
    """
    from keraslab.core.export.serving import check_export_name, choose_version, write_export

    run = RunDir.open(run_path)
    run.require_complete("export")
    plugin = registry.get(run.state["plugin"])
    spec = plugin.model(run.state["model"])
    name = name or f"{plugin.name}-{spec.name}"
    check_export_name(name)
    check_can_create(out, "--out")
    check_can_create(Path(out) / name, "export folder")
    choose_version(Path(out) / name, version)  # a taken or impossible version fails before the model is built
    config = load_run_config(spec, run)
    from keraslab.core.trainer.kinds import trainer_for

    exportable = trainer_for(spec).exportable(plugin, spec, config, run, samples)
    return write_export(
        exportable,
        out,
        name,
        version,
        spec.input_name,
        {"plugin": plugin.name, "model": spec.name, "run": str(run.path.resolve())},
    )
