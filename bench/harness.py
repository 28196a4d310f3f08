"""Repeat, summarise, record: the parts every benchmark shares.

Each measurement is taken after `warmup` discarded runs, `repeats` times,
and reported as median, min and max. A benchmark's result always carries the
baseline measured in the same run and the ratio between the two, because
these machines are shared and noisy: absolute times drift, ratios much less.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from keraslab.core.machine import cpu_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
TABLE_START, TABLE_END = "<!-- results:start -->", "<!-- results:end -->"


@dataclasses.dataclass
class Stats:
    """Median, min and max of repeated measurements (seconds unless `unit` says)."""

    values: List[float]
    unit: str = "s"

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def as_dict(self) -> Dict[str, float]:
        return {"median": self.median, "min": min(self.values), "max": max(self.values),
                "runs": len(self.values), "unit": self.unit}


@dataclasses.dataclass
class Comparison:
    """keraslab against its baseline: ratio = keraslab / baseline (or the
    reverse for throughputs, so that > 1 always means keraslab wins when
    `higher_is_better`)."""

    name: str
    keraslab: Stats
    baseline: Stats
    baseline_name: str
    target: str
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.keraslab.median / self.baseline.median

    @property
    def met(self) -> Optional[bool]:
        operator, _, bound = self.target.partition(" ")
        if not bound:
            return None
        bound = float(bound)
        return self.ratio <= bound if operator == "<=" else self.ratio >= bound

    def as_dict(self) -> dict:
        return {"name": self.name, "keraslab": self.keraslab.as_dict(), "baseline": self.baseline.as_dict(),
                "baseline_name": self.baseline_name, "ratio": self.ratio, "target": self.target, "met": self.met}


def repeat(measure: Callable[[], float], repeats: int, warmup: int = 1, unit: str = "s") -> Stats:
    """Calls `measure` warmup + repeats times; keeps the last `repeats` values."""
    for _ in range(warmup):
        measure()
    return Stats([measure() for _ in range(repeats)], unit)


def wall_time(command: List[str], env: Optional[dict] = None) -> float:
    """Seconds one subprocess takes from start to exit."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})
    return time.perf_counter() - started


def machine() -> dict:
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                                          "TF_NUM_INTEROP_THREADS") if k in os.environ}
    return {"cores": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version(),
            "platform": platform.platform(), "threads": threads or "TensorFlow defaults",
            "tensorflow": _version("tensorflow")}


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def save(results: List[Comparison], write_doc: bool = True) -> Path:
    """Writes bench/results/<date>.json and the table in docs/benchmarks.md."""
    stamp = _dt.datetime.now().strftime("%Y-%m-%d")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    payload = {"date": _dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
               "results": [r.as_dict() for r in results]}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    if write_doc and DOC.exists():
        _write_table(payload)
    return path


def _write_table(payload: dict) -> None:
    m = payload["machine"]
    lines = [TABLE_START, "",
             f"Measured {payload['date']} on {m['cpu']}, TensorFlow {m['tensorflow']}, "
             f"Python {m['python']}, threads: {m['threads']}.", "",
             "| benchmark | keraslab (median [min, max]) | baseline (median [min, max]) | ratio | target | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in payload["results"]:
        k, b = r["keraslab"], r["baseline"]
        lines.append(
            f"| {r['name']} | {_cell(k)} | {r['baseline_name']}: {_cell(b)} | {r['ratio']:.3f} | "
            f"{r['target']} | {'yes' if r['met'] else 'no' if r['met'] is False else '-'} |")
    lines += ["", TABLE_END]
    text = DOC.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    DOC.write_text(text[:start] + "\n".join(lines) + text[end:])


def _cell(stats: dict) -> str:
    return f"{stats['median']:.3g} [{stats['min']:.3g}, {stats['max']:.3g}] {stats['unit']}"


def python_command(code: str) -> List[str]:
    return [sys.executable, "-c", code]
