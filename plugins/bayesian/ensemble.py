"""Deep ensembles (Lakshminarayanan et al., 2017): N members of one network,
each trained through the shared trainer from its own seed (its own
initialisation and data order, the same split). The predictive is the
mean of the members' probabilities; their disagreement (mutual
information) is the epistemic part of its entropy."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Sequence

import numpy as np

from keraslab.core.errors import KeraslabError
from keraslab.plugins.bayesian import report
from keraslab.plugins.bayesian import uncertainty as u

ENSEMBLE_FILE = "ensemble.json"


def train_members(registry, model: str, members: int, out: Path, settings: Sequence[str] = (),
                  echo=print) -> list:
    """Trains (or continues, or reads back) member i with `train.seed=i` in
    `out/member<i>`; returns their run directories."""
    from keraslab.core import actions

    if members < 2:
        raise KeraslabError(f"An ensemble needs at least 2 members, received {members}.")
    plugin = registry.get("bayesian")
    spec = plugin.model(model)
    if spec.task != "classification":
        raise KeraslabError(f"Ensembles here combine classifiers; '{model}' is a {spec.task} model.")
    actions.resolve_run_config(plugin, spec, overrides=list(settings))  # bad settings fail before any run
    paths = []
    for member in range(members):
        path = out / f"member{member}"
        echo(f"member {member + 1} of {members}")
        actions.ensure_trained(registry, "bayesian", model, str(path), [*settings, f"train.seed={member}"],
                               echo=echo)
        paths.append(path)
    return paths


def member_probabilities(registry, paths: Sequence[Path], features: np.ndarray) -> np.ndarray:
    """Each member's class probabilities, (members, n, K); a sampling model
    contributes the mean of its own Monte-Carlo passes."""
    from keraslab.core import actions
    from keraslab.core.rundir import RunDir
    from keraslab.core.trainer.loop import load_trained

    plugin = registry.get("bayesian")
    probabilities = []
    for path in paths:
        run = RunDir.open(str(path))
        spec = plugin.model(run.state["model"])
        built = load_trained(plugin, spec, actions.load_run_config(spec, run), run)
        samples = int(getattr(built.model, "predictive_samples", 1))
        probabilities.append(u.predictive_samples(built.model, features, samples).mean(axis=0))
    return np.stack(probabilities)


def evaluate_ensemble(registry, paths: Sequence[Path], out: Path) -> Dict:
    """Accuracy, NLL, ECE and out-of-distribution AUCs of the ensemble on
    the members' common test split; writes ensemble.json and reliability.png."""
    from keraslab.core import actions, building
    from keraslab.core.rundir import RunDir

    plugin = registry.get("bayesian")
    first = RunDir.open(str(paths[0]))
    spec = plugin.model(first.state["model"])
    splits = building.load_splits(plugin, spec, actions.load_run_config(spec, first).data)
    test = splits.test
    members = member_probabilities(registry, paths, test.features)
    mean = members.mean(axis=0)
    result = {"members": len(paths), "accuracy": float(np.mean(mean.argmax(-1) == test.targets)),
              "member_accuracy": [float(np.mean(m.argmax(-1) == test.targets)) for m in members],
              "nll": u.negative_log_likelihood(mean, test.targets),
              "ece": u.expected_calibration_error(mean, test.targets),
              "mean_entropy_test": float(u.entropy(mean).mean()), "out_of_distribution": {}}
    scores = {"entropy": u.entropy(mean), "mutual_information": u.mutual_information(members)}
    for name, images in u.out_of_distribution_sets(test.features).items():
        ood = member_probabilities(registry, paths, images)
        ood_scores = {"entropy": u.entropy(ood.mean(axis=0)), "mutual_information": u.mutual_information(ood)}
        result["out_of_distribution"][name] = {
            f"auc_{score}": u.separation_auc(scores[score], ood_scores[score]) for score in scores}
    (out / ENSEMBLE_FILE).write_text(json.dumps(result, indent=2) + "\n")
    report.plot_reliability(mean, test.targets, dict(result, samples=len(paths)), out / "reliability.png")
    return result
