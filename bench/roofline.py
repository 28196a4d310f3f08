"""Figure 4: how close the trainer comes to the machine's limit.

The limit is the float32 matrix-product throughput of this machine under
TensorFlow: C = A·B for n × n matrices costs 2n³ FLOPs, timed on a
compiled `tf.function` that multiplies `chain` times. The trainer's
achieved rate is its examples/s times the training FLOPs of one example
(`keraslab.core.trainer.flops`: 3 × the forward products), and the figure is the ratio of
the two: the fraction of peak. For these small models the fraction is low,
and the figure says by how much.
"""

from __future__ import annotations

import time
from typing import Dict, List

from bench import training
from bench.harness import Budget, Comparison, Stats, run_session
from bench.workloads import WORKLOADS

FIGURE = "4. The machine's limit (GFLOP/s)"


def matmul_session(params: Dict) -> Dict:
    """GFLOP/s of n × n products in `dtype` (default float32; bfloat16 runs
    on AVX-512 BF16 or AMX where the CPU has them), warmup + repeats measurements."""
    import tensorflow as tf

    n, chain = params["n"], params["chain"]
    dtype = params.get("dtype", "float32")
    a = tf.cast(tf.random.stateless_normal((n, n), seed=[1, 2]), dtype)
    b = tf.cast(tf.random.stateless_normal((n, n), seed=[3, 4]) / float(n) ** 0.5, dtype)

    @tf.function
    def products(x):
        for _ in range(chain):
            x = tf.matmul(x, b)
        return x

    values = []
    for _ in range(params["warmup"] + params["repeats"]):
        started = time.perf_counter()
        products(a).numpy()
        values.append(2.0 * n**3 * chain / (time.perf_counter() - started) / 1e9)
    return {"gflops": values[params["warmup"] :], "n": n, "chain": chain}


def run(budget: Budget, echo=print) -> List[Comparison]:
    n, chain = (256, 2) if budget.tiny else (2048, 8)
    echo(f"   float32 matmul {n}x{n}, {chain} products a run ({budget.warmup} warm-up + {budget.repeats} runs) ...")
    peak = run_session(
        "bench.roofline:matmul_session", {"n": n, "chain": chain, "warmup": budget.warmup, "repeats": budget.repeats}
    )
    peak_stats = Stats(peak["gflops"], "GFLOP/s")
    comparisons = []
    for name in ("cnn", "large-mlp"):
        workload = WORKLOADS[name].for_budget(budget.tiny)
        result = training.keras_side("keraslab", workload, budget, echo)
        flops = result["training_flops_per_example"]
        achieved = Stats([eps * flops / 1e9 for eps in result["examples_per_second"]], "GFLOP/s")
        comparisons.append(
            Comparison(
                FIGURE,
                f"{name}: trainer's achieved rate",
                achieved,
                peak_stats,
                f"float32 matmul peak ({n}x{n})",
                note=f"{flops / 1e6:.2f} MFLOP per training example, batch {result['batch_size']}",
            )
        )
    return comparisons
