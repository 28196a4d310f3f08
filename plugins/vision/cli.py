"""Commands of `keraslab vision` beyond train/evaluate/export."""

from __future__ import annotations

import click

from keraslab.core.api import KeraslabError


@click.command("saliency")
@click.argument("run")
@click.option("--index", type=int, default=0, show_default=True, help="Which test image.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.pass_context
def saliency(ctx, run, index, out):
    """Saliency map of one test image: |∂(class score)/∂(pixel)| (Simonyan et al., 2014)."""
    from keraslab.core.api import open_finished_run, registry_of
    from keraslab.plugins.vision.saliency import plot_saliency, saliency_map

    built = open_finished_run(registry_of(ctx), "vision", run, "saliency")
    test = built.splits.test
    if not 0 <= index < len(test):
        raise KeraslabError(f"--index must be in 0..{len(test) - 1} (the run's test images), received {index}.")
    image = test.load([index]).features[0]
    gradient, probabilities = saliency_map(built.model, image)
    names = list(test.class_names) or [str(i) for i in range(test.num_classes)]
    predicted = int(probabilities.argmax())
    plot_saliency(
        image,
        gradient,
        f"true {names[test.targets[index]]}, predicted {names[predicted]} (p = {probabilities[predicted]:.3f})",
        out,
    )
    click.echo(f"Wrote {out}: test image {index}, true {names[test.targets[index]]}, predicted {names[predicted]}")


def _classes(text: str, option: str):
    """ "0,1,2" → (0, 1, 2)."""
    try:
        return tuple(int(c) for c in text.split(",") if c.strip())
    except ValueError:
        raise KeraslabError(f"{option} takes comma-separated integers such as 0,1,2; received '{text}'.") from None


@click.command("transfer")
@click.option("--model", default="cnn", show_default=True, help="The vision classifier used in every stage.")
@click.option("--source-classes", default="0,1,2,3,4", show_default=True, help="Digits to pretrain on.")
@click.option("--target-classes", default="5,6,7,8,9", show_default=True, help="Digits of the new task.")
@click.option("--shots", type=int, default=10, show_default=True, help="Labelled images per target class.")
@click.option("--seeds", default="0,1,2", show_default=True, help="Comma-separated seeds.")
@click.option("--pretrain-epochs", type=int, default=30, show_default=True)
@click.option("--head-epochs", type=int, default=40, show_default=True, help="Epochs with the pretrained base frozen.")
@click.option("--finetune-epochs", type=int, default=40, show_default=True, help="Epochs with every layer trained.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Config override for every stage, e.g. model.filters=[64,128] (repeatable).",
)
@click.option("--synthetic", is_flag=True, help="Use the tiny synthetic digits (smoke runs).")
@click.option("--out", type=click.Path(file_okay=False), help="Study directory (default runs/vision/transfer/<time>).")
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Continue a stopped study with its recorded settings.",
)
@click.pass_context
def transfer(
    ctx,
    model,
    source_classes,
    target_classes,
    shots,
    seeds,
    pretrain_epochs,
    head_epochs,
    finetune_epochs,
    settings,
    synthetic,
    out,
    resume_dir,
):
    """Pretrain on some digits, fine-tune on others from a few examples, compare with training from scratch."""
    import datetime as _dt
    from pathlib import Path

    from keraslab.core.api import registry_of
    from keraslab.plugins.vision import transfer as study_module

    registry = registry_of(ctx)
    if resume_dir:
        folder = Path(resume_dir)
        study = study_module.load_study(folder)
    else:
        study = study_module.TransferStudy(
            model=model,
            source_classes=_classes(source_classes, "--source-classes"),
            target_classes=_classes(target_classes, "--target-classes"),
            shots=shots,
            seeds=_classes(seeds, "--seeds"),
            pretrain_epochs=pretrain_epochs,
            head_epochs=head_epochs,
            finetune_epochs=finetune_epochs,
            settings=tuple(settings),
            synthetic=synthetic,
        )
        study.check(registry)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path(out) if out else Path("runs") / "vision" / "transfer" / stamp
        study_module.record_study(study, folder)
    report = study_module.run_study(registry, study, folder, echo=click.echo)
    click.echo("seed  pretrained (source)  head (frozen)  fine-tuned  scratch  gain")
    for r in report["seeds"] + [dict(report["mean"], seed="mean")]:
        click.echo(
            f"{r['seed']!s:<5} {r['pretrain_accuracy']:19.4f}  {r['head_accuracy']:13.4f}  "
            f"{r['finetune_accuracy']:10.4f}  {r['scratch_accuracy']:7.4f}  {r['gain']:+.4f}"
        )
    click.echo(f"Results: {folder / study_module.STUDY_FILE}, plot: {folder / 'transfer.png'}")


@click.command("compare-shortcuts")
@click.option("--filters", default="16,32,64", show_default=True, help="Channels per stage (comma-separated).")
@click.option(
    "--blocks-per-stage",
    type=int,
    default=3,
    show_default=True,
    help="Residual blocks per stage; depth = 2 x stages x blocks + 2 (default 20 layers).",
)
@click.option("--epochs", type=int, default=30, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--synthetic", is_flag=True, help="Use the tiny synthetic digits (smoke runs).")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Study directory (default runs/vision/shortcuts/<time>); an unfinished study there continues.",
)
@click.pass_context
def compare_shortcuts(ctx, filters, blocks_per_stage, epochs, seed, synthetic, out):
    """Train the same deep network with and without residual shortcuts; plot both learning curves."""
    import datetime as _dt
    from pathlib import Path

    from keraslab.core.api import registry_of
    from keraslab.plugins.vision import depth

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "vision" / "shortcuts" / stamp
    report = depth.run_study(
        registry_of(ctx),
        _classes(filters, "--filters"),
        blocks_per_stage,
        epochs,
        seed,
        folder,
        synthetic=synthetic,
        echo=click.echo,
    )
    click.echo(
        f"{report['layers']} layers    train loss (last {depth.LATE_EPOCHS} epochs)  final train accuracy  "
        "test accuracy"
    )
    for variant, r in report["results"].items():
        click.echo(
            f"{variant:<12} {r['late_train_loss']:28.4f}  {r['final_train_accuracy']:20.4f}  {r['test_accuracy']:13.4f}"
        )
    click.echo(f"Results: {folder / depth.STUDY_FILE}, plot: {folder / 'shortcuts.png'}")


def commands():
    return [saliency, transfer, compare_shortcuts]
