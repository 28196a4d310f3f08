"""Tabular methods on environments with a finite state space and a known
model (gym's transition table `P[s][a] = [(p, s', r, done), ...]`), in
NumPy (Sutton & Barto, 2018, chapters 4 and 6).

* value iteration: V(s) ← max_a Σ_{s'} p(s' | s, a) [r + γ (1 − done) V(s')]
  until the largest change is below θ; the policy is greedy in V.
* policy iteration: evaluate π exactly, V^π = (I − γ P_π)⁻¹ R_π, then make
  π greedy in V^π; stop when π no longer changes.
* TD(0) policy evaluation: V(s) ← V(s) + α [r + γ V(s') − V(s)] along
  sampled transitions of a fixed policy; measured against the exact V^π.
* TD control with ε-greedy exploration, ε annealed linearly: Q-learning
  (Watkins, 1989), Q(s, a) ← Q(s, a) + α [r + γ max_a' Q(s', a') − Q(s, a)],
  SARSA and expected SARSA (`TemporalDifferenceControl`).

Planners take no environment steps: their "steps" are state backups (one
per state a sweep), and they end the run when they have converged.
Sampling methods draw transitions from the same table with the run's
random generator, so a resumed run continues exactly where it stopped.
Every method is evaluated by running its greedy policy in the gym
environment itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from keraslab.core.api import AgentProgram
from keraslab.plugins.rl import environments
from keraslab.plugins.rl.config import PlannerConfig, TdControlConfig, TemporalDifferenceConfig


@dataclasses.dataclass(frozen=True)
class TabularModel:
    """An MDP as arrays over (state, action, outcome k): probability,
    next state, reward and whether the episode ends; outcomes are padded
    with probability 0 to the largest count."""

    probability: np.ndarray
    next_state: np.ndarray
    reward: np.ndarray
    done: np.ndarray
    initial: np.ndarray
    max_steps: int

    @property
    def states(self) -> int:
        return self.probability.shape[0]

    @property
    def actions(self) -> int:
        return self.probability.shape[1]

    @classmethod
    def from_gym(cls, env_id: str) -> "TabularModel":
        env = environments.make(env_id, 0)
        table, initial = (
            env.unwrapped.P,
            np.asarray(
                env.unwrapped.initial_state_distrib
                if hasattr(env.unwrapped, "initial_state_distrib")
                else env.unwrapped.isd,
                np.float64,
            ),
        )
        states, actions = env.observation_space.n, env.action_space.n
        outcomes = max(len(table[s][a]) for s in range(states) for a in range(actions))
        arrays = {
            name: np.zeros((states, actions, outcomes), dtype)
            for name, dtype in (
                ("probability", np.float64),
                ("next_state", np.int64),
                ("reward", np.float64),
                ("done", np.float64),
            )
        }
        for s in range(states):
            for a in range(actions):
                for k, (p, s_next, r, done) in enumerate(table[s][a]):
                    arrays["probability"][s, a, k] = p
                    arrays["next_state"][s, a, k] = s_next
                    arrays["reward"][s, a, k] = r
                    arrays["done"][s, a, k] = float(done)
        max_steps = env.spec.max_episode_steps
        env.close()
        return cls(initial=initial / initial.sum(), max_steps=int(max_steps), **arrays)

    def action_values(self, values: np.ndarray, gamma: float) -> np.ndarray:
        """Q(s, a) = Σ_k p_k [r_k + γ (1 − done_k) V(s'_k)], shape (S, A)."""
        future = gamma * (1.0 - self.done) * values[self.next_state]
        return np.sum(self.probability * (self.reward + future), axis=-1)

    def policy_values(self, policy: np.ndarray, gamma: float) -> np.ndarray:
        """V^π exactly: the solution of (I − γ P_π) V = R_π for a deterministic π."""
        rows = np.arange(self.states)
        probability, next_state = self.probability[rows, policy], self.next_state[rows, policy]
        transition = np.zeros((self.states, self.states))
        continuing = probability * (1.0 - self.done[rows, policy])
        np.add.at(transition, (np.repeat(rows, next_state.shape[1]), next_state.ravel()), continuing.ravel())
        expected_reward = np.sum(probability * self.reward[rows, policy], axis=-1)
        return np.linalg.solve(np.eye(self.states) - gamma * transition, expected_reward)

    def expected_return(self, policy: np.ndarray) -> float:
        """E[Σ r] of a deterministic policy from the initial states within the
        time limit, undiscounted, exactly: V_T with V_0 = 0 and
        V_t(s) = Σ_k p_k [r_k + (1 − done_k) V_{t−1}(s'_k)]. On FrozenLake
        this is the probability of reaching the goal."""
        rows = np.arange(self.states)
        probability, next_state = self.probability[rows, policy], self.next_state[rows, policy]
        reward, done = self.reward[rows, policy], self.done[rows, policy]
        values = np.zeros(self.states)
        for _ in range(self.max_steps):
            values = np.sum(probability * (reward + (1.0 - done) * values[next_state]), axis=-1)
        return float(self.initial @ values)

    def sample(self, state: int, action: int, uniform: float):
        """(next state, reward, done) of one transition, by inverting the CDF at `uniform`."""
        k = int(np.searchsorted(np.cumsum(self.probability[state, action]), uniform, side="right"))
        k = min(k, int(np.count_nonzero(self.probability[state, action])) - 1)
        return (
            int(self.next_state[state, action, k]),
            float(self.reward[state, action, k]),
            bool(self.done[state, action, k]),
        )

    def start(self, uniform: float) -> int:
        return int(min(np.searchsorted(np.cumsum(self.initial), uniform, side="right"), self.states - 1))


class TabularProgram(AgentProgram):
    """What every tabular method shares: Q(s, a) in a variable, the greedy
    policy, evaluation in the gym environment and the export."""

    def __init__(self, env_id: str, seed: int):
        self.env_id, self.seed = env_id, seed
        self.model = TabularModel.from_gym(env_id)
        self.q = tf.Variable(tf.zeros([self.model.states, self.model.actions], tf.float64), name="q")
        self.steps = tf.Variable(0, dtype=tf.int64, name="env_steps")

    @property
    def env_steps(self) -> int:
        return int(self.steps.numpy())

    def trackables(self):
        return {"q": self.q, "steps": self.steps}

    def greedy_policy(self) -> np.ndarray:
        return np.argmax(self.q.numpy(), axis=1)

    def evaluate(self, episodes: int):
        """Returns of the greedy policy over `episodes` gym episodes, and
        `exact_return`: its expected return computed from the model."""
        policy = self.greedy_policy()
        measured = environments.evaluate_policy(
            self.env_id, lambda states: policy[states.astype(np.int64)], episodes, seed=10_000 + self.seed
        )
        return {**measured, "exact_return": self.model.expected_return(policy)}

    def observation_spec(self):
        return tf.TensorSpec([], tf.int64)

    def greedy_action(self, observation):
        return tf.argmax(tf.gather(self.q, observation), axis=-1)


class Planner(TabularProgram):
    """A dynamic-programming method: it ends the run once converged."""

    def __init__(self, config: PlannerConfig, seed: int):
        super().__init__(config.env, seed)
        self.config = config
        self.converged = tf.Variable(False, name="converged")

    def trackables(self):
        return {**super().trackables(), "converged": self.converged}

    @property
    def finished(self) -> bool:
        return bool(self.converged.numpy())


class ValueIteration(Planner):
    def __init__(self, config: PlannerConfig, seed: int):
        super().__init__(config, seed)
        self.values = tf.Variable(tf.zeros([self.model.states], tf.float64), name="values")

    def trackables(self):
        return {**super().trackables(), "values": self.values}

    def train_iteration(self):
        q = self.model.action_values(self.values.numpy(), self.config.gamma)
        values = q.max(axis=1)
        change = float(np.max(np.abs(values - self.values.numpy())))
        self.values.assign(values)
        self.q.assign(self.model.action_values(values, self.config.gamma))
        self.steps.assign_add(self.model.states)
        self.converged.assign(change < self.config.tolerance)
        return {"bellman_change": change, "value_start": float(self.model.initial @ values)}


class PolicyIteration(Planner):
    def __init__(self, config: PlannerConfig, seed: int):
        super().__init__(config, seed)
        self.policy = tf.Variable(tf.zeros([self.model.states], tf.int64), name="policy")

    def trackables(self):
        return {**super().trackables(), "policy": self.policy}

    def greedy_policy(self) -> np.ndarray:
        return self.policy.numpy()

    def train_iteration(self):
        policy = self.policy.numpy()
        values = self.model.policy_values(policy, self.config.gamma)
        q = self.model.action_values(values, self.config.gamma)
        # Keep the current action on ties, so that the iteration stops.
        best = q.max(axis=1, keepdims=True)
        current_is_best = q[np.arange(self.model.states), policy] >= best[:, 0] - 1e-12
        improved = np.where(current_is_best, policy, np.argmax(q, axis=1))
        self.q.assign(q)
        self.policy.assign(improved)
        self.steps.assign_add(self.model.states)
        changed = int(np.sum(improved != policy))
        self.converged.assign(changed == 0)
        return {"policy_changes": float(changed), "value_start": float(self.model.initial @ values)}

    def greedy_action(self, observation):
        return tf.gather(self.policy, observation)


def value_iteration_policy(model: TabularModel, gamma: float, tolerance: float = 1e-10) -> np.ndarray:
    """The greedy policy of value iteration run to convergence."""
    values = np.zeros(model.states)
    while True:
        updated = model.action_values(values, gamma).max(axis=1)
        if np.max(np.abs(updated - values)) < tolerance:
            return np.argmax(model.action_values(updated, gamma), axis=1)
        values = updated


class SampledProgram(TabularProgram):
    """A method that learns from transitions sampled along episodes."""

    def __init__(self, env_id: str, seed: int, steps_per_iteration: int):
        super().__init__(env_id, seed)
        self.steps_per_iteration = steps_per_iteration
        self.state = tf.Variable(-1, dtype=tf.int64, name="state")  # −1: start an episode
        self.episode_steps = tf.Variable(0, dtype=tf.int64, name="episode_steps")
        self.rng = tf.random.Generator.from_seed(seed)

    def trackables(self):
        return {**super().trackables(), "state": self.state, "episode_steps": self.episode_steps, "rng": self.rng}

    def run_steps(self, choose, learn):
        """Takes `steps_per_iteration` transitions: `choose(state, uniform)` picks
        the action, `learn(state, action, reward, next_state, done)` updates."""
        model = self.model
        uniforms = self.rng.uniform([self.steps_per_iteration, 3], dtype=tf.float64).numpy()
        state, length = int(self.state.numpy()), int(self.episode_steps.numpy())
        for start, explore, outcome in uniforms:
            if state < 0:
                state, length = model.start(start), 0
            action = choose(state, explore)
            next_state, reward, done = model.sample(state, action, outcome)
            learn(state, action, reward, next_state, done)
            length += 1
            state = -1 if done or length >= model.max_steps else next_state
        self.state.assign(state)
        self.episode_steps.assign(length)
        self.steps.assign_add(self.steps_per_iteration)


RECENT_EPISODES = 100  # the behaviour's return is averaged over this many episodes


class TemporalDifferenceControl(SampledProgram):
    """One-step TD control with ε-greedy behaviour; the methods differ in the
    value of the next state they learn towards (Sutton & Barto, 2018, 6.4–6.6):

    * Q-learning (off-policy, Watkins, 1989): r + γ max_a' Q(s', a'), the greedy
      policy's value, whatever the behaviour does next;
    * SARSA (on-policy, Rummery & Niranjan, 1994): r + γ Q(s', a') with a' the
      action the behaviour then takes;
    * expected SARSA (van Seijen et al., 2009): r + γ Σ_a' π(a' | s') Q(s', a'),
      π the ε-greedy policy: π(a' | s') = ε/|A| + (1 − ε) [a' = argmax Q(s', ·)].

    Each step: Q(s, a) ← Q(s, a) + α [target − Q(s, a)], the next action chosen
    before the update (as SARSA needs). At a terminal state the target is r;
    at the time limit (a truncation) it still bootstraps.

    `behaviour_return` is the mean return of the last 100 episodes of the
    ε-greedy behaviour: what the agent earns while it learns.
    On the cliff walk it is where on- and off-policy differ: Q-learning learns
    the walk along the edge and falls off it while exploring; SARSA learns a
    safer walk and earns more while learning.
    """

    def __init__(self, config: TdControlConfig, seed: int):
        super().__init__(config.env, seed, config.steps_per_iteration)
        self.config = config
        self.choice_rng = tf.random.Generator.from_seed(seed + 1)
        self.action = tf.Variable(-1, dtype=tf.int64, name="action")  # the behaviour's next action
        self.episode_return = tf.Variable(0.0, dtype=tf.float64, name="episode_return")
        # The returns of the behaviour's last RECENT_EPISODES episodes (a ring) and how many have ended.
        self.recent_returns = tf.Variable(tf.zeros([RECENT_EPISODES], tf.float64), name="recent_returns")
        self.episodes_ended = tf.Variable(0, dtype=tf.int64, name="episodes_ended")

    def trackables(self):
        return {
            **super().trackables(),
            "choice_rng": self.choice_rng,
            "action": self.action,
            "episode_return": self.episode_return,
            "recent_returns": self.recent_returns,
            "episodes_ended": self.episodes_ended,
        }

    def epsilon(self) -> float:
        """ε annealed linearly from `epsilon_start` to `epsilon_end` over `epsilon_decay_steps`."""
        c = self.config
        fraction = min(self.env_steps / max(c.epsilon_decay_steps, 1), 1.0)
        return c.epsilon_start + fraction * (c.epsilon_end - c.epsilon_start)

    def next_value(self, q_next: np.ndarray, next_action: int, epsilon: float) -> float:
        """The value of s' the update learns towards, by the method's rule."""
        if self.config.AGENT == "q-learning":
            return float(q_next.max())
        if self.config.AGENT == "sarsa":
            return float(q_next[next_action])
        policy = np.full(q_next.shape, epsilon / q_next.size)
        policy[np.argmax(q_next)] += 1.0 - epsilon
        return float(policy @ q_next)

    def train_iteration(self):
        c, model, q = self.config, self.model, self.q.numpy()
        epsilon, n = self.epsilon(), c.steps_per_iteration
        uniforms = self.rng.uniform([n, 4], dtype=tf.float64).numpy()
        random_actions = self.choice_rng.uniform([n, 2], 0, model.actions, dtype=tf.int64).numpy()

        def choose(state, explore, random_action):
            return int(random_action) if explore < epsilon else int(np.argmax(q[state]))

        state, action = int(self.state.numpy()), int(self.action.numpy())
        length, episode_return = int(self.episode_steps.numpy()), float(self.episode_return.numpy())
        recent, ended = self.recent_returns.numpy(), int(self.episodes_ended.numpy())
        for (start, outcome, explore_first, explore_next), (random_first, random_next) in zip(uniforms, random_actions):
            if state < 0:
                state, length, episode_return = model.start(start), 0, 0.0
                action = choose(state, explore_first, random_first)
            next_state, reward, done = model.sample(state, action, outcome)
            next_action = choose(next_state, explore_next, random_next)
            target = reward if done else reward + c.gamma * self.next_value(q[next_state], next_action, epsilon)
            q[state, action] += c.alpha * (target - q[state, action])
            length, episode_return = length + 1, episode_return + reward
            if done or length >= model.max_steps:
                recent[ended % RECENT_EPISODES], ended = episode_return, ended + 1
                state, action = -1, -1
            else:
                state, action = next_state, next_action
        self.state.assign(state)
        self.action.assign(action)
        self.episode_steps.assign(length)
        self.episode_return.assign(episode_return)
        self.steps.assign_add(n)
        self.q.assign(q)
        self.recent_returns.assign(recent)
        self.episodes_ended.assign(ended)
        return {
            "epsilon": epsilon,
            "q_start": float(model.initial @ q.max(axis=1)),
            "behaviour_return": float(np.mean(recent[: min(ended, RECENT_EPISODES)])) if ended else float("nan"),
            "episodes": float(ended),
        }


class TemporalDifference(SampledProgram):
    """TD(0) evaluation of a fixed policy: the optimal one (from value
    iteration) or the uniformly random one."""

    def __init__(self, config: TemporalDifferenceConfig, seed: int):
        super().__init__(config.env, seed, config.steps_per_iteration)
        self.config = config
        if config.policy == "optimal":
            self.policy = value_iteration_policy(self.model, config.gamma)
            self.exact = self.model.policy_values(self.policy, config.gamma)
        else:
            self.policy = None
            self.exact = random_policy_values(self.model, config.gamma)
        self.values = tf.Variable(tf.zeros([self.model.states], tf.float64), name="values")
        self.choice_rng = tf.random.Generator.from_seed(seed + 1)

    def trackables(self):
        return {**super().trackables(), "values": self.values, "choice_rng": self.choice_rng}

    def greedy_policy(self) -> np.ndarray:
        return self.policy if self.policy is not None else np.zeros(self.model.states, np.int64)

    def train_iteration(self):
        c, values = self.config, self.values.numpy()
        random_actions = iter(
            self.choice_rng.uniform([c.steps_per_iteration], 0, self.model.actions, dtype=tf.int64).numpy()
        )

        def choose(state, explore):
            action = next(random_actions)
            return int(self.policy[state]) if self.policy is not None else int(action)

        def learn(state, action, reward, next_state, done):
            target = reward + (0.0 if done else c.gamma * values[next_state])
            values[state] += c.alpha * (target - values[state])

        self.run_steps(choose, learn)
        self.values.assign(values)
        reachable = self.model.initial > 0
        return {
            "value_rmse": float(np.sqrt(np.mean((values - self.exact) ** 2))),
            "value_start_error": float(abs(self.model.initial[reachable] @ (values - self.exact)[reachable])),
        }

    def evaluate(self, episodes: int):
        if self.policy is None:
            rng = np.random.default_rng(self.seed)
            return environments.evaluate_policy(
                self.env_id, lambda s: rng.integers(self.model.actions, size=len(s)), episodes, seed=10_000 + self.seed
            )
        return super().evaluate(episodes)

    def greedy_action(self, observation):
        return tf.gather(tf.constant(self.greedy_policy()), observation)


def random_policy_values(model: TabularModel, gamma: float) -> np.ndarray:
    """V of the uniformly random policy: the average of each action's values."""
    rows = np.arange(model.states)
    transition = np.zeros((model.states, model.states))
    expected_reward = np.zeros(model.states)
    for action in range(model.actions):
        probability = model.probability[:, action] * (1.0 - model.done[:, action]) / model.actions
        np.add.at(
            transition,
            (np.repeat(rows, probability.shape[1]), model.next_state[:, action].ravel()),
            probability.ravel(),
        )
        expected_reward += np.sum(model.probability[:, action] * model.reward[:, action], axis=-1) / model.actions
    return np.linalg.solve(np.eye(model.states) - gamma * transition, expected_reward)


def build_value_iteration(config: PlannerConfig, info) -> ValueIteration:
    return ValueIteration(config, info.seed)


def build_policy_iteration(config: PlannerConfig, info) -> PolicyIteration:
    return PolicyIteration(config, info.seed)


def build_td_control(config: TdControlConfig, info) -> TemporalDifferenceControl:
    return TemporalDifferenceControl(config, info.seed)


def build_td0(config: TemporalDifferenceConfig, info) -> TemporalDifference:
    return TemporalDifference(config, info.seed)
