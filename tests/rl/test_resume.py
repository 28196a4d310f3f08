"""A resumed deep-agent run ends exactly where the uninterrupted run ends:
the checkpoint holds the environment mid-episode and the random streams
of exploration and replay sampling, besides networks, optimizers, replay."""

import json

import numpy as np
import pytest
import tensorflow as tf

from keraslab.core import actions
from keraslab.plugins.rl.models.deep import load_tf_environment
from keraslab.plugins.rl.models.environment_state import EnvironmentState
from tests.rl.interruptions import cut_back_to, without_time

# Budgets small enough for `make test`, checkpoints every 250 steps; each
# agent learns before and after the checkpoint the resume starts from
# (replay agents: warm-up ends at 250) and selects its kept network.
BUDGET = ["agent.env_steps=1000", "agent.eval_every_steps=250", "agent.eval_episodes=2"]
SMALL = ["model.select_every=250", "model.selection_episodes=2"]
CASES = {
    "dqn": [*SMALL, "model.warmup_steps=250"],
    "ddpg": [*SMALL, "model.warmup_steps=250"],
    "ppo": [*SMALL, "model.collect_steps=250", "model.epochs=2"],
}


@pytest.mark.parametrize("agent", sorted(CASES))
def test_a_resumed_deep_agent_repeats_the_uninterrupted_run_exactly(registry, tmp_path, agent):
    overrides = BUDGET + CASES[agent]
    run, whole = actions.start_training(registry, "rl", agent, runs_root=str(tmp_path), overrides=overrides)
    history = [without_time(record) for record in run.metrics()]
    checkpoints = sorted(int(p.stem.split("-")[1]) for p in run.checkpoints.glob("ckpt-*.index"))
    # PPO's iterations end where their episodes let them: take the middle checkpoint, mid-learning.
    keep = checkpoints[len(checkpoints) // 2 - 1] if len(checkpoints) > 2 else checkpoints[0]
    assert any(record["env_steps"] > keep and "loss" in record for record in history)
    cut_back_to(run, keep)

    _, resumed = actions.resume_training(registry, str(run.path))

    assert [without_time(record) for record in run.metrics()] == history  # losses, returns, ε: every number
    assert resumed["metrics"]["test"] == whole["metrics"]["test"]
    assert json.loads((run.path / "run.json").read_text())["status"] == "complete"


def test_an_environment_restored_mid_episode_continues_as_the_original(tmp_path):
    """Two CartPoles from one seed; the copy takes the original's saved
    state 30 steps in, and from there both see the same observations, through
    the end of the episode and the random start of the next one."""
    original = load_tf_environment("CartPole-v1", seed=3)
    original.reset()
    for _ in range(30):
        original.step(np.array([1]))
    saved = tf.train.Checkpoint(environment=EnvironmentState(original)).write(str(tmp_path / "state"))

    copy = load_tf_environment("CartPole-v1", seed=99)  # another seed: only the restore can make them agree
    tf.train.Checkpoint(environment=EnvironmentState(copy)).read(saved).assert_consumed()

    episodes_ended, rng = 0, np.random.default_rng(0)
    for _ in range(200):
        action = np.array([rng.integers(2)])
        a, b = original.step(action), copy.step(action)
        for field_a, field_b in zip(tf.nest.flatten(a), tf.nest.flatten(b)):
            np.testing.assert_array_equal(field_a.numpy(), field_b.numpy())
        episodes_ended += int(a.is_last().numpy()[0])
    assert episodes_ended >= 2  # random actions drop the pole within ~20 steps: new starts were drawn too


def test_a_checkpoint_of_another_environment_is_refused(tmp_path):
    saved = tf.train.Checkpoint(environment=EnvironmentState(load_tf_environment("CartPole-v1", seed=0))).write(
        str(tmp_path / "state")
    )
    with pytest.raises(ValueError, match="environment made of"):
        tf.train.Checkpoint(environment=EnvironmentState(object())).read(saved)
