"""Transfer learning on digits: features learned on some classes, reused for others.

For each seed, four runs of the same network through the shared trainer:

1. pretrain on the source classes (digits 0–4), all their training images;
2. head: the target classes (5–9) with `shots` labelled images per class;
   the pretrained layers frozen (`init.freeze`), a new head (the
   output layer and `new_layers`, freshly initialised) trained at a high
   learning rate;
3. fine-tune: every layer from the head run at a lower learning rate,
   batch norm kept in inference mode (fifty images' batch statistics would
   replace the pretrained ones);
4. scratch: the same network on the same few images from a random start,
   for as many epochs as stages 2 and 3 together.

All four are tested on the target classes' test split. The gain of 3 over
4 measures what the pretrained features are worth when labels are scarce
(Yosinski et al., 2014).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from keraslab.core.api import KeraslabError

STAGES = ("pretrain", "head", "finetune", "scratch")
STUDY_FILE = "transfer.json"


@dataclasses.dataclass(frozen=True)
class TransferStudy:
    """What the study trains.

    Attributes:
        model: the vision classifier used in every stage.
        source_classes / target_classes: digits of the pretraining and of the new task.
        shots: labelled training images per target class.
        target_test_fraction: share of the target classes' images held out
            for testing. Only `shots` per class are used for training, so
            half the images make a test split (about 450 images) that
            measures to ±1 point rather than the ±2 of the usual 15%.
        seeds: each seed gives its own split, pick of shots and initialisation.
        pretrain_epochs / head_epochs / finetune_epochs: epochs of stages 1–3.
        new_layers: layers besides the output layer that the head stage
            trains from a fresh start (the CNN's dense layer: features that
            specialised to the source classes).
        learning_rate: Adam's step in stages 1 and 4; `head_learning_rate`
            in stage 2, `finetune_learning_rate` in stage 3.
        settings: further `--set` overrides applied to every stage (e.g.
            the network's `model.filters`), so all four train the same network.
        synthetic: use the synthetic digits (tests).
    """

    model: str = "cnn"
    source_classes: Tuple[int, ...] = (0, 1, 2, 3, 4)
    target_classes: Tuple[int, ...] = (5, 6, 7, 8, 9)
    shots: int = 10
    target_test_fraction: float = 0.5
    seeds: Tuple[int, ...] = (0, 1, 2)
    pretrain_epochs: int = 30
    head_epochs: int = 40
    finetune_epochs: int = 40
    new_layers: Tuple[str, ...] = ("dense",)
    learning_rate: float = 1e-3
    head_learning_rate: float = 1e-2
    finetune_learning_rate: float = 1e-3
    settings: Tuple[str, ...] = ()
    synthetic: bool = False

    def check(self, registry) -> None:
        """Raises KeraslabError for settings no stage could run with (before any run starts)."""
        if set(self.source_classes) & set(self.target_classes):
            raise KeraslabError(
                f"Source classes {list(self.source_classes)} and target classes "
                f"{list(self.target_classes)} must not overlap."
            )
        for name in ("shots", "pretrain_epochs", "head_epochs", "finetune_epochs"):
            if getattr(self, name) < 1:
                raise KeraslabError(f"--{name.replace('_', '-')} must be at least 1, received {getattr(self, name)}.")
        if not self.seeds:
            raise KeraslabError("--seeds must name at least one seed.")
        from keraslab.core.api import load_splits, resolve_run_config

        plugin = registry.get("vision")
        spec = plugin.model(self.model)
        if spec.training != "fit" or spec.default_dataset != "digits":
            raise KeraslabError(f"Transfer needs one of vision's digit classifiers, not '{self.model}'.")
        for stage in ("pretrain", "scratch"):  # the config and data of every stage, without the runs to start from
            config = resolve_run_config(plugin, spec, overrides=self.overrides(stage, self.seeds[0], Path(".")))
            load_splits(plugin, spec, config.data)

    def overrides(self, stage: str, seed: int, folder: Path) -> List[str]:
        """The `--set` overrides of one stage's run; `settings` come last and win."""
        common = [
            f"train.seed={seed}",
            f"data.seed={seed}",
            f"data.synthetic={str(self.synthetic).lower()}",
            f"optimizer.learning_rate={self.learning_rate}",
        ]
        target = [
            f"data.classes={list(self.target_classes)}",
            f"data.train_per_class={self.shots}",
            f"data.test_fraction={self.target_test_fraction}",
        ]
        if stage == "pretrain":
            stage_settings = [f"data.classes={list(self.source_classes)}", f"train.epochs={self.pretrain_epochs}"]
        elif stage == "head":
            stage_settings = target + [
                f"init.from_run={folder / 'pretrain'}",
                "init.freeze=true",
                f"init.exclude={list(self.new_layers)}",
                f"train.epochs={self.head_epochs}",
                f"optimizer.learning_rate={self.head_learning_rate}",
            ]
        elif stage == "finetune":
            stage_settings = target + [
                f"init.from_run={folder / 'head'}",
                "init.output_layers=true",
                "init.freeze_batch_norm=true",
                f"train.epochs={self.finetune_epochs}",
                f"optimizer.learning_rate={self.finetune_learning_rate}",
            ]
        else:
            stage_settings = target + [f"train.epochs={self.head_epochs + self.finetune_epochs}"]
        return common + stage_settings + list(self.settings)


def run_study(registry, study: TransferStudy, out: Path, echo=print) -> Dict:
    """Trains every stage of every seed under `out/seed<N>/<stage>`, skipping
    runs already complete (so a study that was stopped continues where it
    stopped) and resuming unfinished ones; writes and returns the results."""
    from keraslab.core.api import ensure_trained

    study.check(registry)
    results = []
    for seed in study.seeds:
        folder = out / f"seed{seed}"
        accuracy = {}
        for stage in STAGES:
            echo(f"seed {seed}: {stage}")
            summary = ensure_trained(
                registry, "vision", study.model, str(folder / stage), study.overrides(stage, seed, folder), echo=echo
            )
            accuracy[stage] = summary["metrics"]["test"]["accuracy"]
        results.append(
            {
                "seed": seed,
                **{f"{s}_accuracy": accuracy[s] for s in STAGES},
                "gain": accuracy["finetune"] - accuracy["scratch"],
            }
        )
    report = {
        "study": dataclasses.asdict(study),
        "seeds": results,
        "mean": {
            key: sum(r[key] for r in results) / len(results) for key in [f"{s}_accuracy" for s in STAGES] + ["gain"]
        },
    }
    (out / STUDY_FILE).write_text(json.dumps(report, indent=2) + "\n")
    plot_study(results, out / "transfer.png", study)
    return report


def load_study(out: Path) -> TransferStudy:
    """The study recorded in `out/study.json` (to continue it)."""
    recorded = out / "study.json"
    if not recorded.is_file():
        raise KeraslabError(f"'{out}' holds no transfer study (no study.json) to resume.")
    fields = json.loads(recorded.read_text())
    return TransferStudy(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


def record_study(study: TransferStudy, out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise KeraslabError(
            f"'{out}' already exists and is not empty; choose another --out, "
            f"or continue that study with --resume {out}."
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "study.json").write_text(json.dumps(dataclasses.asdict(study), indent=2) + "\n")


def plot_study(results: Sequence[Dict], path: Path, study: TransferStudy) -> Path:
    """Test accuracy of each stage, per seed: pretraining (on the source
    classes) beside the three ways to learn the target classes."""
    from keraslab.core.api import pyplot, save_figure

    plt = pyplot()
    labels = {
        "pretrain": f"pretrained on {_digits(study.source_classes)}",
        "head": "new head, frozen base",
        "finetune": "then fine-tuned",
        "scratch": "from scratch",
    }
    fig, ax = plt.subplots(figsize=(7, 3.8))
    width = 0.8 / len(STAGES)
    for i, stage in enumerate(STAGES):
        xs = [r + (i - 1.5) * width for r in range(len(results))]
        ax.bar(xs, [r[f"{stage}_accuracy"] for r in results], width, label=labels[stage])
    ax.set_xticks(range(len(results)), [f"seed {r['seed']}" for r in results])
    ax.set_ylim(0, 1)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{_digits(study.target_classes)} from {study.shots} images per class")
    ax.legend(fontsize=7, loc="lower right")
    return save_figure(fig, path, dpi=110)


def _digits(classes: Sequence[int]) -> str:
    return (
        f"digits {min(classes)}–{max(classes)}"
        if list(classes) == list(range(min(classes), max(classes) + 1))
        else "digits " + ", ".join(map(str, classes))
    )
