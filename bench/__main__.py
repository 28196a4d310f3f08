"""`python -m bench` (`make bench`): runs every benchmark, prints the table,
writes bench/results/<date>.json and the table in docs/benchmarks.md."""
from __future__ import annotations

import argparse

from bench import harness, startup

BENCHMARKS = {"startup": startup.run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="measured runs per figure (default 5)")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run only these")
    args = parser.parse_args()
    results = []
    for name in args.only or BENCHMARKS:
        print(f"== {name}", flush=True)
        for comparison in BENCHMARKS[name](repeats=args.repeats):
            print(f"{comparison.name}: {comparison.keraslab.median:.4g} vs {comparison.baseline_name} "
                  f"{comparison.baseline.median:.4g} -> ratio {comparison.ratio:.3f} "
                  f"(target {comparison.target}: {'met' if comparison.met else 'missed'})", flush=True)
            results.append(comparison)
    print(f"Results: {harness.save(results)}")


if __name__ == "__main__":
    main()
