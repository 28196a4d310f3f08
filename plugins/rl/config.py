"""Configurations of the rl agents. Each names its environment (`env`,
`keraslab rl train AGENT --env ID`) and is checked when it is made: an
unknown environment, or one whose action space the agent cannot act in,
stops with the list of environments it can use, before anything is written.
Numeric ranges are declared on the fields (`ranged`) and checked by core."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal, Tuple

from keraslab.core.api import AgentConfig, ConfigError, RunConfig, ranged
from keraslab.plugins.rl.cliff import ENV_ID as CLIFF_ENV_ID
from keraslab.plugins.rl.environments import check_environment


def _check_update_every(value: int) -> None:
    """Replay agents update after every `update_every` of an iteration's 250 steps."""
    if value >= 1 and 250 % value:  # below 1: refused by the field's range
        raise ConfigError(f"Config key 'model.update_every' must divide 250 (steps per iteration), received {value}.")


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
    gamma: float = ranged(0.99, above=0, at_most=1)
    tolerance: float = ranged(1e-8, above=0)

    def __post_init__(self):
        check_environment(self.AGENT, self.env, "discrete", tabular=True)


@dataclasses.dataclass(frozen=True)
class PolicyIterationConfig(PlannerConfig):
    AGENT: ClassVar[str] = "policy-iteration"


@dataclasses.dataclass(frozen=True)
class TdControlConfig:
    """Tabular one-step TD control with ε-greedy exploration.

    The method (`AGENT`, one class per method) names the value of the next
    state learnt towards: "q-learning" (its best action's), "sarsa" (the
    action taken next) or "expected-sarsa" (the mean under the ε-greedy
    policy).

    Attributes:
        alpha: step size α.
        epsilon_start, epsilon_end, epsilon_decay_steps: ε annealed linearly
            from start to end over that many environment steps (start = end:
            a constant ε).
        steps_per_iteration: transitions between the trainer's checks.
    """

    AGENT: ClassVar[str] = "q-learning"
    env: str = "FrozenLake-v1"
    gamma: float = ranged(0.99, above=0, at_most=1)
    alpha: float = ranged(0.05, above=0, at_most=1)
    epsilon_start: float = ranged(1.0, at_least=0, at_most=1)
    epsilon_end: float = ranged(0.05, at_least=0, at_most=1)
    epsilon_decay_steps: int = ranged(150_000, at_least=0)
    steps_per_iteration: int = ranged(1000, at_least=1)

    def __post_init__(self):
        check_environment(self.AGENT, self.env, "discrete", tabular=True)


# Sutton & Barto's cliff walk (Example 6.6): a constant ε = 0.1, no discount; α = 0.1 rather than
# the book's 0.5, at which SARSA's greedy policy walked into a wall for good on 2 seeds of 3.
CLIFF_SETTINGS = dict(
    env=CLIFF_ENV_ID,
    gamma=1.0,
    alpha=0.1,
    epsilon_start=0.1,
    epsilon_end=0.1,
    epsilon_decay_steps=0,
    steps_per_iteration=500,
)


@dataclasses.dataclass(frozen=True)
class SarsaConfig(TdControlConfig):
    AGENT: ClassVar[str] = "sarsa"


@dataclasses.dataclass(frozen=True)
class ExpectedSarsaConfig(TdControlConfig):
    AGENT: ClassVar[str] = "expected-sarsa"


@dataclasses.dataclass(frozen=True)
class TemporalDifferenceConfig:
    """TD(0) evaluation of a fixed policy.

    Attributes:
        policy: "optimal" (value iteration's) or "random" (uniform).
    """

    env: str = "FrozenLake-v1"
    gamma: float = ranged(0.99, above=0, at_most=1)
    alpha: float = ranged(0.02, above=0, at_most=1)
    policy: Literal["optimal", "random"] = "optimal"
    steps_per_iteration: int = ranged(1000, at_least=1)

    def __post_init__(self):
        check_environment("td0", self.env, "discrete", tabular=True)


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
    env: str = "CartPole-v1"
    keep_best: bool = True
    select_every: int = ranged(1_000, at_least=1)
    selection_episodes: int = ranged(10, at_least=1)

    def agent_name(self) -> str:
        return self.AGENT

    def __post_init__(self):
        check_environment(self.agent_name(), self.env, self.ACTIONS)


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

    hidden_units: Tuple[int, ...] = (256, 256)
    learning_rate: float = 2.3e-3
    gamma: float = ranged(0.99, above=0, at_most=1)
    batch_size: int = ranged(64, at_least=1)
    replay_capacity: int = ranged(100_000, at_least=1)
    warmup_steps: int = ranged(1_000, at_least=0)
    update_every: int = ranged(250, at_least=1)
    updates_per_round: int = ranged(125, at_least=1)
    target_update_period: int = ranged(125, at_least=1)
    target_update_tau: float = ranged(1.0, above=0, at_most=1)
    epsilon_start: float = ranged(1.0, at_least=0, at_most=1)
    epsilon_end: float = ranged(0.04, at_least=0, at_most=1)
    epsilon_decay_steps: int = ranged(8_000, at_least=0)
    n_step: int = ranged(1, at_least=1)
    reward_clip: float = ranged(0.0, at_least=0)
    gradient_clip: float = ranged(10.0, at_least=0)
    double: bool = False

    def agent_name(self) -> str:
        return "ddqn" if self.double else "dqn"

    def __post_init__(self):
        super().__post_init__()
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
    hidden_units: Tuple[int, ...] = (64, 64)
    value_units: Tuple[int, ...] = (64, 64)
    learning_rate: float = 1e-3
    gamma: float = ranged(0.99, above=0, at_most=1)
    episodes_per_iteration: int = ranged(4, at_least=1)
    value_loss_coef: float = ranged(0.2, at_least=0)
    normalize_returns: bool = True
    entropy_coef: float = ranged(0.0, at_least=0)
    select_every: int = ranged(5_000, at_least=1)


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
    hidden_units: Tuple[int, ...] = (64, 64)
    value_units: Tuple[int, ...] = (64, 64)
    learning_rate: float = 3e-4
    gamma: float = ranged(0.99, above=0, at_most=1)
    gae_lambda: float = ranged(0.95, at_least=0, at_most=1)
    collect_steps: int = ranged(1_000, at_least=1)
    epochs: int = ranged(20, at_least=1)
    clip_ratio: float = ranged(0.2, above=0, below=1)
    entropy_coef: float = ranged(0.0, at_least=0)
    select_every: int = ranged(5_000, at_least=1)
    # Ten selection episodes kept a network that scored 413 over 100 evaluation
    # episodes on seed 1; twenty tell the good networks from the lucky ones.
    selection_episodes: int = ranged(20, at_least=1)


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
    env: str = "Pendulum-v1"
    actor_units: Tuple[int, ...] = (256, 256)
    critic_observation_units: Tuple[int, ...] = (256,)
    critic_joint_units: Tuple[int, ...] = (256,)
    actor_learning_rate: float = 1e-3
    critic_learning_rate: float = 1e-3
    gamma: float = ranged(0.99, above=0, at_most=1)
    batch_size: int = ranged(128, at_least=1)
    replay_capacity: int = ranged(100_000, at_least=1)
    warmup_steps: int = ranged(1_000, at_least=0)
    update_every: int = ranged(1, at_least=1)
    updates_per_round: int = ranged(1, at_least=1)
    target_update_tau: float = ranged(0.005, above=0, at_most=1)
    ou_stddev: float = ranged(0.2, at_least=0)
    ou_damping: float = ranged(0.15, at_least=0)
    select_every: int = ranged(2_000, at_least=1)

    def __post_init__(self):
        super().__post_init__()
        _check_update_every(self.update_every)


def budget_preset(env_steps: int, eval_every_steps: int, eval_episodes: int):
    """A preset setting the training budget in environment steps."""

    def preset(config: RunConfig) -> RunConfig:
        return dataclasses.replace(
            config,
            agent=AgentConfig(env_steps=env_steps, eval_every_steps=eval_every_steps, eval_episodes=eval_episodes),
        )

    return preset
