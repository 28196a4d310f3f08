"""What a word2vec or glove run writes besides the shared files:

* embeddings.json: on the generated grouped corpus, how well cosine
  similarity tells same-group from cross-group word pairs (ROC AUC); the
  nearest words of one word per group (of the most frequent words on
  other corpora);
* embedding.png: the vectors projected on their first two principal
  components, coloured by group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from keraslab.core.api import pyplot, save_figure
from keraslab.plugins.sequence.data import word_data
from keraslab.plugins.sequence.data.text import UNKNOWN
from keraslab.plugins.sequence.models.embeddings import group_separation, nearest

NEIGHBOURS = 5
WORDS_PLOTTED = 100


def is_grouped_corpus(vocabulary: Sequence[str]) -> bool:
    """True where every word is a generated corpus's (a group word or a filler)."""
    return all(word_data.group_of(w) or w in word_data.FILLERS for w in vocabulary if w not in (UNKNOWN, "\n"))


def content_words(vocabulary: Sequence[str]) -> List[int]:
    """Ids of real words: with a letter or digit, not a filler, not the unknown word."""
    return [
        i
        for i, w in enumerate(vocabulary)
        if w != UNKNOWN and any(c.isalnum() for c in w) and w not in word_data.FILLERS
    ]


def write_embedding_report(model, splits, run_path) -> None:
    vocabulary, vectors = model.vocabulary, model.vectors()
    grouped = is_grouped_corpus(vocabulary)
    if grouped:
        probes = [words[0] for words in word_data.GROUPS.values() if words[0] in vocabulary]
    else:
        probes = [vocabulary[i] for i in content_words(vocabulary)[:8]]
    result: Dict = {"vocabulary": len(vocabulary)}
    if grouped:
        result["groups"] = group_separation(vectors, vocabulary, word_data.group_of)
    result["neighbours"] = {
        w: [[n, round(s, 4)] for n, s in nearest(vectors, vocabulary, w, NEIGHBOURS)] for w in probes
    }
    run_path = Path(run_path)
    (run_path / "embeddings.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    title = f"{model.name}: " + (
        f"group ROC AUC {result['groups']['roc_auc']:.3f}" if grouped else "most frequent words"
    )
    plot_projection(vectors, vocabulary, run_path / "embedding.png", title)


def plot_projection(vectors: np.ndarray, vocabulary: Sequence[str], path: Path, title: str) -> Path:
    """Words on the first two principal components of their vectors."""
    plt = pyplot()
    ids = content_words(vocabulary)[:WORDS_PLOTTED]
    points = vectors[ids] - vectors[ids].mean(axis=0)
    _, _, axes_ = np.linalg.svd(points, full_matrices=False)
    xy = points @ axes_[:2].T
    groups = [word_data.group_of(vocabulary[i]) for i in ids]
    palette = {g: plt.get_cmap("tab10")(k % 10) for k, g in enumerate(word_data.GROUPS)}
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.scatter(xy[:, 0], xy[:, 1], c=[palette.get(g, "gray") for g in groups], s=18)
    for (x, y), i in zip(xy, ids):
        ax.annotate(vocabulary[i], (x, y), fontsize=7, xytext=(2, 2), textcoords="offset points")
    for group, colour in palette.items():
        if group in groups:
            ax.scatter([], [], color=colour, label=group)
    if any(groups):
        ax.legend(fontsize=8)
    ax.set_title(title)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    return save_figure(fig, path)
