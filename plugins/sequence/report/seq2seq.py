"""What a seq2seq run writes besides the shared files:

* seq2seq.json: exact-match rates of greedy and beam-search decoding on
  the test problems, overall and by input length, and some errors;
* accuracy_by_length.png: exact match against the source's length;
* attention.png: the attention weights α_ij of the longest test problems
  (output character i against source character j), where the model attends.

A streamed test split (`data.stream=true`) is decoded on at most
`REPORT_PROBLEMS` of its problems, at evenly spaced positions
("test_problems" says how many); the trainer's test metrics cover all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import tensorflow as tf

from keraslab.core.api import held_in_memory, pyplot, save_figure
from keraslab.plugins.sequence.data.problems import PAD, decode_ids
from keraslab.plugins.sequence.models.seq2seq import beam_search

BATCH = 512
HEAT_MAPS = 4
ERRORS_SHOWN = 10
REPORT_PROBLEMS = 20_000  # a streamed test split's problems decoded by the report (evenly spaced)


def decode_all(model, sources: np.ndarray, beam_width: int = 0) -> Dict[str, np.ndarray]:
    """Greedy (`beam_width` 0) or beam-search ids [n, T], and greedy attention [n, T, S]."""
    if beam_width:
        search = tf.function(lambda x: beam_search(model, x, beam_width))
        return {
            "ids": np.concatenate(
                [search(tf.constant(sources[i : i + BATCH]))["ids"].numpy() for i in range(0, len(sources), BATCH)]
            )
        }
    greedy = tf.function(model.greedy)
    parts = [greedy(tf.constant(sources[i : i + BATCH])) for i in range(0, len(sources), BATCH)]
    return {key: np.concatenate([p[key].numpy() for p in parts]) for key in ("ids", "attention")}


def exact_match_by_length(decoded: List[str], truth: List[str], lengths: np.ndarray) -> Dict[str, Dict[str, float]]:
    """{length: {"problems": n, "exact_match": rate}} for every source length."""
    correct = np.array([d == t for d, t in zip(decoded, truth)])
    return {
        str(n): {"problems": int(np.sum(lengths == n)), "exact_match": float(np.mean(correct[lengths == n]))}
        for n in np.unique(lengths)
    }


def write_seq2seq_report(model, splits, run_path) -> None:
    test, vocabulary = held_in_memory(splits.test, REPORT_PROBLEMS), model.vocabulary
    sources = test.features.astype(np.int32)
    lengths = np.sum(sources != PAD, axis=1)
    truth = [decode_ids(row, vocabulary) for row in test.targets]
    greedy = decode_all(model, sources)
    decodings = {"greedy": [decode_ids(row, vocabulary) for row in greedy["ids"]]}
    width = model.settings.beam_width
    decodings[f"beam_{width}"] = [decode_ids(row, vocabulary) for row in decode_all(model, sources, width)["ids"]]
    result = {"test_problems": len(truth)}
    for name, decoded in decodings.items():
        result[name] = {
            "exact_match": float(np.mean([d == t for d, t in zip(decoded, truth)])),
            "by_input_length": exact_match_by_length(decoded, truth, lengths),
        }
    result["errors"] = [
        {"source": decode_ids(sources[i], vocabulary), "target": truth[i], "greedy": decoded}
        for i, decoded in enumerate(decodings["greedy"])
        if decoded != truth[i]
    ][:ERRORS_SHOWN]
    run_path = Path(run_path)
    (run_path / "seq2seq.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    plot_accuracy_by_length(result, decodings, run_path / "accuracy_by_length.png", model_label(model))
    if model.settings.attention:
        longest = np.argsort(-lengths, kind="stable")[:HEAT_MAPS]
        plot_attention(
            model, sources[longest], greedy["ids"][longest], greedy["attention"][longest], run_path / "attention.png"
        )


def model_label(model) -> str:
    settings = model.settings
    parts = [
        settings.cell,
        "bidirectional" if settings.bidirectional else "one-way",
        "attention" if settings.attention else "no attention",
    ]
    return ", ".join(parts + (["reversed input"] if settings.reverse_input else []))


def plot_accuracy_by_length(result: Dict, decodings: Dict, path: Path, title: str) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in decodings:
        table = result[name]["by_input_length"]
        lengths = sorted(table, key=int)
        ax.plot(
            [int(n) for n in lengths],
            [table[n]["exact_match"] for n in lengths],
            marker="o",
            label=f"{name.replace('_', ' ')} ({result[name]['exact_match']:.2%} overall)",
        )
    ax.set_xlabel("source length (characters)")
    ax.set_ylabel("exact match on test problems")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, path)


def plot_attention(model, sources: np.ndarray, outputs: np.ndarray, weights: np.ndarray, path: Path) -> Path:
    """One heat map per problem: rows the output characters (END included),
    columns the source characters in reading order."""
    plt = pyplot()
    vocabulary = model.vocabulary
    fig, axes = plt.subplots(1, len(sources), figsize=(4.2 * len(sources), 3.8), squeeze=False)
    for ax, source, output, alpha in zip(axes[0], sources, outputs, weights):
        source_chars = [vocabulary[i] for i in source if i != PAD]
        output_chars = [vocabulary[i] for i in output if i != PAD]
        alpha = alpha[: len(output_chars), : len(source_chars)]
        if model.settings.reverse_input:  # the encoder read the source backwards
            alpha = alpha[:, ::-1]
        ax.imshow(alpha, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(source_chars)), source_chars, fontsize=7)
        ax.set_yticks(range(len(output_chars)), [c if len(c) == 1 else "END" for c in output_chars], fontsize=7)
        ax.set_xlabel("source")
    axes[0][0].set_ylabel("output")
    fig.suptitle("attention weights α (greedy decoding of the longest test problems)")
    return save_figure(fig, path)
