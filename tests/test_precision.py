"""Mixed precision: `auto`'s choice, the FLOP count it rests on, and a run's summary."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core import actions
from keraslab.core.trainer import flops, precision
from keraslab.core.trainer.precision import AUTO_MIN_GFLOP_PER_STEP, choose


def test_training_flops_counted_by_hand():
    inputs = tf.keras.Input((8, 8, 1))
    x = tf.keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = tf.keras.layers.MaxPooling2D(2)(x)
    x = tf.keras.layers.Flatten()(x)
    outputs = tf.keras.layers.Dense(10)(x)
    model = tf.keras.Model(inputs, outputs)
    # conv: 2 · 3·3 · 1 in · 4 out · 8·8 pixels = 4,608; dense: 2 · (4·4·4 = 64) · 10 = 1,280.
    assert flops.forward_flops(model) == 4608 + 1280
    assert flops.training_flops(model) == 3 * (4608 + 1280)


def test_recurrent_flops_count_every_gate_and_time_step():
    inputs = tf.keras.Input((None,), dtype="int32")
    x = tf.keras.layers.Embedding(20, 8)(inputs)
    x = tf.keras.layers.LSTM(16, return_sequences=True)(x)
    x = tf.keras.layers.GRU(4, return_sequences=True)(x)
    outputs = tf.keras.layers.Dense(20)(x)
    model = tf.keras.Model(inputs, outputs)
    # Per step: LSTM 2·4·(8+16)·16 = 3,072; GRU 2·3·(16+4)·4 = 480; dense 2·4·20 = 160.
    # The length the model leaves open is the example's: 10 steps.
    assert flops.forward_flops(model, steps=10) == 10 * (3072 + 480 + 160)


def test_auto_follows_the_hardware_the_trainer_and_the_step_size():
    large, small = (lambda: 10 * AUTO_MIN_GFLOP_PER_STEP), (lambda: AUTO_MIN_GFLOP_PER_STEP / 10)
    assert choose("auto", "fit", large, gpu=False, native_bfloat16=True).policy == "mixed_bfloat16"
    assert choose("auto", "fit", large, gpu=True, native_bfloat16=False).policy == "mixed_float16"
    assert choose("auto", "fit", small, gpu=False, native_bfloat16=True).policy == "float32"
    assert choose("auto", "fit", large, gpu=False, native_bfloat16=False).policy == "float32"
    assert choose("auto", "own_loss", large, gpu=True, native_bfloat16=True).policy == "float32"
    assert choose("auto", "fit", lambda: None, gpu=True).policy == "float32"
    # An explicit setting is obeyed whatever the model, and never counts its FLOPs.
    never = lambda: pytest.fail("counted FLOPs for an explicit setting")  # noqa: E731
    assert choose(True, "own_loss", never, gpu=False).policy == "mixed_bfloat16"
    assert choose(False, "fit", never, gpu=True).policy == "float32"
    reason = choose("auto", "fit", small, gpu=False, native_bfloat16=True).reason
    assert "GFLOP a step" in reason and "under" in reason


def test_the_probe_builds_apart_from_the_model_it_measures():
    def build():
        inputs = tf.keras.Input((4,))
        return tf.keras.Model(inputs, tf.keras.layers.Dense(3, name="probe_dense")(inputs))

    before = tf.keras.backend.get_uid("dense")
    assert precision.step_gflop_of(build, batch=10, steps=None) == pytest.approx(3 * 2 * 4 * 3 * 10 / 1e9)
    assert tf.keras.backend.get_uid("dense") == before + 1  # the probe's layers named nothing here
    assert precision.step_gflop_of(lambda: 1 / 0, batch=1, steps=None) is None


def test_the_probe_builds_random_layers_under_op_determinism(tmp_path):
    # Determinism is process-wide and permanent: checked in a process of its own.
    script = tmp_path / "probe.py"
    script.write_text(
        "import tensorflow as tf\n"
        "from keraslab.core.trainer import precision\n"
        "tf.config.experimental.enable_op_determinism()\n"
        "def build():\n"
        "    inputs = tf.keras.Input((4,))\n"
        "    return tf.keras.Model(inputs, tf.keras.layers.Dense(3)(tf.keras.layers.Dropout(0.1)(inputs)))\n"
        "print('GFLOP', precision.step_gflop_of(build, batch=10, steps=None))\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert "GFLOP 7.2e-07" in done.stdout  # 3 · 2·4·3 · 10 examples, as without determinism


def test_auto_leaves_a_small_model_in_float32_with_the_same_weights(registry, tiny, monkeypatch):
    from keraslab.core.trainer.loop import build

    # As on a bfloat16 CPU, whatever this one has: `auto` then probes the model's FLOPs.
    monkeypatch.setattr(precision, "cpu_computes_bfloat16", lambda: True)

    plugin = registry.get("foundations")
    spec = plugin.model("mlp")

    def built(setting):
        config = actions.resolve_run_config(plugin, spec, None, [*tiny(1), f"devices.mixed_precision={setting}"])
        return build(plugin, spec, config)

    auto, off = built("auto"), built("false")
    assert auto.precision.policy == off.precision.policy == "float32"
    assert "GFLOP a step" in auto.precision.reason and off.precision.reason == "devices.mixed_precision=false"
    # The probe built the model once more, apart: the run's own weights are the seed's, as without it.
    for mine, theirs in zip(auto.model.get_weights(), off.model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_the_summary_says_the_precision_and_the_steady_rate(registry, tmp_path, tiny):
    _, summary = actions.start_training(registry, "foundations", "mlp", overrides=tiny(3), runs_root=str(tmp_path))
    assert summary["precision"] == "float32" and summary["precision_reason"].startswith("auto:")
    # The first epoch traces the step; the steady rate is over the mean epoch after it.
    assert summary["steady_examples_per_second"] > 0 and summary["first_epoch_seconds"] > 0
