"""Repeat, summarise, record: the parts every benchmark shares.

Each measurement is taken after `warmup` discarded runs, `repeats` times,
and reported as median, min and max. A benchmark's result always carries the
baseline measured in the same `make bench` run and the ratio between the
two, because these machines are shared and noisy: absolute times drift,
ratios much less.

Measurements that load TensorFlow run in fresh child processes
(`run_session`), one per side of a comparison, so that one side's memory,
threads and devices never leak into the other's, and so that each child's
peak resident memory is the memory of that side alone.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bench.session import RESULT_MARKER
from keraslab.core.machine import cpu_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
TABLE_START, TABLE_END = "<!-- results:start -->", "<!-- results:end -->"


class BenchError(RuntimeError):
    """A benchmark could not be measured (a child failed, a tool is missing)."""


@dataclasses.dataclass
class Stats:
    """Median, min and max of repeated measurements, in `unit`."""

    values: List[float]
    unit: str = "s"

    def __post_init__(self):
        if not self.values:
            raise BenchError("a measurement needs at least one value")

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def as_dict(self) -> Dict[str, float]:
        return {
            "median": self.median,
            "min": min(self.values),
            "max": max(self.values),
            "runs": len(self.values),
            "unit": self.unit,
            "values": list(self.values),
        }


@dataclasses.dataclass
class Comparison:
    """keraslab against its baseline, measured in the same run.

    ratio = keraslab median / baseline median, whatever the unit: for a
    throughput a ratio above 1 means keraslab is faster, for a time or a
    memory figure a ratio below 1 does. `target` is "<= x", ">= x" or ""
    (reported, no target).
    """

    figure: str
    name: str
    keraslab: Stats
    baseline: Stats
    baseline_name: str
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.keraslab.median / self.baseline.median

    @property
    def met(self) -> Optional[bool]:
        operator, _, bound = self.target.partition(" ")
        if not bound:
            return None
        return self.ratio <= float(bound) if operator == "<=" else self.ratio >= float(bound)

    def as_dict(self) -> dict:
        return {
            "figure": self.figure,
            "name": self.name,
            "keraslab": self.keraslab.as_dict(),
            "baseline": self.baseline.as_dict(),
            "baseline_name": self.baseline_name,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much each benchmark measures: `full()` for `make bench`, `tiny()`
    for the test suite (one run, synthetic data, a few steps)."""

    repeats: int = 5
    warmup: int = 1
    tiny: bool = False

    @classmethod
    def full(cls, repeats: int = 5) -> "Budget":
        return cls(repeats=repeats, warmup=1, tiny=False)

    @classmethod
    def tiny_run(cls) -> "Budget":
        return cls(repeats=1, warmup=0, tiny=True)

    @property
    def runs(self) -> int:
        return self.warmup + self.repeats


def repeat(measure: Callable[[], float], repeats: int, warmup: int = 1, unit: str = "s") -> Stats:
    """Calls `measure` warmup + repeats times; keeps the last `repeats` values."""
    for _ in range(warmup):
        measure()
    return Stats([measure() for _ in range(repeats)], unit)


def wall_time(command: List[str], env: Optional[dict] = None) -> float:
    """Seconds one subprocess takes from start to exit."""
    started = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_environment(env)
    )
    return time.perf_counter() - started


def child_environment(extra: Optional[dict] = None) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    env.pop("TF_CONFIG", None)
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- #
# Child processes
# --------------------------------------------------------------------------- #


def session_command(function: str, params: dict, python: str = sys.executable) -> List[str]:
    return [python, "-m", "bench.session", function, json.dumps(params)]


def run_session(
    function: str, params: dict, python: str = sys.executable, env: Optional[dict] = None, timeout: float = 1200
) -> dict:
    """Runs `function` ("module:name", see bench/session.py) in a fresh
    process and returns its result, with the child's peak resident memory
    under "peak_rss_mb"."""
    process = start_session(function, params, python, env)
    return finish_session(process, function, timeout)


def start_session(
    function: str, params: dict, python: str = sys.executable, env: Optional[dict] = None
) -> subprocess.Popen:
    return subprocess.Popen(
        session_command(function, params, python),
        cwd=ROOT,
        env=child_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_ports(count: int) -> List[int]:
    """`count` TCP ports free on the loopback address (for local workers)."""
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def finish_session(process: subprocess.Popen, function: str, timeout: float = 1200) -> dict:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise BenchError(f"{function} did not finish within {timeout:.0f} s:\n{output[-3000:]}") from None
    lines = [line for line in output.splitlines() if line.startswith(RESULT_MARKER)]
    if process.returncode != 0 or not lines:
        raise BenchError(f"{function} failed (exit status {process.returncode}):\n{output[-3000:]}")
    return json.loads(lines[-1][len(RESULT_MARKER) :])


# --------------------------------------------------------------------------- #
# The machine, the results file and the table
# --------------------------------------------------------------------------- #


def machine() -> dict:
    threads = {
        k: os.environ[k]
        for k in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
        if k in os.environ
    }
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "threads": threads or "TensorFlow's defaults (intra-op and inter-op pools of one thread per core)",
        "tensorflow": _version("tensorflow"),
    }


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def save(results: List[Comparison], write_doc: bool = True, extra: Optional[dict] = None, label: str = "") -> Path:
    """Writes bench/results/<date>[-label].json and the table in docs/benchmarks.md."""
    stamp = _dt.datetime.now().strftime("%Y-%m-%d")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / (f"{stamp}-{label}.json" if label else f"{stamp}.json")
    payload = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        **(extra or {}),
        "results": [r.as_dict() for r in results],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    if write_doc and DOC.exists():
        write_table(payload, DOC)
    return path


def write_table(payload: dict, doc: Path) -> None:
    """Replaces the text between the results markers of `doc` with the table."""
    text = doc.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    doc.write_text(text[:start] + render_table(payload) + text[end:])


def render_table(payload: dict) -> str:
    m = payload["machine"]
    seconds = payload.get("wall_seconds")
    lines = [
        TABLE_START,
        "",
        f"Measured {payload['date']} on {m['cpu']}, TensorFlow {m['tensorflow']}, "
        f"Python {m['python']}, threads: {m['threads']}"
        + (f"; the whole `make bench` took {seconds / 60:.1f} min." if seconds else "."),
        "",
    ]
    figure = None
    # Grouped by figure (memory rows come from several benchmarks), in run order within each.
    for r in sorted(payload["results"], key=lambda result: figure_order(result["figure"])):
        if r["figure"] != figure:
            figure = r["figure"]
            lines += [
                "",
                f"**{figure}**",
                "",
                "| measurement | keraslab: median [min, max] | baseline: median [min, max] | ratio | target | met |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
        k, b = r["keraslab"], r["baseline"]
        met = {True: "yes", False: "**no**", None: "-"}[r["met"]]
        name = r["name"] + (f" ({r['note']})" if r.get("note") else "")
        lines.append(
            f"| {name} | {_cell(k)} | {r['baseline_name']}: {_cell(b)} | {r['ratio']:.3g} | "
            f"{r['target'] or '-'} | {met} |"
        )
    lines += ["", TABLE_END]
    return "\n".join(lines)


def figure_order(figure: str) -> tuple:
    """Figures by their number ("10. ..." after "9. ..."), then by name."""
    number, _, _ = figure.partition(".")
    return (int(number) if number.isdigit() else 0, figure)


def _cell(stats: dict) -> str:
    value = lambda x: f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"  # noqa: E731
    if stats["runs"] == 1:
        return f"{value(stats['median'])} {stats['unit']} (1 run)"
    return f"{value(stats['median'])} [{value(stats['min'])}, {value(stats['max'])}] {stats['unit']}"


def python_command(code: str) -> List[str]:
    return [sys.executable, "-c", code]
