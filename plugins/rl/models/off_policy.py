"""Off-policy agents with a replay buffer: DQN (dqn.py) and DDPG (ddpg.py).

One call of `train_iteration` takes `STEPS_PER_ITERATION` environment
steps: rounds of `update_every` steps, each followed by
`updates_per_round` updates, once the replay
(`TFUniformReplayBuffer`) holds `warmup_steps` transitions of a uniformly
random policy. The replay buffer, networks, optimizers and counters are all
in the checkpoint; a resumed run starts a new episode (the gym
environment's own state is not saved).
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.plugins.rl.models.deep import DeepAgentProgram

STEPS_PER_ITERATION = 250


class ReplayProgram(DeepAgentProgram):
    """Subclasses make the agent (`make_agent`) and say which network acts
    (`acting`, passed to `keep_copies_of`)."""

    def __init__(self, config, seed: int):
        from tf_agents.drivers import dynamic_step_driver
        from tf_agents.policies import random_tf_policy
        from tf_agents.replay_buffers import tf_uniform_replay_buffer
        from tf_agents.utils import common

        super().__init__(config, seed)
        self.agent, acting = self.make_agent()
        self.agent.initialize()
        self.keep_copies_of(acting)
        self.replay = tf_uniform_replay_buffer.TFUniformReplayBuffer(
            self.agent.collect_data_spec, batch_size=self.env.batch_size, max_length=config.replay_capacity
        )
        random_policy = random_tf_policy.RandomTFPolicy(self.env.time_step_spec(), self.env.action_spec())
        self._warmup_step = common.function(
            dynamic_step_driver.DynamicStepDriver(
                self.env, random_policy, observers=[self.replay.add_batch], num_steps=1
            ).run
        )
        # One driver call takes `update_every` steps in order (two calls could overlap in a graph).
        self.driver = dynamic_step_driver.DynamicStepDriver(
            self.env, self.agent.collect_policy, observers=[self.replay.add_batch], num_steps=config.update_every
        )
        self._iterator = None

    def make_agent(self):
        """(the tf-agents agent, the network that acts greedily)."""
        raise NotImplementedError

    def trackables(self):
        return {"agent": self.agent, "replay": self.replay, **self.selection_trackables()}

    def transform(self, experience):
        """The experience an update trains on (DQN clips rewards here)."""
        return experience

    def _batches(self):
        if self._iterator is None:
            # Sampled in order (no parallel calls): batches do not depend on thread timing.
            dataset = self.replay.as_dataset(
                sample_batch_size=self.config.batch_size, num_steps=self.train_sequence_length
            ).prefetch(2)
            self._iterator = iter(dataset)
        return self._iterator

    @property
    def train_sequence_length(self) -> int:
        return 2

    def train_iteration(self):
        if self.env_steps < self.config.warmup_steps:
            for _ in range(STEPS_PER_ITERATION):
                self._warmup_step()
            self.steps.assign_add(STEPS_PER_ITERATION)
            return {}
        loss = self._collect_and_learn(self._batches(), tf.constant(STEPS_PER_ITERATION // self.config.update_every))
        return {"loss": float(loss), **self.select_if_due()}

    @tf.function
    def _collect_and_learn(self, batches, rounds):
        """`rounds` times: `update_every` environment steps, then
        `updates_per_round` updates; the mean loss."""
        total = tf.constant(0.0)
        for _ in tf.range(rounds):
            self.driver.run()
            self.steps.assign_add(self.config.update_every)
            for _ in tf.range(self.config.updates_per_round):
                experience, _ = next(batches)
                total += self.agent.train(self.transform(experience)).loss
        return total / tf.cast(rounds * self.config.updates_per_round, tf.float32)
