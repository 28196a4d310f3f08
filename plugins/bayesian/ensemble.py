"""Deep ensembles (Lakshminarayanan et al., 2017): N members of one network,
each trained through the shared trainer from its own seed (its own
initialisation and data order, the same split).

Classifiers: the predictive is the mean of the members' probabilities;
their disagreement (mutual information) is the epistemic part of its
entropy. Regressors of μ and σ: the predictive is the mixture
(1/N) Σ_i N(μ_i(x), σ_i²(x)), of variance
(1/N) Σ_i σ_i² (aleatoric) + Var_i[μ_i] (epistemic)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from keraslab.core.api import KeraslabError
from keraslab.plugins.bayesian import report
from keraslab.plugins.bayesian import uncertainty as u

ENSEMBLE_FILE = "ensemble.json"


def member_settings(members: int, first_seed: int = 0, bootstrap: bool = False) -> Dict[str, list]:
    """{"member<i>": its settings}: `train.seed` = first_seed + i, and with
    `bootstrap` (bagging, Breiman 1996) its own resample of the training
    split, `data.bootstrap` = first_seed + i + 1."""
    variants = {}
    for i in range(members):
        seed = first_seed + i
        variants[f"member{i}"] = [f"train.seed={seed}", *([f"data.bootstrap={seed + 1}"] if bootstrap else [])]
    return variants


def train_members(
    registry,
    model: str,
    members: int,
    out: Path,
    settings: Sequence[str] = (),
    echo=print,
    first_seed: int = 0,
    bootstrap: bool = False,
) -> list:
    """Trains (or continues, or reads back) member i in `out/member<i>` with
    `member_settings`; returns their run directories."""
    from keraslab.core.api import train_variants

    if members < 2:
        raise KeraslabError(f"An ensemble needs at least 2 members, received {members}.")
    plugin = registry.get("bayesian")
    spec = plugin.model(model)
    if spec.task not in ("classification", "regression"):
        raise KeraslabError(f"Ensembles combine classifiers or regressors; '{model}' is a {spec.task} model.")
    if first_seed < 0:
        raise KeraslabError(f"The first member's seed must be >= 0, received {first_seed}.")
    variants = {name: [*settings, *own] for name, own in member_settings(members, first_seed, bootstrap).items()}
    return [run.path for run in train_variants(registry, "bayesian", model, variants, out, echo=echo).values()]


def load_members(registry, paths: Sequence[Path]):
    """(the members' trained models, the model spec, the first member's splits)."""
    from keraslab.core.api import open_finished_run

    models, spec, splits = [], None, None
    for path in paths:
        built = open_finished_run(registry, "bayesian", str(path), "ensemble")
        spec = built.spec
        models.append(built.model)
        splits = splits or built.splits
    return models, spec, report.report_splits(splits)


def member_probabilities(models, features: np.ndarray) -> np.ndarray:
    """Each member's class probabilities, (members, n, K); a sampling model
    contributes the mean of its own Monte-Carlo passes."""
    return np.stack(
        [u.predictive_samples(m, features, int(getattr(m, "predictive_samples", 1))).mean(axis=0) for m in models]
    )


class EnsembleRegressor:
    """The members' mixture as one regressor. Called on inputs, it returns
    the mixture's `mean`, aleatoric `stddev` √((1/N) Σ σ_i²) and
    `epistemic_stddev` √(Var_i[μ_i] + (1/N) Σ ε_i²), ε_i the epistemic σ a
    sampling member has of its own (over `passes` passes)."""

    predictive_samples = 1

    def __init__(self, members, passes: int = 20):
        self.members, self.passes = list(members), passes

    def __call__(self, features, training=False):
        import tensorflow as tf

        outputs = [
            report.regression_outputs(
                m, np.asarray(features), self.passes if getattr(m, "predictive_samples", 1) > 1 else 1
            )
            for m in self.members
        ]
        means, aleatoric, epistemic = (np.stack(parts) for parts in zip(*outputs))
        return {
            "mean": tf.constant(means.mean(axis=0)),
            "stddev": tf.constant(np.sqrt(np.mean(aleatoric**2, axis=0))),
            "epistemic_stddev": tf.constant(np.sqrt(means.var(axis=0) + np.mean(epistemic**2, axis=0))),
        }


def evaluate_ensemble(registry, paths: Sequence[Path], out: Path, recipe: Optional[Dict] = None) -> Dict:
    """Measures of the ensemble on the members' common test split, written
    to ensemble.json: classifiers' accuracy, NLL, ECE and out-of-distribution
    AUCs (and reliability.png), regressors' MAE, NLL and, on gap-1d, the
    epistemic σ in the gap (and regression.png), with `recipe` (how the
    members were trained) added."""
    models, spec, splits = load_members(registry, paths)
    if spec.task == "regression":
        result = evaluate_regression_ensemble(models, splits, out, report.run_dataset(paths[0]))
    else:
        result = evaluate_classifier_ensemble(models, splits, out)
    result.update(recipe or {})
    (out / ENSEMBLE_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def evaluate_classifier_ensemble(models, splits, out: Path) -> Dict:
    test = splits.test
    members = member_probabilities(models, test.features)
    mean = members.mean(axis=0)
    result = {
        "members": len(models),
        "task": "classification",
        "accuracy": float(np.mean(mean.argmax(-1) == test.targets)),
        "member_accuracy": [float(np.mean(m.argmax(-1) == test.targets)) for m in members],
        "nll": u.negative_log_likelihood(mean, test.targets),
        "ece": u.expected_calibration_error(mean, test.targets),
        "mean_entropy_test": float(u.entropy(mean).mean()),
        "out_of_distribution": {},
    }
    scores = {"entropy": u.entropy(mean), "mutual_information": u.mutual_information(members)}
    for name, images in u.out_of_distribution_sets(test.features).items():
        ood = member_probabilities(models, images)
        ood_scores = {"entropy": u.entropy(ood.mean(axis=0)), "mutual_information": u.mutual_information(ood)}
        result["out_of_distribution"][name] = {
            f"auc_{score}": u.separation_auc(scores[score], ood_scores[score]) for score in scores
        }
    report.plot_reliability(mean, test.targets, dict(result, samples=len(models)), out / "reliability.png")
    return result


def evaluate_regression_ensemble(models, splits, out: Path, dataset: str) -> Dict:
    ensemble = EnsembleRegressor(models)
    result = {"members": len(models), "task": "regression", **report.regression_measures(ensemble, splits, 1, dataset)}
    report.plot_regression(ensemble, splits, 1, result, out / "regression.png")
    return result


def export_ensemble(registry, paths: Sequence[Path], out: str, name: str = "bayesian-ensemble") -> Path:
    """One SavedModel over every member; `serving_default` takes `features`.

    Classifiers return the ensemble's `probabilities` (mean over members,
    each a mean over its own Monte-Carlo passes), their `stddev`,
    `class_id`, `entropy` and `mutual_information` (the members'
    disagreement); regressors the mixture's `mean`, aleatoric `stddev` and
    `epistemic_stddev`.
    """
    import tensorflow as tf

    from keraslab.core.api import WARMUP_EXAMPLES, Exportable, check_export_name, write_export

    check_export_name(name)
    models, spec, splits = load_members(registry, paths)
    input_spec = tf.TensorSpec([None, *splits.train.input_shape], tf.float32, name="features")
    outputs = regression_outputs_in_graph if spec.task == "regression" else classifier_outputs_in_graph
    serve = tf.function(lambda features: outputs(models, features), input_signature=[input_spec])
    holder = tf.Module()
    holder.members = models
    warmup = splits.validation if len(splits.validation) else splits.train
    exportable = Exportable(
        holder,
        {"serving_default": serve},
        warmup.features[:WARMUP_EXAMPLES].astype(np.float32),
        splits.train.class_names,
    )
    return write_export(
        exportable,
        out,
        name,
        None,
        "features",
        {"plugin": "bayesian", "model": "ensemble", "members": [str(Path(p).resolve()) for p in paths]},
    )


def _passes(model, one_pass):
    """The stacked outputs of the model's Monte-Carlo passes (one for a deterministic model)."""
    import tensorflow as tf

    passes = int(getattr(model, "predictive_samples", 1))
    return tf.nest.map_structure(lambda *draws: tf.stack(draws), *[one_pass() for _ in range(passes)])


def classifier_outputs_in_graph(models, features):
    import tensorflow as tf

    members = tf.stack(
        [
            tf.reduce_mean(_passes(m, lambda m=m: tf.nn.softmax(m(features, training=False), axis=-1)), axis=0)
            for m in models
        ]
    )
    mean = tf.reduce_mean(members, axis=0)
    entropy = -tf.reduce_sum(mean * tf.math.log(mean + 1e-12), axis=-1)
    member_entropy = -tf.reduce_sum(members * tf.math.log(members + 1e-12), axis=-1)
    return {
        "probabilities": mean,
        "stddev": tf.math.reduce_std(members, axis=0),
        "class_id": tf.argmax(mean, axis=-1),
        "entropy": entropy,
        "mutual_information": entropy - tf.reduce_mean(member_entropy, axis=0),
    }


def regression_outputs_in_graph(models, features):
    """The mixture's mean and its variance split as in `EnsembleRegressor`."""
    import tensorflow as tf

    means, aleatoric, epistemic = [], [], []
    for model in models:
        draws = _passes(model, lambda m=model: m(features, training=False))
        means.append(tf.reduce_mean(draws["mean"], axis=0))
        aleatoric.append(tf.reduce_mean(tf.square(draws["stddev"]), axis=0))
        own = tf.math.reduce_variance(draws["mean"], axis=0)
        if "epistemic_stddev" in draws:
            own += tf.reduce_mean(tf.square(draws["epistemic_stddev"]), axis=0)
        epistemic.append(own)
    means = tf.stack(means)
    return {
        "mean": tf.reduce_mean(means, axis=0),
        "stddev": tf.sqrt(tf.reduce_mean(tf.stack(aleatoric), axis=0)),
        "epistemic_stddev": tf.sqrt(
            tf.math.reduce_variance(means, axis=0) + tf.reduce_mean(tf.stack(epistemic), axis=0)
        ),
    }
