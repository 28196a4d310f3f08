"""Off-policy agents with a replay buffer: DQN (dqn.py) and DDPG (ddpg.py).

One call of `train_iteration` takes `STEPS_PER_ITERATION` environment
steps: rounds of `update_every` steps, each followed by
`updates_per_round` updates, once the replay
(`TFUniformReplayBuffer`) holds `warmup_steps` transitions of a uniformly
random policy. Replay batches are drawn uniformly, as tf-agents'
`get_next` draws them, but from the run's `sampling` generator and in the
update itself (no prefetching thread): a batch never depends on thread
timing, and the checkpoint, which holds the replay buffer, the networks,
optimizers, counters, the environment mid-episode and both random
streams, resumes a run exactly where it stopped.
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
        from tf_agents.replay_buffers import tf_uniform_replay_buffer
        from tf_agents.utils import common

        from keraslab.plugins.rl.models.seeded_policies import SeededRandomPolicy

        super().__init__(config, seed)
        self.agent, acting = self.make_agent()
        self.agent.initialize()
        self.keep_copies_of(acting)
        self.replay = tf_uniform_replay_buffer.TFUniformReplayBuffer(
            self.agent.collect_data_spec, batch_size=self.env.batch_size, max_length=config.replay_capacity
        )
        random_policy = SeededRandomPolicy(self.env.time_step_spec(), self.env.action_spec(), self.exploration)
        self._warmup_step = common.function(
            dynamic_step_driver.DynamicStepDriver(
                self.env, random_policy, observers=[self.replay.add_batch], num_steps=1
            ).run
        )
        self.behaviour = self.behaviour_policy()
        # One driver call takes `update_every` steps in order (two calls could overlap in a graph).
        self.driver = dynamic_step_driver.DynamicStepDriver(
            self.env, self.behaviour, observers=[self.replay.add_batch], num_steps=config.update_every
        )

    def make_agent(self):
        """(the tf-agents agent, the network that acts greedily)."""
        raise NotImplementedError

    def behaviour_policy(self):
        """The exploring policy that collects experience, drawing from `self.exploration`."""
        raise NotImplementedError

    def trackables(self):
        # The behaviour policy holds its own state where it has one (DDPG's noise).
        return {"agent": self.agent, "replay": self.replay, "behaviour": self.behaviour, **self.progress_trackables()}

    def transform(self, experience):
        """The experience an update trains on (DQN clips rewards here)."""
        return experience

    @property
    def train_sequence_length(self) -> int:
        return 2

    def train_iteration(self):
        if self.env_steps < self.config.warmup_steps:
            for _ in range(STEPS_PER_ITERATION):
                self._warmup_step()
            self.steps.assign_add(STEPS_PER_ITERATION)
            return {}
        # A round per call, in order: a graph loop over rounds could start a
        # round's steps (which call the environment and read the networks)
        # before the previous round's steps and updates were done.
        losses = [self._collect_and_learn() for _ in range(STEPS_PER_ITERATION // self.config.update_every)]
        return {"loss": float(tf.reduce_mean(losses)), **self.select_if_due()}

    @tf.function
    def _collect_and_learn(self):
        """`update_every` environment steps, then `updates_per_round` updates; their mean loss."""
        self.driver.run()
        self.steps.assign_add(self.config.update_every)
        total = tf.constant(0.0)
        for _ in tf.range(self.config.updates_per_round):
            # Each update reads the weights the previous one wrote.
            tf.autograph.experimental.set_loop_options(parallel_iterations=1)
            experience = sample_replay(self.replay, self.sampling, self.config.batch_size, self.train_sequence_length)
            total += self.agent.train(self.transform(experience)).loss
        return total / self.config.updates_per_round


def sample_replay(replay, generator: tf.random.Generator, batch_size: int, num_steps: int):
    """`batch_size` runs of `num_steps` consecutive transitions, their start
    uniform over the valid ids of `replay` (a `TFUniformReplayBuffer`), as
    its `get_next(batch_size, num_steps)` draws them, but from `generator`.

    Reads the buffer's tables directly: `get_next` has no way to take a
    generator. tf-agents 0.19 is its last release, so these names hold.
    """
    from tf_agents.replay_buffers.tf_uniform_replay_buffer import _valid_range_ids

    low, high = _valid_range_ids(replay._get_last_id(), replay._max_length, num_steps)
    tf.debugging.assert_greater(high, low, message="The replay buffer holds no run of transitions to sample.")
    starts = generator.uniform([batch_size], minval=low, maxval=high, dtype=tf.int64)
    # Buffers of several environments keep each one's transitions in a block of max_length rows.
    blocks = generator.uniform([batch_size], minval=0, maxval=replay._batch_size, dtype=tf.int64)
    offsets = tf.range(num_steps, dtype=tf.int64)
    rows = tf.math.mod(starts[:, None] + offsets[None, :], replay._max_length) + blocks[:, None] * replay._max_length
    return replay._data_table.read(rows)
