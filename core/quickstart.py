"""The main job behind `make run`: train, evaluate, export, query, summarise.

It trains the default model of the installed built-in plugin whose
`Plugin.main_job` rank is highest on its embedded data with its default
config, so it shows the whole path a user takes, from `train` to a TF
Serving request answered by the export. Third-party plugins are not
considered: `make run` always means the same job.
"""

from __future__ import annotations

import json
from typing import Callable

from keraslab.core import actions, building
from keraslab.core.contract import Plugin
from keraslab.core.errors import KeraslabError
from keraslab.core.registry import Registry, is_builtin


def run_quickstart(
    registry: Registry, runs_root: str = "runs", out: str = "exports", echo: Callable[[str], None] = print
) -> dict:
    """Runs the main job and returns what it printed as a dict."""
    from keraslab.core.export.predict import predict

    plugin = main_plugin(registry)
    spec = plugin.default_model
    echo(f"[1/4] Training {plugin.name}/{spec.name} on '{spec.default_dataset}' ...")
    run, summary = actions.start_training(registry, plugin.name, spec.name, runs_root=runs_root)
    if summary.get("status", "complete") != "complete":
        raise KeraslabError(f"Training did not finish: {summary.get('reason')}")
    echo(f"[2/4] Evaluating {run.path} ...")
    evaluation = actions.evaluate_run(registry, str(run.path))
    echo("[3/4] Exporting for TensorFlow Serving ...")
    version_dir = actions.export_run(registry, str(run.path), out=out)
    echo("[4/4] Asking the export about one test example ...")
    config = actions.load_run_config(spec, run)
    test = building.load_splits(plugin, spec, config.data).test
    request = {"instances": [test.features[0].tolist()]}
    request_file = run.path / "request.json"
    request_file.write_text(json.dumps(request) + "\n")
    response = predict(str(version_dir), request)
    answer = response["predictions"][0]

    echo("")
    echo(
        f"Model:        {plugin.name}/{spec.name} ({summary['examples']['train']} training examples, "
        f"{summary['epochs']} epochs, {summary['train_seconds']:.1f} s, {summary['strategy']})"
    )
    echo(
        "Test metrics: "
        + ", ".join(f"{k} {v:.4f}" for k, v in evaluation["metrics"].items())
        + f" on {evaluation['examples']} held-out examples"
    )
    echo(f"Run:          {run.path}")
    echo(f"Export:       {version_dir}")
    if isinstance(answer, dict) and "class_id" in answer:
        truth = int(test.targets[0]) if test.targets is not None else None
        confidence = max(answer["probabilities"])
        echo(f"Predict:      class {answer['class_id']} (p = {confidence:.3f}); true class {truth}")
    else:
        echo(f"Predict:      {json.dumps(answer)[:200]}")
    echo(f"Try it:       keraslab predict {version_dir} --input {request_file}")
    return {"run": str(run.path), "export": str(version_dir), "evaluation": evaluation, "response": response}


def main_plugin(registry: Registry) -> Plugin:
    """The installed built-in plugin of highest `main_job` rank (module
    docstring); only built-in plugins are loaded to find it."""
    declared = [registry.declared(name) for name in registry.names()]
    builtins = [registry.record(r.name) for r in declared if r is not None and is_builtin(r)]
    ranked = [r.plugin for r in builtins if r is not None and r.plugin is not None and r.plugin.main_job > 0]
    if not ranked:
        raise KeraslabError("No installed built-in plugin offers a main job (Plugin.main_job); see `keraslab plugins`.")
    return max(ranked, key=lambda plugin: (plugin.main_job, plugin.name))
