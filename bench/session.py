"""One measurement session in a fresh process:

    python -m bench.session MODULE:FUNCTION '{"json": "parameters"}'

calls FUNCTION(params) and prints its result (a JSON object) on one line
after `BENCH-RESULT `, adding the process's peak resident memory
("peak_rss_mb", from getrusage) unless the function measured one itself.

This module imports nothing but the standard library, so the PyTorch
baseline's environment, which has no keraslab, can run it too.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys

RESULT_MARKER = "BENCH-RESULT "


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024.0


def main(argv=None) -> None:
    target, raw = (argv or sys.argv[1:])[:2]
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(json.loads(raw))
    result.setdefault("peak_rss_mb", peak_rss_mb())
    print(RESULT_MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
