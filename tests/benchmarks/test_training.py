"""Figures 2, 3 and 4 once on a tiny budget: the harness runs end to end."""

import pytest

from bench import roofline, training
from bench.harness import ROOT, Budget

QUIET = dict(echo=lambda line: None)


@pytest.fixture(scope="module")
def tiny():
    return Budget.tiny_run()


def test_trainer_figure_compares_three_sides_of_the_same_model(tiny):
    results = training.run_trainer(tiny, **QUIET)
    names = [r.name for r in results]
    assert names == [
        f"{m}: {what}"
        for m in ("mlp", "cnn")
        for what in (
            "trainer vs the same fit without the trainer",
            "trainer vs the same fit, epochs after the first",
            "trainer vs a tutorial's fit",
            "trainer process",
        )
    ]
    for result in results:
        assert result.keraslab.median > 0 and result.baseline.median > 0 and result.met in (True, False, None)
    memory = [r for r in results if r.keraslab.unit == "MiB"]
    assert all(100 < r.keraslab.median < 8000 for r in memory)


def test_pytorch_figure_trains_a_network_of_the_same_size(tiny):
    if not training.TORCH_VENV.joinpath("bin", "python").exists():
        pytest.skip("no .venv-torch: `make test` and `make bench-env` create it")
    results = training.run_pytorch(tiny, **QUIET)
    assert [r.name for r in results] == [
        "mlp: trainer vs PyTorch",
        "mlp: trainer process vs PyTorch's",
        "cnn: trainer vs PyTorch",
        "cnn: trainer process vs PyTorch's",
    ]
    # run_pytorch refuses networks whose trainable parameter counts differ; here they matched.
    assert all(r.baseline.median > 0 for r in results)
    # The baseline runs the torch that bench/requirements-torch.txt pins (a stale .venv-torch fails here).
    pinned = next(
        line
        for line in (ROOT / "bench" / "requirements-torch.txt").read_text().splitlines()
        if line.startswith("torch==")
    )
    assert f"PyTorch {pinned.split('==')[1]}" in results[0].baseline_name


def test_roofline_reports_a_fraction_of_the_matmul_peak(tiny):
    results = roofline.run(tiny, **QUIET)
    assert [r.name for r in results] == ["cnn: trainer's achieved rate", "large-mlp: trainer's achieved rate"]
    for result in results:
        assert result.baseline.unit == "GFLOP/s" and result.baseline.median > 0 and result.keraslab.median > 0
    # 64-1024-1024-10: 3 · 2 · (64·1024 + 1024·1024 + 1024·10) FLOPs per training example.
    assert "6.75 MFLOP" in results[1].note
