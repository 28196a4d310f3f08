"""Figures 10 to 12 once on a tiny budget (module of their own: a test worker each)."""

from bench import realistic
from bench.harness import Budget

TINY = Budget.tiny_run()


def test_realistic_figures_compare_every_side_of_every_workload():
    results = realistic.run(TINY, echo=lambda line: None)
    names = {r.name for r in results}
    for workload in realistic.REALISTIC:
        for row in (
            "trainer vs the same fit without the trainer",
            "trainer vs PyTorch's usual loop",
            "trainer vs PyTorch at its best",
            "trainer's precision vs float32",
            "fixed seconds a run, trainer vs the same fit",
            "trainer's achieved rate",
        ):
            assert f"{workload}: {row}" in names
    assert all(r.keraslab.median > 0 and r.baseline.median > 0 for r in results)
    # The tiny networks are far under auto's threshold: the trainer stays in float32 and says why.
    precision = [r for r in results if r.name.endswith("precision vs float32")]
    assert all("float32" in r.note and "auto:" in r.note for r in precision)


def test_gpu_benchmark_runs_its_variants_on_the_cpu_when_tiny():
    results = realistic.run_gpu(TINY, echo=lambda line: None, names=("large-mlp",))
    assert len(results) == len(realistic.GPU_VARIANTS)
    assert all(r.baseline_name.startswith("float32") and r.keraslab.median > 0 for r in results)
