"""The shared trainer: run directories, resume, determinism, NaN guard, strategies."""

import json
import types

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.errors import RunError
from keraslab.core.rundir import RunDir


def train(registry, tmp_path, *overrides, model="mlp", run_dir=None):
    return actions.start_training(
        registry, "foundations", model, overrides=list(overrides), runs_root=str(tmp_path / "runs"), run_dir=run_dir
    )


def test_run_directory_holds_everything(registry, tmp_path, tiny):
    # No checkpoint floor: three epochs of milliseconds would otherwise all fall within its second.
    run, summary = train(registry, tmp_path, *tiny(3), "checkpoint.seconds=0")
    files = {p.name for p in run.path.iterdir()}
    assert {
        "run.json",
        "config.yaml",
        "checkpoints",
        "logs",
        "metrics.jsonl",
        "learning_curves.png",
        "summary.json",
        "final",
    } <= files
    assert run.status == "complete"
    assert run.path.parent.parent.name == "foundations" and run.path.parent.name == "mlp"
    records = run.metrics()
    assert [r["epoch"] for r in records] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(records[0])
    saved = json.loads((run.path / "summary.json").read_text())
    assert saved["epochs"] == 3 and saved["seed"] == 0
    assert set(saved["metrics"]["test"]) == {"loss", "accuracy"}
    assert saved["examples_per_second"] > 0
    assert "tensorflow" in saved["versions"]


def test_existing_run_directory_is_never_overwritten(registry, tmp_path, tiny):
    target = tmp_path / "mine"
    train(registry, tmp_path, *tiny(1), run_dir=str(target))
    before = (target / "summary.json").read_text()
    with pytest.raises(RunError, match="already exists and is not empty"):
        train(registry, tmp_path, *tiny(1), run_dir=str(target))
    assert (target / "summary.json").read_text() == before


def test_same_seed_same_metrics(registry, tmp_path, tiny):
    first = train(registry, tmp_path, *tiny(2), "train.deterministic=true")[0].metrics()
    second = train(registry, tmp_path, *tiny(2), "train.deterministic=true")[0].metrics()
    keys = ["loss", "accuracy", "val_loss"]
    assert [[r[k] for k in keys] for r in first] == [[r[k] for k in keys] for r in second]


def test_resume_continues_from_the_checkpoint(registry, tmp_path, tiny):
    run, _ = train(registry, tmp_path, *tiny(4), "checkpoint.seconds=0")
    # Pretend the run was killed after epoch 2: drop later checkpoints and logs.
    state = dict(run.state, status="interrupted")
    run.write_state(state)
    import tensorflow as tf

    manager_dir = run.checkpoints
    keep = {"ckpt-1", "ckpt-2"}
    for path in manager_dir.iterdir():
        if path.name.startswith("ckpt-") and path.name.split(".")[0] not in keep:
            path.unlink()
    (manager_dir / "checkpoint").write_text('model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-2"\n')
    full = run.metrics()
    run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in full[:2]))
    _, summary = actions.resume_training(registry, str(run.path))
    resumed = run.metrics()
    assert [r["epoch"] for r in resumed] == [1, 2, 3, 4]
    assert summary["epochs"] == 4 and run.status == "complete"
    # Same data order and same random stream after the checkpoint: same curve.
    np.testing.assert_allclose([r["loss"] for r in resumed[2:]], [r["loss"] for r in full[2:]], rtol=1e-4)
    assert tf.train.latest_checkpoint(str(manager_dir)).endswith("ckpt-4")


def test_checkpoints_wait_for_the_time_floor(registry, tmp_path, tiny):
    def saved(run):
        return sorted(p.name.split(".")[0] for p in run.checkpoints.glob("ckpt-*.index"))

    every_epoch, _ = train(registry, tmp_path, *tiny(3), "checkpoint.seconds=0")
    assert saved(every_epoch) == ["ckpt-1", "ckpt-2", "ckpt-3"]
    # Epochs of milliseconds, a floor of an hour: the first epoch is saved, no later one is worth it.
    floored, summary = train(registry, tmp_path, *tiny(3), "checkpoint.seconds=3600")
    assert saved(floored) == ["ckpt-1"] and floored.status == "complete" and summary["epochs"] == 3


def test_checkpoint_floor_saves_once_enough_time_has_passed(monkeypatch):
    import tensorflow as tf

    from keraslab.core.trainer import callbacks

    # The callback's clock readings, in order: epoch 1 is saved whatever the time (the save reads
    # 0.45 s); epochs 2 and 3 end at 0.8 s (0.35 s since that save: skipped) and 1.5 s (1.05 s since:
    # saved, read at 1.55 s); epoch 4 at 1.9 s (skipped); epoch 5 at 2.6 s (saved, read at 2.65 s).
    clock = iter([0.45, 0.8, 1.5, 1.55, 1.9, 2.6, 2.65])
    monkeypatch.setattr(callbacks, "time", types.SimpleNamespace(monotonic=lambda: next(clock)))

    class Manager:
        saved = []

        def save(self, checkpoint_number):
            self.saved.append(checkpoint_number)

    saver = callbacks.EpochCheckpoint(Manager(), tf.Variable(0, dtype=tf.int64), every=1, min_seconds=1.0)
    saver.on_train_begin()
    for epoch in range(5):
        saver.on_epoch_end(epoch)
    assert Manager.saved == [1, 3, 5] and next(clock, None) is None


def test_complete_run_cannot_be_resumed(registry, tmp_path, tiny):
    run, _ = train(registry, tmp_path, *tiny(1))
    with pytest.raises(RunError, match="already complete"):
        actions.resume_training(registry, str(run.path))


def test_resume_refuses_another_model(registry, tmp_path, tiny):
    run, _ = train(registry, tmp_path, *tiny(1))
    run.mark("interrupted")
    with pytest.raises(RunError, match="trained foundations/mlp, not foundations/softmax-regression"):
        actions.resume_training(registry, str(run.path), expect=("foundations", "softmax-regression"))


def test_non_finite_loss_stops_and_keeps_the_good_checkpoint(registry, tmp_path, tiny):
    run, summary = train(
        registry, tmp_path, *tiny(3), "optimizer.name=sgd", "optimizer.learning_rate=1e12", "model.dropout=0.0"
    )
    assert summary["status"] == "failed"
    assert "loss became" in run.state["reason"]
    assert run.status == "failed"
    assert not (run.path / "summary.json").exists()


def test_incomplete_run_cannot_be_evaluated_or_exported(registry, tmp_path, tiny):
    run, _ = train(registry, tmp_path, *tiny(1))
    run.mark("interrupted")
    with pytest.raises(RunError, match="is interrupted, not complete"):
        actions.evaluate_run(registry, str(run.path))


def test_evaluate_matches_the_summary(registry, tmp_path, tiny):
    run, summary = train(registry, tmp_path, *tiny(2))
    result = actions.evaluate_run(registry, str(run.path))
    assert result["metrics"]["accuracy"] == pytest.approx(summary["metrics"]["test"]["accuracy"])
    assert RunDir.open(str(run.path)).read_json("evaluation.json")["examples"] == summary["examples"]["test"]


@pytest.mark.parametrize("schedule", ["step", "exponential", "inverse_time", "cosine"])
def test_schedules_lower_the_learning_rate(registry, tmp_path, tiny, schedule):
    run, _ = train(
        registry,
        tmp_path,
        *tiny(3),
        f"schedule.name={schedule}",
        "schedule.decay_steps=5",
        "devices.steps_per_execution=1",
    )
    rates = [r["learning_rate"] for r in run.metrics()]
    assert rates[-1] < rates[0] <= 1e-3 * (1 + 1e-6)  # float32 rounding


def test_a_cosine_over_the_whole_run_ends_at_zero(registry, tmp_path, tiny):
    import math

    # decay_steps 0: the run's own length, T = 3 epochs × s steps, whatever the data's size.
    run, summary = train(registry, tmp_path, *tiny(3), "schedule.name=cosine", "schedule.decay_steps=0")
    steps = math.ceil(summary["examples"]["train"] / 32)  # 138 synthetic rows: s = 5, T = 15
    # The rate logged is the one the epoch's last step applied, at t = k·s − 1: η₀ (1 + cos(π t / T)) / 2,
    # so the run's last step takes η₀ (1 + cos(14π/15)) / 2 ≈ 0.011 η₀, the step before zero.
    expected = [1e-3 * (1 + math.cos(math.pi * (k * steps - 1) / (3 * steps))) / 2 for k in (1, 2, 3)]
    assert [r["learning_rate"] for r in run.metrics()] == pytest.approx(expected, rel=1e-4)


def test_weight_decay_adds_its_penalty_to_the_loss(registry, tmp_path, tiny):
    plain = train(registry, tmp_path, *tiny(1), "train.l2=0.0", model="softmax-regression")[0].metrics()
    decayed = train(registry, tmp_path, *tiny(1), "train.l2=1.0", model="softmax-regression")[0].metrics()
    # λ‖W‖² over a 64x10 kernel initialised with Glorot scale adds well over 1 nat.
    assert decayed[0]["loss"] > plain[0]["loss"] + 1.0


def test_mixed_precision_and_xla_train_and_export(registry, tmp_path, tiny):
    from keraslab.core.actions import export_run
    from keraslab.core.export.predict import predict

    run, summary = train(
        registry,
        tmp_path,
        *tiny(4),
        "devices.mixed_precision=true",
        "devices.jit_compile=true",
        "optimizer.learning_rate=0.01",
    )
    assert summary["precision"] == "mixed_bfloat16"  # no GPU here: bfloat16, not float16
    assert summary["metrics"]["test"]["accuracy"] > 0.5  # 10 classes: chance is 0.1
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    response = predict(str(version), {"instances": [[0.0] * 64]})
    assert abs(sum(response["predictions"][0]["probabilities"]) - 1.0) < 1e-3


def test_early_stopping_stops_and_restores_the_best_weights(registry, tmp_path, tiny):
    # Without dropout, at a large step, the MLP overfits digits within a few
    # epochs: validation loss turns up and patience 2 stops the run.
    run, summary = train(
        registry,
        tmp_path,
        "train.epochs=40",
        "train.early_stopping_patience=2",
        "optimizer.learning_rate=0.01",
        "model.dropout=0.0",
    )
    records = run.metrics()
    assert len(records) < 40
    best = min(r["val_loss"] for r in records)
    result = actions.evaluate_run(registry, str(run.path))
    assert result["metrics"]["loss"] == pytest.approx(summary["metrics"]["test"]["loss"])
    assert records[-1]["val_loss"] > best  # it stopped after a worse epoch ...
    from keraslab.core.trainer import pipeline
    from keraslab.core.trainer.loop import load_trained

    plugin = registry.get("foundations")
    spec = plugin.model("mlp")
    built = load_trained(plugin, spec, actions.load_run_config(spec, run), run)
    validation = built.model.evaluate(
        pipeline.evaluation_dataset(built.splits.validation, 32), verbose=0, return_dict=True
    )
    assert validation["loss"] == pytest.approx(best, rel=1e-4)  # ... and kept the best weights


def test_tensorboard_logs_scalars_and_graph(registry, tmp_path, tiny):
    import tensorflow as tf

    run, _ = train(registry, tmp_path, *tiny(2))
    events = list((run.path / "logs" / "train").glob("events.out.tfevents.*"))
    assert events
    tags = set()
    kinds = set()
    for event in tf.compat.v1.train.summary_iterator(str(events[0])):
        kinds.add(event.WhichOneof("what"))
        tags.update(v.tag for v in event.summary.value)
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= tags and "graph_def" in kinds
    validation = list((run.path / "logs" / "validation").glob("events.out.tfevents.*"))
    tags = {v.tag for event in tf.compat.v1.train.summary_iterator(str(validation[0])) for v in event.summary.value}
    assert {"epoch_loss", "epoch_accuracy"} <= tags and "epoch_val_loss" not in tags


def test_gradient_clipping_reaches_the_optimizer(registry, tmp_path, tiny):
    from keraslab.core.config import OptimizerConfig, ScheduleConfig
    from keraslab.core.trainer.optimization import make_optimizer

    optimizer = make_optimizer(OptimizerConfig(name="sgd", clipnorm=0.5), ScheduleConfig())
    assert optimizer.clipnorm == 0.5
    # A clipped run with a huge step stays finite where the unclipped one diverged.
    run, summary = train(
        registry,
        tmp_path,
        *tiny(3),
        "optimizer.name=sgd",
        "optimizer.learning_rate=1e12",
        "optimizer.clipvalue=1e-12",
        "model.dropout=0.0",
    )
    assert summary.get("status", "complete") == "complete"


def test_warmup_raises_the_learning_rate_linearly(registry, tmp_path, tiny):
    run, _ = train(registry, tmp_path, *tiny(3), "schedule.warmup_steps=100", "devices.steps_per_execution=1")
    rates = [r["learning_rate"] for r in run.metrics()]
    steps = 5  # 140 synthetic training examples in batches of 32, per epoch
    # η(t) = η₀ · min(1, (t + 1) / 100); the log holds the rate of each
    # epoch's last step, t = 5e − 1: η₀ · 5e / 100.
    assert rates == pytest.approx([1e-3 * steps * e / 100 for e in (1, 2, 3)], rel=1e-5)


def test_ensure_trained_trains_resumes_or_reads_back(registry, tmp_path, tiny):
    target = str(tmp_path / "study-run")
    messages = []
    first = actions.ensure_trained(registry, "foundations", "mlp", target, tiny(2), echo=messages.append)
    run = RunDir.open(target)
    assert first["epochs"] == 2 and run.status == "complete" and not messages
    run.write_state(dict(run.state, status="interrupted"))  # as if killed after its last checkpoint
    resumed = actions.ensure_trained(registry, "foundations", "mlp", target, tiny(2), echo=messages.append)
    assert messages == [f"resuming {target}"] and run.status == "complete"
    assert resumed["metrics"]["test"] == pytest.approx(first["metrics"]["test"])
    mtime = (run.path / "summary.json").stat().st_mtime
    assert actions.ensure_trained(registry, "foundations", "mlp", target, tiny(2)) == resumed
    assert (run.path / "summary.json").stat().st_mtime == mtime


def test_no_trainer_callback_makes_keras_call_back_after_every_step(tmp_path):
    import tensorflow as tf

    from keraslab.core.trainer import callbacks

    manager = tf.train.CheckpointManager(tf.train.Checkpoint(), str(tmp_path / "checkpoints"), max_to_keep=1)
    saver = callbacks.EpochCheckpoint(manager, tf.Variable(0, dtype=tf.int64), every=1)
    trainer_callbacks = [
        saver,
        callbacks.NonFiniteLossGuard(saver),
        callbacks.StopOnSignal(saver),
        callbacks.MetricsLog(tmp_path / "metrics.jsonl"),
        callbacks.EpochSummaries(tmp_path / "logs"),
        callbacks.EpochClock(),
    ]
    # A batch hook costs a call into Python after every step (5% of the foundations MLP's epoch).
    hooked = [type(c).__name__ for c in trainer_callbacks if c._implements_train_batch_hooks()]
    assert hooked == []


def test_a_run_with_optimizer_average_ends_on_the_average_and_checkpoints_the_live_weights(registry, tmp_path, tiny):
    import tensorflow as tf

    run, _ = train(registry, tmp_path, *tiny(3), "checkpoint.seconds=0", "optimizer.average=0.5")
    final = [a for a in np.load(run.path / "final" / "layers.npz").values() if a.ndim == 2]
    reader = tf.train.load_checkpoint(str(run.checkpoints / "ckpt-3"))
    names = sorted(reader.get_variable_to_shape_map())
    live = [reader.get_tensor(n) for n in names if n.startswith("model/") and "/kernel/" in n]
    slots = [reader.get_tensor(n) for n in names if n.startswith("optimizer/_variables/")]
    # The last checkpoint keeps the live weights (a resumed run continues from them); the run
    # ends on their moving average, which the checkpoint keeps among the optimizer's variables.
    assert len(final) == len(live) == 3
    for kernel in final:
        assert not any(k.shape == kernel.shape and np.allclose(k, kernel) for k in live)
        assert any(v.shape == kernel.shape and np.allclose(v, kernel) for v in slots)
