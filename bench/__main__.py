"""`python -m bench` (`make bench`): runs every benchmark, prints the table,
writes bench/results/<date>.json and the table in docs/benchmarks.md.

    python -m bench                      # everything, 1 warm-up + 5 runs each
    python -m bench --only trainer --only serving
    python -m bench --tiny --no-doc      # one tiny run of each: checks the harness
    python -m bench --device gpu         # the realistic workloads on GPUs (make bench-gpu)
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from bench import graph, harness, memory, realistic, rl, roofline, scaling, serving, startup, streaming, training

BENCHMARKS = {
    "startup": startup.run,
    "trainer": training.run_trainer,
    "pytorch": training.run_pytorch,
    "roofline": roofline.run,
    "serving": serving.run,
    "rl": rl.run,
    "scaling": scaling.run,
    "memory": memory.run,
    "streaming": streaming.run,
    "realistic": realistic.run,
    "graph": graph.run,
}
GPU_BENCHMARKS = {"realistic-gpu": realistic.run_gpu}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="measured runs per figure (default 5)")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run only these")
    parser.add_argument("--tiny", action="store_true", help="one run of each on a tiny budget (a smoke test)")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite the table in docs/benchmarks.md")
    parser.add_argument(
        "--device",
        choices=("cpu", "gpu"),
        default="cpu",
        help="gpu: the realistic workloads on GPUs, written to bench/results/<date>-gpu.json",
    )
    args = parser.parse_args(argv)
    if args.device == "gpu" and args.only:
        parser.error("--device gpu runs its own benchmark; --only is for the CPU benchmarks")
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, received {args.repeats}")
    budget = harness.Budget.tiny_run() if args.tiny else harness.Budget.full(args.repeats)
    started = time.perf_counter()
    results = []
    benchmarks = GPU_BENCHMARKS if args.device == "gpu" else BENCHMARKS
    for name in args.only or benchmarks:
        print(f"== {name} ({time.perf_counter() - started:.0f} s so far)", flush=True)
        for comparison in benchmarks[name](budget, echo=lambda line: print(line, flush=True)):
            print(
                f"   {comparison.name}: {comparison.keraslab.median:.4g} vs {comparison.baseline_name} "
                f"{comparison.baseline.median:.4g} {comparison.keraslab.unit} -> ratio {comparison.ratio:.3f}"
                + (
                    f" (target {comparison.target}: {'met' if comparison.met else 'MISSED'})"
                    if comparison.target
                    else ""
                ),
                flush=True,
            )
            results.append(comparison)
    seconds = time.perf_counter() - started
    if args.tiny:  # a smoke test: nothing is recorded
        print(f"Done in {seconds / 60:.1f} min (tiny budget: results not saved).")
        return
    # A partial run is kept beside the full one, and only a full run rewrites the docs' table.
    label = "gpu" if args.device == "gpu" else "-".join(args.only) if args.only else ""
    path = harness.save(
        results,
        write_doc=not args.no_doc and not label,
        label=label,
        extra={"wall_seconds": round(seconds, 1), "budget": dataclasses.asdict(budget)},
    )
    print(f"Done in {seconds / 60:.1f} min. Results: {path}")


if __name__ == "__main__":
    main()
