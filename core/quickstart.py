"""The main job behind `make run`: train, evaluate, export, query, summarise.

It trains the default model of the first plugin found in `MAIN_PLUGINS`
(vision's CNN once that plugin is installed, else foundations' MLP) on its
embedded data with its default config, so it shows the whole path a user
takes, from `train` to a TF Serving request answered by the export.
"""
from __future__ import annotations

import json
from typing import Callable

from keraslab.core import actions, building
from keraslab.core.errors import KeraslabError
from keraslab.core.registry import Registry

MAIN_PLUGINS = ("vision", "foundations")


def run_quickstart(registry: Registry, runs_root: str = "runs", out: str = "exports",
                   echo: Callable[[str], None] = print) -> dict:
    """Runs the main job and returns what it printed as a dict."""
    from keraslab.core.export.predict import predict
    from keraslab.core.export.serving import export_run

    available = [name for name in MAIN_PLUGINS if name in registry.names()]
    if not available:
        raise KeraslabError(f"None of the plugins {', '.join(MAIN_PLUGINS)} is installed; see `keraslab plugins`.")
    plugin = registry.get(available[0])
    spec = plugin.default_model
    echo(f"[1/4] Training {plugin.name}/{spec.name} on '{spec.default_dataset}' ...")
    run, summary = actions.start_training(registry, plugin.name, spec.name, runs_root=runs_root)
    if summary.get("status", "complete") != "complete":
        raise KeraslabError(f"Training did not finish: {summary.get('reason')}")
    echo(f"[2/4] Evaluating {run.path} ...")
    evaluation = actions.evaluate_run(registry, str(run.path))
    echo("[3/4] Exporting for TensorFlow Serving ...")
    version_dir = export_run(registry, str(run.path), out=out)
    echo("[4/4] Asking the export about one test example ...")
    config = actions.load_run_config(spec, run)
    test = building.load_splits(plugin, spec, config.data).test
    request = {"instances": [test.features[0].tolist()]}
    request_file = run.path / "request.json"
    request_file.write_text(json.dumps(request) + "\n")
    response = predict(str(version_dir), request)
    answer = response["predictions"][0]

    echo("")
    echo(f"Model:        {plugin.name}/{spec.name} ({summary['examples']['train']} training examples, "
         f"{summary['epochs']} epochs, {summary['train_seconds']:.1f} s, {summary['strategy']})")
    echo("Test metrics: " + ", ".join(f"{k} {v:.4f}" for k, v in evaluation["metrics"].items())
         + f" on {evaluation['examples']} held-out examples")
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
