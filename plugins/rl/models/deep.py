"""What the tf-agents agents share: their environment, the step counter, a
network that acts greedily, and the selection of the best network so far.

Every deep agent's checkpoint holds, beside its networks and optimizers,
the environment in the middle of its episode (`environment_state`) and the
random streams its behaviour policy and replay sampling draw from
(`seeded_policies`), so a resumed run takes exactly the steps the
uninterrupted run took.

Selection (`model.keep_best`): every `select_every` environment steps the
online network's greedy policy plays `selection_episodes` episodes on
seeds of their own; if it scores at least the kept network's score, its
weights are copied into the kept network. Evaluations, `play` and the
export act with the kept network once there is one. The reported
evaluations use other seeds than the selection, so they measure the kept
network on episodes it was not chosen on.
"""

from __future__ import annotations

import abc

import numpy as np
import tensorflow as tf

from keraslab.core.api import AgentProgram
from keraslab.plugins.rl import environments


def load_tf_environment(env_id: str, seed: int):
    """gym's environment in tf-agents' wrappers, its time limit a truncation.

    gym 0.23's `TimeLimit` ends an episode at its step limit with done=True,
    which tf-agents turns into discount 0: the last state would look
    terminal, and Q(s_T) would learn a target of r instead of
    r + γ max_a Q(s_{T+1}, a). On CartPole, where a good policy reaches the
    500-step limit every episode, those targets contradict the rest
    (Pardo et al., 2018, "Time Limits in Reinforcement Learning"). So gym's
    limit is removed, and tf-agents' `TimeLimit` ends the episode with the
    step marked LAST and the discount left at 1: the update bootstraps.
    """
    import gym
    from tf_agents.environments import suite_gym, tf_py_environment

    gym_env = gym.make(env_id)
    step_limit = gym_env.spec.max_episode_steps
    if isinstance(gym_env, gym.wrappers.TimeLimit):
        gym_env = gym_env.env
    py_env = suite_gym.wrap_env(gym_env, max_episode_steps=step_limit or 0)
    py_env.seed(seed)
    return tf_py_environment.TFPyEnvironment(py_env)


class DeepAgentProgram(AgentProgram):
    """A tf-agents agent acting through `self.network` (set by the subclass,
    which then calls `keep_copies_of`)."""

    def __init__(self, config, seed: int):
        self.config, self.seed = config, seed
        # Layer names (and so variable names) restart with every program, so
        # they do not depend on what the process built before: tf-agents' PPO
        # orders its optimizer's slots by variable name, and a resumed run
        # must find each slot where the interrupted one saved it.
        tf.keras.backend.reset_uids()
        self.env = load_tf_environment(config.env, seed)
        # Two streams, so that how many numbers one draws never moves the other.
        self.exploration, self.sampling = tf.random.Generator.from_seed(seed).split(2)
        self.steps = tf.Variable(0, dtype=tf.int64, name="env_steps")
        self.selected_at = tf.Variable(0, dtype=tf.int64, name="selected_at")

    def keep_copies_of(self, network) -> None:
        """Makes the kept network: a copy of `network`, filled by selections."""
        self.network = network
        self.kept_network = network.copy(name=f"kept_{network.name}")
        self.kept_network.create_variables(self.env.observation_spec())
        self.kept_return = tf.Variable(-np.inf, dtype=tf.float64, name="kept_selection_return")

    @property
    def env_steps(self) -> int:
        return int(self.steps.numpy())

    def progress_trackables(self):
        """What every deep agent's checkpoint holds beside its agent: the
        counters, the kept network, the environment mid-episode and the
        random streams."""
        from keraslab.plugins.rl.models.environment_state import EnvironmentState

        return {
            "environment": EnvironmentState(self.env),
            "exploration": self.exploration,
            "sampling": self.sampling,
            "steps": self.steps,
            "selected_at": self.selected_at,
            "kept_network": self.kept_network,
            "kept_return": self.kept_return,
        }

    @abc.abstractmethod
    def network_action(self, network, observation: tf.Tensor) -> tf.Tensor:
        """The greedy action of `network` for a batch of observations."""

    def acting_network(self):
        """The kept network once a selection has happened (`keep_best`), else the online one."""
        keeping = self.config.keep_best and np.isfinite(self.kept_return.numpy())
        return self.kept_network if keeping else self.network

    def select_if_due(self) -> dict:
        """Selection metrics when `select_every` steps have passed since the last one."""
        if not self.config.keep_best or self.env_steps - int(self.selected_at.numpy()) < self.config.select_every:
            return {}
        self.selected_at.assign(self.env_steps - self.env_steps % self.config.select_every)
        selection = environments.evaluate_policy(
            self.config.env,
            lambda o: self._greedy(self.network, o).numpy(),
            self.config.selection_episodes,
            seed=50_000 + 1000 * self.seed,
        )["mean_return"]
        if selection >= self.kept_return.numpy():
            for kept, online in zip(self.kept_network.variables, self.network.variables):
                kept.assign(online)
            self.kept_return.assign(selection)
        return {"selection_return": selection, "kept_selection_return": float(self.kept_return.numpy())}

    def evaluate(self, episodes: int):
        return environments.evaluate_policy(
            self.config.env, lambda o: self.greedy_action(o).numpy(), episodes, seed=10_000 + 1000 * self.seed
        )

    def observation_spec(self):
        return self.env.observation_spec()

    def greedy_action(self, observation):
        return self._greedy(self.acting_network(), observation)

    @tf.function(reduce_retracing=True)  # batches of every size, one trace per network
    def _greedy(self, network, observation):
        return self.network_action(network, tf.cast(observation, self.env.observation_spec().dtype))
