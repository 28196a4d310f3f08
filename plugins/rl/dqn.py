"""Deep Q-networks with tf-agents' `DqnAgent` / `DdqnAgent`.

Q-learning with a network Q(s, a; θ) (Mnih et al., 2015): transitions go to
a uniform replay buffer, and each update minimises the Huber loss of the
TD error on a sampled batch,

    y = Σ_{k<n} γ^k r_{t+k} + γ^n max_a Q(s_{t+n}, a; θ⁻),   δ = y − Q(s_t, a_t; θ),

θ⁻ being a target network that follows θ every `target_update_period`
updates (by τ). Double DQN (van Hasselt et al., 2016) takes the argmax with
θ and the value with θ⁻. Actions are ε-greedy, ε annealed linearly.

One call of `train_iteration` takes `STEPS_PER_ITERATION` environment steps,
with one update after every `update_every` of them once the replay holds
`warmup_steps` transitions of a uniformly random policy. The replay buffer, networks,
optimizer and counters are all in the checkpoint; a resumed run starts a
new episode (the gym environment's own state is not saved).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.trainer.agents import AgentProgram
from keraslab.plugins.rl import environments
from keraslab.plugins.rl.config import DqnConfig

STEPS_PER_ITERATION = 250


def linear_schedule(step: tf.Variable, start: float, end: float, steps: int):
    """A callable giving start + (end − start) · min(step / steps, 1)."""
    def value():
        fraction = tf.minimum(tf.cast(step, tf.float32) / float(max(steps, 1)), 1.0)
        return start + fraction * (end - start)

    return value


def load_tf_environment(env_id: str, seed: int):
    """gym's environment in tf-agents' wrappers (gym 0.23 through suite_gym)."""
    from tf_agents.environments import suite_gym, tf_py_environment

    py_env = suite_gym.load(env_id)
    py_env.seed(seed)
    return tf_py_environment.TFPyEnvironment(py_env)


class DqnProgram(AgentProgram):
    def __init__(self, config: DqnConfig, seed: int):
        from tf_agents.agents.dqn import dqn_agent
        from tf_agents.drivers import dynamic_step_driver
        from tf_agents.networks import q_network
        from tf_agents.policies import random_tf_policy
        from tf_agents.replay_buffers import tf_uniform_replay_buffer
        from tf_agents.utils import common

        self.config, self.seed = config, seed
        self.env = load_tf_environment(config.env, seed)
        self.steps = tf.Variable(0, dtype=tf.int64, name="env_steps")
        self.q_network = q_network.QNetwork(self.env.observation_spec(), self.env.action_spec(),
                                            fc_layer_params=tuple(config.hidden_units))
        agent_class = dqn_agent.DdqnAgent if config.double else dqn_agent.DqnAgent
        self.agent = agent_class(
            self.env.time_step_spec(), self.env.action_spec(), q_network=self.q_network,
            optimizer=tf.keras.optimizers.Adam(config.learning_rate),
            epsilon_greedy=linear_schedule(self.steps, config.epsilon_start, config.epsilon_end,
                                           config.epsilon_decay_steps),
            n_step_update=config.n_step, target_update_tau=config.target_update_tau,
            target_update_period=config.target_update_period,
            td_errors_loss_fn=common.element_wise_huber_loss, gamma=config.gamma,
            gradient_clipping=config.gradient_clip or None,
            train_step_counter=tf.Variable(0, dtype=tf.int64, name="updates"))
        self.agent.initialize()
        self.kept_network = self.q_network.copy(name="kept_q_network")
        self.kept_network.create_variables(self.env.observation_spec())
        self.kept_return = tf.Variable(-np.inf, dtype=tf.float64, name="kept_selection_return")
        self.replay = tf_uniform_replay_buffer.TFUniformReplayBuffer(
            self.agent.collect_data_spec, batch_size=self.env.batch_size, max_length=config.replay_capacity)
        random_policy = random_tf_policy.RandomTFPolicy(self.env.time_step_spec(), self.env.action_spec())
        self.warmup_driver = dynamic_step_driver.DynamicStepDriver(
            self.env, random_policy, observers=[self.replay.add_batch], num_steps=1)
        self.driver = dynamic_step_driver.DynamicStepDriver(
            self.env, self.agent.collect_policy, observers=[self.replay.add_batch], num_steps=config.update_every)
        self._warmup_step = common.function(self.warmup_driver.run)
        self._iterator = None

    @property
    def env_steps(self) -> int:
        return int(self.steps.numpy())

    def trackables(self):
        return {"agent": self.agent, "replay": self.replay, "steps": self.steps,
                "kept_network": self.kept_network, "kept_return": self.kept_return}

    def acting_network(self):
        """The network evaluations, `play` and the export act with: the kept
        one once a selection has happened (`keep_best`), else the online one."""
        keeping = self.config.keep_best and np.isfinite(self.kept_return.numpy())
        return self.kept_network if keeping else self.q_network

    def select(self) -> dict:
        """Plays the online network's greedy policy on the selection episodes;
        keeps it if it scores at least as well as the kept one."""
        selection = environments.evaluate_policy(
            self.config.env, lambda o: self._greedy(self.q_network, o).numpy(), self.config.selection_episodes,
            seed=50_000 + 1000 * self.seed)["mean_return"]
        if selection >= self.kept_return.numpy():
            for kept, online in zip(self.kept_network.variables, self.q_network.variables):
                kept.assign(online)
            self.kept_return.assign(selection)
        return {"selection_return": selection, "kept_selection_return": float(self.kept_return.numpy())}

    def _train_on_batch(self, experience):
        if self.config.reward_clip:
            c = self.config.reward_clip
            experience = experience._replace(reward=tf.clip_by_value(experience.reward, -c, c))
        return self.agent.train(experience).loss

    def _batches(self):
        if self._iterator is None:
            dataset = self.replay.as_dataset(sample_batch_size=self.config.batch_size,
                                             num_steps=self.config.n_step + 1, num_parallel_calls=2).prefetch(2)
            self._iterator = iter(dataset)
        return self._iterator

    def train_iteration(self):
        if self.env_steps < self.config.warmup_steps:
            for _ in range(STEPS_PER_ITERATION):
                self._warmup_step()
            self.steps.assign_add(STEPS_PER_ITERATION)
            return {"epsilon": float(self.config.epsilon_start)}
        loss = self._collect_and_learn(self._batches(), tf.constant(STEPS_PER_ITERATION // self.config.update_every))
        metrics = {"epsilon": float(self.agent.collect_policy._epsilon()), "loss": float(loss)}
        if self.config.keep_best and self.env_steps % self.config.select_every < STEPS_PER_ITERATION:
            metrics.update(self.select())
        return metrics

    @tf.function
    def _collect_and_learn(self, batches, updates):
        """`updates` times: `update_every` environment steps, then one update; the mean loss."""
        total = tf.constant(0.0)
        for _ in tf.range(updates):
            self.driver.run()  # one call, `update_every` steps in order (two calls could overlap in the graph)
            self.steps.assign_add(self.config.update_every)
            experience, _ = next(batches)
            total += self._train_on_batch(experience)
        return total / tf.cast(updates, tf.float32)

    def evaluate(self, episodes: int):
        return environments.evaluate_policy(self.config.env, lambda o: self.greedy_action(o).numpy(), episodes,
                                            seed=10_000 + 1000 * self.seed)

    def observation_spec(self):
        return self.env.observation_spec()

    def greedy_action(self, observation):
        return self._greedy(self.acting_network(), observation)

    @tf.function(reduce_retracing=True)  # batches of every size, one trace
    def _greedy(self, network, observation):
        observation = tf.cast(observation, self.env.observation_spec().dtype)
        q_values, _ = network(observation, training=False)
        return tf.argmax(q_values, axis=-1, output_type=self.env.action_spec().dtype)

    def policy(self):
        """The greedy policy of the acting network, for PolicySaver."""
        from tf_agents.policies import greedy_policy, q_policy

        return greedy_policy.GreedyPolicy(q_policy.QPolicy(self.env.time_step_spec(), self.env.action_spec(),
                                                           q_network=self.acting_network()))


def build_dqn(config: DqnConfig, info) -> DqnProgram:
    return DqnProgram(config, info.seed)
