"""Configurations of the rl agents. Each names its environment (`env`,
`keraslab rl train AGENT --env ID`) and is checked when it is made: an
unknown environment, or one whose action space the agent cannot act in,
stops with the list of environments it can use, before anything is written."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal, Tuple

from keraslab.core.api import AgentConfig, ConfigError, RunConfig
from keraslab.plugins.rl.environments import check_environment


def _check_range(key: str, value: float, low: float, high: float, low_open: bool = True) -> None:
    inside = (low < value if low_open else low <= value) and value <= high
    if not inside:
        bracket = "(" if low_open else "["
        raise ConfigError(f"Config key 'model.{key}' must be in {bracket}{low}, {high}], received {value}.")


def _check_update_every(value: int) -> None:
    """Replay agents update after every `update_every` of an iteration's 250 steps."""
    if 250 % value:
        raise ConfigError(f"Config key 'model.update_every' must divide 250 (steps per iteration), received {value}.")


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
class DeepAgentConfig:
    """What every deep agent shares.

    Attributes:
        env: the environment it acts in.
        keep_best: every `select_every` steps, play `selection_episodes`
            greedy episodes (seeds of their own, never those of the
            reported evaluations) and keep the network that scored best;
            evaluations, `play` and the export use the kept network (a deep
            agent's return can swing late in training).
        select_every, selection_episodes: how often, and on how many episodes.
    """

    AGENT: ClassVar[str] = ""
    ACTIONS: ClassVar[str] = "discrete"
    POSITIVE: ClassVar[Tuple[str, ...]] = ()  # keys that must be at least 1
    env: str = "CartPole-v1"
    keep_best: bool = True
    select_every: int = 1_000
    selection_episodes: int = 10

    def agent_name(self) -> str:
        return self.AGENT

    def __post_init__(self):
        check_environment(self.agent_name(), self.env, self.ACTIONS)
        _check_range("gamma", self.gamma, 0.0, 1.0)
        for key in ("select_every", "selection_episodes", *self.POSITIVE):
            _check_positive(key, getattr(self, key))


@dataclasses.dataclass(frozen=True)
class DqnConfig(DeepAgentConfig):
    """Deep Q-learning (Mnih et al., 2015) with tf-agents' DqnAgent.

    The defaults follow rl-baselines3-zoo's CartPole-v1 settings (Raffin,
    2020): rounds of 250 environment steps, each followed by 125 updates on
    batches of 64, the target network copied once a round (so it is the
    online network of the round before), ε from 1 to 0.04 over 8,000 steps,
    Adam 2.3e-3. Updating after every step with a target copied every 1,000
    updates reached 500 early but then swung between 100 and 500
    (docs/topics/rl.md has the measurements).

    Attributes:
        hidden_units: the Q-network's dense layers.
        learning_rate: Adam's step.
        gamma: discount γ (tf-agents' default 1.0 oscillates on CartPole).
        batch_size: transitions per update, sampled uniformly from the replay.
        replay_capacity: transitions the replay buffer keeps.
        warmup_steps: random-policy steps before the first update.
        update_every: environment steps per round of updates (a divisor of 250).
        updates_per_round: updates after each round's steps (so
            updates_per_round / update_every updates per environment step).
        target_update_period: updates between target-network updates;
        target_update_tau: each update moves the target by τ towards the
            online network (1: copy; 0.005 every step: soft updates).
        epsilon_start, epsilon_end, epsilon_decay_steps: ε-greedy annealed
            linearly over that many environment steps.
        n_step: n-step returns Σ_{k<n} γ^k r_{t+k} + γ^n max_a Q'(s_{t+n}, a).
        reward_clip: clip rewards to [−c, c] in updates (0: off).
        gradient_clip: clip the gradients' global norm (0: off).
        double: double DQN (van Hasselt et al., 2016): the online network
            picks the next action, the target network values it.
    """

    POSITIVE: ClassVar[Tuple[str, ...]] = (
        "batch_size",
        "replay_capacity",
        "target_update_period",
        "n_step",
        "update_every",
        "updates_per_round",
    )
    hidden_units: Tuple[int, ...] = (256, 256)
    learning_rate: float = 2.3e-3
    gamma: float = 0.99
    batch_size: int = 64
    replay_capacity: int = 100_000
    warmup_steps: int = 1_000
    update_every: int = 250
    updates_per_round: int = 125
    target_update_period: int = 125
    target_update_tau: float = 1.0
    epsilon_start: float = 1.0
    epsilon_end: float = 0.04
    epsilon_decay_steps: int = 8_000
    n_step: int = 1
    reward_clip: float = 0.0
    gradient_clip: float = 10.0
    double: bool = False

    def agent_name(self) -> str:
        return "ddqn" if self.double else "dqn"

    def __post_init__(self):
        super().__post_init__()
        _check_range("target_update_tau", self.target_update_tau, 0.0, 1.0)
        _check_update_every(self.update_every)


@dataclasses.dataclass(frozen=True)
class ReinforceConfig(DeepAgentConfig):
    """REINFORCE (Williams, 1992) with tf-agents' ReinforceAgent.

    Attributes:
        hidden_units: the policy network's dense layers.
        value_units: the value network's (the baseline); () for none.
        learning_rate: Adam's step.
        gamma: discount of the returns G_t.
        episodes_per_iteration: whole episodes collected per update.
        value_loss_coef: weight of the baseline's squared error.
        normalize_returns: standardise G_t within a batch.
        entropy_coef: weight of the policy's entropy bonus.
    """

    AGENT: ClassVar[str] = "reinforce"
    POSITIVE: ClassVar[Tuple[str, ...]] = ("episodes_per_iteration",)
    hidden_units: Tuple[int, ...] = (64, 64)
    value_units: Tuple[int, ...] = (64, 64)
    learning_rate: float = 1e-3
    gamma: float = 0.99
    episodes_per_iteration: int = 4
    value_loss_coef: float = 0.2
    normalize_returns: bool = True
    entropy_coef: float = 0.0
    select_every: int = 5_000


@dataclasses.dataclass(frozen=True)
class PpoConfig(DeepAgentConfig):
    """PPO with the clipped surrogate (Schulman et al., 2017), tf-agents' PPOClipAgent.

    Attributes:
        hidden_units, value_units: the actor's and the critic's dense layers.
        learning_rate: Adam's step.
        gamma, gae_lambda: discount and λ of generalised advantage estimates.
        collect_steps: environment steps collected per update.
        epochs: passes over each collection.
        clip_ratio: ε of the clipped ratio min(ρA, clip(ρ, 1 − ε, 1 + ε)A).
        entropy_coef: weight of the entropy bonus.
    """

    AGENT: ClassVar[str] = "ppo"
    POSITIVE: ClassVar[Tuple[str, ...]] = ("collect_steps", "epochs")
    hidden_units: Tuple[int, ...] = (64, 64)
    value_units: Tuple[int, ...] = (64, 64)
    learning_rate: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    collect_steps: int = 1_000
    epochs: int = 20
    clip_ratio: float = 0.2
    entropy_coef: float = 0.0
    select_every: int = 5_000
    # Ten selection episodes kept a network that scored 413 over 100 evaluation
    # episodes on seed 1; twenty tell the good networks from the lucky ones.
    selection_episodes: int = 20


@dataclasses.dataclass(frozen=True)
class DdpgConfig(DeepAgentConfig):
    """Deep deterministic policy gradient (Lillicrap et al., 2016) with
    tf-agents' DdpgAgent: a deterministic actor μ(s) ascends Q(s, μ(s)); the
    critic regresses Q(s, a) on r + γ Q'(s', μ'(s')); both targets follow by
    τ every step; exploration adds Ornstein–Uhlenbeck noise to μ(s).

    Attributes:
        actor_units: the actor's dense layers.
        critic_observation_units, critic_joint_units: the critic's layers on
            the observation alone, then on observation and action joined.
        actor_learning_rate, critic_learning_rate: Adam's steps.
        gamma: discount γ.
        batch_size, replay_capacity, warmup_steps, update_every,
            updates_per_round: as for DQN.
        target_update_tau: τ of the soft target updates.
        ou_stddev, ou_damping: the exploration noise's scale and damping.
    """

    AGENT: ClassVar[str] = "ddpg"
    ACTIONS: ClassVar[str] = "continuous"
    POSITIVE: ClassVar[Tuple[str, ...]] = ("batch_size", "replay_capacity", "update_every", "updates_per_round")
    env: str = "Pendulum-v1"
    actor_units: Tuple[int, ...] = (256, 256)
    critic_observation_units: Tuple[int, ...] = (256,)
    critic_joint_units: Tuple[int, ...] = (256,)
    actor_learning_rate: float = 1e-3
    critic_learning_rate: float = 1e-3
    gamma: float = 0.99
    batch_size: int = 128
    replay_capacity: int = 100_000
    warmup_steps: int = 1_000
    update_every: int = 1
    updates_per_round: int = 1
    target_update_tau: float = 0.005
    ou_stddev: float = 0.2
    ou_damping: float = 0.15
    select_every: int = 2_000

    def __post_init__(self):
        super().__post_init__()
        _check_range("target_update_tau", self.target_update_tau, 0.0, 1.0)
        _check_update_every(self.update_every)


def budget_preset(env_steps: int, eval_every_steps: int, eval_episodes: int):
    """A preset setting the training budget in environment steps."""

    def preset(config: RunConfig) -> RunConfig:
        return dataclasses.replace(
            config,
            agent=AgentConfig(env_steps=env_steps, eval_every_steps=eval_every_steps, eval_episodes=eval_episodes),
        )

    return preset
