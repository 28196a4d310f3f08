"""Which precision a run computes in: `devices.mixed_precision`.

`true` trains under Keras' mixed policy (`mixed_float16` on a GPU, with
loss scaling, `mixed_bfloat16` on a CPU): variables stay float32, layers
compute in 16 bits, the outputs are cast back to float32 before the loss,
and exports take and return float32 at their signatures. `false` keeps
float32 throughout.

`auto` (the default) chooses by measurement (docs/performance.md): 16-bit
compute pays when the matrix units do the work, and costs when per-op
dispatch does, as the casts it adds are ops of their own. So `auto` picks
the mixed policy where

* the hardware computes in 16 bits natively: a GPU, or a CPU with
  AVX-512 BF16 or AMX (`keraslab.core.machine.cpu_computes_bfloat16`);
* the model trains through Keras' `fit` (`training: fit`), where the
  output cast and the loss scaling are applied for it;
* one optimizer step costs at least `AUTO_MIN_GFLOP_PER_STEP` GFLOP
  (`keraslab.core.trainer.flops`, training FLOPs of an example × batch):
  on this project's 2-core AMX CPU the trainer ran ResNet-20 on 32×32×3
  images at batch 128 (31 GFLOP a step) 1.50× faster in bfloat16 and the
  256-1024-1024 MLP at batch 256 (2 GFLOP a step) 1.45× faster, while the
  digits MLP (0.003 GFLOP a step) ran 4% slower;

and float32 everywhere else. The summary says what was chosen and why
(`precision`, `precision_reason`).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Union

import tensorflow as tf

from keraslab.core.machine import cpu_computes_bfloat16
from keraslab.core.trainer.flops import training_flops

AUTO_MIN_GFLOP_PER_STEP = 1.0
FLOAT32 = "float32"


@dataclasses.dataclass(frozen=True)
class Precision:
    """A Keras dtype policy and the sentence that explains the choice."""

    policy: str
    reason: str

    @property
    def mixed(self) -> bool:
        return self.policy != FLOAT32


def mixed_policy(gpu: bool) -> str:
    return "mixed_float16" if gpu else "mixed_bfloat16"


def choose(
    setting: Union[bool, str],
    training: str,
    step_gflop: Callable[[], Optional[float]],
    gpu: Optional[bool] = None,
    native_bfloat16: Optional[bool] = None,
) -> Precision:
    """The precision for `devices.mixed_precision = setting`.

    Args:
        setting: true, false or "auto".
        training: the model's `training` kind (`ModelSpec.training`).
        step_gflop: returns the training GFLOP of one optimizer step (None
            where they cannot be counted); called only when `auto` needs it.
        gpu, native_bfloat16: what the machine has (default: asked).
    """
    if gpu is None:
        gpu = bool(tf.config.list_logical_devices("GPU"))
    if setting is True:
        return Precision(mixed_policy(gpu), "devices.mixed_precision=true")
    if setting is False:
        return Precision(FLOAT32, "devices.mixed_precision=false")
    if native_bfloat16 is None:
        native_bfloat16 = cpu_computes_bfloat16()
    if not gpu and not native_bfloat16:
        return Precision(FLOAT32, "auto: this CPU has no bfloat16 matrix units (AVX-512 BF16 or AMX)")
    if training != "fit":
        return Precision(FLOAT32, f"auto: float32 for models trained by '{training}' (mixed is opt-in there)")
    gflop = step_gflop()
    if gflop is None:
        return Precision(FLOAT32, "auto: the model's FLOPs could not be counted")
    hardware = "GPU" if gpu else "bfloat16 CPU"
    if gflop < AUTO_MIN_GFLOP_PER_STEP:
        return Precision(
            FLOAT32,
            f"auto: {gflop:.3g} GFLOP a step, under {AUTO_MIN_GFLOP_PER_STEP:g}: too small for 16 bits to pay",
        )
    return Precision(mixed_policy(gpu), f"auto: {gflop:.3g} GFLOP a step on a {hardware}")


def step_gflop_of(build: Callable[[], tf.keras.Model], batch: int, steps: Optional[int]) -> Optional[float]:
    """Training GFLOP of one step of `batch` examples of the model `build`
    makes, built in a graph of its own and thrown away, so the run's own
    model (its layers' names, its seeded weights) is built as if this had
    not been; None where the builder cannot be built so."""
    from tensorflow.python.util import deprecation  # TF's own switch for its graph-mode deprecation notices

    try:
        with tf.Graph().as_default(), deprecation.silence():
            # The probe graph's own seed: under `train.deterministic` (op determinism)
            # an unseeded random op (an initializer, dropout) refuses to be built.
            tf.random.set_seed(0)
            model = build()
            return training_flops(model, steps) * batch / 1e9
    except Exception:  # any builder error is reported by the real build that follows
        return None
