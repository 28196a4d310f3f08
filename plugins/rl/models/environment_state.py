"""An environment's state in the middle of an episode, held by a checkpoint.

A tf-agents environment over gym is a chain of objects, each with a little
state of its own: `TFPyEnvironment` keeps the last time step it returned,
`BatchedPyEnvironment`, tf-agents' `TimeLimit` and `GymWrapper` keep theirs
(and the step count, the `done` flag), and the gym environment keeps its
physical state (CartPole's `state`, `steps_beyond_done`) and the random
generator that draws its next starting state. A resumed run that restores
its networks but not this chain starts a new episode where the
uninterrupted run was in the middle of one, and from there the two runs
differ.

`EnvironmentState` is a `tf.train.experimental.PythonState`: on every save
the checkpoint asks it for a string, on restore it hands the string back.
The string is JSON of every plain-data attribute along the chain (numbers,
strings, NumPy arrays with their dtypes, time steps, NumPy generators'
bit-generator states), never a pickle: a run directory may come from
someone else, and reading it must not run code.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import numpy as np
import tensorflow as tf

# The attributes that lead from one object of the chain to the next:
# TFPyEnvironment._env, BatchedPyEnvironment._envs, tf-agents wrappers' _env,
# GymWrapper._gym_env, gym wrappers' env.
LINKS = ("_env", "_envs", "_gym_env", "env")

_UNSUPPORTED = object()


class EnvironmentState(tf.train.experimental.PythonState):
    """Saves and restores `environment`'s whole chain in a checkpoint.

    Args:
        environment: a tf-agents `TFPyEnvironment` (or any object whose
            chain is reached through `LINKS`).
    """

    def __init__(self, environment: Any):
        self.environment = environment

    def serialize(self) -> str:
        return json.dumps(capture(self.environment))

    def deserialize(self, string_value) -> None:
        text = string_value.decode() if isinstance(string_value, bytes) else string_value
        restore(self.environment, json.loads(text))


def chain(environment: Any) -> List[Any]:
    """The objects from `environment` down to the innermost gym environment."""
    objects, current = [], environment
    while current is not None and len(objects) < 32:
        objects.append(current)
        current = _next_in_chain(current)
    return objects


def capture(environment: Any) -> List[Dict[str, Any]]:
    """One record per object of the chain: its type and its plain-data attributes."""
    records = []
    for obj in chain(environment):
        attributes = {}
        for name, value in vars(obj).items():
            if name in LINKS:
                continue
            encoded = _encode(value)
            if encoded is not _UNSUPPORTED:
                attributes[name] = encoded
        records.append({"type": type(obj).__name__, "attributes": attributes})
    return records


def restore(environment: Any, records: List[Dict[str, Any]]) -> None:
    """Puts the attributes `capture` recorded back on the same chain.

    Raises:
        ValueError: the chain is not the one the records were taken from
            (another environment or another tf-agents version).
    """
    objects = chain(environment)
    found = [type(obj).__name__ for obj in objects]
    expected = [record["type"] for record in records]
    if found != expected:
        raise ValueError(
            f"The checkpoint holds the state of an environment made of {' > '.join(expected)}; "
            f"this run's environment is made of {' > '.join(found)}."
        )
    for obj, record in zip(objects, records):
        for name, encoded in record["attributes"].items():
            current = getattr(obj, name, None)
            if isinstance(current, np.random.Generator) and "generator" in encoded:
                current.bit_generator.state = encoded["generator"]  # same generator object, its state moved
            else:
                setattr(obj, name, _decode(encoded))


def _next_in_chain(obj: Any) -> Any:
    attributes = vars(obj) if hasattr(obj, "__dict__") else {}
    for link in LINKS:
        value = attributes.get(link)
        if isinstance(value, list):
            if len(value) != 1:
                raise ValueError(f"Only one environment per batch is supported; found {len(value)}.")
            return value[0]
        if value is not None:
            return value
    return None


def _encode(value: Any) -> Any:
    """A JSON-ready form of `value`, or `_UNSUPPORTED` for anything that is
    not plain data (specs, spaces, locks, thread pools: fixed by the
    environment's construction, not by its progress)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"plain": value}
    if isinstance(value, np.random.Generator):
        return {"generator": value.bit_generator.state}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"array": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"scalar": value.item(), "dtype": value.dtype.str}
    if _is_time_step(value):
        fields = [_encode(field) for field in value]
        return _UNSUPPORTED if _UNSUPPORTED in fields else {"time_step": fields}
    if isinstance(value, (list, tuple)):
        items = [_encode(item) for item in value]
        return _UNSUPPORTED if _UNSUPPORTED in items else {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        entries = {key: _encode(item) for key, item in value.items()}
        return _UNSUPPORTED if _UNSUPPORTED in entries.values() else {"dict": entries}
    return _UNSUPPORTED


def _decode(encoded: Dict[str, Any]) -> Any:
    if "plain" in encoded:
        return encoded["plain"]
    if "array" in encoded:
        return np.asarray(encoded["array"], dtype=np.dtype(encoded["dtype"])).reshape(encoded["shape"])
    if "scalar" in encoded:
        return np.dtype(encoded["dtype"]).type(encoded["scalar"])
    if "time_step" in encoded:
        from tf_agents.trajectories import time_step

        return time_step.TimeStep(*[_decode(field) for field in encoded["time_step"]])
    if "tuple" in encoded:
        return tuple(_decode(item) for item in encoded["tuple"])
    if "list" in encoded:
        return [_decode(item) for item in encoded["list"]]
    if "dict" in encoded:
        return {key: _decode(item) for key, item in encoded["dict"].items()}
    if "generator" in encoded:  # the attribute held no generator yet: make one of the recorded kind
        generator = np.random.Generator(getattr(np.random, encoded["generator"]["bit_generator"])())
        generator.bit_generator.state = encoded["generator"]
        return generator
    raise ValueError(f"Unknown entry in an environment's saved state: {sorted(encoded)}")


def _is_time_step(value: Any) -> bool:
    return type(value).__name__ == "TimeStep" and hasattr(value, "_fields")
