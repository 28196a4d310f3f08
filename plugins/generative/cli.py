"""Commands of `keraslab generative` beyond train/evaluate/export."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from keraslab.core.api import KeraslabError

SAMPLERS = "realnvp, maf, vae, beta-vae, cvae, vae-flow, gan, wgan-gp, cgan, rbm, nade, made, pixelcnn"


def _trained(ctx, run: str, command: str):
    """(model, splits) of the finished generative RUN (a streamed run's splits as its report reads them)."""
    from keraslab.core.api import open_finished_run, registry_of
    from keraslab.plugins.generative.report import report_splits

    finished = open_finished_run(registry_of(ctx), "generative", run, command)
    return finished.model, report_splits(finished.splits)


def _check_png(out: str) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".png":
        raise KeraslabError(f"--out must name a .png file, received '{out}'.")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@click.command("sample")
@click.argument("run")
@click.option("--n", "count", type=int, default=64, show_default=True, help="Number of samples.")
@click.option("--out", default="samples.png", show_default=True, help="The picture to write (.png).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the samples.")
@click.option(
    "--label",
    "labels",
    type=int,
    multiple=True,
    help="Conditional models: the digit to draw (repeatable; default: every digit in turn).",
)
@click.option("--save", "save_path", default="", help="Also save the samples as a .npy array.")
@click.pass_context
def sample(ctx, run, count, out, seed, labels, save_path):
    """Draw --n samples from a trained RUN: a grid of images, or for a 2-D
    density a scatter over the learned density."""
    import tensorflow as tf

    from keraslab.plugins.generative.pictures import save_density_panels, save_grid

    if count < 1:
        raise KeraslabError(f"--n must be at least 1 (the number of samples), received {count}.")
    if any(not 0 <= label <= 9 for label in labels):
        raise KeraslabError(f"--label must be a digit 0–9, received {list(labels)}.")
    path = _check_png(out)
    model, splits = _trained(ctx, run, "sample")
    if not hasattr(model, "sample"):
        raise KeraslabError(
            f"Run '{run}' is a '{model.name}', which does not sample; sample takes a run of {SAMPLERS}."
        )
    if getattr(model, "conditional", False):
        chosen = np.resize(np.asarray(labels or range(10)), count)
        drawn = model.sample(count, seed, tf.constant(chosen, tf.int64)).numpy()
    else:
        if labels:
            raise KeraslabError(f"--label applies to conditional models (cvae, cgan); '{model.name}' is not one.")
        chosen = None
        drawn = model.sample(count, seed).numpy()
    if drawn.ndim == 2:
        save_density_panels(
            lambda grid: model.log_prob(tf.constant(grid)),
            splits.test.features,
            drawn,
            None,
            path,
            f"{model.name}: {count} samples (seed {seed}) over the learned density",
        )
    else:
        captions = None if chosen is None else [str(c) for c in chosen]
        save_grid(drawn, path, f"{model.name}: {count} samples (seed {seed})", captions=captions)
    if save_path:
        np.save(save_path, drawn)
    click.echo(f"Wrote {count} samples to {path}" + (f" and {save_path}" if save_path else ""))


@click.command("interpolate")
@click.argument("run")
@click.option("--out", default="interpolation.png", show_default=True, help="The picture to write (.png).")
@click.option("--steps", type=int, default=10, show_default=True, help="Images along each path.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the endpoints a GAN draws.")
@click.option(
    "--input",
    "input_path",
    default="",
    help="VAEs: a .npy or CSV of 8×8 images whose first two rows are the endpoints (default: test digits).",
)
@click.pass_context
def interpolate(ctx, run, out, steps, seed, input_path):
    """Walk a trained VAE's or GAN's latent space: straight lines between
    codes (a VAE encodes test digits, a GAN draws them), and for VAEs
    traversals that move one latent coordinate from −3 to 3 (written beside
    --out as *_traversals.png)."""
    import tensorflow as tf

    from keraslab.plugins.generative.data import as_images, read_array
    from keraslab.plugins.generative.pictures import save_grid

    if steps < 2:
        raise KeraslabError(f"--steps must be at least 2, received {steps}.")
    path = _check_png(out)
    model, splits = _trained(ctx, run, "interpolate")
    if not hasattr(model, "decode") and not hasattr(model, "generate"):
        raise KeraslabError(
            f"Run '{run}' is a '{model.name}'; interpolate takes a run of a VAE "
            "(vae, beta-vae, cvae, vae-flow) or a GAN (gan, wgan-gp, cgan)."
        )
    weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    pairs = 6
    if hasattr(model, "decode"):
        images = splits.test.features[: 2 * pairs]
        labels = splits.test.targets[: 2 * pairs] if model.conditional else None
        if input_path:
            if model.conditional:
                raise KeraslabError(
                    f"--input applies to unconditional VAEs; a '{model.name}' needs each image's "
                    "label, so it interpolates between test digits."
                )
            images = as_images(read_array(input_path), f"Input file '{input_path}'")[:2]
            if len(images) < 2:
                raise KeraslabError(f"Input file '{input_path}' must hold at least 2 images, the path's endpoints.")
            if images.shape[1:] != tuple(model.image_shape):
                raise KeraslabError(
                    f"Input images have shape {images.shape[1:]}; this run's model takes {tuple(model.image_shape)}."
                )
        codes, _, _ = model.encode(tf.constant(images), None if labels is None else tf.constant(labels))
        codes = codes.numpy()
        start, end = codes[0::2], codes[1::2]
        path_labels = None if labels is None else np.repeat(labels[0::2], steps)
    else:
        latent = tf.random.stateless_normal([2 * pairs, model.config.latent_dim], seed=[seed, 0]).numpy()
        start, end = latent[0::2], latent[1::2]
        path_labels = np.repeat(np.arange(pairs) % 10, steps) if model.conditional else None
    lines = (start[:, None] * (1 - weights) + end[:, None] * weights).reshape(-1, start.shape[-1])
    save_grid(
        _decode(model, lines, path_labels), path, f"{model.name}: straight lines between latent codes", columns=steps
    )
    written = [str(path)]
    if hasattr(model, "decode"):
        latent_dim = start.shape[-1]
        values = np.linspace(-3.0, 3.0, steps, dtype=np.float32)
        grid = np.repeat(start[:1], latent_dim * steps, axis=0).reshape(latent_dim, steps, latent_dim)
        for dim in range(latent_dim):
            grid[dim, :, dim] = values
        traversal_labels = None if path_labels is None else np.repeat(path_labels[:1], latent_dim * steps)
        traversals = path.with_name(path.stem + "_traversals.png")
        save_grid(
            _decode(model, grid.reshape(-1, latent_dim), traversal_labels),
            traversals,
            f"{model.name}: latent coordinate d (row d) from −3 to 3, the others at the first code",
            columns=steps,
        )
        written.append(str(traversals))
    click.echo("Wrote " + " and ".join(written))


def _decode(model, codes: np.ndarray, labels) -> np.ndarray:
    """Images of latent codes: a VAE's decoder means, or a GAN's generator."""
    import tensorflow as tf

    decode = model.decode if hasattr(model, "decode") else model.generate
    return decode(tf.constant(codes), None if labels is None else tf.constant(labels)).numpy()


@click.command("score")
@click.argument("run")
@click.option(
    "--input",
    "input_path",
    required=True,
    help="A .npy or CSV: points (2 columns) or 8×8 images (64 columns) in [0, 1].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def score(ctx, run, input_path, as_json):
    """log p(x) in nats of each row of --input under a trained density RUN
    (a lower bound, the ELBO, for the VAEs)."""
    import tensorflow as tf

    from keraslab.plugins.generative.data import as_images, read_array

    model, _ = _trained(ctx, run, "score")
    if not hasattr(model, "log_prob"):
        raise KeraslabError(
            f"Run '{run}' is a '{model.name}', which has no density; score takes a run of "
            "realnvp, maf, vae, beta-vae, vae-flow, nade, made or pixelcnn."
        )
    if getattr(model, "conditional", False):
        raise KeraslabError("score takes an unconditional model; a cvae's bound needs each image's label.")
    rows = read_array(input_path)
    expected = tuple(model.sample_shape)
    if len(expected) == 1:
        if rows.ndim != 2 or rows.shape[1] != expected[0]:
            raise KeraslabError(
                f"Input file '{input_path}' has rows of shape {rows.shape[1:]}; this run's model "
                f"takes points of {expected[0]} coordinates."
            )
        data = rows
    else:
        data = as_images(rows, f"Input file '{input_path}'")
        if data.shape[1:] != expected:
            raise KeraslabError(f"Input images have shape {data.shape[1:]}; this run's model takes {expected}.")
    log_prob = model.log_prob(tf.constant(data)).numpy()
    if as_json:
        click.echo(json.dumps({"log_prob": [float(v) for v in log_prob], "mean": float(log_prob.mean())}))
        return
    for value in log_prob:
        click.echo(f"{value:.4f}")
    click.echo(f"mean log p(x) = {log_prob.mean():.4f} nats over {len(log_prob)} rows", err=True)


def _seeds(text: str):
    try:
        seeds = tuple(int(c) for c in text.split(",") if c.strip())
    except ValueError:
        seeds = ()
    if not seeds:
        raise KeraslabError(f"--seeds takes comma-separated integers such as 0,1,2; received '{text}'.")
    return seeds


@click.command("divergences")
@click.option("--separation", type=float, default=4.0, show_default=True, help="Distance between the two modes.")
@click.option("--scale", type=float, default=0.5, show_default=True, help="Standard deviation of each mode.")
@click.option("--seeds", default="0,1,2", show_default=True, help="Comma-separated seeds (each draws its starts).")
@click.option("--restarts", type=int, default=4, show_default=True, help="Starts of each reverse fit.")
@click.option("--steps", type=int, default=1500, show_default=True, help="Adam steps of each fit.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Study directory (default runs/generative/divergences/<time>)."
)
def divergences(separation, scale, seeds, restarts, steps, out):
    """Forward against reverse KL: one Gaussian fitted to two modes (mode covering against mode seeking)."""
    import datetime as _dt

    from keraslab.plugins.generative import divergences as study

    target = study.Bimodal(separation=separation, scale=scale)
    target.check()
    chosen = _seeds(seeds)
    folder = (
        Path(out) if out else Path("runs") / "generative" / "divergences" / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    )
    if folder.exists() and any(folder.iterdir()):
        raise KeraslabError(f"'{folder}' already exists and is not empty; choose another --out.")
    report = study.run_study(target, chosen, folder, restarts=restarts, steps=steps)
    moments = report["moments"]
    click.echo(
        f"p: modes at ±{separation / 2:g} of scale {scale:g}; its mean {moments['mean']:g}, std {moments['std']:.4f}"
    )
    click.echo("seed  direction  mu       sigma    KL (fitted)  KL (other way)")
    for result in report["seeds"]:
        for direction in ("forward", "reverse"):
            fitted = result[direction]
            click.echo(
                f"{result['seed']:<5} {direction:<10} {fitted['mean']:+.4f}  {fitted['std']:.4f}   "
                f"{fitted['kl']:.4f}       {fitted['other_kl']:.4f}"
            )
    click.echo(f"Results: {folder / study.STUDY_FILE}, plot: {folder / study.PICTURE}")


def commands():
    return [sample, interpolate, score, divergences]
