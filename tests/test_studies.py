"""Studies: one run per variant, resumable, checked before the first run;
several runs on one figure."""

import matplotlib.image
import pytest

from keraslab.core.errors import ConfigError, KeraslabError
from keraslab.core.plots import Panel, plot_runs
from keraslab.core.rundir import RunDir
from keraslab.core.studies import train_variants, variant_folder

TINY = ["data.synthetic=true", "train.epochs=2", "train.batch_size=32", "checkpoint.seconds=0"]


def test_variants_run_in_their_folders_and_a_stopped_study_continues(registry, tmp_path):
    variants = {"baseline": TINY, "L2 1e-3": [*TINY, "train.l2=1e-3"]}
    first = train_variants(registry, "foundations", "mlp", variants, tmp_path, echo=lambda line: None)
    assert [run.path.name for run in first.values()] == ["baseline", "L2-1e-3"]
    assert all(len(run.records) == 2 and "test" in run.summary["metrics"] for run in first.values())
    # Stop the second variant's run after epoch 1; the study resumes it and reads the first back.
    stopped = RunDir.open(str(tmp_path / "L2-1e-3"))
    (stopped.path / "summary.json").unlink()
    stopped.mark("interrupted")
    lines = []
    again = train_variants(registry, "foundations", "mlp", variants, tmp_path, echo=lines.append)
    assert any(line.startswith("resuming") and "L2-1e-3" in line for line in lines)
    assert again["baseline"].summary == first["baseline"].summary  # read back, not retrained
    assert RunDir.open(str(tmp_path / "L2-1e-3")).status == "complete"


def test_every_variant_is_checked_before_the_first_run(registry, tmp_path):
    variants = {"good": TINY, "bad": [*TINY, "train.epochs=zero"]}
    with pytest.raises(ConfigError):
        train_variants(registry, "foundations", "mlp", variants, tmp_path, echo=lambda line: None)
    assert not any(tmp_path.iterdir())


def test_labels_that_name_one_folder_are_refused(registry, tmp_path):
    assert variant_folder("L2 1e-3") == "L2-1e-3" and variant_folder("a/b") == "a-b"
    with pytest.raises(KeraslabError, match="different folders"):
        train_variants(registry, "foundations", "mlp", {"a b": TINY, "a-b": TINY}, tmp_path)


def test_several_runs_share_one_figure(tmp_path):
    records = [{"epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "val_accuracy": 0.5 + e / 10} for e in (1, 2, 3)]
    one = plot_runs({"a": records, "b": records[:2]}, tmp_path / "one.png", [Panel("loss", "loss", log=True)])
    two = plot_runs(
        {"a": records}, tmp_path / "two.png", [Panel("loss", "loss", dashed="val_loss"), Panel("val_accuracy", "acc")]
    )
    width_one, width_two = matplotlib.image.imread(one).shape[1], matplotlib.image.imread(two).shape[1]
    assert width_two == pytest.approx(2 * width_one, rel=0.01)  # one panel per metric
