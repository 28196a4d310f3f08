"""Driving an exported policy in a process that has TensorFlow and gym but not keraslab."""

import os
import subprocess
import sys


def episode_return_without_keraslab(version, env_id: str = "CartPole-v1", seed: int = 0, cwd=None) -> float:
    """Loads the SavedModel at `version` with TensorFlow only and plays one
    episode of `env_id` with its `serving_default`; returns the episode's return."""
    import tensorflow as tf

    code = (
        # PolicySaver also saves the policy's action distribution: loading
        # needs TFP's type specs registered, hence the import.
        "import importlib.util, gym, numpy as np, tensorflow as tf, tensorflow_probability\n"
        "assert importlib.util.find_spec('keraslab') is None\n"
        f"serve = tf.saved_model.load({str(version)!r}).signatures['serving_default']\n"
        f"env = gym.make({env_id!r}); observation = env.reset(seed={seed}); total, done = 0.0, False\n"
        "while not done:\n"
        "    action = int(serve(observation=tf.constant(observation[None], tf.float32))['action'][0])\n"
        "    observation, reward, done, _ = env.step(action); total += reward\n"
        "print('RETURN', total)\n"
    )
    site = os.path.dirname(os.path.dirname(tf.__file__))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = site
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, env=env, cwd=str(cwd) if cwd else None
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return float(out.stdout.split("RETURN")[1])
