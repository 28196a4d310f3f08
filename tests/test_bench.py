"""Each benchmark runs once on a tiny budget, so the harness cannot rot."""
import json

from bench import harness, startup


def test_startup_benchmark_measures_and_compares(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "RESULTS", tmp_path)
    results = startup.run(repeats=1, warmup=0)
    assert [r.name for r in results] == [f"CLI start-up: keraslab {c[0]}" for c in startup.COMMANDS]
    for result in results:
        assert result.keraslab.median > 0 and result.baseline.median > 0
        # Not the 0.1 target (noisy here): only that help is clearly cheaper than importing TF.
        assert result.ratio < 0.5
    path = harness.save(results, write_doc=False)
    saved = json.loads(path.read_text())
    assert saved["machine"]["cores"] >= 1 and len(saved["results"]) == 3
