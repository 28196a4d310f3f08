"""What machine this is, without importing TensorFlow."""

from __future__ import annotations

import os
import platform


def cpu_model() -> str:
    """The CPU's model name and core count, e.g. "AMD EPYC (2 cores)"."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            name = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{name} ({os.cpu_count()} cores)"


# The CPU features oneDNN runs bfloat16 matrix products on natively: AVX-512
# BF16 (Cooper Lake, Zen 4 and later) and AMX (Sapphire Rapids and later).
BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags() -> frozenset:
    """The CPU's feature flags as /proc/cpuinfo lists them (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as info:
            line = next(line for line in info if line.startswith("flags"))
    except (OSError, StopIteration):
        return frozenset()
    return frozenset(line.split(":", 1)[1].split())


def cpu_computes_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware."""
    return any(flag in cpu_flags() for flag in BFLOAT16_FLAGS)
