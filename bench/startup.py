"""Figure 1, CLI start-up: `keraslab --help`, `plugins`, `list` against `import tensorflow`.

Target: each at most a tenth of TensorFlow's import time, which is what the
CLI would cost if it imported TensorFlow to print help.
"""

from __future__ import annotations

import os
import sys
from typing import List

from bench.harness import Budget, Comparison, python_command, repeat, wall_time

FIGURE = "1. CLI start-up (wall time of a fresh process)"
COMMANDS = (["--help"], ["plugins"], ["list"])


def keraslab_command() -> List[str]:
    script = os.path.join(os.path.dirname(sys.executable), "keraslab")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "keraslab.entrypoints.cli"]


def run(budget: Budget, echo=print) -> List[Comparison]:
    echo(f"   python -c 'import tensorflow' and 3 commands ({budget.warmup} warm-up + {budget.repeats} runs) ...")
    baseline = repeat(lambda: wall_time(python_command("import tensorflow")), budget.repeats, budget.warmup)
    results = []
    for args in COMMANDS:
        measured = repeat(lambda args=args: wall_time(keraslab_command() + args), budget.repeats, budget.warmup)
        results.append(
            Comparison(
                FIGURE, f"keraslab {' '.join(args)}", measured, baseline, "python -c 'import tensorflow'", "<= 0.1"
            )
        )
    return results
