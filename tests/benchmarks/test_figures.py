"""Figures 5 to 9 and 13 once on a tiny budget, and `python -m bench`'s checks."""

import subprocess
import sys

from bench import graph, memory, rl, scaling, serving, streaming
from bench.harness import ROOT, Budget

QUIET = dict(echo=lambda line: None)
TINY = Budget.tiny_run()


def test_serving_figure_times_the_export_against_predict():
    results = serving.run(TINY, **QUIET)
    assert [r.name for r in results] == ["batch 1, p50 latency", "batch 1, p99 latency", "batch 256, throughput"]
    p50 = results[0]
    # Both sides measured; how fast either is belongs to `make bench`, never to a test.
    assert p50.keraslab.unit == p50.baseline.unit == "ms"
    assert p50.keraslab.median > 0 and p50.baseline.median > 0


def test_rl_figure_measures_both_loops():
    results = rl.run(TINY, **QUIET)
    assert results[0].keraslab.unit == "steps/s"
    assert results[0].keraslab.median > 0 and results[0].baseline.median > 0
    assert results[1].keraslab.unit == "MiB"


def test_scaling_figure_runs_devices_workers_and_data():
    results = scaling.run(TINY, **QUIET)
    assert [r.name for r in results] == [
        "mlp: mirrored over 2 logical CPUs vs 1",
        "mlp: multi-worker, 2 local workers vs 1",
        "cnn: epoch time at 2x the training set",
        "cnn: epoch time at 4x the training set",
    ]
    assert all(r.keraslab.median > 0 and r.baseline.median > 0 for r in results)
    # The synthetic digits' training split (138 images) and its shifted copies.
    assert results[3].note.endswith("552 examples")


def test_memory_figure_reads_a_child_process_peak():
    (result,) = memory.run(TINY, **QUIET)
    # Training a model needs more than importing TensorFlow does.
    assert result.keraslab.unit == "MiB" and result.ratio > 1.0


def test_streaming_figure_trains_on_two_folder_sizes():
    input_row, records_row, torch_row, starved_row, memory_row, time_row = streaming.run(TINY, **QUIET)
    assert input_row.keraslab.unit == "images/s" and input_row.baseline.median > 0
    assert records_row.keraslab.median > 0 and "TFRecord shards" in records_row.name
    assert torch_row.baseline_name.startswith("torchvision ImageFolder") and torch_row.baseline.median > 0
    # Waiting and computing are timed apart; compute is never zero, a wait can be.
    assert starved_row.keraslab.unit == starved_row.baseline.unit == "ms" and starved_row.baseline.median > 0
    assert memory_row.keraslab.unit == "MiB" and memory_row.baseline.median > 0
    assert time_row.keraslab.unit == "ms" and time_row.keraslab.median > 0
    assert memory_row.name.endswith("on 600 images") and memory_row.baseline_name == "the same on 60 images"


def test_a_generated_folder_holds_its_images_by_class(tmp_path):
    streaming.write_folder(tmp_path, 7)
    assert sorted(len(list(d.iterdir())) for d in tmp_path.iterdir()) == [2, 2, 3]


def test_bench_command_refuses_a_bad_repeat_count():
    done = subprocess.run([sys.executable, "-m", "bench", "--repeats", "0"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "--repeats must be at least 1, received 0" in done.stderr


def test_the_table_orders_figures_by_number():
    from bench.harness import figure_order

    figures = ["10. Realistic", "2. Trainer", "1. Startup", "9. Streaming"]
    assert sorted(figures, key=figure_order) == ["1. Startup", "2. Trainer", "9. Streaming", "10. Realistic"]


def test_graph_figure_trains_graphsage_on_two_graph_sizes():
    throughput, peak = graph.run(TINY, **QUIET)
    assert throughput.keraslab.unit == "nodes/s" and throughput.baseline.median > 0
    assert throughput.name == "training nodes/s on 2,000 nodes" and throughput.baseline_name.endswith("200 nodes")
    # The same labelled nodes at both sizes: only the graph around them grows.
    assert "80 training nodes" in throughput.note
    assert peak.keraslab.unit == "MiB" and peak.baseline.median > 0
