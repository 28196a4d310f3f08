"""Restoring a run's checkpoint on `--resume`, never silently starting over.

`tf.train.latest_checkpoint` trusts the `checkpoint` state file: garbled, it
gives None and a resume would start again at epoch 1; pointing at a deleted
or truncated checkpoint, the restore fails. Here the candidates are the
checkpoints the state file lists *and* the `ckpt-N.index` files on disk,
newest first. Each is read in full (every tensor) before it is restored;
the newest intact one is restored, the damaged ones newer than it are moved
to `checkpoints/damaged/` (kept, not deleted) and the state file is written
again to list the intact ones, so the run's own `CheckpointManager` carries
on from there. A run with checkpoints of which none is intact is refused:
nothing is changed and the user is told.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import tensorflow as tf

from keraslab.core.errors import RunError

DAMAGED = "damaged"
_NUMBERED = re.compile(r"-(\d+)$")


def candidates(directory: Path) -> List[str]:
    """Checkpoint prefixes in `directory`, newest (highest number) first:
    those the state file lists and those whose index file is on disk."""
    prefixes = {str(index.with_suffix("")) for index in directory.glob("*.index")}
    try:
        state = tf.train.get_checkpoint_state(str(directory))
    except Exception:  # a garbled state file; the files on disk still count
        state = None
    if state is not None:
        for path in state.all_model_checkpoint_paths:
            full = Path(path) if Path(path).is_absolute() else directory / path
            prefixes.add(str(full))
    return sorted(prefixes, key=_number, reverse=True)


def damage(prefix: str) -> Optional[str]:
    """Why the checkpoint at `prefix` cannot be restored, or None if every
    tensor in it reads back."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except Exception as error:  # DataLossError, NotFoundError, OutOfRangeError ...
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return f"{type(error).__name__}: {first}"[:200]
    return None


def newest_intact(directory: Path) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """(the newest intact checkpoint in `directory` or None, the damaged
    ones newer than it, each with why)."""
    damaged: List[Tuple[str, str]] = []
    for prefix in candidates(Path(directory)):
        reason = damage(prefix)
        if reason is None:
            return prefix, damaged
        damaged.append((prefix, reason))
    return None, damaged


def require_intact(directory: Path) -> None:
    """Raises `RunError` if `directory` holds checkpoints and none is intact
    (checked before a resume touches the run)."""
    intact, damaged = newest_intact(directory)
    if intact is None and damaged:
        raise RunError(_all_damaged(Path(directory), damaged))


def restore_newest_intact(
    checkpoint: tf.train.Checkpoint, directory: Path, echo: Callable[[str], None] = print
) -> Optional[str]:
    """Restores the newest intact checkpoint in `directory` into `checkpoint`.

    Returns:
        The prefix restored, or None when the directory holds no checkpoint
        at all (a run stopped before its first one starts at the beginning).

    Raises:
        RunError: checkpoints exist but none is intact; nothing was changed.
    """
    directory = Path(directory)
    prefix, damaged = newest_intact(directory)
    if prefix is None:
        if damaged:
            raise RunError(_all_damaged(directory, damaged))
        return None
    checkpoint.restore(prefix).expect_partial()
    _set_aside(directory, damaged)
    gone = {path for path, _ in damaged}
    intact = [path for path in reversed(candidates(directory)) if path not in gone]
    tf.compat.v1.train.update_checkpoint_state(str(directory), prefix, all_model_checkpoint_paths=intact)
    if damaged:
        listed = "; ".join(f"{Path(path).name} ({why})" for path, why in damaged)
        echo(
            f"Damaged checkpoint(s) moved to {directory / DAMAGED}: {listed}. "
            f"Resuming from {Path(prefix).name}, the newest intact one."
        )
    return prefix


def _all_damaged(directory: Path, damaged) -> str:
    listed = "; ".join(f"{Path(p).name} ({why})" for p, why in damaged)
    return (
        f"Every checkpoint in '{directory}' is damaged ({listed}); nothing was changed. "
        "Start a new run, or put back the checkpoint files from a backup."
    )


def _number(prefix: str) -> int:
    match = _NUMBERED.search(prefix)
    return int(match.group(1)) if match else -1


def _set_aside(directory: Path, damaged) -> None:
    if not damaged:
        return
    target = directory / DAMAGED
    target.mkdir(exist_ok=True)
    for prefix, _ in damaged:
        for path in directory.glob(Path(prefix).name + ".*"):
            shutil.move(str(path), str(target / path.name))
