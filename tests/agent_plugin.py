"""A test plugin whose model is an agent: tabular Q-learning on a chain.

The chain has states 0..7; the agent starts at 0, moves left or right, pays
−1 per step and stops at state 7 (or after 20 steps). The optimal return is
therefore −7; a random walk rarely gets there in 20 steps.

Q-learning (Watkins, 1989): Q(s,a) ← Q(s,a) + α [r + γ max_a' Q(s',a') − Q(s,a)].
"""

import dataclasses

import numpy as np
import tensorflow as tf

from keraslab.core.contract import ModelSpec, Plugin
from keraslab.core.trainer.agents import AgentProgram

STATES, GOAL, LIMIT = 8, 7, 20


@dataclasses.dataclass(frozen=True)
class ChainConfig:
    steps_per_iteration: int = 50
    epsilon: float = 0.3
    alpha: float = 0.5
    gamma: float = 0.95


class ChainQLearning(AgentProgram):
    def __init__(self, config: ChainConfig, seed: int):
        self.config = config
        self.q = tf.Variable(tf.zeros([STATES, 2]), name="q")
        self.steps = tf.Variable(0, dtype=tf.int64, name="env_steps")
        self.state = tf.Variable(0, dtype=tf.int64, name="state")
        self.episode_steps = tf.Variable(0, dtype=tf.int64, name="episode_steps")
        self.rng = tf.random.Generator.from_seed(seed)

    @property
    def env_steps(self) -> int:
        return int(self.steps.numpy())

    def trackables(self):
        return {
            "q": self.q,
            "steps": self.steps,
            "state": self.state,
            "episode_steps": self.episode_steps,
            "rng": self.rng,
        }

    @staticmethod
    def _move(state, action):
        next_state = min(max(state + (1 if action == 1 else -1), 0), GOAL)
        return next_state, -1.0, next_state == GOAL

    def train_iteration(self):
        q = self.q.numpy()
        state, length = int(self.state.numpy()), int(self.episode_steps.numpy())
        uniforms = self.rng.uniform([self.config.steps_per_iteration, 2]).numpy()
        for explore, coin in uniforms:
            action = int(coin < 0.5) if explore < self.config.epsilon else int(np.argmax(q[state]))
            next_state, reward, done = self._move(state, action)
            target = reward + (0.0 if done else self.config.gamma * q[next_state].max())
            q[state, action] += self.config.alpha * (target - q[state, action])
            length += 1
            state = 0 if done or length >= LIMIT else next_state
            length = 0 if state == 0 and (done or length >= LIMIT) else length
        self.q.assign(q)
        self.state.assign(state)
        self.episode_steps.assign(length)
        self.steps.assign_add(self.config.steps_per_iteration)
        return {"q_mean": float(q.mean())}

    def evaluate(self, episodes):
        q, returns = self.q.numpy(), []
        for _ in range(episodes):
            state, total = 0, 0.0
            for _ in range(LIMIT):
                state, reward, done = self._move(state, int(np.argmax(q[state])))
                total += reward
                if done:
                    break
            returns.append(total)
        return {"mean_return": float(np.mean(returns))}

    def observation_spec(self):
        return tf.TensorSpec([], tf.int64)

    def greedy_action(self, observation):
        return tf.argmax(tf.gather(self.q, observation), axis=-1)


def build_chain(config, info):
    return ChainQLearning(config, info.seed)


plugin = Plugin(
    name="chain",
    topic="tests",
    version="1.0",
    description="An agent on a chain.",
    models=(
        ModelSpec(
            "q-learning",
            "Tabular Q-learning on an 8-state chain.",
            build_chain,
            ChainConfig(),
            training="agent",
            task="control",
            input_name="observation",
        ),
    ),
)
