"""A test plugin wrapping a real tf-agents DqnAgent on CartPole-v1 (gym 0.23).

Small on purpose: it proves the agent seam and the policy export with the
real libraries, not the quality of DQN (that is the rl topic's job).
"""

import dataclasses

import numpy as np
import tensorflow as tf

from keraslab.core.contract import ModelSpec, Plugin
from keraslab.core.trainer.agents import AgentProgram


@dataclasses.dataclass(frozen=True)
class TinyDqnConfig:
    collect_steps: int = 50
    warmup_steps: int = 200
    hidden_units: int = 32


class TinyDqn(AgentProgram):
    def __init__(self, config: TinyDqnConfig, seed: int):
        from tf_agents.agents.dqn import dqn_agent
        from tf_agents.drivers import dynamic_step_driver
        from tf_agents.environments import suite_gym, tf_py_environment
        from tf_agents.networks import q_network
        from tf_agents.replay_buffers import tf_uniform_replay_buffer
        from tf_agents.utils import common

        self.config = config
        py_env = suite_gym.load("CartPole-v1")
        py_env.seed(seed)
        self.env = tf_py_environment.TFPyEnvironment(py_env)
        self.eval_env = suite_gym.load("CartPole-v1")
        self.eval_env.seed(seed + 1)
        network = q_network.QNetwork(
            self.env.observation_spec(), self.env.action_spec(), fc_layer_params=(config.hidden_units,)
        )
        self.train_steps = tf.Variable(0, dtype=tf.int64, name="train_steps")
        self.agent = dqn_agent.DqnAgent(
            self.env.time_step_spec(),
            self.env.action_spec(),
            q_network=network,
            optimizer=tf.keras.optimizers.Adam(1e-3),
            td_errors_loss_fn=common.element_wise_huber_loss,
            gamma=0.99,
            target_update_period=100,
            epsilon_greedy=0.1,
            train_step_counter=self.train_steps,
        )
        self.agent.initialize()
        self.replay = tf_uniform_replay_buffer.TFUniformReplayBuffer(
            self.agent.collect_data_spec, batch_size=1, max_length=5000
        )
        self.driver = dynamic_step_driver.DynamicStepDriver(
            self.env, self.agent.collect_policy, observers=[self.replay.add_batch], num_steps=config.collect_steps
        )
        self.steps = tf.Variable(0, dtype=tf.int64, name="env_steps")
        self._batches = None

    @property
    def env_steps(self):
        return int(self.steps.numpy())

    def trackables(self):
        return {"agent": self.agent, "replay": self.replay, "steps": self.steps}

    def train_iteration(self):
        self.driver.run()
        self.steps.assign_add(self.config.collect_steps)
        if self.env_steps < self.config.warmup_steps:
            return {}
        if self._batches is None:
            self._batches = iter(self.replay.as_dataset(sample_batch_size=64, num_steps=2))
        experience, _ = next(self._batches)
        return {"loss": float(self.agent.train(experience).loss)}

    def evaluate(self, episodes):
        returns = []
        for _ in range(episodes):
            time_step, total = self.eval_env.reset(), 0.0
            while not time_step.is_last():
                batched = tf.nest.map_structure(lambda t: tf.expand_dims(t, 0), time_step)
                time_step = self.eval_env.step(self.agent.policy.action(batched).action.numpy()[0])
                total += float(time_step.reward)
            returns.append(total)
        return {"mean_return": float(np.mean(returns))}

    def policy(self):
        return self.agent.policy


def build_tiny_dqn(config, info):
    return TinyDqn(config, info.seed)


plugin = Plugin(
    name="tinyrl",
    topic="tests",
    version="1.0",
    description="A real tf-agents DQN, small.",
    models=(
        ModelSpec(
            "dqn",
            "tf-agents DqnAgent on CartPole-v1.",
            build_tiny_dqn,
            TinyDqnConfig(),
            training="agent",
            task="control",
            input_name="observation",
        ),
    ),
)
