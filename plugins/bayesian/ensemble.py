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


def export_ensemble(registry, paths: Sequence[Path], out: str, name: str = "bayesian-ensemble") -> Path:
    """One SavedModel over every member: `serving_default` takes `features`
    and returns the ensemble's `probabilities` (mean over members, each a
    mean over its own Monte-Carlo passes), their `stddev`, `class_id`,
    `entropy` and `mutual_information` (the members' disagreement)."""
    import tensorflow as tf

    from keraslab.core import actions
    from keraslab.core.export.serving import WARMUP_EXAMPLES, Exportable, check_export_name, write_export
    from keraslab.core.rundir import RunDir
    from keraslab.core.trainer.loop import load_trained

    check_export_name(name)
    plugin = registry.get("bayesian")
    models, splits = [], None
    for path in paths:
        run = RunDir.open(str(path))
        run.require_complete("export")
        spec = plugin.model(run.state["model"])
        built = load_trained(plugin, spec, actions.load_run_config(spec, run), run)
        models.append(built.model)
        splits = built.splits
    input_spec = tf.TensorSpec([None, *splits.train.input_shape], tf.float32, name="features")

    def member_probabilities_in_graph(model, features):
        passes = int(getattr(model, "predictive_samples", 1))
        one_pass = lambda _: tf.nn.softmax(model(features, training=False), axis=-1)  # noqa: E731
        if passes == 1:
            return one_pass(0)
        return tf.reduce_mean(tf.map_fn(one_pass, tf.range(passes), fn_output_signature=tf.float32), axis=0)

    @tf.function(input_signature=[input_spec])
    def serve(features):
        members = tf.stack([member_probabilities_in_graph(m, features) for m in models])
        mean = tf.reduce_mean(members, axis=0)
        entropy = -tf.reduce_sum(mean * tf.math.log(mean + 1e-12), axis=-1)
        member_entropy = -tf.reduce_sum(members * tf.math.log(members + 1e-12), axis=-1)
        return {"probabilities": mean, "stddev": tf.math.reduce_std(members, axis=0),
                "class_id": tf.argmax(mean, axis=-1), "entropy": entropy,
                "mutual_information": entropy - tf.reduce_mean(member_entropy, axis=0)}

    holder = tf.Module()
    holder.members = models
    warmup = splits.validation if len(splits.validation) else splits.train
    exportable = Exportable(holder, {"serving_default": serve}, warmup.features[:WARMUP_EXAMPLES].astype(np.float32),
                            splits.train.class_names)
    return write_export(exportable, out, name, None, "features",
                        {"plugin": "bayesian", "model": "ensemble", "members": [str(Path(p).resolve()) for p in paths]})
