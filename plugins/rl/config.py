"""Configurations of the rl agents. Each names its environment (`env`,
`keraslab rl train AGENT --env ID`) and is checked when it is made: an
unknown environment, or one whose action space the agent cannot act in,
stops with the list of environments it can use, before anything is written."""
from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal, Tuple

from keraslab.core.config import RunConfig
from keraslab.core.errors import ConfigError
from keraslab.plugins.rl.environments import check_environment


def _check_range(key: str, value: float, low: float, high: float, low_open: bool = True) -> None:
    inside = (low < value if low_open else low <= value) and value <= high
    if not inside:
        bracket = "(" if low_open else "["
        raise ConfigError(f"Config key 'model.{key}' must be in {bracket}{low}, {high}], received {value}.")


def _check_positive(key: str, value: int) -> None:
    if value < 1:
        raise ConfigError(f"Config key 'model.{key}' must be at least 1, received {value}.")


@dataclasses.dataclass(frozen=True)
class PlannerConfig:
    """Dynamic programming with the environment's model.

    Attributes:
        env: a tabular environment (FrozenLake-v1, FrozenLake8x8-v1, Taxi-v3).
        gamma: discount γ.
        tolerance: value iteration stops when no value changes by more.
    """

    AGENT: ClassVar[str] = "value-iteration"
    env: str = "FrozenLake-v1"
    gamma: float = 0.99
    tolerance: float = 1e-8

    def __post_init__(self):
        check_environment(self.AGENT, self.env, "discrete", tabular=True)
        _check_range("gamma", self.gamma, 0.0, 1.0)


@dataclasses.dataclass(frozen=True)
class PolicyIterationConfig(PlannerConfig):
    AGENT: ClassVar[str] = "policy-iteration"


@dataclasses.dataclass(frozen=True)
class QLearningConfig:
    """Tabular Q-learning with ε-greedy exploration.

    Attributes:
        alpha: step size α.
        epsilon_start, epsilon_end, epsilon_decay_steps: ε annealed linearly
            from start to end over that many environment steps.
        steps_per_iteration: transitions between the trainer's checks.
    """

    env: str = "FrozenLake-v1"
    gamma: float = 0.99
    alpha: float = 0.05
    epsilon_start: float = 1.0
    epsilon_end: float = 0.05
    epsilon_decay_steps: int = 150_000
    steps_per_iteration: int = 1000

    def __post_init__(self):
        check_environment("q-learning", self.env, "discrete", tabular=True)
        _check_range("gamma", self.gamma, 0.0, 1.0)
        _check_range("alpha", self.alpha, 0.0, 1.0)
        _check_range("epsilon_start", self.epsilon_start, 0.0, 1.0, low_open=False)
        _check_range("epsilon_end", self.epsilon_end, 0.0, 1.0, low_open=False)
        _check_positive("steps_per_iteration", self.steps_per_iteration)


@dataclasses.dataclass(frozen=True)
class TemporalDifferenceConfig:
    """TD(0) evaluation of a fixed policy.

    Attributes:
        policy: "optimal" (value iteration's) or "random" (uniform).
    """

    env: str = "FrozenLake-v1"
    gamma: float = 0.99
    alpha: float = 0.02
    policy: Literal["optimal", "random"] = "optimal"
    steps_per_iteration: int = 1000

    def __post_init__(self):
        check_environment("td0", self.env, "discrete", tabular=True)
        _check_range("gamma", self.gamma, 0.0, 1.0)
        _check_range("alpha", self.alpha, 0.0, 1.0)
        _check_positive("steps_per_iteration", self.steps_per_iteration)


@dataclasses.dataclass(frozen=True)
class DqnConfig:
    """Deep Q-learning (Mnih et al., 2015) with tf-agents' DqnAgent.

    Attributes:
        hidden_units: the Q-network's dense layers.
        learning_rate: Adam's step.
        gamma: discount γ (tf-agents' default 1.0 oscillates on CartPole).
        batch_size: transitions per update, sampled uniformly from the replay.
        replay_capacity: transitions the replay buffer keeps.
        warmup_steps: random-policy steps before the first update.
        update_every: environment steps per update (a divisor of 250).
        target_update_period: steps between target-network updates;
        target_update_tau: each update moves the target by τ towards the
            online network (1: copy; 0.005 every step: soft updates).
        epsilon_start, epsilon_end, epsilon_decay_steps: ε-greedy annealed
            linearly over that many environment steps.
        n_step: n-step returns Σ_{k<n} γ^k r_{t+k} + γ^n max_a Q'(s_{t+n}, a).
        reward_clip: clip rewards to [−c, c] in updates (0: off).
        gradient_clip: clip the gradients' global norm (0: off).
        double: double DQN (van Hasselt et al., 2016): the online network
            picks the next action, the target network values it.
        keep_best: every `select_every` steps, play `selection_episodes`
            greedy episodes (seeds of their own, never those of the
            reported evaluations) and keep the network that scored best;
            evaluations, `play` and the export use the kept network. DQN's
            return on CartPole swings between 500 and 100 late in training.
        select_every, selection_episodes: how often, and on how many episodes.
    """

    env: str = "CartPole-v1"
    hidden_units: Tuple[int, ...] = (128, 128)
    learning_rate: float = 5e-4
    gamma: float = 0.99
    batch_size: int = 128
    replay_capacity: int = 50_000
    warmup_steps: int = 1_000
    update_every: int = 1
    target_update_period: int = 1_000
    target_update_tau: float = 1.0
    epsilon_start: float = 1.0
    epsilon_end: float = 0.01
    epsilon_decay_steps: int = 10_000
    n_step: int = 1
    reward_clip: float = 0.0
    gradient_clip: float = 10.0
    double: bool = False
    keep_best: bool = True
    select_every: int = 1_000
    selection_episodes: int = 10

    def __post_init__(self):
        check_environment("ddqn" if self.double else "dqn", self.env, "discrete")
        _check_range("gamma", self.gamma, 0.0, 1.0)
        _check_range("target_update_tau", self.target_update_tau, 0.0, 1.0)
        for key in ("batch_size", "replay_capacity", "target_update_period", "n_step", "update_every",
                    "select_every", "selection_episodes"):
            _check_positive(key, getattr(self, key))
        if 250 % self.update_every:
            raise ConfigError(f"Config key 'model.update_every' must divide 250 (steps per iteration), "
                              f"received {self.update_every}.")


def budget_preset(env_steps: int, eval_every_steps: int, eval_episodes: int):
    """A preset setting the training budget in environment steps."""

    def preset(config: RunConfig) -> RunConfig:
        return dataclasses.replace(config, train=dataclasses.replace(
            config.train, env_steps=env_steps, eval_every_steps=eval_every_steps, eval_episodes=eval_episodes))

    return preset
