"""Checks that a folder keraslab is asked to write can be made, before any
work, and writes files so that no reader sees half of one.

A run directory under a file, a dangling symlink, a read-only folder or an
`--out` that names a file would otherwise fail after minutes of training
with an OSError traceback. `check_can_create` finds the nearest existing
ancestor and says in one line what is in the way.
"""

from __future__ import annotations

import os
from pathlib import Path

from keraslab.core.errors import KeraslabError


def check_can_create(path: str | Path, what: str) -> None:
    """Raises `KeraslabError` unless `path` is a folder, or can be made one, that this process can write.

    Args:
        path: the folder.
        what: what it is for the message ("run directory", "--out").
    """
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise KeraslabError(
            f"{what} '{path}' is a symlink to '{os.readlink(path)}', which does not exist; "
            "give a folder, or fix the link."
        )
    if path.exists():
        if not path.is_dir():
            raise KeraslabError(f"{what} '{path}' is a file; give a folder.")
        if not os.access(path, os.W_OK | os.X_OK):
            raise KeraslabError(f"{what} '{path}' is not writable by this user.")
        return
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        if ancestor.is_symlink():
            raise KeraslabError(f"{what} '{path}' lies under '{ancestor}', a symlink to a missing target.")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise KeraslabError(f"{what} '{path}' cannot be made: '{ancestor}' is a file, not a folder.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise KeraslabError(f"{what} '{path}' cannot be made: '{ancestor}' is not writable by this user.")


def write_atomically(path: Path, text: str) -> None:
    """Writes `text` to `path` through a temporary file and a rename, so a
    reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
