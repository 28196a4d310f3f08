"""What bayesian runs write into their run directory about the test split.

Classifiers: `uncertainty.json` (accuracy, NLL, ECE, out-of-distribution
ROC AUC of entropy, mutual information and an evidential model's
vacuity), `reliability.png` and `out_of_distribution.png`. Regressors: `regression.json` (NLL, MAE; on
gap-1d the recovery of the true noise σ(x) and the uncertainty in the gap)
and `regression.png` (data, predictive mean, aleatoric and epistemic bands).

Streamed data (an image folder, a table with `data.stream=true`) is
measured on at most `REPORT_EXAMPLES` examples of each split, read into
memory at evenly spaced positions; the trainer's test metrics in
summary.json cover the whole test split.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from keraslab.core.api import pyplot, save_figure, splits_held_in_memory
from keraslab.plugins.bayesian import uncertainty as u

REPORT_EXAMPLES = 20_000


def report_splits(splits):
    """The splits in memory: themselves, or at most `REPORT_EXAMPLES` of each streamed one."""
    return splits_held_in_memory(splits, REPORT_EXAMPLES)


def classifier_measures(model, splits, samples: int):
    """(accuracy, NLL, ECE and out-of-distribution AUCs of the Monte-Carlo
    predictive; the test passes' probabilities, (S, n, K))."""
    test = splits.test
    passes = u.predictive_samples(model, test.features, samples)
    mean = passes.mean(axis=0)
    result = {
        "samples": samples,
        "accuracy": float(np.mean(mean.argmax(-1) == test.targets)),
        "nll": u.negative_log_likelihood(mean, test.targets),
        "ece": u.expected_calibration_error(mean, test.targets),
        "out_of_distribution": {},
    }
    scores = uncertainty_scores(model, test.features, passes)
    for name, images in u.out_of_distribution_sets(test.features).items():
        ood_scores = uncertainty_scores(model, images, u.predictive_samples(model, images, samples))
        result["out_of_distribution"][name] = {
            f"auc_{score}": u.separation_auc(scores[score], ood_scores[score]) for score in scores
        }
        result["out_of_distribution"][name].update({f"mean_{s}": float(v.mean()) for s, v in ood_scores.items()})
    result.update({f"mean_{s}_test": float(v.mean()) for s, v in scores.items()})
    return result, passes


def uncertainty_scores(model, features, passes) -> dict:
    """Per input: the predictive entropy; the mutual information of a model
    sampled more than once; the vacuity of a Dirichlet (evidential) model."""
    scores = {"entropy": u.entropy(passes.mean(axis=0))}
    if len(passes) > 1:
        scores["mutual_information"] = u.mutual_information(passes)
    if getattr(model, "dirichlet_outputs", False):
        scores["vacuity"] = u.dirichlet_vacuity(model, features)
    return scores


def write_classifier_report(model, splits, run_path) -> None:
    splits = report_splits(splits)
    samples = int(getattr(model, "predictive_samples", 1))
    result, passes = classifier_measures(model, splits, samples)
    Path(run_path, "uncertainty.json").write_text(json.dumps(result, indent=2) + "\n")
    plot_reliability(passes.mean(axis=0), splits.test.targets, result, Path(run_path) / "reliability.png")


def plot_reliability(mean_probabilities, targets, result, path: Path) -> Path:
    """Accuracy against confidence per bin (the diagonal is perfect calibration)."""
    plt = pyplot()
    table = u.calibration_bins(mean_probabilities, targets)
    centres = (table["edges"][:-1] + table["edges"][1:]) / 2
    used = table["count"] > 0
    fig, (ax, hist) = plt.subplots(1, 2, figsize=(9, 3.8))
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="perfect calibration")
    ax.bar(
        centres[used], table["accuracy"][used], width=1 / len(centres), alpha=0.7, edgecolor="black", label="accuracy"
    )
    ax.set_xlabel("confidence (max probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"reliability: ECE {result['ece']:.4f}, NLL {result['nll']:.3f}")
    ax.legend(fontsize=8)
    hist.bar(centres, table["count"], width=1 / len(centres), edgecolor="black")
    hist.set_yscale("log")
    hist.set_xlabel("confidence")
    hist.set_title(f"test images per bin ({result['samples']} passes)")
    return save_figure(fig, path)


def regression_outputs(model, features: np.ndarray, samples: int):
    """(mean, aleatoric σ, epistemic σ) per input, over `samples` passes.

    A model returning {"mean", "stddev"} gives σ_aleatoric; the spread of the
    means over passes is σ_epistemic (0 for a deterministic network):
    Var[y] = E_w[σ²(x, w)] + Var_w[μ(x, w)]. A model that also returns
    `epistemic_stddev` (evidential) adds its own epistemic variance.
    """
    import tensorflow as tf

    means, variances, epistemic = [], [], []
    for _ in range(samples):
        out = model(tf.constant(features), training=False)
        out = out if isinstance(out, dict) else {"mean": out}
        means.append(out["mean"].numpy())
        variances.append(np.square(out["stddev"].numpy()) if "stddev" in out else np.zeros_like(means[-1]))
        epistemic.append(
            np.square(out["epistemic_stddev"].numpy()) if "epistemic_stddev" in out else np.zeros_like(means[-1])
        )
    means, variances, epistemic = np.stack(means), np.stack(variances), np.stack(epistemic)
    return (means.mean(axis=0), np.sqrt(variances.mean(axis=0)), np.sqrt(means.var(axis=0) + epistemic.mean(axis=0)))


def regression_measures(model, splits, samples: int, dataset: str) -> dict:
    """Test MAE and Gaussian NLL of the predictive N(mean, σ_aleatoric² + σ_epistemic²);
    on gap-1d also `gap_measures`."""
    test = splits.test
    targets = test.targets.reshape(len(test), -1)
    mean, aleatoric, epistemic = regression_outputs(model, test.features, samples)
    total = np.sqrt(aleatoric**2 + epistemic**2) + 1e-9
    result = {
        "samples": samples,
        "mae": float(np.mean(np.abs(mean - targets))),
        "nll": float(np.mean(np.log(total) + (targets - mean) ** 2 / (2 * total**2) + 0.5 * np.log(2 * np.pi))),
    }
    if test.input_shape == (1,) and dataset == "gap-1d":
        result.update(gap_measures(model, samples))
    return result


def write_regression_report(model, splits, run_path) -> None:
    run_path = Path(run_path)
    splits = report_splits(splits)
    samples = int(getattr(model, "predictive_samples", 1))
    result = regression_measures(model, splits, samples, run_dataset(run_path))
    run_path.joinpath("regression.json").write_text(json.dumps(result, indent=2) + "\n")
    plot_regression(model, splits, samples, result, run_path / "regression.png")


def gap_measures(model, samples: int) -> dict:
    """On gap-1d: relative RMSE of the learned σ(x) against the true one
    inside the training range, and the mean epistemic σ in the gap against
    inside the training range."""
    from keraslab.plugins.bayesian import data

    inside = np.concatenate(
        [np.linspace(data.RANGE[0], data.GAP[0], 150), np.linspace(data.GAP[1], data.RANGE[1], 150)]
    )
    gap = np.linspace(data.GAP[0] + 0.1, data.GAP[1] - 0.1, 100)
    _, aleatoric, epistemic_inside = regression_outputs(model, inside[:, None].astype(np.float32), samples)
    _, _, epistemic_gap = regression_outputs(model, gap[:, None].astype(np.float32), samples)
    truth = data.true_noise_scale(inside)[:, None]
    return {
        "noise_relative_rmse": float(np.sqrt(np.mean(((aleatoric - truth) / truth) ** 2))),
        "epistemic_inside": float(epistemic_inside.mean()),
        "epistemic_gap": float(epistemic_gap.mean()),
        "epistemic_gap_ratio": float(epistemic_gap.mean() / max(epistemic_inside.mean(), 1e-12)),
    }


def plot_regression(model, splits, samples: int, result: dict, path: Path) -> Path:
    """1-D inputs: data, predictive mean, ±2σ aleatoric and epistemic bands
    over a grid; more inputs: predicted against true with ±2σ error bars."""
    plt = pyplot()
    test = splits.test
    fig, ax = plt.subplots(figsize=(7, 4))
    if test.input_shape == (1,):
        train = splits.train
        low, high = float(train.features.min()), float(train.features.max())
        margin = 0.25 * (high - low)
        grid = np.linspace(low - margin, high + margin, 400)[:, None].astype(np.float32)
        mean, aleatoric, epistemic = (a[:, 0] for a in regression_outputs(model, grid, samples))
        x = grid[:, 0]
        ax.scatter(
            train.features[:, 0],
            train.targets.reshape(len(train), -1)[:, 0],
            s=4,
            color="gray",
            alpha=0.5,
            label="training data",
        )
        ax.fill_between(
            x,
            mean - 2 * np.sqrt(aleatoric**2 + epistemic**2),
            mean + 2 * np.sqrt(aleatoric**2 + epistemic**2),
            alpha=0.2,
            color="C1",
            label="±2σ total (aleatoric + epistemic)",
        )
        ax.fill_between(x, mean - 2 * aleatoric, mean + 2 * aleatoric, alpha=0.3, color="C0", label="±2σ aleatoric")
        ax.plot(x, mean, color="C3", label="predictive mean")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    else:
        mean, aleatoric, epistemic = regression_outputs(model, test.features, samples)
        total = np.sqrt(aleatoric**2 + epistemic**2)[:, 0]
        ax.errorbar(
            test.targets.reshape(len(test), -1)[:, 0],
            mean[:, 0],
            yerr=2 * total,
            fmt=".",
            alpha=0.6,
            label="prediction ±2σ",
        )
        lims = [float(test.targets.min()), float(test.targets.max())]
        ax.plot(lims, lims, color="gray", linestyle="--", label="y = ŷ")
        ax.set_xlabel("true")
        ax.set_ylabel("predicted")
    ax.set_title(f"test MAE {result['mae']:.3f}, NLL {result['nll']:.3f}")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def run_dataset(run_path: Path) -> str:
    """The dataset name a run recorded in its run.json ("" where there is none)."""
    from keraslab.core.api import RunDir

    return RunDir.open(str(run_path)).state.get("dataset", "") if Path(run_path, "run.json").is_file() else ""
