"""What vision runs write into their run directory about the test split:
classifiers `confusion_matrix.png` and `misclassified.png`; segmentation,
detection and siamese models their own measures (JSON) and pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keraslab.core.api import predict_split, pyplot, save_figure


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """C[i, j] = number of test images of class i predicted as class j."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def write_classifier_report(model, splits, run_path) -> None:
    """Confusion matrix and a grid of misclassified test images (the test
    split may be streamed from a folder: only the images shown are read)."""
    test = splits.test
    if not len(test):
        return
    predicted = np.argmax(predict_split(model, test), axis=-1)
    names = list(test.class_names) or [str(i) for i in range(test.num_classes)]
    plot_confusion_matrix(
        confusion_matrix(test.targets, predicted, test.num_classes), names, Path(run_path) / "confusion_matrix.png"
    )
    wrong = np.flatnonzero(test.targets != predicted)
    shown = wrong[:MISCLASSIFIED_SHOWN]
    plot_misclassified(
        test.load(shown).features,
        test.targets[shown],
        predicted[shown],
        names,
        Path(run_path) / "misclassified.png",
        total=len(wrong),
    )


def plot_confusion_matrix(matrix: np.ndarray, names, path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(1 + 0.5 * len(names), 0.8 + 0.5 * len(names)))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                color="white" if count > matrix.max() / 2 else "black",
                fontsize=8,
            )
    ax.set_xticks(range(len(names)), names, rotation=45)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(f"test confusion matrix (accuracy {accuracy:.3f})")
    return save_figure(fig, path)


MISCLASSIFIED_SHOWN = 32


def plot_misclassified(
    images: np.ndarray, truth: np.ndarray, predicted: np.ndarray, names, path: Path, total=None
) -> Path:
    """The misclassified ones of `images` (at most 32), each titled true→predicted;
    `total`: how many were misclassified in all, when only some are passed."""
    plt = pyplot()
    wrong = np.flatnonzero(truth != predicted)[:MISCLASSIFIED_SHOWN]
    columns = 8
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, index in zip(axes.ravel(), wrong):
        image = images[index]
        ax.imshow(image[..., 0] if image.shape[-1] == 1 else image / max(image.max(), 1), cmap="gray_r")
        ax.set_title(f"{names[truth[index]]}→{names[predicted[index]]}", fontsize=8, color="red")
    total = len(np.flatnonzero(truth != predicted)) if total is None else total
    fig.suptitle(f"misclassified test images ({total}), true→predicted", fontsize=9)
    return save_figure(fig, path)


def intersection_over_union(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """IoU_k = |pred = k ∧ true = k| / |pred = k ∨ true = k| over all pixels, per class."""
    scores = np.zeros(classes)
    for k in range(classes):
        union = np.logical_or(truth == k, predicted == k).sum()
        scores[k] = np.logical_and(truth == k, predicted == k).sum() / union if union else np.nan
    return scores


def write_segmentation_report(model, splits, run_path) -> None:
    """segmentation.json (IoU per class, mean IoU) and a PNG of test scenes,
    their true and predicted masks."""
    import json

    test = splits.test
    predicted = np.argmax(model.predict(test.features, verbose=0), axis=-1)
    scores = intersection_over_union(test.targets, predicted, test.num_classes)
    names = list(test.class_names)
    result = {
        "iou": dict(zip(names, map(float, scores))),
        "mean_iou": float(np.nanmean(scores)),
        "mean_iou_shapes": float(np.nanmean(scores[1:])),
    }
    (Path(run_path) / "segmentation.json").write_text(json.dumps(result, indent=2) + "\n")
    plt = pyplot()
    count = min(6, len(test))
    fig, axes = plt.subplots(3, count, figsize=(1.6 * count, 5), squeeze=False)
    for i in range(count):
        for row, (picture, title) in enumerate(
            ((test.features[i][..., 0], "image"), (test.targets[i], "true"), (predicted[i], "predicted"))
        ):
            axes[row][i].imshow(
                picture, cmap="gray" if row == 0 else "viridis", vmin=0, vmax=None if row == 0 else test.num_classes - 1
            )
            axes[row][i].axis("off")
            if i == 0:
                axes[row][i].set_title(title, fontsize=8, loc="left")
    fig.suptitle(f"segmentation: mean IoU {result['mean_iou']:.3f}", fontsize=9)
    save_figure(fig, Path(run_path) / "segmentation.png")


def pair_auc(embeddings: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC of cosine similarity for same/different over all distinct pairs."""
    from sklearn.metrics import roc_auc_score

    similarity = embeddings @ embeddings.T
    upper = np.triu_indices(len(labels), k=1)
    same = (labels[:, None] == labels[None, :])[upper]
    return float(roc_auc_score(same, similarity[upper]))


def write_siamese_report(model, splits, run_path) -> None:
    """siamese.json: same/different ROC AUC on pairs of test images, and on
    pairs among the classes held out of training (when there are any)."""
    import json

    test = splits.test
    embeddings = model.predict(test.features, verbose=0)
    result = {"pair_auc": pair_auc(embeddings, test.targets), "pairs": len(test) * (len(test) - 1) // 2}
    held_out = [int(c) for c in model.held_out.numpy() if c >= 0]
    if held_out:
        among = np.isin(test.targets, held_out)
        result["held_out_classes"] = held_out
        result["pair_auc_held_out"] = pair_auc(embeddings[among], test.targets[among])
        result["pair_auc_seen"] = pair_auc(embeddings[~among], test.targets[~among])
    (Path(run_path) / "siamese.json").write_text(json.dumps(result, indent=2) + "\n")


def write_detection_report(model, splits, run_path) -> None:
    """detection.json (mean box IoU, class accuracy on the test scenes) and
    detection.png: test scenes with the true box (green) and the predicted
    one (orange, with its class)."""
    import json

    from keraslab.plugins.vision.data import SHAPES
    from keraslab.plugins.vision.models import box_iou

    test = splits.test
    out = model.predict(test.features, verbose=0)
    truth_class, truth_box = test.targets[:, 0].astype(np.int64), test.targets[:, 1:]
    predicted_class = np.argmax(out["logits"], axis=-1)
    iou = box_iou(truth_box.astype(np.float32), out["box"].astype(np.float32)).numpy()
    result = {
        "mean_box_iou": float(iou.mean()),
        "accuracy": float(np.mean(predicted_class == truth_class)),
        "scenes": len(test),
    }
    (Path(run_path) / "detection.json").write_text(json.dumps(result, indent=2) + "\n")
    plt = pyplot()
    count = min(8, len(test))
    fig, axes = plt.subplots(1, count, figsize=(1.7 * count, 2.2), squeeze=False)
    size = test.features.shape[1]
    for ax, i in zip(axes[0], range(count)):
        ax.imshow(test.features[i][..., 0], cmap="gray")
        for box, color in ((truth_box[i], "limegreen"), (out["box"][i], "orange")):
            y0, x0, y1, x1 = np.asarray(box) * size
            ax.add_patch(plt.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, color=color, lw=1.5))
        ax.set_title(f"{SHAPES[predicted_class[i]]} (IoU {iou[i]:.2f})", fontsize=7)
        ax.axis("off")
    fig.suptitle(
        f"detection: mean IoU {result['mean_box_iou']:.3f}, class accuracy {result['accuracy']:.3f} "
        "(green: true, orange: predicted)",
        fontsize=8,
    )
    save_figure(fig, Path(run_path) / "detection.png")
