"""CLI start-up: `keraslab --help`, `plugins`, `list` against `import tensorflow`.

Target: each at most a tenth of TensorFlow's import time, which is what the
CLI would cost if it imported TensorFlow to print help.
"""
from __future__ import annotations

import os
import sys
from typing import List

from bench.harness import Comparison, python_command, repeat, wall_time

COMMANDS = (["--help"], ["plugins"], ["list"])


def keraslab_command() -> List[str]:
    script = os.path.join(os.path.dirname(sys.executable), "keraslab")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "keraslab.entrypoints.cli"]


def run(repeats: int = 5, warmup: int = 1) -> List[Comparison]:
    baseline = repeat(lambda: wall_time(python_command("import tensorflow")), repeats, warmup)
    results = []
    for args in COMMANDS:
        measured = repeat(lambda: wall_time(keraslab_command() + args), repeats, warmup)
        results.append(Comparison(f"CLI start-up: keraslab {' '.join(args)}", measured, baseline,
                                  "python -c 'import tensorflow'", "<= 0.1"))
    return results
