"""Studies: one model trained once per variant, each variant a run of its own.

    runs = train_variants(registry, "vision", "resnet", {"plain": [...], "residual": [...]}, out)
    runs["residual"].summary["metrics"]["test"], runs["residual"].records

Every variant is a run in `out/<variant>` (its label made a folder name), so
a study that was stopped continues where it stopped: a complete run there is
read back, an unfinished one resumed, a missing one trained. Every variant's
settings are checked before the first run starts.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Sequence

from keraslab.core.actions import ensure_trained, resolve_run_config
from keraslab.core.errors import KeraslabError
from keraslab.core.registry import Registry
from keraslab.core.rundir import RunDir


@dataclasses.dataclass(frozen=True)
class VariantRun:
    """One variant's finished run: its folder, its summary.json and its metrics.jsonl."""

    path: Path
    summary: Dict[str, Any]
    records: List[Dict[str, Any]]


def variant_folder(label: str) -> str:
    """The folder name of a variant: its label with anything but letters,
    digits, '.', '_' and '-' made '-' ("L2 1e-3" -> "L2-1e-3")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-") or "variant"


def train_variants(
    registry: Registry,
    plugin_name: str,
    model_name: str,
    variants: Mapping[str, Sequence[str]],
    out: Path,
    echo: Callable[[str], None] = print,
) -> Dict[str, VariantRun]:
    """Trains (or resumes, or reads back) one run of the model per variant.

    Args:
        registry: the plugins.
        plugin_name, model_name: the model every variant trains.
        variants: {label: the variant's `--set` overrides}, in the order to run.
        out: the study's folder; variant `label` runs in `out/variant_folder(label)`.
        echo: where progress goes ("variant 2 of 3: residual").

    Returns:
        {label: VariantRun}, in the order of `variants`.

    Raises:
        KeraslabError: two labels name one folder, or a variant's settings
            are wrong (before any run starts).
    """
    folders = [variant_folder(label) for label in variants]
    if len(set(folders)) != len(folders):
        raise KeraslabError(f"Variants {list(variants)} must name different folders; got {folders}.")
    plugin = registry.get(plugin_name)
    spec = plugin.model(model_name)
    for overrides in variants.values():  # a mistake in any variant fails before the first run
        resolve_run_config(plugin, spec, overrides=list(overrides))
    runs = {}
    for index, ((label, overrides), folder) in enumerate(zip(variants.items(), folders)):
        path = Path(out) / folder
        echo(f"variant {index + 1} of {len(folders)}: {label}")
        summary = ensure_trained(registry, plugin_name, model_name, str(path), list(overrides), echo=echo)
        runs[label] = VariantRun(path, summary, RunDir.open(str(path)).metrics())
    return runs
