"""Saving tf-agents policies for TF Serving.

tf-agents' `PolicySaver` writes a SavedModel whose `action` signature takes a
whole `TimeStep` (step_type, reward, discount, observation): what a client of
TF Serving would have to invent. `save_policy` adds `serving_default`, which
takes only `observation` and returns the policy's `action` for a first step
(step_type FIRST, reward 0, discount 1). That is exact for stateless
policies (DQN's greedy Q-policy, PPO's and REINFORCE's actors), the only
kind it accepts.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from keraslab.core.errors import KeraslabError


def save_policy(policy, export_dir: Path, input_name: str = "observation") -> None:
    """Writes `policy` with PolicySaver's signatures plus `serving_default`.

    Args:
        policy: a stateless tf-agents policy (e.g. the agent's greedy policy).
        export_dir: the SavedModel directory to write.
        input_name: the name of `serving_default`'s input.
    """
    from tf_agents.policies.policy_saver import PolicySaver
    from tf_agents.trajectories import time_step as ts

    if tf.nest.flatten(policy.policy_state_spec):
        raise KeraslabError(
            "Only stateless policies get an observation-only serving_default; "
            "this policy carries state (an RNN?). Use its `action` signature."
        )
    observation_spec = policy.time_step_spec.observation
    if not isinstance(observation_spec, tf.TensorSpec):
        raise KeraslabError("serving_default needs a single observation tensor; this policy takes a nest.")
    spec = tf.TensorSpec([None, *observation_spec.shape], observation_spec.dtype, name=input_name)

    step_spec = policy.time_step_spec

    @tf.function(input_signature=[spec])
    def serve(observation):
        batch = tf.shape(observation)[:1]  # symbolic: ts.restart wants a Python int
        time_step = ts.TimeStep(
            step_type=tf.fill(batch, tf.constant(ts.StepType.FIRST, step_spec.step_type.dtype)),
            reward=tf.zeros(batch, step_spec.reward.dtype),
            discount=tf.ones(batch, step_spec.discount.dtype),
            observation=observation,
        )
        return {"action": policy.action(time_step).action}

    saver = PolicySaver(policy, batch_size=None)
    # PolicySaver (tf-agents 0.19, its last release) offers no public way to
    # add a signature; its `_signatures` dict is what `save` passes on.
    saver._signatures["serving_default"] = serve.get_concrete_function()  # pylint: disable=protected-access
    saver._policy.serve_observation = serve  # pylint: disable=protected-access
    saver.save(str(export_dir))
