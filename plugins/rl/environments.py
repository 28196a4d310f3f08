"""The environments agents act in: gym 0.23's own, which ship their code
(no download), keraslab's cliff walk (`cliff.py`), and a batched evaluator
of any policy.

Every agent names the kinds of environment it can act in; an unknown id or
an agent that cannot act in an environment's action space is refused with
the list of what is accepted, before a run directory is written.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict

import numpy as np

from keraslab.core.api import ConfigError
from keraslab.plugins.rl import cliff


@dataclasses.dataclass(frozen=True)
class EnvironmentInfo:
    """What keraslab knows of an environment without importing gym.

    Attributes:
        actions: "discrete" or "continuous".
        tabular: finite states with a known transition model (gym's `P`).
        description: one line for `keraslab rl environments`.
    """

    actions: str
    tabular: bool
    description: str


ENVIRONMENTS: Dict[str, EnvironmentInfo] = {
    "CartPole-v1": EnvironmentInfo("discrete", False, "balance a pole on a cart; +1 a step, at most 500"),
    "Acrobot-v1": EnvironmentInfo("discrete", False, "swing a two-link arm above a line; −1 a step, at most 500"),
    "Pendulum-v1": EnvironmentInfo("continuous", False, "swing a pendulum up and hold it; 200 steps, reward ≤ 0"),
    "FrozenLake-v1": EnvironmentInfo("discrete", True, "slippery 4×4 ice to a goal; 1 on reaching it"),
    "FrozenLake8x8-v1": EnvironmentInfo("discrete", True, "the slippery 8×8 lake"),
    "Taxi-v3": EnvironmentInfo("discrete", True, "pick up and drop off a passenger; 500 states, 6 actions"),
    cliff.ENV_ID: EnvironmentInfo("discrete", True, "walk a 4×12 grid past a cliff; −1 a step, −100 for a fall"),
}


def check_environment(agent: str, env_id: str, actions: str, tabular: bool = False) -> EnvironmentInfo:
    """The environment's info, or a ConfigError naming what `agent` accepts.

    Args:
        agent: the agent's name, for the message.
        env_id: the gym id asked for.
        actions: the action space the agent acts in ("discrete", "continuous").
        tabular: True for agents that need a finite state space with a known
            model; False for network agents, which need vector observations.
    """
    info = ENVIRONMENTS.get(env_id)
    usable = [name for name, e in ENVIRONMENTS.items() if e.actions == actions and e.tabular == tabular]
    if info is None:
        raise ConfigError(f"Unknown environment '{env_id}'. Supported: {', '.join(ENVIRONMENTS)}.")
    if info.actions != actions:
        raise ConfigError(
            f"Agent '{agent}' acts in {actions} action spaces; '{env_id}' has {info.actions} "
            f"actions. Environments it can use: {', '.join(usable)}."
        )
    if tabular and not info.tabular:
        raise ConfigError(
            f"Agent '{agent}' needs a finite state space with a known model; '{env_id}' has "
            f"continuous states. Environments it can use: {', '.join(usable)}."
        )
    if info.tabular and not tabular:
        raise ConfigError(
            f"Agent '{agent}' takes vector observations; '{env_id}' numbers its states "
            f"(a tabular method suits it). Environments it can use: {', '.join(usable)}."
        )
    return info


def make(env_id: str, seed: int):
    """A seeded gym environment (gym 0.23 API: reset() → observation,
    step() → observation, reward, done, info)."""
    import gym

    if env_id == cliff.ENV_ID:
        cliff.register()
    env = gym.make(env_id)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    return env


def evaluate_policy(
    env_id: str, act: Callable[[np.ndarray], np.ndarray], episodes: int, seed: int, side_by_side: int = 500
) -> Dict[str, float]:
    """Returns of `episodes` episodes of a policy, `side_by_side` at a time.

    `act` maps a batch of observations (one per unfinished episode) to their
    actions; episode i runs in an environment seeded `seed + i`, so two
    evaluations with the same seed see the same episodes.

    Returns: mean_return, std_return, min_return, max_return.
    """
    returns = []
    for first in range(0, episodes, side_by_side):
        returns.extend(_run_episodes(env_id, act, range(first, min(first + side_by_side, episodes)), seed))
    return summarize_returns(returns)


def _run_episodes(env_id: str, act, indices, seed: int) -> np.ndarray:
    envs = [make(env_id, seed + i) for i in indices]
    observations = [env.reset(seed=seed + i) for i, env in zip(indices, envs)]
    returns, active = np.zeros(len(envs)), list(range(len(envs)))
    while active:
        actions = np.asarray(act(np.stack([observations[i] for i in active])))
        still = []
        for i, action in zip(active, actions):
            observations[i], reward, done, _ = envs[i].step(gym_action(envs[i], action))
            returns[i] += reward
            if not done:
                still.append(i)
        active = still
    for env in envs:
        env.close()
    return returns


def summarize_returns(returns) -> Dict[str, float]:
    returns = np.asarray(returns, np.float64)
    return {
        "mean_return": float(returns.mean()),
        "std_return": float(returns.std()),
        "min_return": float(returns.min()),
        "max_return": float(returns.max()),
    }


def gym_action(env, action):
    """A policy's action as the environment's step() takes it: an int, or an array of the box's shape."""
    import gym

    if isinstance(env.action_space, gym.spaces.Discrete):
        return int(action)
    return np.asarray(action, np.float32).reshape(env.action_space.shape)
