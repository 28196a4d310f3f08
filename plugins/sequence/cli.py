"""Commands of `keraslab sequence` beyond train/evaluate/export."""

from __future__ import annotations

import json

import click

from keraslab.core.api import KeraslabError

_LANGUAGE_REPORT = "keraslab.plugins.sequence.report.language_model:write_language_model_report"


@click.command("generate")
@click.argument("run")
@click.option("--prompt", default="", help="Text to continue (default: as after a line break).")
@click.option("--length", type=int, default=300, show_default=True, help="Tokens to generate.")
@click.option(
    "--temperature",
    type=float,
    default=0.8,
    show_default=True,
    help="Sampling temperature T: logits / T; 0 takes the most likely token each step.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sampling.")
@click.pass_context
def generate(ctx, run, prompt, length, temperature, seed):
    """Sample text from a trained language-model RUN after --prompt.

    Characters the model never saw in training are read as its unknown
    token; the command names them on stderr and goes on.
    """
    import tensorflow as tf

    from keraslab.plugins.sequence.data.text import Vocabulary
    from keraslab.plugins.sequence.models.generation import sample_ids

    if length < 1:
        raise KeraslabError(f"--length must be at least 1, received {length}.")
    if temperature < 0:
        raise KeraslabError(f"--temperature must be at least 0, received {temperature}.")
    model = _trained_language_model(ctx, run)
    vocabulary = Vocabulary(model.vocabulary)
    unknown = vocabulary.unknown_in(prompt)
    if unknown:
        click.echo(f"Prompt characters outside the vocabulary, read as unknown: {''.join(unknown)!r}", err=True)
    ids = vocabulary.encode(list(prompt or "\n"))
    tf.random.set_seed(seed)
    sample = sample_ids(model, ids, length, temperature, seed=seed)
    click.echo(prompt + vocabulary.decode(sample))


def _trained_language_model(ctx, run):
    from keraslab.core.api import registry_of

    models = [m.name for m in registry_of(ctx).get("sequence").models if m.report == _LANGUAGE_REPORT]
    return _trained(ctx, run, "generate", models).model


def _trained(ctx, run, command, models):
    """The finished sequence RUN of one of `models` (`FinishedRun`), its
    model rebuilt with its final weights."""
    from keraslab.core.api import open_finished_run, registry_of

    return open_finished_run(registry_of(ctx), "sequence", run, command, models)


@click.command("ngram")
@click.option("--data", "data_path", default="", help="A UTF-8 text file (default: Python's help topics).")
@click.option("--orders", type=int, default=6, show_default=True, help="Largest n.")
@click.option("--validation-fraction", type=float, default=0.15, show_default=True)
@click.option("--test-fraction", type=float, default=0.15, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ngram_command(data_path, orders, validation_fraction, test_fraction, as_json):
    """n-gram language models of orders 1..N with add-k, Jelinek–Mercer and
    Witten–Bell smoothing: held-out bits per character of each, on the same
    positional split as the neural language models."""
    from keraslab.core.api import DataConfig
    from keraslab.plugins.sequence.data import encode_config_text
    from keraslab.plugins.sequence.models import ngram

    if orders < 1:
        raise KeraslabError(f"--orders must be at least 1, received {orders}.")
    data = DataConfig(path=data_path, validation_fraction=validation_fraction, test_fraction=test_fraction)
    encoded = encode_config_text(data, "char")
    rows = ngram.evaluate_orders(encoded.train, encoded.validation, encoded.test, len(encoded.vocabulary), orders)
    best = ngram.best_row(rows)
    if as_json:
        click.echo(json.dumps({"best": best, "rows": rows}, indent=2))
        return
    click.echo(
        f"{len(encoded.train):,} training, {len(encoded.validation):,} validation, "
        f"{len(encoded.test):,} test characters; vocabulary {len(encoded.vocabulary)}"
    )
    click.echo("order  method          validation  test   [bits per character]  setting")
    for row in rows:
        mark = "  <- best on validation" if row is best else ""
        click.echo(
            f"{row['order']:>5}  {row['method']:<15} {row['validation_bits']:>10.3f}  "
            f"{row['test_bits']:.3f}  {row['setting']}{mark}"
        )


@click.command("compare-cells")
@click.option(
    "--cells",
    default="irnn,simple,lstm",
    show_default=True,
    help="Comma-separated cells of the same size: simple, lstm, gru, irnn.",
)
@click.option("--dataset", default="digits-pixels", show_default=True, help="digits-pixels (64 steps) or digits-rows.")
@click.option("--units", type=int, default=64, show_default=True, help="Units of every cell's one layer.")
@click.option("--epochs", type=int, default=60, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Training seed of every run.")
@click.option("--synthetic", is_flag=True, help="The dataset's tiny synthetic variant (a smoke run).")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Directory of the runs and the plot (default runs/sequence/compare-cells/<time>).",
)
@click.pass_context
def compare_cells(ctx, cells, dataset, units, epochs, seed, synthetic, out):
    """Train one rnn-classifier per cell on the same data (one
    unidirectional layer each, no dropout) and plot their validation curves
    together (IRNN against a tanh RNN on 64-step digits)."""
    import datetime as _dt
    from pathlib import Path

    from keraslab.core.api import registry_of, train_variants
    from keraslab.plugins.sequence.config import CELLS
    from keraslab.plugins.sequence.report.curves import plot_cell_curves

    names = [c.strip() for c in cells.split(",") if c.strip()]
    unknown = [c for c in names if c not in CELLS]
    if not names or unknown:
        raise KeraslabError(f"--cells must name cells among {', '.join(CELLS)}, received {cells!r}.")
    folder = (
        Path(out) if out else Path("runs", "sequence", "compare-cells", _dt.datetime.now().strftime("%Y%m%d-%H%M%S"))
    )
    if folder.exists() and any(folder.iterdir()):
        raise KeraslabError(f"Output directory '{folder}' is not empty; name a new one with --out.")
    registry = registry_of(ctx)
    common = [
        f"data.name={dataset}",
        f"data.synthetic={str(synthetic).lower()}",
        f"train.epochs={epochs}",
        f"train.seed={seed}",
        f"model.units=[{units}]",
        "model.dropout=0.0",
        "model.bidirectional=false",
    ]
    variants = {cell: [*common, f"model.cell={cell}"] for cell in names}
    rows = {}
    for cell, run in train_variants(registry, "sequence", "rnn-classifier", variants, folder, echo=click.echo).items():
        rows[cell] = {"records": run.records, "test_accuracy": run.summary["metrics"]["test"]["accuracy"]}
        click.echo(f"{cell:<7} test accuracy {rows[cell]['test_accuracy']:.4f}")
    (folder / "comparison.json").write_text(
        json.dumps(
            {
                cell: {
                    "test_accuracy": r["test_accuracy"],
                    "val_accuracy": [m.get("val_accuracy") for m in r["records"]],
                }
                for cell, r in rows.items()
            },
            indent=2,
        )
        + "\n"
    )
    plot_cell_curves(rows, folder / "cells.png", f"{dataset}, {units} units, seed {seed}")
    click.echo(f"Wrote {folder / 'cells.png'} and {folder / 'comparison.json'}")


@click.command("gradients")
@click.argument("runs", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The PNG to write (a JSON beside it).")
@click.option(
    "--clip-norm", type=float, default=1.0, show_default=True, help="Global norm the right-hand panel clips ∂L/∂θ to."
)
@click.option("--examples", type=int, default=128, show_default=True, help="Test sequences averaged over.")
@click.pass_context
def gradients(ctx, runs, out, clip_norm, examples):
    """Plot ‖∂L/∂h_k‖ across time steps k for trained rnn-classifier RUNS
    (e.g. the irnn, simple and lstm runs of compare-cells), before and
    after gradient clipping."""
    from pathlib import Path

    from keraslab.plugins.sequence import gradients as g

    if clip_norm <= 0 or examples < 1:
        raise KeraslabError(
            f"--clip-norm must be positive and --examples at least 1, received {clip_norm}, {examples}."
        )
    results = {}
    for run in runs:
        built = _trained(ctx, run, "gradients", ["rnn-classifier"])
        config = built.config
        test = built.splits.test
        name = f"{config.model.cell} ({Path(run).name})"
        results[name] = g.hidden_state_gradients(built.model, test.features[:examples], test.targets[:examples])
        click.echo(
            f"{name:<24} ‖∂L/∂h_1‖ {results[name]['step_norms'][0]:.3g}  "
            f"‖∂L/∂h_T‖ {results[name]['step_norms'][-1]:.3g}  ‖∂L/∂θ‖ {results[name]['parameter_norm']:.3g}"
        )
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    g.plot_gradients(results, clip_norm, path, f"gradients through time, {examples} test sequences")
    path.with_suffix(".json").write_text(
        json.dumps(
            {
                name: {"step_norms": r["step_norms"].tolist(), "parameter_norm": r["parameter_norm"], "loss": r["loss"]}
                for name, r in results.items()
            },
            indent=1,
        )
        + "\n"
    )
    click.echo(f"Wrote {path} and {path.with_suffix('.json')}")


@click.command("translate")
@click.argument("run")
@click.argument("texts", nargs=-1, required=True)
@click.option("--beam", type=int, default=0, show_default=True, help="Beams of a beam search; 0 decodes greedily.")
@click.pass_context
def translate(ctx, run, texts, beam):
    """Decode TEXTS with a trained seq2seq RUN, one output a line
    (e.g. `translate RUN 123+4567 "March 5, 2024"`).

    Characters the model never saw in training are dropped; the command
    names them on stderr and goes on.
    """
    import numpy as np
    import tensorflow as tf

    from keraslab.plugins.sequence.data import problems
    from keraslab.plugins.sequence.models.seq2seq import beam_search

    if beam < 0:
        raise KeraslabError(f"--beam must be 0 (greedy) or a number of beams, received {beam}.")
    model = _trained(ctx, run, "translate", ["seq2seq"]).model
    known = set(model.vocabulary)
    dropped = sorted({c for text in texts for c in text if c not in known})
    if dropped:
        click.echo(f"Characters outside the vocabulary, dropped: {''.join(dropped)!r}", err=True)
    sources = tf.constant(problems.encode_strings(texts, model.vocabulary, max(1, *map(len, texts)), end=False))
    ids = (beam_search(model, sources, beam) if beam else model.greedy(sources))["ids"].numpy()
    for row in np.asarray(ids):
        click.echo(problems.decode_ids(row, model.vocabulary))


@click.command("neighbours")
@click.argument("run")
@click.argument("word")
@click.option("--count", type=int, default=10, show_default=True, help="Words to list.")
@click.pass_context
def neighbours(ctx, run, word, count):
    """The words nearest WORD (cosine similarity) in a word2vec or glove RUN."""
    from keraslab.plugins.sequence.models.embeddings import nearest

    if count < 1:
        raise KeraslabError(f"--count must be at least 1, received {count}.")
    model = _trained(ctx, run, "neighbours", ["word2vec", "glove"]).model
    vocabulary = list(model.vocabulary)
    if word.lower() not in vocabulary[1:]:
        shown = ", ".join(w for w in vocabulary[1:13] if w.strip())
        raise KeraslabError(
            f"'{word}' is not in the run's vocabulary of {len(vocabulary) - 1} words (lower-cased; e.g. {shown})."
        )
    for other, similarity in nearest(model.vectors(), vocabulary, word.lower(), count):
        click.echo(f"{similarity:7.4f}  {other}")


def commands():
    return [generate, ngram_command, compare_cells, gradients, translate, neighbours]
