"""Run directories: where a run keeps its config, checkpoints, logs and results.

Layout of `runs/<plugin>/<model>/<timestamp>/`::

    run.json         who and what (plugin, model, dataset) and the status:
                     running, complete, interrupted or failed
    config.yaml      the resolved RunConfig; loading it repeats the run
    checkpoints/     tf.train.CheckpointManager checkpoints
    logs/            TensorBoard event files
    metrics.jsonl    one JSON object of metrics per epoch
    metrics.replaced.jsonl  lines a resume dropped because it logs those
                     epochs again (only after a resume from an older checkpoint)
    learning_curves.png
    summary.json     final metrics, wall time, throughput, device, versions
    .lock            held (flock) by the one process training the run

A run is `complete` only once training finished and its summary is written;
every other state says why it is not.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from keraslab.core.errors import RunError
from keraslab.core.paths import write_atomically

RUNNING, COMPLETE, INTERRUPTED, FAILED = "running", "complete", "interrupted", "failed"
LOCK_FILE = ".lock"


class RunDir:
    """One run's directory. Create one with `RunDir.create`, open one with `RunDir.open`."""

    def __init__(self, path: Path):
        self.path = Path(path)

    # -- creating and opening ----------------------------------------------- #

    @classmethod
    def create(
        cls, plugin: str, model: str, dataset: str, root: str = "runs", explicit: Optional[str] = None
    ) -> "RunDir":
        """Makes a new run directory and marks it `running`.

        Args:
            plugin, model, dataset: what the run trains.
            root: the folder under which `<plugin>/<model>/<timestamp>` goes.
            explicit: a directory chosen by the user (`--run-dir`); it must not
                exist yet or be empty, since a run is never overwritten.
        """
        cls.check_new(explicit, root)
        if explicit:
            path = Path(explicit)
        else:
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            base = Path(root) / plugin / model
            path, n = base / stamp, 1
            while path.exists():
                n += 1
                path = base / f"{stamp}-{n}"
        path.mkdir(parents=True, exist_ok=True)
        run = cls(path)
        run.write_state(
            {
                "plugin": plugin,
                "model": model,
                "dataset": dataset,
                "status": RUNNING,
                "created": _now(),
                "updated": _now(),
            }
        )
        return run

    @staticmethod
    def check_new(explicit: Optional[str], root: str = "runs") -> None:
        """Raises `RunError` if a run directory the user chose is taken (a
        run is never overwritten), and `KeraslabError` if it (or, without
        one, the runs root) cannot be made or written."""
        from keraslab.core.paths import check_can_create

        if not explicit:
            check_can_create(root, "--runs-root")
            return
        path = Path(explicit)
        if path.is_dir() and any(path.iterdir()):
            raise RunError(
                f"Run directory '{path}' already exists and is not empty; "
                "choose another --run-dir, or continue it with --resume."
            )
        check_can_create(path, "--run-dir")

    @classmethod
    def open(cls, path: str) -> "RunDir":
        """Opens an existing run; raises `RunError` if `path` is not one."""
        run = cls(Path(path))
        if not (run.path / "run.json").is_file():
            raise RunError(
                f"'{path}' is not a run directory (it has no run.json). Give the directory a `train` command created."
            )
        return run

    # -- one writer --------------------------------------------------------- #

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Holds an exclusive OS lock on the run (`flock` on its `.lock`
        file) while the block runs, so two processes never train one run at
        once. The kernel releases it when the process dies, however it dies,
        so a killed run is never left locked.

        Raises:
            RunError: another process holds the run.
        """
        import fcntl

        handle = open(self.path / LOCK_FILE, "a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise RunError(
                    f"Run '{self.path}' is being trained by another process (pid {holder}); "
                    "wait for it to finish, or stop it, then --resume."
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.close()  # releases the lock

    # -- state -------------------------------------------------------------- #

    @property
    def state(self) -> Mapping[str, Any]:
        try:
            return json.loads((self.path / "run.json").read_text())
        except (OSError, ValueError) as error:
            raise RunError(f"Run directory '{self.path}' has an unreadable run.json: {error}.") from None

    def write_state(self, state: Mapping[str, Any]) -> None:
        write_atomically(self.path / "run.json", json.dumps(state, indent=2) + "\n")

    def mark(self, status: str, **fields: Any) -> None:
        """Sets the run's status (and any extra fields) in run.json."""
        state = dict(self.state, status=status, updated=_now(), **fields)
        self.write_state(state)

    @property
    def status(self) -> str:
        return self.state.get("status", "unknown")

    def require_complete(self, action: str) -> None:
        """Raises `RunError` unless the run finished."""
        if self.status != COMPLETE:
            raise RunError(
                f"Run '{self.path}' is {self.status}, not complete; cannot {action} it. "
                f"Continue it with `train --resume {self.path}`."
            )

    # -- files -------------------------------------------------------------- #

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def logs(self) -> Path:
        return self.path / "logs"

    @property
    def config_file(self) -> Path:
        return self.path / "config.yaml"

    @property
    def metrics_file(self) -> Path:
        return self.path / "metrics.jsonl"

    def write_json(self, name: str, data: Mapping[str, Any]) -> Path:
        target = self.path / name
        write_atomically(target, json.dumps(data, indent=2, default=_jsonable) + "\n")
        return target

    def read_json(self, name: str) -> Mapping[str, Any]:
        return json.loads((self.path / name).read_text())

    def truncate_metrics(self, key: str, limit: int) -> None:
        """Drops metric lines whose `key` (epoch, env_steps) is past `limit`:
        what a resume from the checkpoint at `limit` will log again. The
        dropped lines are appended to `metrics.replaced.jsonl`, and a torn
        last line (a write cut off) is dropped too."""
        records, torn = self._read_metrics()
        kept = [r for r in records if r[key] <= limit]
        if len(kept) != len(records) or torn:
            replaced = [r for r in records if r[key] > limit]
            if replaced:
                with open(self.path / "metrics.replaced.jsonl", "a") as log:
                    log.write("".join(json.dumps(r) + "\n" for r in replaced))
            write_atomically(self.metrics_file, "".join(json.dumps(r) + "\n" for r in kept))

    def metrics(self) -> list:
        """The per-epoch metrics logged so far. A torn last line (a write
        that was cut off, by a kill or a full disk) is skipped; a damaged
        line before it raises `RunError`."""
        return self._read_metrics()[0]

    def _read_metrics(self):
        """(the records of metrics.jsonl, whether its last line is torn:
        not JSON, or without its newline)."""
        if not self.metrics_file.exists():
            return [], False
        text = self.metrics_file.read_text(errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        records = []
        for number, line in enumerate(lines, start=1):
            try:
                records.append(json.loads(line))
            except ValueError:
                if number == len(lines):
                    return records, True
                raise RunError(
                    f"'{self.metrics_file}' line {number} is not JSON ({line[:60]!r}); repair or remove that line."
                ) from None
        return records, bool(text) and not text.endswith("\n")


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _jsonable(value: Any) -> Any:
    try:
        return value.item()  # NumPy scalars
    except AttributeError:
        return str(value)
