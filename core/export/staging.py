"""Where an export is written before it becomes a version, and cleaning up after crashed ones.

A version is written into `.N.partial-XXXX/` next to its final place and
renamed to `N/` when complete. Each such folder has a sibling lock file,
`.N.partial-XXXX.lock`, that the exporting process holds (`flock`) from
before the folder exists until after the rename. An export killed half way
leaves both behind, unlocked: the kernel drops the lock with the process.
Every export first removes the partial folders whose lock it can take
(their exporter is gone), so they never pile up, while a concurrent
export's folder, whose lock is held, is left alone. Partial folders without
a lock file (from older keraslab versions) are removed once they are an
hour old.

The finished version gets the modes any SavedModel written under the
user's umask has (0755 folders and 0644 files under the usual 022), not
the 0700 of a temporary folder, so a TF Serving process running as
another user can read it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator, List

PARTIAL = ".partial-"
LOCKLESS_STALE_SECONDS = 3600


@contextlib.contextmanager
def staging_folder(model_root: Path, version: int) -> Iterator[Path]:
    """A new, locked partial folder for `version` under `model_root`; the lock
    is held until the block ends (after the caller's rename)."""
    remove_stale_partials(model_root)
    descriptor, lock_name = tempfile.mkstemp(prefix=f".{version}{PARTIAL}", suffix=".lock", dir=model_root)
    with os.fdopen(descriptor, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = Path(lock_name[: -len(".lock")])
        folder.mkdir()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # gone already once renamed
            os.unlink(lock_name)


def remove_stale_partials(model_root: Path) -> List[Path]:
    """Removes partial folders (and lock files) of exports that are no
    longer running; returns the paths removed."""
    removed: List[Path] = []
    if not model_root.is_dir():
        return removed
    for path in sorted(model_root.iterdir()):
        if PARTIAL not in path.name or not path.name.startswith("."):
            continue
        if path.name.endswith(".lock"):
            folder = path.with_name(path.name[: -len(".lock")])
            if _unlocked(path):
                shutil.rmtree(folder, ignore_errors=True)
                path.unlink(missing_ok=True)
                removed.append(folder)
        elif path.is_dir() and not path.with_name(path.name + ".lock").exists():
            if time.time() - path.stat().st_mtime > LOCKLESS_STALE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def make_readable(folder: Path) -> None:
    """Gives `folder` and everything in it the modes the user's umask gives
    new files (0755 and 0644 under umask 022)."""
    umask = os.umask(0)
    os.umask(umask)
    directories, files = 0o777 & ~umask, 0o666 & ~umask
    os.chmod(folder, directories)
    for root, names, leaves in os.walk(folder):
        for name in names:
            os.chmod(os.path.join(root, name), directories)
        for name in leaves:
            os.chmod(os.path.join(root, name), files)


def _unlocked(lock_file: Path) -> bool:
    try:
        with open(lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
    except OSError:
        return False
